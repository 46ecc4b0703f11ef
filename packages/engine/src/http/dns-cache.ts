// Host name lookups for RewriteLocation, cached for a minute so that only the first
// redirect to a name waits for the resolver.
import * as dns from 'node:dns';
import * as net from 'node:net';

const TTL_MS = 60_000;
const cache = new Map<string, { address: string | null; expires: number }>();

/** The cached address of a name, `null` if it did not resolve, undefined if not cached yet. */
export function cachedLookup(host: string, family: 4 | 6 | 0): string | null | undefined {
  if (net.isIP(host)) return host;
  const e = cache.get(family + '/' + host.toLowerCase());
  if (!e) return undefined;
  if (e.expires < Date.now()) return undefined;
  return e.address;
}

export function lookup(host: string, family: 4 | 6 | 0): Promise<string | null> {
  return new Promise((resolve) => {
    dns.lookup(host, { family }, (err, address) => {
      const a = err ? null : address;
      cache.set(family + '/' + host.toLowerCase(), { address: a, expires: Date.now() + TTL_MS });
      resolve(a);
    });
  });
}
