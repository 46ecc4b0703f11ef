// Service selection (spec §5.5): the first enabled service, listener services before global
// ones, whose conditions all hold for this request.
import type { MatchCondition } from '../model/types.js';
import { matcherFor } from './pattern.js';

/** What conditions look at; strings are produced lazily by the request. */
export interface MatchInput {
  /** The URL as this dialect matches it: percent-decoded (2.6a+) or raw (2.4, 4.x). */
  url: string;
  rawTarget: string;
  method: string;
  headerLines(): string[];
  host(): string | undefined;
}

function headerValue(line: string): string {
  const c = line.indexOf(':');
  let v = c + 1;
  while (v < line.length && (line[v] === ' ' || line[v] === '\t')) v++;
  return line.slice(v);
}

export function conditionHolds(c: MatchCondition, req: MatchInput): boolean {
  switch (c.kind) {
    case 'url':
      return matcherFor(c.pattern).test(req.url);
    case 'path': {
      const q = req.rawTarget.indexOf('?');
      return matcherFor(c.pattern).test(q < 0 ? req.rawTarget : req.rawTarget.slice(0, q));
    }
    case 'query': {
      const q = req.rawTarget.indexOf('?');
      return matcherFor(c.pattern).test(q < 0 ? '' : req.rawTarget.slice(q + 1));
    }
    case 'query-param': {
      const q = req.rawTarget.indexOf('?');
      if (q < 0) return false;
      const m = matcherFor(c.pattern);
      for (const part of req.rawTarget.slice(q + 1).split('&')) {
        const eq = part.indexOf('=');
        const name = eq < 0 ? part : part.slice(0, eq);
        if (name === c.name && m.test(eq < 0 ? '' : part.slice(eq + 1))) return true;
      }
      return false;
    }
    case 'header': {
      // Header patterns are always case-insensitive and searched in whole raw lines.
      const m = matcherFor(c.pattern, true);
      const lines = req.headerLines();
      if (c.name === undefined) {
        for (const l of lines) if (m.test(l)) return true;
        return false;
      }
      const name = c.name.toLowerCase();
      for (const l of lines) {
        const colon = l.indexOf(':');
        if (colon >= 0 && l.slice(0, colon).toLowerCase() === name && m.test(headerValue(l))) return true;
      }
      return false;
    }
    case 'host': {
      const h = req.host();
      return h !== undefined && matcherFor(c.pattern).test(h);
    }
    case 'method':
      return matcherFor(c.pattern).test(req.method);
    case 'not':
      return !conditionHolds(c.condition, req);
    case 'all':
      for (const x of c.conditions) if (!conditionHolds(x, req)) return false;
      return true;
    case 'any':
      for (const x of c.conditions) if (conditionHolds(x, req)) return true;
      return false;
  }
}

export function serviceMatches(conditions: MatchCondition[], req: MatchInput): boolean {
  for (let i = 0; i < conditions.length; i++) if (!conditionHolds(conditions[i]!, req)) return false;
  return true;
}

/** `%XX` decoding as pound 2.6a+ does for matching (invalid escapes stay as they are). */
export function percentDecode(s: string): string {
  if (s.indexOf('%') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%' && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += c;
  }
  return out;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
