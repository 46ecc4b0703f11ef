// Problems → the lines each pound version prints, and our modern style.
//   2.4 (L2):  line 7: unknown directive "ListenHTTTP " - aborted
//   2.8 (L3):  /etc/pound/pound.cfg line 7: unknown directive - aborted
//   4.x:       pound: /etc/pound/pound.cfg:7.1-11: unrecognized keyword
//   modern:    pound.cfg:7:1: error: unknown directive "ListenHTTTP" + source line + caret
import { asOriginalPrints, type ConfigDialect, type Problem } from '../cfg/problems.js';
import type { Sources } from '../cfg/sources.js';
import type { Span } from '../cfg/statements.js';

/** Display width of text in pound 4's column counting: a TAB is 8, other bytes 1 each. */
function width4(text: string): number {
  let w = 0;
  for (const ch of text) w += ch === '\t' ? 8 : Buffer.byteLength(ch);
  return w;
}

function col4(sources: Sources, file: string, line: number, col: number, end: boolean): number {
  if (col <= 0) return 0;
  const text = sources.line(file, line) ?? '';
  const chars = [...text];
  if (!end) return width4(chars.slice(0, col - 1).join('')) + 1;
  if (col > chars.length) return width4(text) + (col - chars.length);
  return width4(chars.slice(0, col).join(''));
}

/** pound 4's FILE:LINE.COL[-[FILE2:]LINE2[.COL2]] (a column of 0 is left out). */
export function location4(span: Span, sources: Sources): string {
  const c1 = col4(sources, span.file, span.start.line, span.start.col, false);
  const endFile = span.endFile ?? span.file;
  const c2 = col4(sources, endFile, span.end.line, span.end.col, true);
  let s = `${span.file}:${span.start.line}${c1 ? `.${c1}` : ''}`;
  if (endFile !== span.file) s += `-${endFile}:${span.end.line}${c2 ? `.${c2}` : ''}`;
  else if (span.end.line !== span.start.line) s += `-${span.end.line}${c2 ? `.${c2}` : ''}`;
  else if (c2 !== c1 && c2) s += `-${c2}`;
  return s;
}

function legacyLine(p: Problem, dialect: ConfigDialect): string {
  if (!p.span) return p.text;
  const file = p.legacyPlace?.file ?? p.span.file;
  const line = p.legacyPlace?.line ?? p.span.start.line;
  return dialect === 'pound-2.4' ? `line ${line}: ${p.text}` : `${file} line ${line}: ${p.text}`;
}

function line4(p: Problem, sources: Sources, prog: string): string {
  const sev = p.severity === 'warning' ? 'warning: ' : '';
  return p.span ? `${prog}: ${location4(p.span, sources)}: ${sev}${p.text}` : `${prog}: ${sev}${p.text}`;
}

/** The lines the original prints for these problems (first error only), on stderr. */
export function renderOriginal(problems: Problem[], dialect: ConfigDialect, sources: Sources, prog = 'pound'): string[] {
  const out: string[] = [];
  for (const p of asOriginalPrints(problems)) {
    if (dialect === 'pound-4') {
      out.push(line4(p, sources, prog));
      for (const e of p.extra ?? []) out.push(p.span ? `${prog}: ${location4(p.span, sources)}: ${e}` : `${prog}: ${e}`);
      for (const n of p.notes ?? []) out.push(line4(n, sources, prog));
    } else {
      out.push(legacyLine(p, dialect));
      out.push(...(p.extra ?? []));
    }
  }
  return out;
}

/** Every problem, file:line:col, the source line with a caret, hints; then a count. */
export function renderModern(problems: Problem[], sources: Sources): string[] {
  const out: string[] = [];
  const sorted = problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.order === -1 ? -1 : b.p.order === -1 ? 1 : a.p.order - b.p.order || a.i - b.i))
    .map(({ p }) => p);
  for (const p of sorted) {
    const msg = p.modern ?? p.text;
    if (!p.span) {
      out.push(`${p.severity}: ${msg}`);
      continue;
    }
    const { file, start, end } = p.span;
    out.push(`${file}:${start.line}:${start.col}: ${p.severity}: ${msg}`);
    const src = sources.line(file, start.line);
    if (src !== undefined) {
      const num = String(start.line);
      const pad = ' '.repeat(num.length);
      const shown = src.replace(/\r$/, '');
      const lastCol = end.line === start.line ? Math.min(end.col, shown.length) : shown.length;
      // Keep TABs in the caret line so it stays under the text in any tab setting.
      const lead = [...shown].slice(0, start.col - 1).map((c) => (c === '\t' ? '\t' : ' ')).join('');
      const len = Math.max(1, lastCol - start.col + 1);
      out.push(` ${num} | ${shown}`);
      out.push(` ${pad} | ${lead}^${'~'.repeat(len - 1)}`);
    }
    if (p.hint) out.push(`   = hint: ${p.hint}`);
    for (const n of p.notes ?? []) if (n.span) out.push(`${n.span.file}:${n.span.start.line}:${n.span.start.col}: note: ${n.modern ?? n.text}`);
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.filter((p) => p.severity === 'warning').length;
  if (errors || warnings) out.push(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  return out;
}
