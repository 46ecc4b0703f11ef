// Going to the background (`Daemon 1`, pound's default). pound forks after binding and the
// parent exits 0. Node cannot fork, so we spawn a detached copy of ourselves (a new
// session, stdio on /dev/null, same working directory and environment), hand it the
// checked plan over an IPC channel (the configuration is not read twice), and exit once
// it reports: 0 when it serves, 1 with pound's message on stderr when it could not start
// (a busy port, an unknown User). The pid file therefore holds the daemon's pid.
import { spawn } from 'node:child_process';
import { DAEMON_ENV, type ServePlan, type StartReport, type Starter } from './plan.js';


/**
 * In the parent; `onFatal` gets pound's message when the daemon could not start.
 * `keepTerminal`: 2.x with `LogFacility -` leaves the terminal attached (its messages keep
 * going to our stdout/stderr); otherwise stdio is /dev/null.
 */
export function detach(plan: ServePlan, keepTerminal: boolean, onFatal: (message: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const io = keepTerminal ? 'inherit' : 'ignore';
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], {
      detached: true,
      stdio: ['ignore', io, io, 'ipc'],
      env: { ...process.env, [DAEMON_ENV]: '1' },
      cwd: process.cwd(),
    });
    let settled = false;
    const finish = (code: number): void => {
      if (settled) return;
      settled = true;
      if (child.connected) child.disconnect();
      child.unref();
      resolve(code);
    };
    child.on('message', (m: StartReport) => {
      if (m.kind === 'fatal' && m.message !== '') onFatal(m.message);
      finish(m.kind === 'ready' ? 0 : 1);
    });
    child.on('error', (e) => {
      onFatal(`fork: ${e.message}`);
      finish(1);
    });
    child.on('exit', (code) => finish(code === 0 ? 0 : 1));
    child.send({ plan });
  });
}

/** In the daemon: the plan the parent sends. */
export function receivePlan(): Promise<ServePlan> {
  delete process.env[DAEMON_ENV];
  return new Promise((resolve) => {
    process.once('message', (m: { plan: ServePlan }) => resolve(m.plan));
  });
}

/**
 * In the daemon: report start-up to the waiting parent, then let go of the channel. The
 * parent shows a failure on the terminal; `toSyslog`: it goes to syslog too, as pound logs it.
 */
export function parentStarter(toSyslog: boolean): Starter {
  const send = (m: StartReport): Promise<void> =>
    new Promise((resolve) => {
      if (!process.send || !process.connected) return resolve();
      process.send(m, () => {
        if (process.connected) process.disconnect();
        resolve();
      });
    });
  return {
    ready: () => send({ kind: 'ready' }),
    fatal: async (message, log) => {
      if (toSyslog) log(message);
      await send({ kind: 'fatal', message });
    },
  };
}
