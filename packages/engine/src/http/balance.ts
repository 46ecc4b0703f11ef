// Backend choice for one request (spec §5.6, §5.7): sessions first, then pound's
// priority-weighted random draw (or pound 4's interleaved weighted round robin), then the
// Emergency backends when nothing regular is usable.
import type { BackendState, ServiceState } from './state.js';
import { legacySessionHash, type SessionSource } from './sessions.js';

/** pound's Priority is the model's weight. */
const weightOf = (b: BackendState): number => Math.max(0, b.backend.weight);

/** Priority-weighted random choice among usable backends; -1 if their total is 0. */
export function pickRandom(list: BackendState[], exclude = -1): number {
  let total = 0;
  for (let i = 0; i < list.length; i++) if (i !== exclude && list[i]!.usable) total += weightOf(list[i]!);
  if (total <= 0) return -1;
  let r = Math.floor(Math.random() * total);
  for (let i = 0; i < list.length; i++) {
    const b = list[i]!;
    if (i === exclude || !b.usable) continue;
    r -= weightOf(b);
    if (r < 0) return i;
  }
  return -1;
}

/** Interleaved weighted round robin: in round r, every usable backend of weight ≥ r gets a turn. */
export function pickIwrr(svc: ServiceState, exclude = -1): number {
  const list = svc.backends;
  let maxW = 0;
  for (let i = 0; i < list.length; i++) if (i !== exclude && list[i]!.usable) maxW = Math.max(maxW, weightOf(list[i]!));
  if (maxW === 0) return -1;
  for (let steps = 0; steps <= list.length * maxW; steps++) {
    svc.iwrrIndex++;
    if (svc.iwrrIndex >= list.length) {
      svc.iwrrIndex = 0;
      svc.iwrrRound = svc.iwrrRound >= maxW ? 1 : svc.iwrrRound + 1;
    }
    if (svc.iwrrRound < 1) svc.iwrrRound = 1;
    const b = list[svc.iwrrIndex]!;
    if (svc.iwrrIndex !== exclude && b.usable && weightOf(b) >= svc.iwrrRound) return svc.iwrrIndex;
  }
  return -1;
}

function pickRegular(svc: ServiceState, exclude: number): number {
  return svc.service.balance.algorithm === 'iwrr' ? pickIwrr(svc, exclude) : pickRandom(svc.backends, exclude);
}

/** pound 2.x negative TTL: deterministic choice from the key's hash over all backends. */
function pickByHash(svc: ServiceState, key: string): number {
  const list = svc.backends;
  let total = 0;
  for (const b of list) total += weightOf(b);
  if (total <= 0) return -1;
  let r = legacySessionHash(key) % total;
  let i = 0;
  for (; i < list.length; i++) {
    r -= weightOf(list[i]!);
    if (r < 0) break;
  }
  for (let n = 0; n < list.length; n++) {
    const j = (i + n) % list.length;
    if (list[j]!.usable) return j;
  }
  return -1;
}

export interface Choice {
  backend: BackendState;
  /** Index in service.backends, or -1 for an Emergency backend. */
  index: number;
  /** Session key to store once the backend answered (new sessions only). */
  key?: string;
}

/**
 * Choose a backend for a request. `exclude` is a backend that just failed to connect
 * (retry with the others). Returns undefined when nothing can serve (→ 503).
 */
export function chooseBackend(svc: ServiceState, src: SessionSource, now: number, exclude = -1): Choice | undefined {
  const list = svc.backends;
  const session = svc.service.session;
  let key: string | undefined;
  let index = -1;
  if (session && svc.rules) {
    key = svc.rules.requestKey(src);
    if (key !== undefined && session.ttlSeconds < 0) {
      index = pickByHash(svc, key);
      key = undefined;
    } else if (key !== undefined) {
      const known = svc.table.lookup(key, now, session.ttlSeconds);
      // A remembered backend is used even when disabled; a dead one lost its sessions.
      if (known !== undefined && known !== exclude && list[known] && list[known]!.alive) {
        svc.stats.current = known;
        return { backend: list[known]!, index: known };
      }
      if (known !== undefined) svc.table.delete(key);
    }
  }
  if (index < 0) index = pickRegular(svc, exclude);
  if (index >= 0) {
    svc.stats.current = index;
    if (key !== undefined) svc.table.set(key, index, now);
    return { backend: list[index]!, index };
  }
  const em = svc.emergency;
  if (em.length > 0) {
    let total = 0;
    for (const b of em) if (!b.backend.disabled) total += Math.max(1, weightOf(b));
    let r = Math.floor(Math.random() * total);
    for (const b of em) {
      if (b.backend.disabled) continue;
      r -= Math.max(1, weightOf(b));
      if (r < 0) return { backend: b, index: -1 };
    }
  }
  return undefined;
}
