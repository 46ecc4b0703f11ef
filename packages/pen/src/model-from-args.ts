// The positional arguments (LISTEN SERVER...) and -e / -B turned into the model, at
// start-up as pen does it (step 8 and 9 of its start sequence): the listener first, then
// the servers, resolved once. Positional servers overwrite the same slots set earlier by
// -o or the -F file (only until the next SIGHUP re-reads the file).
import type { Backend, Endpoint } from '@penpound/engine';
import type { Positional } from './args.js';
import { ARGV_FILE, blankBackend } from './defaults.js';
import { listenEndpoint } from './listen.js';
import { endpointFor } from './resolve.js';
import { parseServerSpec } from './spec.js';
import { penListener, penService, serverSlot, type PenState } from './state.js';

export type BuildResult = { ok: true } | { ok: false; fatal: string };

/** Step 8: the listener from the first positional, unless a `listen` command set it. */
export async function buildListener(state: PenState, positionals: Positional[]): Promise<{ opened: boolean; messages: string[] }> {
  const listener = penListener(state);
  if (state.settings.listenerFromCommand) return { opened: true, messages: [] };
  const first = positionals[0];
  if (!first) return { opened: false, messages: [] };
  listener.spec = first.value;
  listener.source = { file: ARGV_FILE, line: first.index };
  const result = await listenEndpoint(first.value, state.settings.udp);
  if (!result.ok) return { opened: false, messages: result.messages };
  listener.endpoint = result.endpoint;
  return { opened: true, messages: [] };
}

/** The port a server without one gets: the listen port (pen's "last port opened"). */
export function defaultServerPort(state: PenState, controlEndpoint?: Endpoint): number {
  const endpoint = penListener(state).endpoint;
  if (endpoint.kind === 'inet') return endpoint.port;
  return controlEndpoint?.kind === 'inet' ? controlEndpoint.port : 0;
}

/** One server argument as a backend; a fatal message when its host does not resolve. */
export async function backendFromSpec(state: PenState, spec: Positional, defaultPort: number, debug: (t: string) => void): Promise<Backend | string> {
  const parsed = parseServerSpec(spec.value, state.settings.udp);
  const port = parsed.port ?? defaultPort;
  const endpoint = parsed.host === '' ? undefined : await endpointFor(parsed.host, port);
  if (!endpoint) {
    debug('getaddrinfo: Name or service not known');
    return `unknown or invalid address [${parsed.host}]`;
  }
  const backend = blankBackend(state.settings.timeoutSeconds);
  backend.endpoint = endpoint;
  backend.spec = spec.value;
  backend.limits = { softMax: parsed.maxc, hardMax: parsed.hard };
  backend.weight = parsed.weight;
  backend.priority = parsed.prio;
  backend.source = { file: ARGV_FILE, line: spec.index };
  return backend;
}

/** Step 9: servers from positionals 2..n, then the emergency and abuse servers. */
export async function buildServers(
  state: PenState,
  servers: Positional[],
  extra: { emergency?: Positional; abuse?: Positional },
  defaultPort: number,
  debug: (t: string) => void,
): Promise<BuildResult> {
  for (let i = 0; i < servers.length; i++) {
    const made = await backendFromSpec(state, servers[i]!, defaultPort, debug);
    if (typeof made === 'string') return { ok: false, fatal: made };
    // Overwrite address, port and limits of the slot; its ACL and counters stay.
    const slot = serverSlot(state, i);
    slot.endpoint = made.endpoint;
    slot.spec = made.spec;
    slot.limits = made.limits;
    slot.weight = made.weight;
    slot.priority = made.priority;
    slot.source = made.source;
  }
  if (extra.emergency) {
    const made = await backendFromSpec(state, extra.emergency, defaultPort, debug);
    if (typeof made === 'string') return { ok: false, fatal: made };
    penService(state).emergency = [made];
  }
  if (extra.abuse) {
    const made = await backendFromSpec(state, extra.abuse, defaultPort, debug);
    if (typeof made === 'string') return { ok: false, fatal: made };
    penListener(state).tcp!.abuse = made;
  }
  return { ok: true };
}

/** Positionals that name servers: all but the first (always the listen slot, even when a
 * `listen` command has already set the listener — pen's quirk). */
export function serverPositionals(positionals: Positional[]): Positional[] {
  return positionals.slice(1);
}

export { blankBackend };
