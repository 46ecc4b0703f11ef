// Graceful reload (-W reload-on=SIG, our extension; without it nothing here runs).
// This process becomes a supervisor (a node:cluster primary) and a worker process serves.
// Listening sockets belong to the supervisor and are shared with workers (cluster's
// SCHED_NONE: each worker accepts on the same socket itself, no connection passes through
// the supervisor). On the reload signal the supervisor re-reads the configuration as the
// start did; if it checks, a new worker starts on it, and once it listens the old worker
// stops accepting and finishes its requests (at most Grace seconds). A listener kept
// across the reload never closes, so no connection is refused; a configuration that does
// not check, or a worker that cannot start, leaves the running one alone.
// As pound 4's supervisor does, a worker that dies unasked is restarted.
import cluster, { type Worker } from 'node:cluster';
import { constants } from 'node:os';
import type { ProxyConfig } from '@penpound/engine';
import { detachedLogging, finalConfig, checkOptionsOf } from '../cli/final-config.js';
import { CANNOT_RUN } from './cannot.js';
import type { ServePlan, StartReport, Starter, WorkerCommand } from './plan.js';
import { WORKER_ENV } from './plan.js';
import { pidFileWanted, removePidFile, writePidFile } from './pidfile.js';
import { receivedText, stopKindOf } from './stop.js';
import { SIGNAL_NUMBERS } from './texts.js';

const STOP_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM'] as const;
/** A worker that dies sooner than this after starting is restarted only after this long. */
const RESTART_PAUSE_MS = 1000;

type Log = (priority: 'err' | 'warning' | 'notice' | 'info', message: string) => void;

export async function runSupervised(plan: ServePlan, starter: Starter, reloadOn: NodeJS.Signals): Promise<number> {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: process.argv[1]!, args: [], execArgv: process.execArgv });
  const { logSinkFor } = await import('@penpound/engine/http/shared');
  let current = plan;
  const log: Log = (priority, message) => logSinkFor(current.config).write(priority, message);
  const modern = plan.config.dialect === 'pound-4';
  const pidFile = plan.config.process.pidFile;

  let worker: Worker | undefined;
  /** Workers told to stop (an old one draining after a reload, or all at the end). */
  const leaving = new Set<Worker>();
  let stopping = false;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finish = resolve));

  // Signals are caught from the start; one that comes while the first worker starts is
  // acted on once it runs (the default action would leave a worker behind).
  let started = false;
  const early: string[] = [];
  const onSignal = (signal: NodeJS.Signals, act: () => void): void => {
    if (started) act();
    else early.push(signal);
  };
  const handlers = new Map<string, () => void>();
  for (const signal of new Set([reloadOn, ...STOP_SIGNALS])) {
    process.on(signal, () => onSignal(signal, () => handlers.get(signal)?.()));
  }

  const first = await startWorker(current);
  if (first.kind === 'fatal') {
    await starter.fatal(first.message, (m) => log('err', m));
    logSinkFor(current.config).close();
    setTimeout(() => process.exit(1), 500).unref();
    return 1;
  }
  worker = first.worker;
  watch(worker);
  if (pidFileWanted(pidFile, plan.config.dialect)) {
    const problem = writePidFile(pidFile);
    if (problem) log('notice', problem);
  }
  await starter.ready();

  /** A worker that exits without being told to is restarted with the current plan. */
  function watch(w: Worker): void {
    const bornAt = Date.now();
    w.on('exit', (code, signal) => {
      if (leaving.delete(w) || stopping) {
        if (stopping && Object.keys(cluster.workers ?? {}).length === 0) end();
        return;
      }
      if (w !== worker) return;
      worker = undefined;
      log('err', signal ? `MONITOR: worker exited on signal ${constants.signals[signal as NodeJS.Signals] ?? signal}, restarting...` : `MONITOR: worker exited normally ${code ?? 0}, restarting...`);
      const pause = Date.now() - bornAt < RESTART_PAUSE_MS ? RESTART_PAUSE_MS : 0;
      setTimeout(() => void restart(), pause);
    });
  }

  async function restart(): Promise<void> {
    if (stopping || worker) return;
    const r = await startWorker(current);
    if (r.kind === 'fatal') {
      log('err', r.message);
      // Try again later: whatever stopped it (a full disk, a missing file) may pass.
      setTimeout(() => void restart(), RESTART_PAUSE_MS);
      return;
    }
    worker = r.worker;
    watch(worker);
  }

  let reloading = false;
  async function reload(): Promise<void> {
    if (reloading || stopping) return;
    reloading = true;
    try {
      log('notice', `received signal ${SIGNAL_NUMBERS[reloadOn]} - reloading ${current.options.configFile}...`);
      const next = await reread(current, log);
      if (!next) {
        log('err', 'reload failed: the running configuration stays');
        return;
      }
      const r = await startWorker(next);
      if (r.kind === 'fatal') {
        log('err', r.message);
        log('err', 'reload failed: the running configuration stays');
        return;
      }
      const old = worker;
      worker = r.worker;
      watch(worker);
      const previous = current;
      current = next;
      logSinkFor(previous.config).close(); // the log may have moved (LogFacility)
      if (old) {
        leaving.add(old);
        send(old, { stop: 'handover' });
      }
      log('notice', 'reload done');
    } finally {
      reloading = false;
    }
  }

  function end(): void {
    if (modern && pidFileWanted(pidFile, plan.config.dialect)) removePidFile(pidFile);
    logSinkFor(current.config).close();
    finish(0);
    setTimeout(() => process.exit(0), 500).unref();
  }

  handlers.set(reloadOn, () => void reload());
  for (const signal of STOP_SIGNALS) {
    if (signal === reloadOn) continue;
    handlers.set(signal, () => {
      const kind = stopKindOf(signal);
      if (stopping && kind === 'graceful') return;
      log('notice', receivedText(signal));
      stopping = true;
      const all = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      if (all.length === 0) return end();
      for (const w of all) send(w, { stop: kind });
      // As pound 4: a worker still there Grace + 1 s after a graceful stop is killed.
      const limit = kind === 'graceful' ? (current.config.process.graceSeconds + 1) * 1000 : 1000;
      setTimeout(() => {
        for (const w of all) if (!w.isDead()) w.process.kill('SIGKILL');
      }, limit).unref();
    });
  }
  started = true;
  for (const signal of early) handlers.get(signal)?.();
  return done;
}

