// Reads pound.cfg the way pound 2.x did: fgets() into a 4096-byte buffer (a longer line
// becomes several "lines", each counted), the terminator stripped per version, and, from
// 2.5 on, `Include "file"` spliced in by the reader itself so it works in any block.
import { decode, type Sources } from './sources.js';
import { problem, type Problem } from './problems.js';
import type { Span } from './statements.js';
import { readBounded } from '../check/files.js';

export interface LegacyLine {
  file: string;
  line: number;
  /** Reading order across included files. */
  order: number;
  text: string;
}

/** fgets(buf, 4096, f) over a whole file: chunks of at most 4095 bytes, each ending at '\n'. */
export function fgetsLines(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < bytes.length) {
    const nl = bytes.indexOf(0x0a, i);
    const stop = nl < 0 ? bytes.length : nl + 1;
    const end = Math.min(stop, i + 4095);
    out.push(bytes.subarray(i, end));
    i = end;
  }
  return out;
}

/** The line as the version's parser saw it. */
function strip(chunk: Buffer, minor: number): string {
  let end = chunk.length;
  if (minor >= 5) {
    // 2.5+: cut at the first CR or LF, so CRLF files work.
    for (let j = 0; j < chunk.length; j++) {
      if (chunk[j] === 0x0d || chunk[j] === 0x0a) {
        end = j;
        break;
      }
    }
  } else if (end > 0 && chunk[end - 1] === 0x0a) {
    // 2.4: only the final newline goes; a CR stays and breaks every directive regex.
    end--;
  }
  return decode(chunk.subarray(0, end));
}

const INCLUDE = /^[ \t]*Include[ \t]+"([^]+)"[ \t]*$/i;
/** Main file plus 7 nested levels. */
const MAX_DEPTH = 7;

interface Frame {
  file: string;
  lines: string[];
  next: number;
}

export class LegacyReader {
  private readonly stack: Frame[] = [];
  private order = 0;
  /** Where the reader stopped: "premature EOF" is reported on the main file's last line. */
  readonly mainFile: string;
  mainLineCount = 0;

  constructor(
    mainFile: string,
    mainBytes: Buffer,
    private readonly minor: number,
    private readonly sources: Sources,
    private readonly problems: Problem[],
  ) {
    this.mainFile = mainFile;
    this.push(mainFile, mainBytes);
    this.mainLineCount = this.stack[0]!.lines.length;
  }

  private push(file: string, bytes: Buffer): void {
    const lines = fgetsLines(bytes).map((c) => strip(c, this.minor));
    this.sources.set(file, lines);
    this.stack.push({ file, lines, next: 0 });
  }

  /** The next line, or undefined at the end of the main file. */
  next(): LegacyLine | undefined {
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (!top) return undefined;
      if (top.next >= top.lines.length) {
        this.stack.pop();
        continue;
      }
      const text = top.lines[top.next]!;
      const line: LegacyLine = { file: top.file, line: ++top.next, order: ++this.order, text };
      if (this.minor >= 5) {
        const m = INCLUDE.exec(text);
        if (m) {
          this.include(m[1]!, line);
          continue;
        }
      }
      return line;
    }
  }

  private include(name: string, at: LegacyLine): void {
    const span: Span = { file: at.file, start: { line: at.line, col: 1 }, end: { line: at.line, col: at.text.length }, order: at.order };
    if (this.stack.length > MAX_DEPTH) {
      this.problems.push(problem('include-depth', span, 'Include nesting too deep', { modern: `Include "${name}": more than ${MAX_DEPTH} nested Include levels` }));
      return;
    }
    let bytes: Buffer;
    try {
      bytes = readBounded(name);
    } catch (err) {
      // 2.5–2.8 push the file before opening it, so the message names it, at line 0.
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (err as Error).message;
      this.problems.push(
        problem('include-open', span, "can't open included file", {
          legacyPlace: { file: name, line: 0 },
          modern: `can't open included file "${name}": ${why}`,
        }),
      );
      return;
    }
    this.push(name, bytes);
  }
}
