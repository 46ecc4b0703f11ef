// Name resolution as pen does it: getaddrinfo with AI_ADDRCONFIG, first answer, once.
// dns.lookup goes through the same system resolver (and /etc/hosts).
import { lookup, ADDRCONFIG } from 'node:dns';
import type { Endpoint } from '@penpound/engine';
import { canonicalIPv6 } from './inet.js';

export interface Resolved {
  address: string;
  family: 4 | 6;
}

export function resolveHost(host: string): Promise<Resolved | undefined> {
  // getaddrinfo refuses an empty name (pen: "Can't convert address ''").
  if (host === '') return Promise.resolve(undefined);
  return new Promise((resolve) => {
    lookup(host, { hints: ADDRCONFIG }, (error, address, family) => {
      if (error || (family !== 4 && family !== 6)) resolve(undefined);
      else resolve({ address: family === 6 ? canonicalIPv6(address) ?? address : address, family });
    });
  });
}

/** An inet or unix endpoint for a host as written ("/path" = unix socket). */
export async function endpointFor(host: string, port: number): Promise<Endpoint | undefined> {
  if (host.includes('/')) return { kind: 'unix', path: host };
  const resolved = await resolveHost(host);
  if (!resolved) return undefined;
  return { kind: 'inet', host, port, resolved: resolved.address, family: resolved.family };
}

/** The address text pen prints for an endpoint (servers, status page, log lines). */
export function addressText(endpoint: Endpoint): string {
  switch (endpoint.kind) {
    case 'inet':
      return endpoint.resolved ?? endpoint.host;
    case 'unix':
      return endpoint.path;
    case 'unspecified':
      return '(unknown address family 0';
  }
}

/** The port pen prints: Unix backends report 1, blank slots 0. */
export function portNumberOf(endpoint: Endpoint): number {
  return endpoint.kind === 'inet' ? endpoint.port : endpoint.kind === 'unix' ? 1 : 0;
}
