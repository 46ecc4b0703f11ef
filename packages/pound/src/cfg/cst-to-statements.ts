// The 4.x CST → statements, checking each statement against the keyword table the way
// pound 4 does: unknown keywords, argument types ("expected quoted string, but found
// number"), ranges, booleans, extra tokens; plus its warnings (deprecated statements,
// unrecognised escapes in quoted strings, which drop the backslash).
import { isIP } from 'node:net';
import type * as Chevrotain from 'chevrotain';
import { blocksAccepting, keywordNames, modernKeyword, type ArgPattern, type ModernKeyword } from './keywords.js';
import { closest, type Problem } from './problems.js';
import type { Arg, ArgKind, Block, BlockKind, Span, Stmt } from './statements.js';
import { describeWord } from './tokens.js';
import { MATCH_FLAGS } from './build/values.js';

/** A token with the file it came from and its place in reading order. */
export type FToken = Chevrotain.IToken & { file: string; seq: number };

const TRUE_WORDS = ['1', 'yes', 'true', 'on'];
const FALSE_WORDS = ['0', 'no', 'false', 'off'];
const UINT_MAX = 4294967295;

export function tokenSpan(tok: FToken): Span {
  if (tok.tokenType.name === 'Newline') {
    return { file: tok.file, start: { line: tok.startLine!, col: tok.startColumn! }, end: { line: tok.startLine! + 1, col: 0 }, order: tok.seq };
  }
  return {
    file: tok.file,
    start: { line: tok.startLine!, col: tok.startColumn! },
    end: { line: tok.endLine!, col: tok.endColumn! },
    order: tok.seq,
  };
}

function spanOf(a: FToken, b: FToken): Span {
  const s = tokenSpan(a);
  const e = tokenSpan(b);
  const out: Span = { ...s, end: e.end };
  if (b.file !== a.file) out.endFile = b.file;
  return out;
}

function kindOf(tok: FToken): ArgKind {
  return tok.tokenType.name === 'Str' ? 'string' : describeWord(tok.image);
}

/** "quoted string", "number", ... as 4.x names what it found. */
function found(tok: FToken | undefined): string {
  if (!tok) return 'end of file';
  if (tok.tokenType.name === 'Newline') return 'end of line';
  if (tok.tokenType.name === 'Str' || tok.tokenType.name === 'BadStr') return 'quoted string';
  return describeWord(tok.image);
}

const BLOCK_WORDS: Partial<Record<BlockKind, string>> = {
  global: 'at the top level',
  'listen-http': 'inside ListenHTTP',
  'listen-https': 'inside ListenHTTPS',
  service: 'inside Service',
  backend: 'inside Backend',
  emergency: 'inside Emergency',
  session: 'inside Session',
  control: 'inside Control',
  resolver: 'inside Resolver',
  rewrite: 'inside Rewrite',
  match: 'inside Match',
};

export class StatementBuilder {
  constructor(
    private readonly problems: Problem[],
    private readonly warnDeprecated: boolean,
    /** Modern diagnostics: read a misspelt block opener's block as the block it resembles. */
    private readonly recover = false,
  ) {}

  private error(code: string, span: Span, text: string, more: Partial<Problem> = {}): void {
    this.problems.push({ severity: 'error', code, span, text, order: span.order, ...more });
  }

  private warn(code: string, span: Span, text: string, more: Partial<Problem> = {}): void {
    this.problems.push({ severity: 'warning', code, span, text, order: span.order, ...more });
  }

