// Sticky sessions (spec §5.7): extracting a key from a request (or a response, for COOKIE
// and HEADER learning) and the per-service table mapping keys to backends.
import type { Dialect, SessionConfig } from '../model/types.js';
import { translateEre } from './pattern.js';

/** What key extraction needs from a request; strings are built lazily by the caller. */
export interface SessionSource {
  clientAddress: string;
  /** URL as matched by this dialect (decoded in 2.6a+). */
  url: string;
  /** Raw header lines `Name: value`. */
  headerLines(): string[];
}

const MAX_KEY = 127;

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}\/-]/g, '\\$&');
}

/** Legacy key rules compiled per session config (the ID is a regex fragment in 2.x). */
export class SessionKeyRules {
  private readonly legacy: boolean;
  private readonly urlRe?: RegExp;
  private readonly cookieRe?: RegExp;
  private readonly headerRe?: RegExp;
  private readonly idLower: string;

  constructor(private readonly session: SessionConfig, dialect: Dialect) {
    this.legacy = dialect !== 'pound-4';
    const id = session.id ?? '';
    this.idLower = id.toLowerCase();
    const t = translateEre(id);
    const frag = t.ok ? t.source : escapeRegex(id);
    if (this.legacy) {
      const compile = (f: string): [RegExp, RegExp, RegExp] => [
        new RegExp(`[?&]${f}=([^&;#]*)`, 'is'),
        // Greedy `.*` → the last " ID=" on the line; a blank must precede the name.
        new RegExp(`Cookie[^:]*:.*[ \\t]${f}=([^;]*)`, 'is'),
        new RegExp(`${f}:[ \\t]*([^ \\t]*)`, 'is'),
      ];
      let res: [RegExp, RegExp, RegExp];
      try {
        res = compile(frag);
      } catch {
        res = compile(escapeRegex(id)); // an ID that is no valid pattern is taken literally
      }
      [this.urlRe, this.cookieRe, this.headerRe] = res;
    }
  }

  get type(): SessionConfig['type'] { return this.session.type; }

  /** The session key of a request, or undefined when it carries none. */
  requestKey(src: SessionSource): string | undefined {
    let key: string | undefined;
    switch (this.session.type) {
      case 'IP':
        key = src.clientAddress;
        break;
      case 'BASIC':
        key = this.legacy ? lastLineMatch(src.headerLines(), BASIC_RE) : modernBasic(src.headerLines());
        break;
      case 'URL':
        if (this.legacy) {
          const m = this.urlRe!.exec(src.url);
          key = m ? m[1] : undefined;
        } else key = queryParam(src.url, this.session.id ?? '');
        break;
      case 'PARM':
        if (this.legacy) {
          const semi = src.url.indexOf(';');
          if (semi >= 0) {
            const q = src.url.indexOf('?', semi);
            key = src.url.slice(semi + 1, q < 0 ? undefined : q);
          }
        } else {
          const q = src.url.indexOf('?');
          const path = q < 0 ? src.url : src.url.slice(0, q);
          const semi = path.lastIndexOf(';');
          if (semi >= 0) key = path.slice(semi + 1);
        }
        break;
      case 'COOKIE':
        key = this.legacy ? lastLineMatch(src.headerLines(), this.cookieRe!) : this.modernCookie(src.headerLines(), 'cookie');
        break;
      case 'HEADER':
        key = this.legacy ? lastLineMatch(src.headerLines(), this.headerRe!) : this.modernHeader(src.headerLines());
        break;
    }
    if (key === undefined || key === '') return undefined;
    return key.length > MAX_KEY ? key.slice(0, MAX_KEY) : key;
  }

