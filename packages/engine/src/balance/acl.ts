// pen's access lists (acl 0..9): first matching entry decides; if none matches, the
// answer is the opposite of the last entry's action; an empty list permits everyone.
// Unlike pen 0.34.1 the IPv4 entry is compared under its mask (COMPAT.md).
import type { AclEntry } from '../model/types.js';
import { familyOf, parseIPv4, parseIPv6 } from './address.js';

interface ParsedEntry {
  address: string | undefined;
  mask: string | undefined;
  prefixLength: number | undefined;
  v4: number; // -1 when unusable
  v4mask: number;
  v6: Uint8Array | undefined;
}

// Parsed forms, remembered per entry object but re-checked against its text, so an entry
// edited in place is never matched with stale numbers.
const parsed = new WeakMap<AclEntry, ParsedEntry>();

function parse(entry: AclEntry): ParsedEntry {
  let p = parsed.get(entry);
  if (p && p.address === entry.address && p.mask === entry.mask && p.prefixLength === entry.prefixLength) return p;
  p = {
    address: entry.address,
    mask: entry.mask,
    prefixLength: entry.prefixLength,
    v4: -1,
    v4mask: 0xffffffff,
    v6: undefined,
  };
  if (entry.kind === 'ipv4' && entry.address !== undefined) {
    p.v4 = parseIPv4(entry.address);
    const m = entry.mask === undefined ? 0xffffffff : parseIPv4(entry.mask);
    p.v4mask = m < 0 ? 0xffffffff : m;
  } else if (entry.kind === 'ipv6' && entry.address !== undefined) {
    p.v6 = parseIPv6(entry.address);
  }
  parsed.set(entry, p);
  return p;
}

function matchesV6(bytes: Uint8Array, net: Uint8Array, prefix: number): boolean {
  let bits = Math.max(0, Math.min(128, prefix));
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const m = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & m) !== (net[i]! & m)) return false;
  }
  return true;
}

/** Does `acl` permit a peer at `address` (Node's remoteAddress text; undefined = Unix)? */
export function aclPermits(acl: readonly AclEntry[] | undefined, address: string | undefined): boolean {
  if (!acl || acl.length === 0) return true;
  const family = familyOf(address);
  if (family === 'unix') return true;
  let v4 = -1;
  let v6: Uint8Array | undefined;
  if (family === 4) v4 = parseIPv4(address!);
  else v6 = parseIPv6(address!);
  for (const entry of acl) {
    // GeoIP country entries never match: there is no country database (COMPAT.md).
    if (entry.kind === 'country') continue;
    const p = parse(entry);
    if (entry.kind === 'ipv4') {
      if (family !== 4 || p.v4 < 0 || v4 < 0) continue;
      if (((v4 & p.v4mask) >>> 0) !== ((p.v4 & p.v4mask) >>> 0)) continue;
    } else {
      if (family !== 6 || !p.v6 || !v6) continue;
      if (!matchesV6(v6, p.v6, entry.prefixLength ?? 128)) continue;
    }
    return entry.action === 'permit';
  }
  return acl[acl.length - 1]!.action !== 'permit';
}
