// pound 4.x configuration: tokenize every file, splice `Include`d files into the token
// stream (so locations keep their own file and line), parse, and turn the CST into
// statements. Chevrotain, the lexer and the parser are built once per process.
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type * as Chevrotain from 'chevrotain';
import { makeParser, type Pound4Parser } from './parser.js';
import { StatementBuilder, tokenSpan, type FToken } from './cst-to-statements.js';
import type { Problem } from './problems.js';
import { decode, type Sources } from './sources.js';
import type { Block, Span } from './statements.js';
import { loadChevrotain, makeTokens, type Chev, type Pound4Tokens } from './tokens.js';
import { readBounded, strerror } from '../check/files.js';

export interface Parse4Options {
  sources: Sources;
  problems: Problem[];
  /** Relative Include names are looked up here (IncludeDir changes it as read). */
  includeDir: string | undefined;
  warnDeprecated: boolean;
  /** Modern diagnostics: recover from misspelt block openers. */
  recover?: boolean;
}

interface Machinery {
  chev: Chev;
  tokens: Pound4Tokens;
  lexer: Chevrotain.Lexer;
  parser: Pound4Parser;
  /** The statement builder the parser's gate consults; swapped per parse. */
  current: { builder: StatementBuilder };
}

let machinery: Promise<Machinery> | undefined;

function build(): Promise<Machinery> {
  machinery ??= (async () => {
    const chev = await loadChevrotain();
    const tokens = makeTokens(chev);
    const lexer = new chev.Lexer(tokens.all, { positionTracking: 'full', ensureOptimizations: false, skipValidations: process.env.PENPOUND_VALIDATE_GRAMMAR !== '1' });
    const current = { builder: new StatementBuilder([], true) };
    const parser = makeParser(chev, tokens, (within, kw, args) => current.builder.blockKindFor(within, kw, args));
    return { chev, tokens, lexer, parser, current };
  })();
  return machinery;
}

export async function parsePound4(file: string, bytes: Buffer, o: Parse4Options): Promise<Block> {
  const m = await build();
  const builder = new StatementBuilder(o.problems, o.warnDeprecated, o.recover ?? false);
  m.current.builder = builder;
  const expander = new IncludeExpander(m, builder, o);
  const tokens = expander.expand(file, decode(bytes), []);
  tokens.forEach((t, i) => (t.seq = i + 1));

  const cst = m.parser.parse(tokens);
  const [opener, lineEnd] = m.parser.unclosed as FToken[];
  if (opener && lineEnd) {
    const end = tokenSpan(lineEnd);
    const at: Span = { file: end.endFile ?? end.file, start: end.end, end: end.end, order: Number.MAX_SAFE_INTEGER };
    o.problems.push({ severity: 'error', code: 'premature-eof', span: at, text: 'unexpected end of file', order: at.order, modern: `${opener.image} block is not closed: missing End before the end of the file` });
  }
  for (const e of m.parser.errors) {
    const t = e.token as FToken;
    const span = t.file ? tokenSpan(t) : undefined;
    o.problems.push({ severity: 'error', code: 'syntax', span, text: `syntax error: ${e.message}`, order: span?.order ?? Number.MAX_SAFE_INTEGER });
  }
  // The CST of a parse that stopped early still holds everything before the stop.
  return cst ? builder.config(cst) : { kind: 'global', body: [] };
}

