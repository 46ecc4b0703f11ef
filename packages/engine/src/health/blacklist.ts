// Passive blacklisting (pen §3.6): a backend is skipped while now - failedAt < seconds.
// pen's manual `server N blacklist T` stores failedAt = now + T - blacklistSeconds, so the
// same comparison yields exactly T seconds; keep that arithmetic in the front end.
import type { BackendStats } from '../runtime/handle.js';

export function isBlacklisted(stats: BackendStats | undefined, now: number, blacklistSeconds: number): boolean {
  return stats !== undefined && now - stats.failedAt < blacklistSeconds;
}

export function blacklist(stats: BackendStats, now: number): void {
  stats.failedAt = now;
}

export function newBackendStats(): BackendStats {
  return { connections: 0, sent: 0, received: 0, failedAt: 0 };
}

/** Backends can be added at run time (pen `server 4 ...`): grow the counters to match. */
export function growBackendStats(list: BackendStats[], count: number): void {
  while (list.length < count) list.push(newBackendStats());
}