function send(w: Worker, command: WorkerCommand): void {
  if (w.isConnected()) w.send(command);
}

type WorkerStart = { kind: 'ready'; worker: Worker } | { kind: 'fatal'; message: string };

/** Fork a worker with this plan; resolves once it serves or has failed. */
function startWorker(plan: ServePlan): Promise<WorkerStart> {
  return new Promise((resolve) => {
    // Sockets are shared through cluster only when listening goes through net.Server: the
    // engine's bare-libuv-handle path binds on its own, so workers use the net path.
    const w = cluster.fork({ [WORKER_ENV]: '1', PENPOUND_STREAM_IO: 'net' });
    let settled = false;
    const settle = (r: WorkerStart): void => {
      if (settled) return;
      settled = true;
      w.off('message', onMessage);
      resolve(r);
    };
    const onMessage = (m: StartReport | { kind: 'plan?' }): void => {
      if (m.kind === 'plan?') w.send({ plan });
      else if (m.kind === 'ready') settle({ kind: 'ready', worker: w });
      else if (m.kind === 'fatal') settle({ kind: 'fatal', message: m.message });
    };
    w.on('message', onMessage);
    w.on('exit', (code) => settle({ kind: 'fatal', message: `worker exited with status ${code ?? 0} while starting` }));
  });
}

/** Read the configuration again as the start did; its messages go to the log. */
async function reread(current: ServePlan, log: Log): Promise<ServePlan | undefined> {
  const { checkConfig } = await import('../check/check.js');
  const { renderOriginal } = await import('../render/render.js');
  const o = current.options;
  const result = await checkConfig({ ...checkOptionsOf(o), collectAll: false });
  for (const line of renderOriginal(result.problems, o.dialect, result.sources, current.prog)) {
    log(result.config ? 'warning' : 'err', line.replace(/^pound: /, ''));
  }
  if (!result.config) return undefined;
  const refused = result.unsupported.find(() => true);
  if (refused) {
    log('err', `${refused.span.file}:${refused.span.start.line}: ${refused.what}: ${CANNOT_RUN[refused.what] ?? 'not supported by penpound yet'}`);
    return undefined;
  }
  if (result.config.listeners.length === 0) {
    log('err', 'no listeners defined');
    return undefined;
  }
  const config: ProxyConfig = finalConfig(result.config, o);
  // Whether we run detached and where the pid file is were settled at the start.
  config.process.foreground = current.config.process.foreground;
  config.process.pidFile = current.config.process.pidFile;
  return { ...current, config: detachedLogging(config) };
}
