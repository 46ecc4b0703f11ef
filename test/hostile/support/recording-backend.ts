// A raw TCP backend for the hostile-input tests that records exactly what the proxy sent.
// It frames requests itself (its own strict reading of Content-Length and chunked, not the
// proxy's), so "what the backend received" is a list of whole requests plus any bytes that
// never made a whole request: a second request hidden where the proxy saw a body would show
// up here as a request of its own. It can also misbehave on purpose (fault injection).
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Received {
  /** The request's bytes exactly as they arrived (head and body). */
  bytes: Buffer;
  /** Request target ('' for bytes that never formed a request head). */
  target: string;
  /** True when the connection ended before the request was complete. */
  partial: boolean;
  connection: number;
}

/** What to do with one complete request. */
export type Behaviour =
  | { kind: 'answer'; response: Buffer | string }
  /** Write `response` (maybe part of one), then reset the connection. */
  | { kind: 'reset'; response?: Buffer | string }
  /** Write `response`, then close (FIN). */
  | { kind: 'close'; response?: Buffer | string }
  /** Never answer; keep the connection open. */
  | { kind: 'hang' };

export const OK_RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

export interface RecordingBackend {
  port: number;
  /** Every request (whole or partial) in arrival order. */
  log: Received[];
  /** Connections accepted so far. */
  accepted: number;
  /** Open connections now. */
  readonly open: number;
  /** True when no open connection holds bytes that are not yet a whole request. */
  quiet(): boolean;
  /** Change what the backend does with the requests that follow. */
  behave(decide: (target: string, raw: Buffer) => Behaviour): void;
  /** Stop listening (refuse new connections) but keep the open ones. */
  stopListening(): Promise<void>;
  /** Reset every open connection. */
  resetAll(): void;
  close(): Promise<void>;
}

interface Framed {
  /** Bytes the request takes, or -1 if more are needed, or -2 if it can never be framed. */
  length: number;
  target: string;
}

/** How long the request at the start of `buf` is (RFC 9112 framing, strict). */
export function frameRequest(buf: Buffer): Framed {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return { length: buf.length > 1 << 20 ? -2 : -1, target: '' };
  const head = buf.toString('latin1', 0, headEnd);
  const lines = head.split('\r\n');
  const target = lines[0]!.split(' ')[1] ?? '';
  let length = 0;
  let chunked = false;
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':');
    if (c <= 0) continue;
    const name = line.slice(0, c).toLowerCase();
    const value = line.slice(c + 1).trim().toLowerCase();
    if (name === 'content-length') length = /^\d+$/.test(value) ? Number(value) : NaN;
    if (name === 'transfer-encoding' && /(^|[ ,])chunked$/.test(value)) chunked = true;
  }
  if (Number.isNaN(length)) return { length: -2, target };
  const bodyStart = headEnd + 4;
  if (!chunked) return { length: buf.length >= bodyStart + length ? bodyStart + length : -1, target };
  let p = bodyStart;
  for (;;) {
    const nl = buf.indexOf('\r\n', p);
    if (nl < 0) return { length: -1, target };
    const m = /^([0-9a-fA-F]+)(;[^\r\n]*)?$/.exec(buf.toString('latin1', p, nl));
    if (!m) return { length: -2, target };
    const size = parseInt(m[1]!, 16);
    p = nl + 2;
    if (size === 0) {
      // Trailer lines, then an empty line.
      for (;;) {
        const e = buf.indexOf('\r\n', p);
        if (e < 0) return { length: -1, target };
        const empty = e === p;
        p = e + 2;
        if (empty) return { length: p, target };
      }
    }
    if (buf.length < p + size + 2) return { length: -1, target };
    if (buf[p + size] !== 13 || buf[p + size + 1] !== 10) return { length: -2, target };
    p += size + 2;
  }
}

export async function startRecordingBackend(): Promise<RecordingBackend> {
  const log: Received[] = [];
  const sockets = new Set<net.Socket>();
  const pending = new Map<net.Socket, Buffer>();
  let decide: (target: string, raw: Buffer) => Behaviour = () => ({ kind: 'answer', response: OK_RESPONSE });
  let accepted = 0;

  const server = net.createServer((sock) => {
    const connection = accepted++;
    sockets.add(sock);
    let buf = Buffer.alloc(0);
    let dead = false;
    pending.set(sock, buf);
    const flushPartial = (): void => {
      if (buf.length > 0) log.push({ bytes: buf, target: frameRequest(buf).target, partial: true, connection });
      buf = Buffer.alloc(0);
      pending.delete(sock);
    };
    sock.on('data', (chunk: Buffer) => {
      if (dead) return;
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const f = frameRequest(buf);
        if (f.length === -1) break;
        if (f.length === -2) {
          // Unframeable bytes: keep them as they are and stop reading this connection.
          flushPartial();
          dead = true;
          sock.destroy();
          return;
        }
        const raw = buf.subarray(0, f.length);
        buf = buf.subarray(f.length);
        log.push({ bytes: Buffer.from(raw), target: f.target, partial: false, connection });
        const b = decide(f.target, raw);
        if (b.kind === 'answer') sock.write(b.response);
        else if (b.kind === 'close') { dead = true; sock.end(b.response ?? ''); }
        else if (b.kind === 'reset') {
          dead = true;
          if (b.response) sock.write(b.response, () => sock.resetAndDestroy());
          else sock.resetAndDestroy();
        }
        if (dead) break;
      }
      pending.set(sock, buf);
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      flushPartial();
      sockets.delete(sock);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  let listening = true;
  return {
    port,
    log,
    get accepted() { return accepted; },
    get open() { return sockets.size; },
    quiet: () => [...pending.values()].every((b) => b.length === 0),
    behave: (d) => { decide = d; },
    stopListening: () => new Promise((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
    }),
    resetAll: () => { for (const s of sockets) s.resetAndDestroy(); },
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
    }),
  };
}
