// pen's client table (spec §3.2): a bounded number of slots remembering, per client
// address, when it last connected and which server it used. The slot algorithm is
// pen's (expiry while scanning, first free slot, else least recently used); unlike
// pen 0.34.1, IPv6 clients are compared by their full address (COMPAT.md).
import type { ClientEntry } from '../runtime/handle.js';
import { NO_BACKEND } from './select.js';

/** Map key for Unix-socket peers: pen keeps all of them in one slot. */
const UNIX_KEY = '\u0000unix';

export class ClientTable {
  /** The slots, shared with the runtime stats (the front end reads them). */
  readonly entries: ClientEntry[];
  /** address → slot, for occupied slots only. */
  private readonly index = new Map<string, number>();
  /** slot → its map key (so a recycled slot's old client can be forgotten). */
  private readonly keys: (string | undefined)[] = [];

  constructor(entries: ClientEntry[]) {
    this.entries = entries;
  }


  /**
   * Records a connection from `address` (undefined = Unix peer) at `now` and returns its
   * slot. `trackingSeconds` > 0 lets slots unused that long be reused (they still match
   * their old client until someone else takes them).
   */
  store(address: string | undefined, now: number, trackingSeconds: number, size: number): number {
    const entries = this.entries;
    const key = address === undefined ? UNIX_KEY : address;
    const found = this.index.get(key);
    if (trackingSeconds > 0) {
      // pen expires the slots it walks past before finding the client (or all of them).
      const limit = found === undefined ? entries.length : found;
      for (let i = 0; i < limit; i++) {
        const e = entries[i]!;
        if (e.lastSeen !== 0 && e.lastSeen + trackingSeconds < now) e.lastSeen = 0;
      }
    }
    let slot: number;
    if (found !== undefined) {
      slot = found;
    } else {
      slot = this.freeOrOldest(size > 0 ? size : 1);
      if (slot === entries.length) entries.push({ address: '', lastSeen: 0, backend: NO_BACKEND, connects: 0, sent: 0, received: 0 });
      const e = entries[slot]!;
      const oldKey = this.keys[slot];
      if (oldKey !== undefined && this.index.get(oldKey) === slot) this.index.delete(oldKey);
      e.address = address ?? '';
      e.connects = 0;
      e.sent = 0;
      e.received = 0;
      e.backend = NO_BACKEND;
      this.index.set(key, slot);
      this.keys[slot] = key;
    }
    const e = entries[slot]!;
    e.lastSeen = now;
    e.connects += 1;
    return slot;
  }

  /**
   * The slot pen would pick: the first free one, else the least recently used. Slots are
   * created only when first needed (all slots past the last one made are free), so a
   * huge clients_max costs nothing until that many clients have come.
   */
  private freeOrOldest(size: number): number {
    const entries = this.entries;
    let oldest = -1;
    for (let i = 0; i < entries.length; i++) {
      const last = entries[i]!.lastSeen;
      if (last === 0) return i;
      if (oldest === -1 || last < entries[oldest]!.lastSeen) oldest = i;
    }
    if (entries.length < size) return entries.length;
    return oldest < 0 ? 0 : oldest;
  }
}
