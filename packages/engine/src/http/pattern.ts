// Turns a model Pattern into a JavaScript RegExp (or a literal matcher), once per pattern.
// pound compiled its patterns with regcomp(REG_EXTENDED): POSIX ERE, matched as an
// unanchored search. JavaScript's syntax differs in a few places (bracket classes, literal
// braces, stacked quantifiers, `\<`/`\>`), so ERE is translated, not passed through.
import type { Pattern } from '../model/types.js';

/** Something that can test a string; RegExp and the literal matchers below both fit. */
export interface Matcher {
  test(s: string): boolean;
}

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: '0-9A-Za-z',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  print: ' -~',
  graph: '!-~',
  cntrl: '\\x00-\\x1f\\x7f',
  xdigit: '0-9A-Fa-f',
  word: '0-9A-Za-z_',
};

/** Characters that must be escaped to stand for themselves in a JS pattern. */
const JS_SPECIAL = new Set('\\^$.|?*+()[]{}/-'.split(''));

function escapeChar(c: string): string {
  return JS_SPECIAL.has(c) ? '\\' + c : c;
}

function escapeInClass(c: string): string {
  return c === '\\' || c === ']' || c === '[' || c === '^' || c === '-' ? '\\' + c : c;
}

export type EreResult = { ok: true; source: string } | { ok: false; message: string };

/**
 * Translate a POSIX extended regular expression (as glibc's regcomp accepts it, GNU
 * extensions `\w \W \s \S \b \B \< \>` included) into an equivalent JavaScript source.
 */
export function translateEre(ere: string): EreResult {
  let out = '';
  // Start (in `out`) of the last complete atom, so a quantifier can be applied or wrapped.
  let atomStart = -1;
  let quantified = false;
  const groupStarts: number[] = [];
  let i = 0;
  const n = ere.length;
  const fail = (message: string): EreResult => ({ ok: false, message });

  const addQuantifier = (q: string): EreResult | undefined => {
    if (atomStart < 0) return fail('Invalid preceding regular expression');
    if (quantified) {
      // ERE allows `a**` or `a+?` (a quantified quantified atom); JS does not (and reads
      // `?` after a quantifier as "lazy"), so group what came before.
      out = out.slice(0, atomStart) + '(?:' + out.slice(atomStart) + ')';
    }
    out += q;
    quantified = true;
    return undefined;
  };

  while (i < n) {
    const c = ere[i]!;
    if (c === '[') {
      const start = out.length;
      const r = translateBracket(ere, i);
      if (!r.ok) return r;
      out += r.source;
      i = r.next;
      atomStart = start;
      quantified = false;
      continue;
    }
    if (c === '(') {
      groupStarts.push(out.length);
      out += '(';
      atomStart = -1;
      quantified = false;
      i++;
      continue;
    }
    if (c === ')') {
      if (groupStarts.length === 0) {
        // An unmatched ')' is an ordinary character in glibc's ERE.
        atomStart = out.length;
        out += '\\)';
      } else {
        atomStart = groupStarts.pop()!;
        out += ')';
      }
      quantified = false;
      i++;
      continue;
    }
    if (c === '|') {
      out += '|';
      atomStart = -1;
      quantified = false;
      i++;
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      const err = addQuantifier(c);
      if (err) return err;
      i++;
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(ere.slice(i));
      if (!m) return fail('Invalid content of \\{\\}');
      const lo = Number(m[1]);
      const hi = m[3] === undefined || m[3] === '' ? undefined : Number(m[3]);
      if (hi !== undefined && hi < lo) return fail('Invalid content of \\{\\}');
      if (lo > 0x7fff || (hi ?? 0) > 0x7fff) return fail('Regular expression too big');
      const err = addQuantifier(m[0]);
      if (err) return err;
      i += m[0].length;
      continue;
    }
    if (c === '^' || c === '$') {
      out += c;
      atomStart = -1;
      quantified = false;
      i++;
      continue;
    }
    if (c === '.') {
      atomStart = out.length;
      out += '.';
      quantified = false;
      i++;
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= n) return fail('Trailing backslash');
      const d = ere[i + 1]!;
      i += 2;
      atomStart = out.length;
      quantified = false;
      if ('wWsSbB'.includes(d)) out += '\\' + d;
      else if (d >= '1' && d <= '9') out += '\\' + d;
      else if (d === '<') { out += '\\b(?=\\w)'; atomStart = -1; }
      else if (d === '>') { out += '\\b(?<=\\w)'; atomStart = -1; }
      else if (d === '`') { out += '^'; atomStart = -1; }
      else if (d === "'") { out += '$'; atomStart = -1; }
      else out += escapeChar(d);
      continue;
    }
    atomStart = out.length;
    out += escapeChar(c);
    quantified = false;
    i++;
  }
  if (groupStarts.length > 0) return fail('Unmatched ( or \\(');
  return { ok: true, source: out };
}

