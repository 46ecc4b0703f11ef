// pen's choice of a first server for a new connection (spec §3.3). Pure: reads the live
// model and counters, returns an index. Precedence: tracking (unless round robin) >
// prio > weight > hash > round robin.
import type { AclEntry, Backend, BalanceConfig } from '../model/types.js';
import type { BackendStats } from '../runtime/handle.js';
import { isBlacklisted } from '../health/blacklist.js';
import { aclPermits } from './acl.js';
import { hashServer } from './hash.js';

/** Pseudo-indices, as in ClientEntry.backend. */
export const NO_BACKEND = -1;
export const EMERGENCY = -2;
export const ABUSE = -3;

export interface SelectionInput {
  backends: readonly Backend[];
  stats: readonly BackendStats[];
  balance: BalanceConfig;
  now: number;
  /** The client's peer address (undefined = Unix) and source port. */
  address: string | undefined;
  port: number;
  /** Server the client used last (tracking), or a pseudo-index. */
  tracked: number;
  clientAcl: readonly AclEntry[] | undefined;
  hasAbuse: boolean;
}

/** Round-robin cursor; persists for the listener's lifetime and starts at 0. */
export interface RoundRobinCursor {
  last: number;
}

/** pen's "unused" slot: address 0.0.0.0 — except slot 0, which pen never treats as unused. */
export function isUnused(backend: Backend | undefined, index: number): boolean {
  if (!backend || index === 0) return false;
  const e = backend.endpoint;
  return e.kind === 'inet' && (e.resolved ?? e.host) === '0.0.0.0';
}

function available(input: SelectionInput, i: number): boolean {
  return !isUnused(input.backends[i], i) && !isBlacklisted(input.stats[i], input.now, input.balance.blacklistSeconds);
}

export function initialServer(input: SelectionInput, cursor: RoundRobinCursor): number {
  if (!aclPermits(input.clientAcl, input.address)) return input.hasAbuse ? ABUSE : NO_BACKEND;
  const n = input.backends.length;
  const balance = input.balance;
  if (balance.clientTracking && input.tracked >= 0 && input.tracked < n) return input.tracked;
  if (balance.prio) return byPrio(input);
  if (balance.weight) return byWeight(input);
  if (balance.hash) return hashServer(input.address, input.port, !balance.clientTracking, n);
  return byRoundRobin(input, cursor);
}

export function byRoundRobin(input: SelectionInput, cursor: RoundRobinCursor): number {
  const n = input.backends.length;
  if (n === 0) return NO_BACKEND;
  const start = cursor.last % n;
  let i = start;
  do {
    i = (i + 1) % n;
    if (available(input, i)) {
      cursor.last = i;
      return i;
    }
  } while (i !== start);
  return NO_BACKEND;
}

export function byPrio(input: SelectionInput): number {
  let best = NO_BACKEND;
  for (let i = 0; i < input.backends.length; i++) {
    if (!available(input, i)) continue;
    if (best === NO_BACKEND || input.backends[i]!.priority < input.backends[best]!.priority) best = i;
  }
  return best;
}

export function byWeight(input: SelectionInput): number {
  let best = NO_BACKEND;
  let bestLoad = 0;
  for (let i = 0; i < input.backends.length; i++) {
    const w = input.backends[i]!.weight;
    if (w === 0 || !available(input, i)) continue;
    // C integer division (truncation), as pen computes it.
    const load = Math.trunc((256 * (input.stats[i]?.connections ?? 0)) / w);
    if (best === NO_BACKEND || load < bestLoad) {
      best = i;
      bestLoad = load;
    }
  }
  return best;
}
