// `server N key value ...` changes (or creates) a server slot; `servers` lists the table.
import type { Backend } from '@penpound/engine';
import { atoi, toPort16 } from '../atoi.js';
import { addressText, endpointFor, portNumberOf } from '../resolve.js';
import { backendStats, penNow, penService, serverSlot, serviceStats, type PenState } from '../state.js';
import type { CommandHandler } from './context.js';

/** Manual blacklisting: blacklisted for exactly `seconds` from now under the current -b. */
export function blacklistFor(state: PenState, index: number, seconds: number): void {
  backendStats(state, index).failedAt = penNow(state) + seconds - penService(state).balance.blacklistSeconds;
}

async function setAddress(state: PenState, backend: Backend, host: string): Promise<boolean> {
  const port = backend.endpoint.kind === 'inet' ? backend.endpoint.port : 0;
  const endpoint = await endpointFor(host, port);
  if (!endpoint) {
    state.host.debug('getaddrinfo: Name or service not known');
    return false;
  }
  backend.endpoint = endpoint;
  return true;
}

/** pen grows its table to any index and dies when memory runs out; we stop here (COMPAT.md). */
export const MAX_SERVER_SLOTS = 65536;

export const server: CommandHandler = async (args, { state, reply }) => {
  if (args[0] === undefined) return;
  const index = atoi(args[0]);
  if (index < 0) return;
  if (index >= MAX_SERVER_SLOTS) {
    reply(`server ${index} out of range (at most ${MAX_SERVER_SLOTS} servers)\n`);
    return;
  }
  const backend = serverSlot(state, index);
  // Key/value pairs left to right; a key without a value ends the line, unknown keys are
  // skipped, and an address that does not resolve ends it too (nothing after it applies).
  for (let i = 1; i + 1 < args.length; i += 2) {
    const key = args[i]!;
    const value = args[i + 1]!;
    switch (key) {
      case 'acl': backend.acl = atoi(value); break;
      case 'address': if (!(await setAddress(state, backend, value))) return; break;
      case 'port':
        // A blank slot has no address family to hold a port: pen ignores it there.
        if (backend.endpoint.kind === 'inet') backend.endpoint.port = toPort16(atoi(value));
        break;
      case 'max': backend.limits.softMax = atoi(value); break;
      case 'hard': backend.limits.hardMax = atoi(value); break;
      case 'blacklist': blacklistFor(state, index, atoi(value)); break;
      case 'weight': backend.weight = atoi(value); break;
      case 'prio': backend.priority = atoi(value); break;
      default: break;
    }
  }
};

export const servers: CommandHandler = (_args, { state, reply }) => {
  const backends = penService(state).backends;
  const stats = serviceStats(state);
  let text = '';
  backends.forEach((b, i) => {
    const s = stats.backends[i];
    text += `${i} addr ${addressText(b.endpoint)} port ${portNumberOf(b.endpoint)} conn ${s?.connections ?? 0} max ${b.limits.softMax} hard ${b.limits.hardMax} weight ${b.weight} prio ${b.priority} sx ${s?.sent ?? 0} rx ${s?.received ?? 0}\n`;
  });
  reply(text);
};
