// Reading statement arguments as values, and compiling patterns, the same way in both
// grammars (the parsers have already checked each argument's shape).
import { translateEre } from '@penpound/engine/http/pattern';
import type { Pattern } from '@penpound/engine';
import type { Arg, Stmt } from '../statements.js';
import { atoi, sourceOf, type BuildContext } from './context.js';

const TRUE_WORDS = new Set(['1', 'yes', 'true', 'on']);

export function text(s: Stmt, i = 0): string {
  return s.args[i]?.text ?? '';
}

export function int(ctx: BuildContext, s: Stmt, i = 0): number {
  const t = text(s, i);
  return ctx.legacy ? atoi(t) : Number(t);
}

export function bool(s: Stmt, i = 0): boolean {
  return TRUE_WORDS.has(text(s, i));
}

/** A regular expression compiled the way the original would: the glibc error text or nothing. */
export function regexError(source: string, ignoreCase: boolean): string | undefined {
  const t = translateEre(source);
  if (!t.ok) return t.message;
  try {
    new RegExp(t.source, ignoreCase ? 'is' : 's');
    return undefined;
  } catch {
    return 'Invalid regular expression';
  }
}

export function ere(arg: Arg, ignoreCase: boolean): Pattern {
  return { source: arg.text, ignoreCase, syntax: 'posix-ere', location: sourceOf(arg.span) };
}

/**
 * Compile a legacy/4.x regex argument; on failure report "<Directive> bad pattern" in the
 * dialect's words and return undefined.
 */
export function checkedEre(ctx: BuildContext, s: Stmt, arg: Arg, directive: string, ignoreCase: boolean): Pattern | undefined {
  const why = regexError(arg.text, ignoreCase);
  if (why === undefined) return ere(arg, ignoreCase);
  ctx.error('bad-pattern', ctx.legacy ? s.span : arg.span, {
    l2: `${directive} bad pattern "${arg.text}" - aborted`,
    l3: `${directive} bad pattern - aborted`,
    m: why,
    modern: `${directive}: the regular expression "${arg.text}" does not compile: ${why}`,
  });
  return undefined;
}

/** 4.x matcher options before a pattern: -re -exact -beg -end -contain -icase -case ... */
export interface MatchOptions {
  syntax?: Pattern['syntax'];
  ignoreCase?: boolean;
  fromFile?: 'file' | 'filewatch';
  decode?: boolean;
  tag?: string;
}

export function matchOptions(args: Arg[]): { options: MatchOptions; rest: Arg[] } {
  const options: MatchOptions = {};
  const rest: Arg[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.kind === 'string' || !a.text.startsWith('-')) {
      rest.push(a);
      continue;
    }
    switch (a.text.toLowerCase()) {
      case '-re': case '-posix': options.syntax = 'posix-ere'; break;
      case '-pcre': case '-perl': options.syntax = 'pcre'; break;
      case '-exact': options.syntax = 'exact'; break;
      case '-beg': options.syntax = 'prefix'; break;
      case '-end': options.syntax = 'suffix'; break;
      case '-contain': options.syntax = 'contains'; break;
      case '-icase': options.ignoreCase = true; break;
      case '-case': options.ignoreCase = false; break;
      case '-file': options.fromFile = 'file'; break;
      case '-filewatch': options.fromFile = 'filewatch'; break;
      case '-decode': options.decode = true; break;
      case '-tag': options.tag = args[++i]?.text ?? ''; break;
      default: rest.push(a); break;
    }
  }
  return { options, rest };
}

export const MATCH_FLAGS = new Set(['-re', '-posix', '-pcre', '-perl', '-exact', '-beg', '-end', '-contain', '-icase', '-case', '-file', '-filewatch', '-decode', '-tag']);
