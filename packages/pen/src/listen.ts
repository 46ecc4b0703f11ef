// Turning a listen (or control) spec into an endpoint, with pen's messages when it cannot:
// "Port N out of range" and "Can't convert address '<host>'" (debug messages, not fatal).
import type { Endpoint } from '@penpound/engine';
import { parseListenSpec, portInRange } from './spec.js';
import { resolveHost } from './resolve.js';

export type ListenResult = { ok: true; endpoint: Endpoint } | { ok: false; messages: string[] };

export async function listenEndpoint(spec: string, udp: boolean): Promise<ListenResult> {
  const parsed = parseListenSpec(spec, udp);
  if (parsed.kind === 'unix') return { ok: true, endpoint: { kind: 'unix', path: parsed.path } };
  if (!portInRange(parsed.port)) return { ok: false, messages: [`Port ${parsed.port} out of range`] };
  const resolved = await resolveHost(parsed.host);
  if (!resolved) {
    return { ok: false, messages: ['getaddrinfo: Name or service not known', `Can't convert address '${parsed.host}'`] };
  }
  return { ok: true, endpoint: { kind: 'inet', host: parsed.host, port: parsed.port, resolved: resolved.address, family: resolved.family } };
}
