// Configuration problems as values. Each carries the text the selected pound version
// prints (without its location prefix, which the renderer adds in that version's style)
// and, optionally, clearer words for the modern style (-W diag=modern).
import type { Span } from './statements.js';

export type ConfigDialect = 'pound-2.4' | 'pound-2.8' | 'pound-4';

export interface Problem {
  severity: 'error' | 'warning' | 'note';
  /** The original's own words for this dialect (4.x warnings without "warning: "). */
  text: string;
  /** Where; absent for whole-file problems (configuration file cannot be opened). */
  span?: Span;
  /** Reading order: the original stops at the first error in this order. */
  order: number;
  /** Where the legacy original says it is, when that differs from `span` (2.5–2.8 report
   *  "can't open included file" at the included file's line 0; premature EOF at the
   *  main file's last line). */
  legacyPlace?: { file: string; line: number };
  /** Clearer text for the modern style. */
  modern?: string;
  /** Modern style: what to do ("did you mean ..."). */
  hint?: string;
  /** Lines printed after the message: 2.4's OpenSSL error line, 4.x's further OpenSSL errors. */
  extra?: string[];
  /** Lines about other places (4.x "here is the location of original inclusion"). */
  notes?: Problem[];
  /** A stable code for tests and tools. */
  code: string;
  /** Only the modern style shows it (the original said nothing). */
  modernOnly?: boolean;
}

export function problem(
  code: string,
  span: Span | undefined,
  text: string,
  more: Partial<Problem> = {},
): Problem {
  return { severity: 'error', code, span, text, order: span?.order ?? -1, ...more };
}

export function warning(code: string, span: Span, text: string, more: Partial<Problem> = {}): Problem {
  return { severity: 'warning', code, span, text, order: span.order, ...more };
}

/** The original's first error in reading order (ties: the one found first), or undefined. */
export function firstError(problems: Problem[]): Problem | undefined {
  let best: Problem | undefined;
  for (const p of problems) {
    if (p.severity !== 'error') continue;
    if (!best || p.order < best.order) best = p;
  }
  return best;
}

/** Problems the original would have printed: warnings before the first error, then it. */
export function asOriginalPrints(problems: Problem[]): Problem[] {
  const first = firstError(problems);
  const firstIndex = first ? problems.indexOf(first) : Infinity;
  const out = problems
    .map((p, i) => ({ p, i }))
    .filter(({ p, i }) => p.severity === 'warning' && !p.modernOnly && (!first || p.order < first.order || (p.order === first.order && i < firstIndex)))
    .sort((a, b) => a.p.order - b.p.order || a.i - b.i)
    .map(({ p }) => p);
  if (first) out.push(first);
  return out;
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length]!;
}

/** The closest candidate within a small distance, if any. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
