// Finds where a chunked body ends while its bytes are relayed untouched. Strict on purpose:
// a proxy and a backend that disagree on where a body ends are how requests get smuggled,
// so every size line, chunk terminator and trailer line must be exactly well-formed.

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) { HEX[65 + c] = 10 + c; HEX[97 + c] = 10 + c; }

const S_SIZE_FIRST = 0;
const S_SIZE = 1;
const S_EXT = 2;
const S_SIZE_LF = 3;
const S_DATA = 4;
const S_DATA_CR = 5;
const S_DATA_LF = 6;
const S_TRAILER_START = 7;
const S_TRAILER_LINE = 8;
const S_TRAILER_LF = 9;
const S_END_LF = 10;
const S_DONE = 11;

/** feed() result when the body has not ended within the bytes given. */
export const CHUNKED_MORE = -1;
/** feed() result for malformed framing. */
export const CHUNKED_BAD = -2;

/** Longest chunk-size accepted, in hex digits (2^48 bytes). */
const MAX_SIZE_DIGITS = 12;
/** Longest chunk-extension or trailer line. */
const MAX_LINE = 4096;

export class ChunkedFramer {
  private state = S_SIZE_FIRST;
  private size = 0;
  private digits = 0;
  private lineLength = 0;
  /** Data bytes seen so far (for MaxRequest). */
  total = 0;

  reset(): void {
    this.state = S_SIZE_FIRST;
    this.size = 0;
    this.digits = 0;
    this.lineLength = 0;
    this.total = 0;
  }

  get done(): boolean { return this.state === S_DONE; }

  /**
   * Consume buf[from..to). Returns the offset just past the end of the body if it ended
   * inside, CHUNKED_MORE if all bytes belong to the body, CHUNKED_BAD if malformed.
   */
  feed(buf: Buffer, from: number, to: number): number {
    let i = from;
    while (i < to) {
      const c = buf[i]!;
      switch (this.state) {
        case S_SIZE_FIRST:
        case S_SIZE: {
          const h = HEX[c]!;
          if (h >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) return CHUNKED_BAD;
            this.size = this.size * 16 + h;
            this.state = S_SIZE;
          } else if (this.state === S_SIZE_FIRST) {
            return CHUNKED_BAD;
          } else if (c === 59 /* ; */) {
            this.state = S_EXT;
            this.lineLength = 0;
          } else if (c === 13) {
            this.state = S_SIZE_LF;
          } else {
            return CHUNKED_BAD;
          }
          i++;
          break;
        }
        case S_EXT:
          if (c === 13) this.state = S_SIZE_LF;
          else if ((c < 32 && c !== 9) || c === 127 || ++this.lineLength > MAX_LINE) return CHUNKED_BAD;
          i++;
          break;
        case S_SIZE_LF:
          if (c !== 10) return CHUNKED_BAD;
          i++;
          this.digits = 0;
          if (this.size === 0) {
            this.state = S_TRAILER_START;
          } else {
            this.state = S_DATA;
          }
          break;
        case S_DATA: {
          const take = Math.min(this.size, to - i);
          this.size -= take;
          this.total += take;
          i += take;
          if (this.size === 0) this.state = S_DATA_CR;
          break;
        }
        case S_DATA_CR:
          if (c !== 13) return CHUNKED_BAD;
          this.state = S_DATA_LF;
          i++;
          break;
        case S_DATA_LF:
          if (c !== 10) return CHUNKED_BAD;
          this.state = S_SIZE_FIRST;
          i++;
          break;
        case S_TRAILER_START:
          if (c === 13) { this.state = S_END_LF; i++; break; }
          if (c === 32 || c === 9) return CHUNKED_BAD; // no folding in trailers either
          this.state = S_TRAILER_LINE;
          this.lineLength = 0;
          break;
        case S_TRAILER_LINE:
          if (c === 13) this.state = S_TRAILER_LF;
          else if ((c < 32 && c !== 9) || c === 127 || ++this.lineLength > MAX_LINE) return CHUNKED_BAD;
          i++;
          break;
        case S_TRAILER_LF:
          if (c !== 10) return CHUNKED_BAD;
          this.state = S_TRAILER_START;
          i++;
          break;
        case S_END_LF:
          if (c !== 10) return CHUNKED_BAD;
          this.state = S_DONE;
          return i + 1;
        default:
          return i;
      }
    }
    return CHUNKED_MORE;
  }
}
