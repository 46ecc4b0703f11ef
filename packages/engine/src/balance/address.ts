// Client and ACL addresses as numbers/bytes. Pure functions; no DNS.

/** Dotted IPv4 text → unsigned 32-bit value (first octet most significant), or -1. */
export function parseIPv4(text: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** IPv6 text (with optional embedded IPv4 tail and %zone) → 16 bytes, or undefined. */
export function parseIPv6(text: string): Uint8Array | undefined {
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const out = new Uint8Array(16);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const words: number[] = [];
  const tailWords: number[] = [];
  const fill = (parts: string[], into: number[], last: boolean): boolean => {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (last && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (v4 < 0) return false;
        into.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return false;
        into.push(parseInt(p, 16));
      }
    }
    return true;
  };
  if (!fill(head, words, halves.length === 1)) return undefined;
  if (!fill(tail, tailWords, true)) return undefined;
  if (halves.length === 1) {
    if (words.length !== 8) return undefined;
  } else {
    if (words.length + tailWords.length > 7) return undefined;
    while (words.length + tailWords.length < 8) words.push(0);
  }
  words.push(...tailWords);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i]! >> 8;
    out[2 * i + 1] = words[i]! & 0xff;
  }
  return out;
}

/** How pen classifies a peer: by the socket family, which Node shows in the text. */
export type AddressFamily = 4 | 6 | 'unix';

export function familyOf(address: string | undefined): AddressFamily {
  if (!address) return 'unix';
  return address.includes(':') ? 6 : 4;
}
