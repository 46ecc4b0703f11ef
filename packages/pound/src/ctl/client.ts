// poundctl's side of the control socket: one HTTP request per connection, as pound 4's
// poundctl sends it, to a UNIX socket path or an http://host[:port][/prefix] URL.
import * as net from 'node:net';
import { strerror } from '../check/files.js';

export interface ControlResponse {
  status: number;
  reason: string;
  headers: Map<string, string>;
  body: string;
}

export type ControlResult = { ok: true; response: ControlResponse } | { ok: false; error: string };

/** glibc texts for the errors connect() gives (strerror covers the file ones). */
const CONNECT_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ENOTSOCK: 'Socket operation on non-socket',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ECONNRESET: 'Connection reset by peer',
};

/** A bounded wait: a daemon that accepts and never answers must not hang poundctl. */
const TIMEOUT_MS = 30_000;

export function controlRequest(socket: string, method: string, path: string): Promise<ControlResult> {
  let opts: net.NetConnectOpts;
  let prefix = '';
  let host = 'localhost';
  const url = /^http:\/\/(?:[^@/]*@)?([^/:]+|\[[^\]]+\])(?::(\d+))?(\/.*)?$/i.exec(socket);
  if (url) {
    host = url[1]!.replace(/^\[|\]$/g, '');
    opts = { host, port: url[2] ? Number(url[2]) : 80 };
    prefix = (url[3] ?? '').replace(/\/$/, '');
  } else {
    opts = { path: socket };
  }
  return new Promise((resolve) => {
    const sock = net.connect(opts);
    const parts: Buffer[] = [];
    let connected = false;
    sock.setTimeout(TIMEOUT_MS, () => sock.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    sock.on('connect', () => {
      connected = true;
      sock.write(`${method} ${prefix}${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    });
    sock.on('data', (c: Buffer) => parts.push(c));
    sock.on('error', (e) => {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      const text = CONNECT_ERRORS[code] ?? strerror(e);
      resolve({ ok: false, error: connected ? `read: ${text}` : `connect: ${text}` });
    });
    sock.on('close', () => {
      const r = parseResponse(Buffer.concat(parts));
      resolve(r ? { ok: true, response: r } : { ok: false, error: 'malformed response from the control socket' });
    });
  });
}

function parseResponse(raw: Buffer): ControlResponse | undefined {
  const text = raw.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = text.slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]!);
  if (!m) return undefined;
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    if (c > 0) headers.set(l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim());
  }
  return { status: Number(m[1]), reason: m[2]!, headers, body: text.slice(end + 4) };
}
