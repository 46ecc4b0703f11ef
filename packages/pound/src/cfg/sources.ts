// The text of every file read while parsing, kept so the modern diagnostic style can
// quote the offending line under its message.
import { isUtf8 } from 'node:buffer';

export class Sources {
  private readonly files = new Map<string, string[]>();

  set(file: string, lines: string[]): void {
    this.files.set(file, lines);
  }

  /** Line `n` (1-based) of `file`, if it was read. */
  line(file: string, n: number): string | undefined {
    return this.files.get(file)?.[n - 1];
  }
}

/** Bytes to text: UTF-8 when valid, otherwise Latin-1 so every byte survives. */
export function decode(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
}
