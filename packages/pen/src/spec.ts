// The text forms of pen's listen and server arguments, parsed without touching the network.
//   LISTEN = [host:]port | /path           (split at the last ':'; no brackets)
//   SERVER = host[:port[:maxc[:hard[:weight[:prio]]]]] | [ipv6]:port:... | /path
// The server form follows sscanf("%999[^:]:%99[^:]:%d:%d:%d:%d"): a field that does not
// parse ends the scan, and it and all later fields stay 0.
import { atoi, scanInt, toPort16 } from './atoi.js';
import { lookupService } from './services.js';

export type ListenSpec = { kind: 'unix'; path: string } | { kind: 'inet'; host: string; port: number };

export function parseListenSpec(spec: string, udp: boolean): ListenSpec {
  if (spec.includes('/')) return { kind: 'unix', path: spec };
  const colon = spec.lastIndexOf(':');
  const host = colon === -1 ? '0.0.0.0' : spec.slice(0, colon);
  const portText = colon === -1 ? spec : spec.slice(colon + 1);
  return { kind: 'inet', host, port: portNumber(portText, udp) };
}

/** getport(): a service name from /etc/services, else atoi (no range check here). */
export function portNumber(text: string, udp: boolean): number {
  return lookupService(text, udp ? 'udp' : 'tcp') ?? atoi(text);
}

export function portInRange(port: number): boolean {
  return port >= 1 && port <= 65535;
}

export interface ServerSpec {
  /** Empty when the host field did not parse (pen then says `unknown or invalid address []`). */
  host: string;
  unix: boolean;
  /** undefined = not given: the listen port is used. Already truncated to 16 bits. */
  port?: number;
  maxc: number;
  hard: number;
  weight: number;
  prio: number;
}

export function parseServerSpec(spec: string, udp: boolean): ServerSpec {
  const out: ServerSpec = { host: '', unix: false, maxc: 0, hard: 0, weight: 0, prio: 0 };
  let i = 0;
  if (spec.startsWith('[')) {
    const close = spec.indexOf(']', 1);
    const end = close === -1 ? spec.length : close;
    if (end === 1) return out;
    out.host = spec.slice(1, Math.min(end, 1 + 999));
    if (close === -1 || close > 1 + 999) return out;
    i = close + 1;
  } else {
    const end = until(spec, 0, ':', 999);
    if (end === 0) return out;
    out.host = spec.slice(0, end);
    i = end;
  }
  out.unix = out.host.includes('/');
  if (spec[i] !== ':') return out;
  i++;
  const portEnd = until(spec, i, ':', 99);
  if (portEnd === i) return out;
  out.port = toPort16(portNumber(spec.slice(i, portEnd), udp));
  i = portEnd;
  for (const field of ['maxc', 'hard', 'weight', 'prio'] as const) {
    if (spec[i] !== ':') return out;
    const n = scanInt(spec, i + 1);
    if (!n) return out;
    out[field] = n.value;
    i = n.end;
  }
  return out;
}

/** End of a "%N[^c]" field starting at `from`. */
function until(text: string, from: number, stop: string, width: number): number {
  let i = from;
  while (i < text.length && text[i] !== stop && i - from < width) i++;
  return i;
}
