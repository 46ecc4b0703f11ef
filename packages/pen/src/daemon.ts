// Going to the background. pen forks after reading its options and the -F file; the parent
// exits 0 at once. We spawn a detached copy of ourselves (new session, stdio on /dev/null,
// same working directory), hand it the parsed configuration as plain data over an IPC
// channel (so -o commands and the -F file are not run twice), and exit only once it has
// bound its sockets: 0 when it runs, 1 with its message when it could not start.
import { spawn } from 'node:child_process';
import type { ProxyConfig, ServiceStats } from '@penpound/engine';
import type { Positional } from './args.js';
import type { PenSettings } from './state.js';

export const DAEMON_ENV = 'PENPOUND_DAEMON_CHILD';

/** Everything the background process needs to carry on from where the parent stopped. */
export interface LaunchPlan {
  config: ProxyConfig;
  settings: PenSettings;
  preStartStats: ServiceStats;
  positionals: Positional[];
  emergency?: Positional;
  abuse?: Positional;
}

export type ChildMessage = { kind: 'ready' } | { kind: 'fatal'; message: string };

/** In the parent: start the daemon and wait for its verdict. Resolves to the exit code. */
export function detach(plan: LaunchPlan, entryScript: string, stderr: (t: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, entryScript, ...process.argv.slice(2)], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: { ...process.env, [DAEMON_ENV]: '1' },
      cwd: process.cwd(),
    });
    let settled = false;
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      resolve(code);
    };
    child.on('message', (message: ChildMessage) => {
      if (message.kind === 'fatal' && message.message !== '') stderr(`${message.message}\n`);
      finish(message.kind === 'ready' ? 0 : 1);
    });
    child.on('error', (error) => {
      stderr(`${error.message}\n`);
      finish(1);
    });
    child.on('exit', (code) => finish(code === 0 ? 0 : 1));
    child.send({ plan });
    child.unref();
  });
}

/** In the daemon: receive the plan from the parent. */
export function receivePlan(): Promise<LaunchPlan> {
  return new Promise((resolve) => {
    process.once('message', (message: { plan: LaunchPlan }) => resolve(message.plan));
  });
}

/** In the daemon: tell the parent how start-up went, then let go of the channel. */
export function reportToParent(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, () => {
      if (process.connected) process.disconnect();
      resolve();
    });
  });
}
