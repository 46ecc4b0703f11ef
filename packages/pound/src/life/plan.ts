// What a serving process needs to run a checked configuration: plain data, so it can be
// handed to a detached daemon or a supervised worker over an IPC channel as it is.
import type { ProxyConfig } from '@penpound/engine';
import type { PoundOptions } from '../cli/options.js';

export interface ServePlan {
  /** The checked model with the command line applied (-F, -e, -p). */
  config: ProxyConfig;
  /** The parsed command line (the supervisor re-reads the configuration with it). */
  options: PoundOptions;
  /** The program name 4.x prefixes its terminal messages with. */
  prog: string;
}

/** Messages from a serving process to whoever started it (daemon parent or supervisor). */
export type StartReport =
  | { kind: 'ready' }
  /** Start-up failed; `message` is pound's text (already in the dialect's form). */
  | { kind: 'fatal'; message: string };

/** How a serving process tells its starter how start-up went. */
export interface Starter {
  ready(): Promise<void> | void;
  /** Start-up failed: show `message` where this starter shows it; `log` writes it to the configuration's log. */
  fatal(message: string, log: (message: string) => void): Promise<void> | void;
}

/** Set in the daemon's environment so its entry point knows to wait for the plan. */
export const DAEMON_ENV = 'PENPOUND_POUND_DAEMON';

/** Set in a supervised worker's environment (-W reload-on): it waits for its plan too. */
export const WORKER_ENV = 'PENPOUND_POUND_WORKER';

/** What a supervisor tells its worker: how to stop ('handover': a reload replaced it). */
export type WorkerCommand = { stop: 'graceful' | 'immediate' | 'handover' };