const GLOB = /[*?[]/;

class IncludeExpander {
  private includeDir: string | undefined;

  constructor(
    private readonly m: Machinery,
    private readonly builder: StatementBuilder,
    private readonly o: Parse4Options,
  ) {
    this.includeDir = o.includeDir;
  }

  /** `stack`: the Include tokens that led here (for "already included"). */
  expand(shown: string, text: string, stack: { file: string; at?: FToken }[]): FToken[] {
    this.o.sources.set(shown, text.split('\n'));
    const lexed = this.m.lexer.tokenize(text);
    const tokens = lexed.tokens as FToken[];
    for (const t of tokens) t.file = shown;
    const chain = [...stack, { file: shown }];
    const out: FToken[] = [];
    let atStart = true;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      const next = tokens[i + 1];
      const after = tokens[i + 2];
      const isWord = t.tokenType === this.m.tokens.Word || t.tokenType === this.m.tokens.End;
      if (atStart && isWord && next?.tokenType === this.m.tokens.Str && (!after || after.tokenType === this.m.tokens.Newline)) {
        if (/^include$/i.test(t.image)) {
          out.push(...this.include(next, chain));
          i += 1; // keep the newline: it ends the (now empty) statement
          continue;
        }
        if (/^includedir$/i.test(t.image)) this.includeDir = this.builder.stringValue(next);
      }
      out.push(t);
      atStart = t.tokenType === this.m.tokens.Newline;
    }
    // An included file's last line ends its statement even without a newline.
    if (stack.length > 0 && out.length > 0 && out[out.length - 1]!.tokenType !== this.m.tokens.Newline) {
      const last = out[out.length - 1]!;
      const nl = this.m.chev.createTokenInstance(this.m.tokens.Newline, '\n', NaN, NaN, last.endLine!, last.endLine!, last.endColumn! + 1, last.endColumn! + 1) as FToken;
      nl.file = shown;
      out.push(nl);
    }
    return out;
  }

  private include(nameTok: FToken, chain: { file: string; at?: FToken }[]): FToken[] {
    const name = this.builder.stringValue(nameTok);
    const path = name.startsWith('/') || !this.includeDir ? name : join(this.includeDir, name);
    const where = tokenSpan(nameTok);
    const error = (text: string, more: Partial<Problem> = {}) => this.o.problems.push({ severity: 'error', code: 'include', span: where, text, order: where.order, ...more });
    let files: string[];
    try {
      statSync(path);
      files = [path];
    } catch (err) {
      files = GLOB.test(basename(path)) ? glob(path) : [];
      if (files.length === 0) {
        error(`can't stat ${path}: ${strerror(err)}`, { modern: `Include "${name}": ${strerror(err)} (looked for ${path})` });
        return [];
      }
    }
    // The chain as the included file sees it: this file's entry records the Include.
    const stack = chain.map((c, i) => (i === chain.length - 1 ? { ...c, at: nameTok } : c));
    const out: FToken[] = [];
    for (const f of files) {
      const open = chain.findIndex((c) => c.file === f);
      if (open >= 0) {
        const original = chain[open - 1]?.at;
        if (open === 0 || !original) error(`${f} already included (at top level)`);
        else error(`${f} already included`, { notes: [{ severity: 'note', code: 'include', span: tokenSpan(original), order: where.order, text: 'here is the location of original inclusion' }] });
        continue;
      }
      let text: string;
      try {
        text = decode(readBounded(f));
      } catch (err) {
        error(`can't open ${f}: ${strerror(err)}`);
        continue;
      }
      out.push(...this.expand(f, text, stack));
    }
    return out;
  }
}

/**
 * fnmatch-style pattern → RegExp: `*`, `?`, and `[...]` classes (`!` or `^` negates).
 * A `[` without its `]` is an ordinary character, as for glob(3).
 */
export function globToRegExp(pattern: string): RegExp {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '!' || pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, j);
      const negate = body[0] === '!' || body[0] === '^';
      if (negate) body = body.slice(1);
      // In a class a leading ']' and any backslash are literal characters.
      out += (negate ? '[^' : '[') + body.replace(/[\\\]]/g, '\\$&') + ']';
      i = j;
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  try {
    return new RegExp(out + '$');
  } catch {
    // A class that is not valid as a RegExp (e.g. a reversed range [z-a]) matches nothing.
    return /(?!)/;
  }
}

/** Shell-style wildcards in the last path component; regular files, sorted. */
function glob(pattern: string): string[] {
  const dir = dirname(pattern);
  const re = globToRegExp(basename(pattern));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => re.test(n) && !n.startsWith('.'))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
}
