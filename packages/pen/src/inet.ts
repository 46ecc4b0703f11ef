// Address text as pen prints it: inet_pton to read, inet_ntop (glibc's) to write. Needed
// where pen shows an address it has parsed (ACL entries, `servers`), so "0:0::1" reads
// back as "::1" and "::ffff:1.2.3.4" keeps its dotted tail.
import { isIPv4, isIPv6 } from 'node:net';

export function parseIPv4(text: string): number[] | undefined {
  if (!isIPv4(text)) return undefined;
  const parts = text.split('.');
  // inet_pton refuses leading zeros ("01"); net.isIPv4 does too, but be explicit.
  if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return undefined;
  return parts.map(Number);
}

export function parseIPv6(text: string): number[] | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let head = text;
  const tailWords: number[] = [];
  const lastColon = head.lastIndexOf(':');
  const tail = head.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIPv4(tail);
    if (!v4) return undefined;
    tailWords.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    head = head.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const words = (s: string | undefined) => (s ? s.split(':').filter((w) => w !== '').map((w) => parseInt(w, 16)) : []);
  const leftWords = words(left);
  const rightWords = [...words(right), ...tailWords];
  const fill = 8 - leftWords.length - rightWords.length;
  if (right === undefined && fill !== 0) {
    // No "::": all eight words must be there (the tail counts for two).
    if (leftWords.length + tailWords.length !== 8) return undefined;
    return wordsToBytes([...leftWords, ...tailWords]);
  }
  if (fill < 0) return undefined;
  return wordsToBytes([...leftWords, ...new Array<number>(fill).fill(0), ...rightWords]);
}

function wordsToBytes(words: number[]): number[] {
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

export function formatIPv4(bytes: readonly number[]): string {
  return bytes.slice(0, 4).join('.');
}

/** glibc inet_ntop for AF_INET6: longest run (≥ 2) of zero words becomes "::", lower-case
 * hex, and ::a.b.c.d / ::ffff:a.b.c.d keep a dotted IPv4 tail. */
export function formatIPv6(bytes: readonly number[]): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestBase = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) { bestBase = i; bestLength = j - i; }
    i = j;
  }
  if (bestLength < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLength) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLength === 6 || (bestLength === 5 && words[5] === 0xffff))) {
      out += formatIPv4(bytes.slice(12, 16));
      break;
    }
    out += words[i]!.toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLength === 8) out += ':';
  return out;
}

/** Canonical text of an IPv6 literal (as pen would print it), or undefined. */
export function canonicalIPv6(text: string): string | undefined {
  const bytes = parseIPv6(text);
  return bytes ? formatIPv6(bytes) : undefined;
}
