// Stopping as pound does (spec §4.3). SIGTERM/SIGQUIT: `received signal N - exiting...`,
// exit at once. SIGHUP/SIGINT: `received signal N - shutting down...`, stop accepting, let
// in-flight requests finish for at most `Grace` seconds, exit. pound 2.x sleeps the whole
// Grace period even when nothing is left to finish; we exit as soon as the last connection
// is done, as 4.x does (COMPAT.md life-2). A TERM during a graceful stop cuts it short.
import type { Running } from './run.js';
import { SIGNAL_NUMBERS } from './texts.js';

export type StopKind = 'graceful' | 'immediate';

export function stopKindOf(signal: string): StopKind {
  return signal === 'SIGHUP' || signal === 'SIGINT' ? 'graceful' : 'immediate';
}

/** The notice pound logs when a stop signal arrives. */
export function receivedText(signal: string): string {
  return `received signal ${SIGNAL_NUMBERS[signal] ?? 0} - ${stopKindOf(signal) === 'graceful' ? 'shutting down' : 'exiting'}...`;
}

/**
 * Stop serving. Graceful: the listeners close now, connections with a request in flight
 * keep going until done or until Grace runs out. Resolves when everything is closed.
 */
export async function stopServing(running: Running, kind: StopKind | 'handover', modern: boolean): Promise<void> {
  const { handle } = running;
  // A handover (reload) leaves the Control socket file to the new worker, which already
  // bound its own at that path; ours goes with the process. And it says nothing: the
  // supervisor logs the reload.
  if (kind !== 'handover') running.closeExtras();
  const log = kind === 'handover' ? () => {} : running.log;
  if (kind === 'immediate') {
    await handle.stop({ graceful: false });
    return;
  }
  log('notice', 'shutting down...');
  const active = handle.config.listeners.reduce((n, _l, i) => n + handle.connections(i).length, 0);
  if (modern && active > 0) log('notice', `waiting for ${active} active threads to terminate`);
  const graceMs = Math.max(0, handle.config.process.graceSeconds) * 1000;
  let drained = false;
  const expiry = setTimeout(() => {
    if (!drained) log('notice', 'grace period expired - exiting...');
  }, graceMs);
  await handle.stop({ graceful: true });
  drained = true;
  clearTimeout(expiry);
}
