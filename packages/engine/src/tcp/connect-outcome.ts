// What a connect's outcome does to the server's counters, and pen's words for it; shared
// by both I/O paths (connection.ts, raw-connection.ts).
import type { BackendStats } from '../runtime/handle.js';
import { penServerNumber, type PenBalancer } from '../balance/pen-balancer.js';
import { blacklist, isBlacklisted } from '../health/blacklist.js';
import { backendAddressText } from '../balance/pen-balancer.js';
import { isImmediateConnectError, strerror } from './errors.js';
import { CS_CONNECTED } from './states.js';

export interface OutcomeOwner {
  balancer: PenBalancer;
  context: { now(): number };
  debug(level: number, message: string): void;
}

/** The connect is up: count it, and clear the failure time unless blacklisted meanwhile. */
export function countConnected(owner: OutcomeOwner, index: number): BackendStats {
  const stats = owner.balancer.backendStats(index);
  stats.connections++;
  // pen clears the failure time on a connect that succeeds at once; keep a blacklisting
  // that happened meanwhile (another connection's timeout, a manual one).
  const bl = owner.balancer.service()?.balance.blacklistSeconds ?? 0;
  if (!isBlacklisted(stats, owner.context.now(), bl)) stats.failedAt = 0;
  return stats;
}

/** What a connection (either I/O path) keeps about its server connection. */
export interface ServerSide {
  server: number;
  state: number;
  backendStats: BackendStats | undefined;
  /** Counted in `backendStats.connections`, until uncount(). */
  counted: boolean;
  /** The server's address for the request log. */
  serverText: string;
  idleSince: number;
}

/** The connect to `c.server` is up: count it, and start the idle clock. */
export function markConnected(owner: OutcomeOwner, c: ServerSide): void {
  c.state = CS_CONNECTED;
  c.backendStats = countConnected(owner, c.server);
  c.counted = true;
  c.serverText = backendAddressText(owner.balancer.backend(c.server));
  c.idleSince = owner.context.now();
}

/** The connection is over: it no longer counts for its server. */
export function uncount(c: ServerSide): void {
  if (c.counted && c.backendStats) {
    c.backendStats.connections = Math.max(0, c.backendStats.connections - 1);
    c.counted = false;
  }
}

/** A connect failed: blacklist the server with the message pen prints for this kind of error. */
export function connectFailure(owner: OutcomeOwner, index: number, code: string | undefined, errno: number, unix: boolean): void {
  const err = { code } as NodeJS.ErrnoException;
  const stats = owner.balancer.backendStats(index);
  const n = penServerNumber(index);
  if (isImmediateConnectError(err, unix)) {
    // what pen's connect() itself returns
    const seconds = owner.balancer.service()?.balance.blacklistSeconds ?? 0;
    if (stats.failedAt === 0) owner.debug(0, `Server ${n} failed, retry in ${seconds} sec: ${errno}`);
    owner.debug(0, `blacklisting server ${n} because connect error ${errno}`);
  } else {
    owner.debug(0, `Connect failed: ${strerror(err)}`);
    owner.debug(0, `blacklisting server ${n} because of connect failure`);
  }
  blacklist(stats, owner.context.now());
}

export function connectTimeout(owner: OutcomeOwner, index: number): void {
  owner.debug(0, `blacklisting server ${penServerNumber(index)} because of connect timeout`);
  blacklist(owner.balancer.backendStats(index), owner.context.now());
}