  /** The value of a quoted string, with 4.x's escape rules and warnings. */
  stringValue(tok: FToken): string {
    const body = tok.image.slice(1, tok.image.endsWith('"') && tok.image.length > 1 ? -1 : undefined);
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const c = body[i]!;
      if (c !== '\\' || i + 1 >= body.length) {
        out += c;
        continue;
      }
      const d = body[++i]!;
      if (d === '"' || d === '\\') {
        out += d;
        continue;
      }
      const col = tok.startColumn! + i; // the backslash is at i-1 in body, +1 for the quote
      this.warn('bad-escape', { file: tok.file, start: { line: tok.startLine!, col }, end: { line: tok.startLine!, col: col + 1 }, order: tok.seq }, 'unrecognized escape character', {
        modern: `unrecognized escape "\\${d}" in a quoted string: pound 4 drops the backslash (write "\\\\${d}" to keep it)`,
      });
      out += d;
    }
    return out;
  }

  /** Which block a line opens (the parser's gate uses this too). */
  blockKindFor(within: BlockKind, keyword: Chevrotain.IToken, args: Chevrotain.IToken[]): BlockKind | undefined {
    if (keyword.tokenType.name !== 'Word') return undefined;
    let kw = modernKeyword(within, keyword.image);
    if (!kw && this.recover) {
      const guess = closest(keyword.image, keywordNames(within, 'pound-4'));
      kw = guess ? modernKeyword(within, guess) : undefined;
    }
    if (!kw) return undefined;
    if (kw.name === 'Not' && args.length > 0) return this.blockKindFor(within, args[0]!, args.slice(1));
    return kw.opens?.(args.map((a) => ({ kind: a.tokenType.name === 'Str' ? 'string' : describeWord(a.image), text: a.image })));
  }

  config(cst: Chevrotain.CstNode): Block {
    return { kind: 'global', body: this.statements('global', cst) };
  }

  private statements(kind: BlockKind, node: Chevrotain.CstNode): Stmt[] {
    const out: Stmt[] = [];
    for (const child of (node.children.statement as Chevrotain.CstNode[] | undefined) ?? []) {
      const s = this.statement(kind, child);
      if (s) out.push(s);
    }
    return out;
  }

  private statement(kind: BlockKind, node: Chevrotain.CstNode): Stmt | undefined {
    const keyword = (node.children.keyword as FToken[])[0]!;
    const args = ((node.children.arg as FToken[] | undefined) ?? []).slice();
    const eol = (node.children.eol as FToken[] | undefined)?.[0];
    const blockNode = (node.children.block as Chevrotain.CstNode[] | undefined)?.[0];
    const stmt = this.check(kind, keyword, args, eol);
    if (blockNode) {
      // (With `recover`, a misspelt opener's block is still read, for its own problems.)
      const sub = this.blockKindFor(kind, keyword, args)!;
      const end = (blockNode.children.end as FToken[] | undefined)?.[0];
      const block: Block = { kind: sub, body: this.statements(sub, blockNode) };
      if (end) {
        block.end = tokenSpan(end);
        const extra = (blockNode.children.extra as FToken[] | undefined)?.[0];
        if (extra) this.error('unexpected', tokenSpan(extra), `unexpected ${found(extra)}`, { modern: `nothing may follow End on its line` });
      }
      if (stmt) {
        // A `Not Match ...` block belongs to the inner Match.
        if (stmt.inner && stmt.name === 'Not') stmt.inner.block = block;
        else stmt.block = block;
      }
    }
    return stmt;
  }

  /** Check one line; undefined when it is wrong (the problem is recorded). */
  private check(kind: BlockKind, keyword: FToken, args: FToken[], eol: FToken | undefined): Stmt | undefined {
    const kwSpan = tokenSpan(keyword);
    const bad = [keyword, ...args].find((t) => t.tokenType.name === 'BadStr');
    if (bad) {
      this.badString(bad, eol);
      return undefined;
    }
    const last = args[args.length - 1] ?? keyword;
    const span = spanOf(keyword, last);

    if (kind === 'acl' || kind === 'strings' || kind === 'text') return this.dataLine(kind, keyword, args, span);
    if (keyword.tokenType.name === 'Str') {
      this.error('unexpected', kwSpan, 'unexpected quoted string', { modern: 'a statement starts with a keyword, not a quoted string' });
      return undefined;
    }
    const kw = modernKeyword(kind, keyword.image);
    if (!kw) {
      this.unknown(kind, keyword, kwSpan);
      return undefined;
    }
    if (kw.name === 'Not') {
      if (args.length === 0) {
        this.error('expected', eol ? tokenSpan(eol) : kwSpan, `expected identifier, but found ${found(eol)}`);
        return undefined;
      }
      const inner = this.check(kind, args[0]!, args.slice(1), eol);
      if (!inner) return undefined;
      return { name: 'Not', keyword: keyword.image, args: [], span, keywordSpan: kwSpan, inner };
    }
    const values = this.arguments(kw, args, eol, kwSpan);
    if (!values) return undefined;
    if (kw.deprecated && this.warnDeprecated) this.warn('deprecated', kwSpan, kw.deprecated);
    if (kw.ignored) this.warn('ignored', kwSpan, 'statement ignored');
    return { name: kw.name, keyword: keyword.image, args: values, span, keywordSpan: kwSpan };
  }

  private badString(tok: FToken, eol: FToken | undefined): void {
    this.error('unterminated-string', tokenSpan(tok), eol ? 'end of line in quoted string' : 'end of file in quoted string', {
      modern: 'this quoted string has no closing quote on its line',
    });
  }

  private unknown(kind: BlockKind, keyword: FToken, span: Span): void {
    const more: Partial<Problem> = { modern: `unknown keyword "${keyword.image}" ${BLOCK_WORDS[kind] ?? ''}`.trimEnd() };
    const elsewhere = blocksAccepting(keyword.image, 'pound-4').filter((b) => b !== kind && BLOCK_WORDS[b]);
    if (/^haport$/i.test(keyword.image)) more.hint = 'HAport was removed in pound 4.2; backends are probed when they fail';
    else if (/^dynscale$/i.test(keyword.image)) more.hint = 'DynScale was removed in pound 2.8';
    else if (elsewhere.length > 0) more.hint = `${keyword.image} is valid ${elsewhere.map((b) => BLOCK_WORDS[b]).join(' or ')}${kind !== 'global' ? ' (is an End missing above?)' : ''}`;
    else {
      const guess = closest(keyword.image, keywordNames(kind, 'pound-4'));
      if (guess) more.hint = `did you mean "${guess}"?`;
    }
    this.error('unknown-directive', span, 'unrecognized keyword', more);
  }

  /** Lines of ACL / TrustedIP (quoted CIDRs), CombineHeaders (quoted names), free text. */
  private dataLine(kind: BlockKind, keyword: FToken, args: FToken[], span: Span): Stmt | undefined {
    if (kind === 'text') {
      return { name: '', keyword: keyword.image, args: args.map((a) => ({ kind: kindOf(a), text: a.image, span: tokenSpan(a) })), span, keywordSpan: tokenSpan(keyword) };
    }
    if (keyword.tokenType.name !== 'Str') {
      this.error('expected', tokenSpan(keyword), `expected quoted string, but found ${found(keyword)}`);
      return undefined;
    }
    if (args.length > 0) {
      this.error('unexpected', tokenSpan(args[0]!), `unexpected ${found(args[0])}`);
      return undefined;
    }
    const value = this.stringValue(keyword);
    if (kind === 'acl') {
      const [addr, len, more] = value.split('/');
      const fam = isIP(addr ?? '');
      const bits = len === undefined ? undefined : /^\d+$/.test(len) ? Number(len) : NaN;
      if (!fam || more !== undefined || (bits !== undefined && !(bits <= (fam === 4 ? 32 : 128)))) {
        this.error('bad-cidr', tokenSpan(keyword), `invalid CIDR: ${value}`);
        return undefined;
      }
    }
    return { name: '', keyword: value, args: [{ kind: 'string', text: value, span: tokenSpan(keyword) }], span, keywordSpan: tokenSpan(keyword) };
  }

  /** Match the arguments against the keyword's pattern; undefined on error. */
  private arguments(kw: ModernKeyword, tokens: FToken[], eol: FToken | undefined, kwSpan: Span): Arg[] | undefined {
    const out: Arg[] = [];
    let i = 0;
    let failed = false;
    const fail = (tok: FToken | undefined, text: string, more: Partial<Problem> = {}) => {
      failed = true;
      const span = tok ? tokenSpan(tok) : { ...kwSpan, start: kwSpan.end };
      this.error(text.startsWith('expected') ? 'expected' : 'bad-value', span, text, {
        modern: `${kw.name}: ${text}`,
        ...more,
      });
    };
    const arg = (tok: FToken, text: string): Arg => ({ kind: kindOf(tok), text, span: tokenSpan(tok) });
    /** Does `p` accept the token at i (without consuming)? */
    const accepts = (p: ArgPattern, tok: FToken | undefined): boolean => {
      if (!tok) return false;
      const str = tok.tokenType.name === 'Str';
      switch (p.t) {
        case 'string': return str;
        case 'uint': return !str && describeWord(tok.image) === 'number';
        case 'int': return !str && /^-?\d+$/.test(tok.image);
        case 'bool': return !str;
        case 'word': return !str && (!p.values || p.values.some((v) => v.toLowerCase() === tok.image.toLowerCase()));
        case 'any': return true;
        case 'port': return !str;
        case 'uint-or-string': return str || describeWord(tok.image) === 'number';
        case 'flags': return !str && MATCH_FLAGS.has(tok.image.toLowerCase());
        case 'opt': return p.p.length > 0 && accepts(p.p[0]!, tok);
        case 'rest': return accepts(p.p, tok);
      }
    };
    const one = (p: ArgPattern): void => {
      if (failed) return;
      const tok = tokens[i];
      switch (p.t) {
        case 'opt':
          if (accepts(p, tok)) p.p.forEach(one);
          return;
        case 'rest':
          while (!failed && i < tokens.length && accepts(p.p, tokens[i])) one(p.p);
          return;
        case 'flags':
          while (i < tokens.length && accepts(p, tokens[i])) {
            const f = tokens[i++]!;
            out.push(arg(f, f.image));
            if (f.image.toLowerCase() === '-tag') one({ t: 'string' });
          }
          return;
        default:
          break;
      }
      if (!tok) {
        const want = { string: 'quoted string', uint: 'number', int: 'number', bool: 'boolean', word: 'identifier', any: 'quoted string', port: 'identifier', 'uint-or-string': 'number' }[p.t];
        fail(eol, `expected ${want}, but found ${found(eol)}`);
        return;
      }
      const str = tok.tokenType.name === 'Str';
      switch (p.t) {
        case 'string':
          if (!str) return fail(tok, `expected quoted string, but found ${found(tok)}`);
          out.push(arg(tok, this.stringValue(tok)));
          break;
        case 'uint':
        case 'int': {
          if (str || !(p.t === 'uint' ? /^\d+$/ : /^-?\d+$/).test(tok.image)) return fail(tok, `expected number, but found ${found(tok)}`);
          const n = Number(tok.image);
          if (p.t === 'uint' && n > UINT_MAX) return fail(tok, 'bad unsigned number');
          if (p.t === 'uint' && p.min !== undefined && (n < p.min || (p.max !== undefined && n > p.max))) {
            return fail(tok, p.max !== undefined ? `value out of allowed range (${p.min}..${p.max})` : `value out of allowed range (>= ${p.min})`);
          }
          out.push(arg(tok, tok.image));
          break;
        }
        case 'bool': {
          const v = tok.image;
          if (str || (!TRUE_WORDS.includes(v) && !FALSE_WORDS.includes(v))) {
            failed = true;
            this.error('not-boolean', tokenSpan(tok), 'not a boolean value', {
              modern: `${kw.name}: "${v}" is not a boolean value`,
              hint: 'use 1, yes, true or on; 0, no, false or off',
              notes: [{ severity: 'note', code: 'boolean-values', span: tokenSpan(tok), order: tok.seq, text: 'valid booleans are: 1, yes, true, on for true value, and 0, no, false, off for false value' }],
            });
            return;
          }
          out.push(arg(tok, TRUE_WORDS.includes(v) ? '1' : '0'));
          break;
        }
        case 'word':
          if (str) return fail(tok, `expected identifier, but found ${found(tok)}`);
          if (p.values && !p.values.some((v) => v.toLowerCase() === tok.image.toLowerCase())) {
            return fail(tok, 'unrecognized keyword', { hint: `expected one of: ${p.values.join(', ')}` });
          }
          out.push(arg(tok, tok.image));
          break;
        case 'port':
          if (str) return fail(tok, `expected identifier, but found ${found(tok)}`);
          out.push(arg(tok, tok.image));
          break;
        case 'any':
          out.push(arg(tok, str ? this.stringValue(tok) : tok.image));
          break;
        case 'uint-or-string':
          if (!str && !/^\d+$/.test(tok.image)) return fail(tok, `expected number, but found ${found(tok)}`);
          out.push(arg(tok, str ? this.stringValue(tok) : tok.image));
          break;
      }
      i++;
    };
    kw.args.forEach(one);
    if (failed) return undefined;
    if (i < tokens.length) {
      const extra = tokens[i]!;
      this.error('unexpected', tokenSpan(extra), `unexpected ${found(extra)}`, { modern: `${kw.name}: unexpected ${found(extra)} "${extra.image}"` });
      return undefined;
    }
    return out;
  }
}
