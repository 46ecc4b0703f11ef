// pound's request-log lines (spec §6.2 legacy LogLevel 0–5, §6.4 pound 4 formats).
import type { Dialect } from '../../model/types.js';

/** Everything a request-log line may show; strings exactly as seen on the wire. */
export interface RequestLogRecord {
  clientAddress: string;
  requestLine: string;
  method: string;
  target: string;
  /** Response status line as relayed (or as pound generated it). */
  responseLine: string;
  status: number;
  /** Host header value, with its port, as the client sent it. */
  host?: string;
  referer?: string;
  userAgent?: string;
  user?: string;
  service?: string;
  /** Backend `address:port` (or the redirect target for redirects). */
  backend?: string;
  /** Redirect target (unescaped), for pound 2.x's REDIRECT lines. */
  redirect?: string;
  /** Response body bytes relayed. */
  bytes: number;
  /** Request start, Unix ms. */
  startMs: number;
  /** Elapsed seconds from reading the request to the end of the response. */
  seconds: number;
  listenerPort: number;
  listenerName?: string;
  localAddress: string;
  scheme: 'http' | 'https';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));

let cachedSecond = -1;
let cachedTime = '';
/** strftime `%d/%b/%Y:%H:%M:%S %z` in local time; cached per second (many lines share it). */
export function clfTime(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec === cachedSecond) return cachedTime;
  const d = new Date(sec * 1000);
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  cachedTime =
    `${pad2(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad2(d.getHours())}:${pad2(d.getMinutes())}:` +
    `${pad2(d.getSeconds())} ${sign}${pad2(Math.floor(a / 60))}${pad2(a % 60)}`;
  cachedSecond = sec;
  return cachedTime;
}

/** `Anonymise`: the last `.` or `:` separated group becomes 0. */
export function anonymiseAddress(ip: string): string {
  const i = Math.max(ip.lastIndexOf('.'), ip.lastIndexOf(':'));
  return i < 0 ? ip : ip.slice(0, i + 1) + '0';
}

/** pound 2.x request-log line for a LogLevel, or undefined for none. */
export function legacyLine(level: number, r: RequestLogRecord, anonymise: boolean): string | undefined {
  if (level <= 0) return undefined;
  const redirect = r.redirect !== undefined;
  const ip = anonymise && !redirect ? anonymiseAddress(r.clientAddress) : r.clientAddress;
  const svc = r.service ?? '-';
  const sec = r.seconds.toFixed(3);
  if (redirect && level <= 2) return `${ip} ${r.requestLine} - REDIRECT ${r.redirect}`;
  switch (level) {
    case 1:
      return `${ip} ${r.requestLine} - ${r.responseLine}`;
    case 2:
      return r.host !== undefined
        ? `${ip} ${r.requestLine} - ${r.responseLine} (${r.host}/${svc} -> ${r.backend}) ${sec} sec`
        : `${ip} ${r.requestLine} - ${r.responseLine} (${svc} -> ${r.backend}) ${sec} sec`;
    default: {
      const code = redirect ? String(r.status) : r.responseLine.slice(9, 12);
      const bytes = redirect ? '0' : r.bytes === 0 ? '-' : String(r.bytes);
      const combined = `${ip} - ${r.user ?? '-'} [${clfTime(r.startMs)}] "${r.requestLine}" ${code} ${bytes} "${r.referer ?? ''}" "${r.userAgent ?? ''}"`;
      if (level === 4 || (redirect && level === 5)) return combined;
      if (redirect) return r.host !== undefined ? `${r.host} ${combined}` : combined;
      const line = `${r.host ?? '-'} ${combined}`;
      return level === 5 ? `${line} (${svc} -> ${r.backend}) ${sec} sec` : line;
    }
  }
}

/** pound 4.18+ built-in formats by LogLevel number. */
export const MODERN_FORMATS: Record<number, string> = {
  1: '%a %r - %>s',
  2: '%a %r - %>s (%{Host}i/%{service}N -> %{backend}N) %{f}T sec',
  3: '%v:%p %a %l %u %t "%r" %s %b "%{Referer}i" "%{User-Agent}i"',
  4: '%a %l %u %t "%r" %s %b "%{Referer}i" "%{User-Agent}i"',
  5: '%v:%p %a %l %u %t "%r" %s %b "%{Referer}i" "%{User-Agent}i" (%{service}N -> %{backend}N) %{f}T sec',
};

const MODERN_NAMES: Record<string, number> = { null: 0, regular: 1, extended: 2, vhost_combined: 3, combined: 4, detailed: 5 };

