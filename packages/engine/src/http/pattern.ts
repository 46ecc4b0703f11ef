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
  // Back references: glibc accepts `\N` only when group N is already closed in the same
  // alternative (`(a)|\1` and `(a\1)` are "Invalid back reference").
  const refs = new BackrefScope();
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
      refs.open();
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
        refs.close();
      }
      quantified = false;
      i++;
      continue;
    }
    if (c === '|') {
      refs.alternative();
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
      // Nothing to repeat is checked first, as glibc does: `{` alone, `a|{1}`.
      if (atomStart < 0) return fail('Invalid preceding regular expression');
      const r = readInterval(ere, i + 1);
      if (!r.ok) return r;
      const err = addQuantifier(r.hi === undefined ? `{${r.lo},}` : `{${r.lo},${r.hi}}`);
      if (err) return err;
      i = r.next;
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
      else if (d >= '1' && d <= '9') {
        if (!refs.closed(Number(d))) return fail('Invalid back reference');
        // Wrapped so a following digit is not read as part of the number (`(a)\10`).
        out += '(?:\\' + d + ')';
      }
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

/** Which groups a back reference may name at this point of the pattern. */
class BackrefScope {
  private opened = 0;
  private closedNow = new Set<number>();
  /** Per open group (and the whole pattern): its number, the closed set at its start, and the union of its finished alternatives. */
  private levels: { group: number; initial: Set<number>; finished: Set<number> }[] = [{ group: 0, initial: new Set(), finished: new Set() }];

  open(): void {
    const group = ++this.opened;
    this.levels.push({ group, initial: new Set(this.closedNow), finished: new Set() });
  }
  close(): void {
    const level = this.levels.pop()!;
    for (const g of level.finished) this.closedNow.add(g);
    this.closedNow.add(level.group);
  }
  alternative(): void {
    const level = this.levels[this.levels.length - 1]!;
    for (const g of this.closedNow) level.finished.add(g);
    this.closedNow = new Set(level.initial);
  }
  closed(n: number): boolean {
    return this.closedNow.has(n);
  }
}

type IntervalResult = { ok: true; lo: number; hi: number | undefined; next: number } | { ok: false; message: string };

/** glibc's RE_DUP_MAX. */
const DUP_MAX = 0x7fff;

/**
 * The inside of an interval `{m,n}` starting just after the `{`, read token by token the
 * way glibc does: a number is digits up to `}` or `,`; anything else in it spoils the
 * number ("Invalid content of \{\}"), unless the pattern ends first ("Unmatched \{").
 * `{,n}` means `{0,n}`; numbers above RE_DUP_MAX are "Regular expression too big".
 */
function readInterval(ere: string, start: number): IntervalResult {
  const n = ere.length;
  const SPOILT = -2;
  const NONE = -1;
  let i = start;
  /** One number up to `}`, `,` or the end of the pattern. */
  const number = (): { value: number; stop: 'close' | 'comma' | 'end' } => {
    let value = NONE;
    while (i < n) {
      let c = ere[i]!;
      const escaped = c === '\\';
      if (escaped) {
        c = ere[i + 1] ?? '';
        i += i + 1 < n ? 2 : 1;
      } else i++;
      if (c === '}' && !escaped) return { value, stop: 'close' };
      if (c === ',') return { value, stop: 'comma' };
      // `\0` is the character 0; `\1`..`\9` are back references, not digits.
      const digit = c >= '0' && c <= '9' && (!escaped || c === '0');
      value = digit && value !== SPOILT ? Math.min(DUP_MAX + 1, (value === NONE ? 0 : value * 10) + Number(c)) : SPOILT;
    }
    return { value: SPOILT, stop: 'end' };
  };
  const first = number();
  let lo = first.value;
  let last = first;
  if (lo === NONE) {
    if (first.stop !== 'comma') return { ok: false, message: 'Invalid content of \\{\\}' }; // `{}`
    lo = 0;
  }
  let hi = lo;
  if (lo !== SPOILT && first.stop === 'comma') {
    last = number();
    hi = last.value;
  }
  if (lo === SPOILT || hi === SPOILT) {
    return { ok: false, message: last.stop === 'end' ? 'Unmatched \\{' : 'Invalid content of \\{\\}' };
  }
  if ((hi !== NONE && lo > hi) || last.stop !== 'close') return { ok: false, message: 'Invalid content of \\{\\}' };
  if ((hi === NONE ? lo : hi) > DUP_MAX) return { ok: false, message: 'Regular expression too big' };
  return { ok: true, lo, hi: hi === NONE ? undefined : hi, next: i };
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