  /** COOKIE/HEADER learning from a backend response's header lines. */
  responseKey(lines: string[]): string | undefined {
    let key: string | undefined;
    if (this.session.type === 'COOKIE') {
      key = this.legacy ? lastLineMatch(lines, this.cookieRe!) : this.modernCookie(lines, 'set-cookie');
    } else if (this.session.type === 'HEADER') {
      key = this.legacy ? lastLineMatch(lines, this.headerRe!) : this.modernHeader(lines);
    }
    if (key === undefined || key === '') return undefined;
    return key.length > MAX_KEY ? key.slice(0, MAX_KEY) : key;
  }

  private modernCookie(lines: string[], header: 'cookie' | 'set-cookie'): string | undefined {
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon < 0 || line.slice(0, colon).toLowerCase() !== header) continue;
      const pairs = line.slice(colon + 1).split(';');
      for (let i = 0; i < pairs.length; i++) {
        const p = pairs[i]!;
        const eq = p.indexOf('=');
        if (eq < 0) continue;
        if (p.slice(0, eq).trim().toLowerCase() === this.idLower) return p.slice(eq + 1).trim();
        if (header === 'set-cookie') break; // only the cookie itself, not its attributes
      }
      if (header === 'cookie') return undefined; // 4.x looks at the first Cookie header only
    }
    return undefined;
  }

  private modernHeader(lines: string[]): string | undefined {
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon >= 0 && line.slice(0, colon).toLowerCase() === this.idLower) return line.slice(colon + 1).trim();
    }
    return undefined;
  }
}

const BASIC_RE = /Authorization:[ \t]*Basic[ \t]*([^ \t]*)/is;

function lastLineMatch(lines: string[], re: RegExp): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = re.exec(lines[i]!);
    if (m) return m[1];
  }
  return undefined;
}

function modernBasic(lines: string[]): string | undefined {
  for (const line of lines) {
    const m = /^Authorization:[ \t]*Basic[ \t]+([^ \t]+)/i.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

function queryParam(url: string, name: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  for (const part of url.slice(q + 1).split('&')) {
    const eq = part.indexOf('=');
    if ((eq < 0 ? part : part.slice(0, eq)) === name) return eq < 0 ? '' : part.slice(eq + 1);
  }
  return undefined;
}

/** pound 2.x stateless hash for a negative TTL: FNV-1a over the key's signed bytes. */
export function legacySessionHash(key: string): number {
  let h = 2166136261;
  const bytes = Buffer.from(key, 'latin1');
  for (let i = 0; i < bytes.length; i++) {
    let b = bytes[i]!;
    if (b >= 0x80) b = (b | 0xffffff00) >>> 0; // C `signed char` widened to int
    h = Math.imul((h ^ b) >>> 0, 16777619) >>> 0;
  }
  return h;
}

export interface SessionEntry {
  backend: number;
  /** Unix milliseconds of the last use. */
  lastSeen: number;
}

/** One service's key → backend table. Shared by every listener serving that service. */
export class SessionTable {
  readonly entries = new Map<string, SessionEntry>();
  constructor(private readonly exactExpiry: boolean) {}

  /** Backend of a key, refreshing its stamp; undefined if unknown (or expired, 4.x). */
  lookup(key: string, now: number, ttlSeconds: number): number | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (this.exactExpiry && now - e.lastSeen > ttlSeconds * 1000) {
      this.entries.delete(key);
      return undefined;
    }
    e.lastSeen = now;
    return e.backend;
  }

  set(key: string, backend: number, now: number): void {
    const e = this.entries.get(key);
    if (e) { e.backend = backend; e.lastSeen = now; }
    else this.entries.set(key, { backend, lastSeen: now });
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  /** Drop every session of a backend (it died). */
  dropBackend(backend: number): void {
    for (const [k, e] of this.entries) if (e.backend === backend) this.entries.delete(k);
  }

  /** The periodic sweep: delete entries idle longer than the TTL. */
  sweep(now: number, ttlSeconds: number): void {
    const limit = ttlSeconds * 1000;
    for (const [k, e] of this.entries) if (now - e.lastSeen > limit) this.entries.delete(k);
  }
}
