// pen -H (spec §4.2): insert X-Forwarded-Proto / X-Forwarded-For into an HTTP request
// that starts a chunk read from the client. Byte-exact imitation of pen: C-string
// semantics (a NUL ends every search), the header checks look at the whole chunk, both
// headers go in front of the first blank line, Proto ends up before For.

const MAX_CHUNK = 32768;
const BLANK_CRLF = Buffer.from('\r\n\r\n');
const BLANK_LF = Buffer.from('\n\n');

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Case-insensitive "does `buf` start with `word`" (word given in lower case). */
function startsWithCI(buf: Buffer, end: number, word: string): boolean {
  if (end < word.length) return false;
  for (let i = 0; i < word.length; i++) if (lower(buf[i]!) !== word.charCodeAt(i)) return false;
  return true;
}

/** Case-insensitive search for `needle` ("\n…", lower case) in buf[0, end). */
function containsCI(buf: Buffer, end: number, needle: string): boolean {
  // Jump from newline to newline natively; compare only where a line starts.
  const n = needle.length;
  let i = buf.indexOf(10);
  while (i >= 0 && i + n <= end) {
    let j = 1;
    while (j < n && lower(buf[i + j]!) === needle.charCodeAt(j)) j++;
    if (j === n) return true;
    i = buf.indexOf(10, i + 1);
  }
  return false;
}

/** Is this chunk a candidate at all? Cheap test for the hot path. */
export function mayNeedForwarded(chunk: Buffer): boolean {
  if (chunk.length < 4) return false;
  const c = lower(chunk[0]!);
  return c === 103 /* g */ || c === 112 /* p */ || c === 104 /* h */;
}

/** Returns the chunk with the headers inserted, or the same chunk when pen would not touch it. */
export function addForwardedHeaders(chunk: Buffer, clientIp: string, https: boolean): Buffer {
  if (!mayNeedForwarded(chunk)) return chunk;
  let end = chunk.indexOf(0);
  if (end < 0) end = chunk.length;
  if (!startsWithCI(chunk, end, 'get ') && !startsWithCI(chunk, end, 'post ') && !startsWithCI(chunk, end, 'head ')) {
    return chunk;
  }
  let q = chunk.indexOf(BLANK_CRLF);
  if (q < 0 || q + 4 > end) q = chunk.indexOf(BLANK_LF);
  if (q < 0 || q + 2 > end) return chunk;
  // pen inserts For first, then Proto at the same place: Proto lands in front.
  let forHeader = '';
  let protoHeader = '';
  let size = chunk.length;
  if (!containsCI(chunk, end, '\nx-forwarded-for:')) {
    const h = '\r\nX-Forwarded-For: ' + clientIp;
    if (size + h.length <= MAX_CHUNK) {
      forHeader = h;
      size += h.length;
    }
  }
  if (!containsCI(chunk, end, '\nx-forwarded-proto:')) {
    const h = https ? '\r\nX-Forwarded-Proto: https' : '\r\nX-Forwarded-Proto: http';
    if (size + h.length <= MAX_CHUNK) {
      protoHeader = h;
      size += h.length;
    }
  }
  if (size === chunk.length) return chunk;
  const out = Buffer.allocUnsafe(size);
  chunk.copy(out, 0, 0, q);
  let at = q + out.write(protoHeader, q, 'latin1');
  at += out.write(forHeader, at, 'latin1');
  chunk.copy(out, at, q);
  return out;
}
