// pound 2.x's line grammar: every line of a block is tried against that block's directive
// patterns in table order; a line no pattern matches is an "unknown directive" (which is
// also how out-of-range values and trailing comments are reported). Blocks end at `End`.
import { LEGACY_BLOCK_NAMES, LEGACY_SHAPES, keywordNames, legacyForms, blocksAccepting, type LegacyShape } from './keywords.js';
import { closest, problem, type Problem } from './problems.js';
import type { LegacyLine, LegacyReader } from './legacy-reader.js';
import type { Arg, Block, BlockKind, Span, Stmt } from './statements.js';

const BLANK = /^[ \t]*$/;
const COMMENT = /^[ \t]*#/;
const END = /^[ \t]*End[ \t]*$/i;

/** Blocks whose unknown lines 2.5–2.8 report without "- aborted". */
const NO_SUFFIX = new Set<BlockKind>(['listen-https', 'service', 'backend', 'emergency', 'session']);

const SHAPE_WORDS: Record<LegacyShape, string> = {
  Q: 'a non-empty quoted string',
  T: 'one word',
  N1: 'a number from 1 up',
  N0: 'a number',
  D19: 'a single digit 1-9',
  D05: 'a digit 0-5',
  D04: 'a digit 0-4',
  D03: 'a digit 0-3',
  D02: '0, 1 or 2',
  B: '0 or 1',
  TTL: 'a number of seconds (negative: hash mode)',
  FAC: 'a syslog facility name or -',
  PROTO: 'SSLv2, SSLv3, TLSv1, TLSv1_1 or TLSv1_2',
  CODE: '301, 302 or 307',
};

const BLOCK_WORDS: Record<string, string> = {
  global: 'at the top level',
  'listen-http': 'inside ListenHTTP',
  'listen-https': 'inside ListenHTTPS',
  service: 'inside Service',
  backend: 'inside BackEnd',
  emergency: 'inside Emergency',
  session: 'inside Session',
};

export class LegacyParser {
  private readonly dialect: 'pound-2.4' | 'pound-2.8';
  private atEof = false;
  private crlfReported = false;
  /** Set by unknown(): the block a misspelt opener most likely meant, to read it as such. */
  private recoverAs: BlockKind | undefined;

  constructor(
    private readonly reader: LegacyReader,
    private readonly minor: number,
    private readonly problems: Problem[],
    /** Keep going after errors (modern diagnostics): recover instead of cascading. */
    private readonly collectAll = false,
  ) {
    this.dialect = minor >= 5 ? 'pound-2.8' : 'pound-2.4';
  }

  parse(): Block {
    return this.block('global');
  }

  private lineSpan(l: LegacyLine, from = 0, to = l.text.length): Span {
    return { file: l.file, start: { line: l.line, col: from + 1 }, end: { line: l.line, col: Math.max(to, from + 1) }, order: l.order };
  }

  private block(kind: BlockKind, openerSpan?: Span): Block {
    const body: Stmt[] = [];
    for (;;) {
      let l = this.reader.next();
      // Modern diagnostics report DOS line endings once, then read on without the CRs.
      if (l && this.collectAll && this.crlfReported && l.text.endsWith('\r')) l = { ...l, text: l.text.slice(0, -1) };
      if (!l) {
        if (kind !== 'global' && !this.atEof) {
          this.atEof = true;
          const what = LEGACY_BLOCK_NAMES[kind]!;
          this.problems.push(
            problem('premature-eof', openerSpan, `${what} premature EOF`, {
              order: Number.MAX_SAFE_INTEGER,
              legacyPlace: { file: this.reader.mainFile, line: this.reader.mainLineCount },
              modern: `${what} block is not closed: missing End before the end of the file`,
            }),
          );
        }
        return { kind, body };
      }
      if (BLANK.test(l.text) || COMMENT.test(l.text)) continue;
      if (kind !== 'global' && END.test(l.text)) {
        const at = l.text.search(/\S/);
        return { kind, body, end: this.lineSpan(l, at, at + 3) };
      }
      const stmt = this.statement(kind, l);
      if (!stmt) {
        const meant = this.recoverAs;
        this.recoverAs = undefined;
        // A misspelt block opener: read its block anyway so its lines are not all "unknown".
        if (meant && this.collectAll) this.block(meant, this.lineSpan(l));
        continue;
      }
      if (stmt.block) stmt.block = this.block(stmt.block.kind, stmt.span);
      body.push(stmt);
    }
  }

  private statement(kind: BlockKind, l: LegacyLine): Stmt | undefined {
    if (this.collectAll && this.crlfReported && l.text.endsWith('\r')) {
      // Reported once already: read the rest as if the CRs were not there.
      return this.statement(kind, { ...l, text: l.text.slice(0, -1) });
    }
    const stmt = this.match(kind, l);
    if (!stmt) this.problems.push(this.unknown(kind, l));
    return stmt;
  }

