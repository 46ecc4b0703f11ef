// pen's ACL test, for the control port (the engine applies client and server ACLs itself).
// An empty list permits everyone; the first matching entry decides; when nothing matches
// the answer is the opposite of the last entry. IPv4 entries compare (client & mask) with
// the stored address unmasked, as pen does (so `127.0.0.5 255.0.0.0` never matches).
// Country entries need GeoIP, which we do not have: they never match.
import type { AclEntry } from '@penpound/engine';
import { isIPv4 } from 'node:net';
import { parseIPv4, parseIPv6 } from './inet.js';

export function aclPermits(entries: readonly AclEntry[], clientAddress: string | undefined): boolean {
  if (entries.length === 0) return true;
  // Unix-socket peers have no address: always permitted.
  if (!clientAddress) return true;
  const v4 = isIPv4(clientAddress) ? parseIPv4(clientAddress) : undefined;
  const v6 = v4 ? undefined : parseIPv6(clientAddress);
  for (const entry of entries) {
    if (entry.kind === 'ipv4' && v4) {
      const address = parseIPv4(entry.address ?? '');
      const mask = parseIPv4(entry.mask ?? '');
      if (address && mask && v4.every((b, i) => (b & mask[i]!) === address[i])) return entry.action === 'permit';
    } else if (entry.kind === 'ipv6' && v6) {
      const address = parseIPv6(entry.address ?? '');
      if (address && prefixMatches(v6, address, entry.prefixLength ?? 128)) return entry.action === 'permit';
    }
  }
  return entries[entries.length - 1]!.action !== 'permit';
}

function prefixMatches(a: number[], b: number[], bits: number): boolean {
  const n = Math.max(0, Math.min(128, bits));
  for (let i = 0; i < 16; i++) {
    const take = Math.max(0, Math.min(8, n - i * 8));
    if (take === 0) return true;
    const mask = (0xff << (8 - take)) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}
