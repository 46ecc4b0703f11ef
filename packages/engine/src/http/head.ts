// A strict, allocation-light parser for HTTP/1.x message heads (request or response).
// It works on the socket's own bytes: lines are recorded as offsets into one buffer, and a
// header's kind is classified once, so the proxy can forward most lines verbatim without
// building strings. Line rules follow pound 2.8a (spec §5.2–§5.3): a line ends at LF, a CR
// must come right before the LF, control characters other than TAB make a line invalid,
// and a line may hold at most 4095 bytes with its terminator.

/** Longest line (content + CR + LF) accepted: pound's 4 KiB line buffer. */
export const MAX_LINE = 4095;
/** Header lines allowed before the blank line (pound 2.8a: 126; the 127th fails). */
export const MAX_HEADER_LINES = 126;

// scan() results.
export const HEAD_MORE = 0;
export const HEAD_DONE = 1;
export const HEAD_FIRST_LINE_TOO_LONG = 2;
export const HEAD_HEADER_TOO_LONG = 3;
export const HEAD_TOO_MANY_HEADERS = 4;
/** A control character (NUL, bare CR, …) in a header line. */
export const HEAD_CONTROL_CHAR = 5;
/** A header line starting with a blank (obsolete line folding). */
export const HEAD_FOLDED = 6;

// Header kinds (what the proxy needs to recognise; everything else is OTHER).
export const H_OTHER = 0;
/** Not a `name: value` line: pound drops it. */
export const H_MALFORMED = 1;
export const H_TRANSFER_ENCODING = 2;
export const H_CONTENT_LENGTH = 3;
export const H_CONNECTION = 4;
export const H_HOST = 5;
export const H_REFERER = 6;
export const H_USER_AGENT = 7;
export const H_DESTINATION = 8;
export const H_EXPECT = 9;
export const H_AUTHORIZATION = 10;
export const H_UPGRADE = 11;
export const H_X_FORWARDED_FOR = 12;
export const H_X_FORWARDED_PROTO = 13;
export const H_X_FORWARDED_PORT = 14;
export const H_LOCATION = 15;
export const H_CONTENT_LOCATION = 16;
export const H_KEEP_ALIVE = 17;
export const H_PROXY_CONNECTION = 18;

type Latin1Slicer = { latin1Slice(start: number, end: number): string };
/** Bytes as a one-byte string (Buffer's undocumented fast path behind toString('latin1')). */
export function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as Latin1Slicer).latin1Slice(start, end);
}

/** RFC 9110 token characters (header names). */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) { TOKEN[c] = 1; TOKEN[c + 32] = 1; }

/** Bytes that make a line invalid: controls except TAB, and DEL. */
const CONTROL = new Uint8Array(256);
for (let c = 0; c < 32; c++) if (c !== 9) CONTROL[c] = 1;
CONTROL[127] = 1;

