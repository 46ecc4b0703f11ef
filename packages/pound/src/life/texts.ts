// pound's wording for process-life messages, per dialect: 2.x ends fatal start-up
// messages with " - aborted"; 4.x prints them bare, prefixed with the program name on a
// terminal (spec §3.4 "Run-time start-up failures", §4.3).
import type { Diagnostic, Dialect } from '@penpound/engine';
import { strerror } from '../check/files.js';

const ERRNO: Record<string, string> = {
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EAFNOSUPPORT: 'Address family not supported by protocol',
};

export function aborted(dialect: Dialect, text: string): string {
  return dialect === 'pound-4' ? text : `${text} - aborted`;
}

/** What a terminal shows for a message (4.x: `pound: ` first). */
export function onTerminal(dialect: Dialect, prog: string, text: string): string {
  return dialect === 'pound-4' ? `${prog}: ${text}` : text;
}

/**
 * The engine's "can't bind SPEC: listen EADDRINUSE: …" as pound says it:
 * `HTTP socket bind ADDR:PORT: Address already in use`. Other start errors pass unchanged.
 */
export function startFailure(d: Diagnostic): string {
  const m = /^can't bind (.*?): .*?\b(E[A-Z]+)\b/.exec(d.message);
  if (!m) return d.message;
  const code = m[2]!;
  return `HTTP socket bind ${m[1]}: ${ERRNO[code] ?? strerror({ code })}`;
}

export const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15 };
