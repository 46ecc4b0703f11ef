// pen -h: the client-address hash that picks a first server (spec §3.11).
import { familyOf, parseIPv4, parseIPv6 } from './address.js';

/**
 * Server index for a client. IPv4: the address bytes read as a little-endian word
 * (what pen sees on x86), XOR the byte-swapped source port when round robin is on.
 * IPv6: the last address byte. Unix: 0. No servers: 0.
 */
export function hashServer(address: string | undefined, port: number, withPort: boolean, servers: number): number {
  if (servers <= 0) return 0;
  const family = familyOf(address);
  if (family === 'unix') return 0;
  if (family === 6) {
    const bytes = parseIPv6(address!);
    return bytes ? bytes[15]! % servers : 0;
  }
  const be = parseIPv4(address!);
  if (be < 0) return 0;
  // Reverse the byte order: o0 + o1·2^8 + o2·2^16 + o3·2^24.
  let v = (((be & 0xff) << 24) | ((be >>> 8) & 0xff) << 16 | ((be >>> 16) & 0xff) << 8 | (be >>> 24)) >>> 0;
  if (withPort) {
    const p = ((port & 0xff) << 8) | ((port >> 8) & 0xff);
    v = (v ^ p) >>> 0;
  }
  return v % servers;
}