/** Case-insensitive compare of buf[at..] with an all-lowercase ASCII name. */
export function bytesEqualLower(buf: Buffer, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    if ((buf[at + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

function classify(buf: Buffer, s: number, len: number): number {
  switch (len) {
    case 4: return bytesEqualLower(buf, s, 'host') ? H_HOST : H_OTHER;
    case 6: return bytesEqualLower(buf, s, 'expect') ? H_EXPECT : H_OTHER;
    case 7:
      if (bytesEqualLower(buf, s, 'referer')) return H_REFERER;
      return bytesEqualLower(buf, s, 'upgrade') ? H_UPGRADE : H_OTHER;
    case 8: return bytesEqualLower(buf, s, 'location') ? H_LOCATION : H_OTHER;
    case 10:
      if (bytesEqualLower(buf, s, 'connection')) return H_CONNECTION;
      if (bytesEqualLower(buf, s, 'user-agent')) return H_USER_AGENT;
      return bytesEqualLower(buf, s, 'keep-alive') ? H_KEEP_ALIVE : H_OTHER;
    case 11: return bytesEqualLower(buf, s, 'destination') ? H_DESTINATION : H_OTHER;
    case 13: return bytesEqualLower(buf, s, 'authorization') ? H_AUTHORIZATION : H_OTHER;
    case 14: return bytesEqualLower(buf, s, 'content-length') ? H_CONTENT_LENGTH : H_OTHER;
    case 15: return bytesEqualLower(buf, s, 'x-forwarded-for') ? H_X_FORWARDED_FOR : H_OTHER;
    case 16:
      if (bytesEqualLower(buf, s, 'content-location')) return H_CONTENT_LOCATION;
      if (bytesEqualLower(buf, s, 'x-forwarded-port')) return H_X_FORWARDED_PORT;
      return bytesEqualLower(buf, s, 'proxy-connection') ? H_PROXY_CONNECTION : H_OTHER;
    case 17:
      if (bytesEqualLower(buf, s, 'transfer-encoding')) return H_TRANSFER_ENCODING;
      return bytesEqualLower(buf, s, 'x-forwarded-proto') ? H_X_FORWARDED_PROTO : H_OTHER;
    default: return H_OTHER;
  }
}

/**
 * Parses one head, possibly fed in several steps (the caller re-calls scan() with a buffer
 * that starts with the same bytes and has more at the end). Reused between messages.
 */
export class HeadParser {
  buf: Buffer = Buffer.alloc(0);
  /** The first (request or status) line: content without its terminator. */
  firstStart = 0;
  firstEnd = 0;
  /** The first line held a control character (the request is then refused). */
  firstHasControl = false;
  /** Header lines: 4 ints each (start, content end, colon offset, kind); grown on demand. */
  lines = new Int32Array(4 * 16);
  count = 0;
  /** Offset just after the blank line that ends the head. */
  end = 0;
  /** Every line ended with CRLF and nothing was skipped: the head can be forwarded as is. */
  verbatim = true;
  private pos = 0;
  private gotFirst = false;

  reset(): void {
    this.pos = 0;
    this.count = 0;
    this.gotFirst = false;
    this.verbatim = true;
    this.firstHasControl = false;
    this.end = 0;
  }

  /** Continue scanning `buf` (same prefix as before, maybe longer). */
  scan(buf: Buffer): number {
    this.buf = buf;
    let p = this.pos;
    let lines = this.lines;
    for (;;) {
      const nl = buf.indexOf(10, p);
      if (nl < 0) {
        this.pos = p;
        if (buf.length - p >= MAX_LINE) return this.gotFirst ? HEAD_HEADER_TOO_LONG : HEAD_FIRST_LINE_TOO_LONG;
        return HEAD_MORE;
      }
      if (nl - p + 1 > MAX_LINE) return this.gotFirst ? HEAD_HEADER_TOO_LONG : HEAD_FIRST_LINE_TOO_LONG;
      let e = nl;
      if (e > p && buf[e - 1] === 13) e--;
      else this.verbatim = false;
      if (!this.gotFirst) {
        if (e === p) {
          // Empty lines before the request line are skipped, but they count towards the
          // request line's length: a flood of them must not be buffered without end.
          if (nl + 1 > MAX_LINE) return HEAD_FIRST_LINE_TOO_LONG;
          this.verbatim = false;
          p = nl + 1;
          continue;
        }
        for (let i = p; i < e; i++) if (CONTROL[buf[i]!]) { this.firstHasControl = true; break; }
        this.firstStart = p;
        this.firstEnd = e;
        this.gotFirst = true;
      } else if (e === p) {
        this.end = nl + 1;
        this.pos = this.end;
        return HEAD_DONE;
      } else {
        if (this.count >= MAX_HEADER_LINES) return HEAD_TOO_MANY_HEADERS;
        const b0 = buf[p]!;
        if (b0 === 32 || b0 === 9) return HEAD_FOLDED;
        let i = p;
        while (i < e && TOKEN[buf[i]!]) i++;
        let kind: number;
        let colon = -1;
        if (i === p || i === e || buf[i] !== 58) {
          kind = H_MALFORMED;
          this.verbatim = false;
          for (let j = p; j < e; j++) if (CONTROL[buf[j]!]) return HEAD_CONTROL_CHAR;
        } else {
          colon = i;
          for (let j = i + 1; j < e; j++) if (CONTROL[buf[j]!]) return HEAD_CONTROL_CHAR;
          kind = classify(buf, p, i - p);
        }
        const k = this.count * 4;
        if (k + 4 > lines.length) {
          const bigger = new Int32Array(Math.min(lines.length * 2, 4 * (MAX_HEADER_LINES + 1)));
          bigger.set(lines);
          this.lines = lines = bigger;
        }
        lines[k] = p;
        lines[k + 1] = e;
        lines[k + 2] = colon;
        lines[k + 3] = kind;
        this.count++;
      }
      p = nl + 1;
    }
  }

  lineStart(i: number): number { return this.lines[i * 4]!; }
  lineEnd(i: number): number { return this.lines[i * 4 + 1]!; }
  kind(i: number): number { return this.lines[i * 4 + 3]!; }

  /** Start of the value: after the colon and the blanks that follow it. Trailing blanks stay (2.8a). */
  valueStart(i: number): number {
    let v = this.lines[i * 4 + 2]! + 1;
    const e = this.lines[i * 4 + 1]!;
    while (v < e && (this.buf[v] === 32 || this.buf[v] === 9)) v++;
    return v;
  }

  value(i: number): string {
    return latin1(this.buf, this.valueStart(i), this.lineEnd(i));
  }

  /** The whole raw line `Name: value` (for HeadRequire/HeadDeny and session rules). */
  line(i: number): string {
    return latin1(this.buf, this.lineStart(i), this.lineEnd(i));
  }

  firstLine(): string {
    return latin1(this.buf, this.firstStart, this.firstEnd);
  }

  /** Index of the last line of a kind, or -1. */
  find(kind: number): number {
    for (let i = this.count - 1; i >= 0; i--) if (this.lines[i * 4 + 3] === kind) return i;
    return -1;
  }
}

/** Whole-value trimmed, case-insensitive comparison (e.g. `Connection: close`). */
export function valueEquals(buf: Buffer, s: number, e: number, lower: string): boolean {
  return e - s === lower.length && bytesEqualLower(buf, s, lower);
}

/** Does a comma-separated value contain the token (case-insensitive)? */
export function hasToken(value: string, lowerToken: string): boolean {
  const v = value.toLowerCase();
  let from = 0;
  for (;;) {
    const at = v.indexOf(lowerToken, from);
    if (at < 0) return false;
    const before = at === 0 ? ',' : v[at - 1]!;
    const after = at + lowerToken.length >= v.length ? ',' : v[at + lowerToken.length]!;
    if ((before === ',' || before === ' ' || before === '\t') && (after === ',' || after === ' ' || after === '\t')) return true;
    from = at + 1;
  }
}

/** Does buf[s..e), a comma-separated header value, hold the token (case-insensitive)? No allocation. */
export function valueHasToken(buf: Buffer, s: number, e: number, lower: string): boolean {
  const n = lower.length;
  let i = s;
  while (i < e) {
    while (i < e && (buf[i] === 32 || buf[i] === 9 || buf[i] === 44)) i++;
    let j = i;
    while (j < e && buf[j] !== 44) j++;
    let k = j;
    while (k > i && (buf[k - 1] === 32 || buf[k - 1] === 9)) k--;
    if (k - i === n && bytesEqualLower(buf, i, lower)) return true;
    i = j + 1;
  }
  return false;
}

