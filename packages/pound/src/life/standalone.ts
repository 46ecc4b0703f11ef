// One process serves (pound's default here: no separate supervisor): start, then wait for
// a stop signal. Used in the foreground and by the detached daemon alike.
import type { ServePlan, Starter } from './plan.js';
import { removePidFile, pidFileWanted } from './pidfile.js';
import { startServing, type RunOptions, type Running } from './run.js';
import { receivedText, stopKindOf, stopServing } from './stop.js';

const STOP_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM'] as const;

export async function runStandalone(plan: ServePlan, starter: Starter, afterBind?: RunOptions['afterBind']): Promise<number> {
  const { config } = plan;
  const modern = config.dialect === 'pound-4';
  const pidFile = config.process.pidFile;
  let running: Running | undefined;
  let stopping: 'graceful' | 'immediate' | undefined;
  /** A stop signal that came while starting, acted on once started. */
  let early: string | undefined;
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));

  const finish = (): void => {
    // 4.x removes its pid file on exit; 2.x leaves it (spec §4.3).
    if (modern && pidFileWanted(pidFile, config.dialect)) removePidFile(pidFile);
    running?.closeLog();
    resolveExit(0);
    // Nothing should keep the process now; if a stray handle does, still exit (the timer
    // itself never holds the process: when all is closed we are gone before it fires).
    setTimeout(() => process.exit(0), 500).unref();
  };
  const onSignal = (signal: string): void => {
    if (!running) {
      early ??= signal;
      return;
    }
    const kind = stopKindOf(signal);
    // A second graceful signal changes nothing; an immediate one ends a graceful stop.
    if (stopping === 'immediate' || (stopping === 'graceful' && kind === 'graceful')) return;
    running.log('notice', receivedText(signal));
    if (stopping === 'graceful') return finish();
    stopping = kind;
    stopServing(running, kind, modern).then(finish, finish);
  };
  // Installed first, as pound does: a signal during start-up must not kill us half-started
  // (the pid file written, the daemon's parent told we run).
  for (const signal of STOP_SIGNALS) process.on(signal, () => onSignal(signal));

  running = await startServing(plan, starter, { writePid: true, ...(afterBind ? { afterBind } : {}) });
  if (!running) {
    setTimeout(() => process.exit(1), 500).unref();
    return 1;
  }
  if (early) onSignal(early);
  return exited;
}