type Field = (r: RequestLogRecord, anonymise: boolean) => string;

function header(r: RequestLogRecord, name: string): string | undefined {
  switch (name.toLowerCase()) {
    case 'host': return r.host;
    case 'referer': return r.referer;
    case 'user-agent': return r.userAgent;
    default: return undefined;
  }
}

function hostWithoutPort(h: string | undefined): string {
  if (h === undefined || h === '') return '-';
  if (h.startsWith('[')) { const e = h.indexOf(']'); return e < 0 ? h : h.slice(0, e + 1); }
  const c = h.indexOf(':');
  return c < 0 ? h : h.slice(0, c);
}

/** Compile an Apache-like pound 4 LogFormat string into field functions. */
export function compileModernFormat(fmt: string): Field[] {
  const out: Field[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit) { const s = lit; out.push(() => s); lit = ''; }
  };
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%' || i + 1 >= fmt.length) { lit += c; continue; }
    let arg: string | undefined;
    let j = i + 1;
    if (fmt[j] === '{') {
      const e = fmt.indexOf('}', j);
      if (e < 0) { lit += fmt.slice(i); break; }
      arg = fmt.slice(j + 1, e);
      j = e + 1;
    }
    let spec = fmt[j];
    if (spec === '>' && fmt[j + 1] === 's') { spec = '>s'; j++; }
    let f: Field | undefined;
    switch (spec) {
      case '%': lit += '%'; i = j; continue;
      case 'a': case 'h': f = (r, anon) => (anon ? anonymiseAddress(r.clientAddress) : r.clientAddress); break;
      case 'A': f = (r) => r.localAddress; break;
      case 'b': f = (r) => (r.bytes === 0 ? '-' : String(r.bytes)); break;
      case 'B': f = (r) => String(r.bytes); break;
      case 'D': f = (r) => String(Math.round(r.seconds * 1e6)); break;
      case 'H': f = (r) => r.scheme; break;
      case 'i': { const n = arg ?? ''; f = (r) => header(r, n) ?? '-'; break; }
      case 'I': { const n = arg ?? ''; f = (r) => header(r, n) ?? ''; break; }
      case 'l': f = () => '-'; break;
      case 'm': f = (r) => r.method; break;
      case 'N': {
        const n = arg ?? '';
        f = (r) => (n === 'service' ? r.service ?? '-' : n === 'backend' ? r.backend ?? '-' : r.listenerName ?? '-');
        break;
      }
      case 'p': f = (r) => String(r.listenerPort); break;
      case 'P': f = () => String(process.pid); break;
      case 'q': f = (r) => { const q = r.target.indexOf('?'); return q < 0 ? '' : r.target.slice(q); }; break;
      case 'r': f = (r) => r.requestLine; break;
      case 's': f = (r) => String(r.status); break;
      case '>s': f = (r) => r.responseLine; break;
      case 't': f = (r) => `[${clfTime(r.startMs)}]`; break;
      case 'T': {
        const unit = arg ?? 's';
        f = (r) =>
          unit === 'f' ? r.seconds.toFixed(3)
            : unit === 'ms' ? String(Math.round(r.seconds * 1e3))
              : unit === 'us' ? String(Math.round(r.seconds * 1e6))
                : String(Math.floor(r.seconds));
        break;
      }
      case 'u': f = (r) => r.user ?? '-'; break;
      case 'U': f = (r) => { const q = r.target.indexOf('?'); return q < 0 ? r.target : r.target.slice(0, q); }; break;
      case 'v': f = (r) => hostWithoutPort(r.host); break;
      default: lit += fmt.slice(i, j + 1); i = j; continue;
    }
    flush();
    out.push(f);
    i = j;
  }
  flush();
  return out;
}

/** A request-log line builder for one listener. */
export function requestLineFormatter(
  dialect: Dialect,
  level: number,
  format: string | undefined,
  anonymise: boolean,
): ((r: RequestLogRecord) => string | undefined) | undefined {
  if (dialect !== 'pound-4') {
    if (level <= 0) return undefined;
    return (r) => legacyLine(level, r, anonymise);
  }
  let fmt = format;
  if (fmt !== undefined && MODERN_NAMES[fmt] !== undefined) fmt = MODERN_FORMATS[MODERN_NAMES[fmt]!];
  if (fmt === undefined) fmt = MODERN_FORMATS[level];
  if (fmt === undefined || fmt === '') return undefined;
  const fields = compileModernFormat(fmt);
  return (r) => {
    let s = '';
    for (let i = 0; i < fields.length; i++) s += fields[i]!(r, anonymise);
    return s;
  };
}
