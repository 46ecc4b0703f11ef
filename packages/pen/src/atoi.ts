// C's atoi as glibc implements it (strtol, then a cast to int): leading white space, an
// optional sign, decimal digits; anything else stops the scan, no digits give 0. pen uses it
// for every number it reads, so "12abc" is 12 and "abc" is 0.

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

export function atoi(text: string): number {
  let i = 0;
  while (i < text.length && isCSpace(text.charCodeAt(i))) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-';
    i++;
  }
  const start = i;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  if (i === start) return 0;
  let value = BigInt(text.slice(start, i));
  if (negative) value = -value;
  // strtol saturates at the long range; the int cast keeps the low 32 bits.
  if (value > INT64_MAX) value = INT64_MAX;
  if (value < INT64_MIN) value = INT64_MIN;
  return Number(BigInt.asIntN(32, value));
}

/** C isspace() in the "C" locale. */
function isCSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

/**
 * sscanf's "%d": like atoi, but reports whether any digits were found and where the scan
 * stopped, because a failed field ends pen's server-spec parsing.
 */
export function scanInt(text: string, from: number): { value: number; end: number } | undefined {
  let i = from;
  while (i < text.length && isCSpace(text.charCodeAt(i))) i++;
  let sign = i;
  if (text[i] === '+' || text[i] === '-') sign = ++i;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  if (i === sign) return undefined;
  return { value: atoi(text.slice(from, i)), end: i };
}

/** A port number as pen stores it in a sockaddr: the low 16 bits (99999 → 34463, -1 → 65535). */
export function toPort16(value: number): number {
  return ((value % 65536) + 65536) % 65536;
}
