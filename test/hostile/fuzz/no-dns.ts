// Loaded with `node --import` into fuzz processes: names are resolved without asking a DNS
// server, so mutated host names never cause traffic beyond loopback. IP literals resolve to
// themselves and `localhost` to 127.0.0.1; every other name fails as getaddrinfo does for an
// unknown name (ENOTFOUND). Parsers see the same kinds of answers as with the real resolver.
import dns from 'node:dns';
import { isIP } from 'node:net';
import { syncBuiltinESMExports } from 'node:module';

type Family = 0 | 4 | 6;
interface Answer { address: string; family: 4 | 6 }

function answer(host: string, family: Family): Answer | undefined {
  const kind = isIP(host);
  if (kind === 4 || kind === 6) return family !== 0 && family !== kind ? undefined : { address: host, family: kind };
  if (host.toLowerCase() === 'localhost') return family === 6 ? { address: '::1', family: 6 } : { address: '127.0.0.1', family: 4 };
  return undefined;
}

function familyOf(options: unknown): Family {
  if (typeof options === 'number') return options as Family;
  if (options && typeof options === 'object' && 'family' in options) {
    const f = (options as { family?: unknown }).family;
    return f === 4 || f === 'IPv4' ? 4 : f === 6 || f === 'IPv6' ? 6 : 0;
  }
  return 0;
}

function wantsAll(options: unknown): boolean {
  return !!options && typeof options === 'object' && (options as { all?: boolean }).all === true;
}

function notFound(host: string): NodeJS.ErrnoException {
  const e = new Error(`getaddrinfo ENOTFOUND ${host}`) as NodeJS.ErrnoException;
  e.code = 'ENOTFOUND';
  e.syscall = 'getaddrinfo';
  return e;
}

const lookup = ((host: string, options: unknown, callback?: unknown) => {
  const cb = (typeof options === 'function' ? options : callback) as (...a: unknown[]) => void;
  const opts = typeof options === 'function' ? undefined : options;
  const a = answer(String(host), familyOf(opts));
  process.nextTick(() => {
    if (!a) cb(notFound(String(host)));
    else if (wantsAll(opts)) cb(null, [a]);
    else cb(null, a.address, a.family);
  });
}) as typeof dns.lookup;

dns.lookup = lookup;
(dns.promises as { lookup: unknown }).lookup = async (host: string, options?: unknown) => {
  const a = answer(String(host), familyOf(options));
  if (!a) throw notFound(String(host));
  return wantsAll(options) ? [a] : a;
};
syncBuiltinESMExports();
