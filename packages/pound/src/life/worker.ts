// A supervised worker (-W reload-on): serves the plan its supervisor sends and stops when
// told to. Stop signals are the supervisor's business (a terminal's Ctrl-C or systemd's
// TERM reach the whole group; the supervisor decides and tells us); if the supervisor
// goes away, so do we.
import type { RunOptions } from './run.js';
import { startServing } from './run.js';
import { WORKER_ENV, type ServePlan, type StartReport, type WorkerCommand } from './plan.js';
import { stopServing } from './stop.js';

const IGNORED = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2'] as const;

export async function runWorker(afterBindFor?: (plan: ServePlan) => RunOptions['afterBind']): Promise<number> {
  delete process.env[WORKER_ENV];
  for (const s of IGNORED) process.on(s, () => {});
  process.on('disconnect', () => process.exit(0));
  // Asked for, not waited for: in an ES module a cluster worker's listener comes too late
  // for a message sent as the worker starts (it would be lost).
  const plan = await new Promise<ServePlan>((resolve) => {
    process.once('message', (m: { plan: ServePlan }) => resolve(m.plan));
    process.send!({ kind: 'plan?' });
  });
  const report = (m: StartReport): Promise<void> => new Promise((resolve) => (process.send ? process.send(m, () => resolve()) : resolve()));
  const afterBind = afterBindFor?.(plan);
  const running = await startServing(plan, { ready: () => report({ kind: 'ready' }), fatal: (message) => report({ kind: 'fatal', message }) }, {
    writePid: false,
    ...(afterBind ? { afterBind } : {}),
  });
  if (!running) {
    process.exit(1);
  }
  const modern = plan.config.dialect === 'pound-4';
  let stopping = false;
  process.on('message', (c: WorkerCommand) => {
    if (!c.stop) return;
    // An immediate stop cuts a graceful one short; nothing else changes a stop under way.
    if (stopping && c.stop !== 'immediate') return;
    const exit = (): void => {
      running.closeLog();
      process.exit(0);
    };
    if (stopping) return exit();
    stopping = true;
    stopServing(running, c.stop, modern).then(exit, exit);
  });
  return new Promise<number>(() => {});
}