  /** The first directive form of `kind` the whole line matches. */
  private match(kind: BlockKind, l: LegacyLine): Stmt | undefined {
    for (const form of legacyForms(kind, this.minor)) {
      const m = form.regex.exec(l.text);
      if (!m) continue;
      const indices = m.indices!;
      const args: Arg[] = form.args.map((shape, i) => {
        const [s, e] = indices[i + 1]!;
        return { kind: LEGACY_SHAPES[shape].kind, text: m[i + 1]!, span: this.lineSpan(l, s, e) };
      });
      const kwStart = l.text.search(/[^ \t]/);
      const kwEnd = kwStart + form.name.length;
      const last = args.length ? args[args.length - 1]!.span.end.col : kwEnd;
      const stmt: Stmt = {
        name: form.name,
        keyword: l.text.slice(kwStart, kwEnd),
        args,
        span: this.lineSpan(l, kwStart, last),
        keywordSpan: this.lineSpan(l, kwStart, kwEnd),
        raw: l.text,
      };
      if (form.opens) stmt.block = { kind: form.opens, body: [] };
      return stmt;
    }
    return undefined;
  }

  private unknown(kind: BlockKind, l: LegacyLine): Problem {
    const text =
      this.minor < 5
        ? `unknown directive "${l.text}" - aborted`
        : NO_SUFFIX.has(kind)
          ? 'unknown directive'
          : 'unknown directive - aborted';
    const kwStart = l.text.search(/[^ \t]/);
    const keyword = /^[^ \t]*/.exec(l.text.slice(kwStart))![0];
    const span = this.lineSpan(l, kwStart, kwStart + keyword.length);
    const more: Partial<Problem> = {};
    const lower = keyword.replace(/\r$/, '').toLowerCase();
    const forms = legacyForms(kind, this.minor).filter((x) => x.name.toLowerCase() === lower);
    if (l.text.endsWith('\r')) {
      more.modern = `unknown directive "${keyword.replace(/\r$/, '')}": the line ends with a carriage return`;
      more.hint = 'the file has DOS (CRLF) line endings, which pound 2.4 does not accept; convert it (dos2unix) or use -W compat=2.8 (further lines with a CR are read as if it was not there)';
      this.crlfReported = true;
      const again = this.match(kind, { ...l, text: l.text.slice(0, -1) });
      if (again?.block) this.recoverAs = again.block.kind;
    } else if (forms.length > 0) {
      const want = forms.map((x) => (x.args.length ? x.args.map((a) => SHAPE_WORDS[a]).join(' then ') : 'no value')).join(', or ');
      const rest = l.text.slice(kwStart + keyword.length).trim();
      more.modern = `bad value for ${forms[0]!.name === 'Backend' ? 'BackEnd' : forms[0]!.name}: ${rest === '' ? 'missing' : `"${rest}"`} (expected ${want})`;
      if (/[ \t]#/.test(rest)) more.hint = 'pound 2.x has no comments after a directive: put the comment on a line of its own';
      else if (rest === '""') more.hint = 'an empty quoted string is not accepted';
    } else if (lower === 'end') {
      more.modern = kind === 'global' ? 'End without a block to close' : 'End takes no value';
    } else {
      more.modern = `unknown directive "${keyword}" ${BLOCK_WORDS[kind] ?? ''}`.trimEnd();
      const elsewhere = blocksAccepting(keyword, this.dialect).filter((b) => b !== kind && BLOCK_WORDS[b]);
      const other = this.dialect === 'pound-2.4' ? 'pound-2.8' : 'pound-2.4';
      if (elsewhere.length > 0) {
        more.hint = `${keyword} is valid ${elsewhere.map((b) => BLOCK_WORDS[b]).join(' or ')}`;
        if (kind !== 'global') more.hint += ' (is an End missing above?)';
      } else if (keywordNames(kind, other).some((n) => n.toLowerCase() === lower)) {
        more.hint = `${keyword} is ${other === 'pound-2.8' ? 'only accepted from pound 2.5 on: use -W compat=2.8' : 'not accepted after pound 2.7'}`;
      } else {
        const guess = closest(keyword, keywordNames(kind, this.dialect));
        if (guess) {
          more.hint = `did you mean "${guess}"?`;
          this.recoverAs = legacyForms(kind, this.minor).find((x) => x.name.toLowerCase() === guess.toLowerCase() && x.opens)?.opens;
        }
      }
    }
    return problem('unknown-directive', span, text, more);
  }
}