type BracketResult = { ok: true; source: string; next: number } | { ok: false; message: string };

/** `[...]` at ere[i]: POSIX rules (a leading `]` is literal, backslash is literal, [:class:]). */
function translateBracket(ere: string, i: number): BracketResult {
  const n = ere.length;
  let j = i + 1;
  let negate = false;
  if (ere[j] === '^') { negate = true; j++; }
  let body = '';
  let first = true;
  while (true) {
    if (j >= n) return { ok: false, message: 'Unmatched [, [^, [:, [., or [=' };
    const c = ere[j]!;
    if (c === ']' && !first) { j++; break; }
    first = false;
    if (c === '[' && (ere[j + 1] === ':' || ere[j + 1] === '.' || ere[j + 1] === '=')) {
      const kind = ere[j + 1]!;
      const close = ere.indexOf(kind + ']', j + 2);
      if (close < 0) return { ok: false, message: 'Unmatched [, [^, [:, [., or [=' };
      const name = ere.slice(j + 2, close);
      j = close + 2;
      if (kind === ':') {
        const cls = POSIX_CLASSES[name];
        if (cls === undefined) return { ok: false, message: 'Invalid character class name' };
        body += cls;
      } else {
        // [.x.] and [=x=]: a single collating element / equivalence class; C locale only.
        if (name.length !== 1) return { ok: false, message: 'Invalid collation character' };
        body += escapeInClass(name);
      }
      continue;
    }
    // A range a-z (a '-' first or last is literal).
    if (ere[j + 1] === '-' && ere[j + 2] !== undefined && ere[j + 2] !== ']') {
      const lo = c;
      let hi = ere[j + 2]!;
      let adv = 3;
      if (hi === '[' && ere[j + 3] === '.') {
        const close = ere.indexOf('.]', j + 4);
        if (close < 0) return { ok: false, message: 'Unmatched [, [^, [:, [., or [=' };
        hi = ere.slice(j + 4, close);
        adv = close + 2 - j;
      }
      if (hi.length !== 1 || hi < lo) return { ok: false, message: 'Invalid range end' };
      body += escapeInClass(lo) + '-' + escapeInClass(hi);
      j += adv;
      continue;
    }
    body += escapeInClass(c);
    j++;
  }
  if (body === '' ) return { ok: true, source: negate ? '[^]' : '[]', next: j };
  return { ok: true, source: (negate ? '[^' : '[') + body + ']', next: j };
}

class LiteralMatcher implements Matcher {
  constructor(
    private readonly mode: 'exact' | 'prefix' | 'suffix' | 'contains',
    private readonly text: string,
    private readonly ignoreCase: boolean,
  ) {
    if (ignoreCase) this.text = text.toLowerCase();
  }
  test(s: string): boolean {
    const v = this.ignoreCase ? s.toLowerCase() : s;
    switch (this.mode) {
      case 'exact': return v === this.text;
      case 'prefix': return v.startsWith(this.text);
      case 'suffix': return v.endsWith(this.text);
      default: return v.includes(this.text);
    }
  }
}

export type CompileResult = { ok: true; matcher: Matcher } | { ok: false; message: string };

/** Compile without caching: for configuration checks (`URL bad pattern`). */
export function compilePattern(p: Pattern, forceIgnoreCase = false): CompileResult {
  const ignoreCase = p.ignoreCase || forceIgnoreCase;
  if (p.syntax === 'exact' || p.syntax === 'prefix' || p.syntax === 'suffix' || p.syntax === 'contains') {
    return { ok: true, matcher: new LiteralMatcher(p.syntax, p.source, ignoreCase) };
  }
  let source = p.source;
  if (p.syntax === 'posix-ere') {
    const t = translateEre(p.source);
    if (!t.ok) return t;
    source = t.source;
  }
  try {
    // 's': POSIX `.` matches a newline too (no REG_NEWLINE). No 'g': test() stays stateless.
    return { ok: true, matcher: new RegExp(source, ignoreCase ? 'is' : 's') };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

const NEVER: Matcher = { test: () => false };
const cache = new WeakMap<Pattern, Matcher>();
const cacheIcase = new WeakMap<Pattern, Matcher>();

/**
 * The matcher for a live model pattern, compiled on first use. A pattern that does not
 * compile never matches (the front end's configuration check reports it before start).
 */
export function matcherFor(p: Pattern, forceIgnoreCase = false): Matcher {
  const map = forceIgnoreCase ? cacheIcase : cache;
  let m = map.get(p);
  if (m === undefined) {
    const r = compilePattern(p, forceIgnoreCase);
    m = r.ok ? r.matcher : NEVER;
    map.set(p, m);
  }
  return m;
}
