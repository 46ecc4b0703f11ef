// Real HTTP backends and raw-socket HTTP clients for the pound serving tests.
// Backends: node:http servers (convenient) or raw net servers (exact bytes). Clients: raw
// `net` sockets, so tests can send malformed bytes and assert on exact responses.
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Backend {
  port: number;
  name: string;
  /** Requests seen: method, url, raw header pairs, body. */
  seen: { method: string; url: string; headers: string[]; body: Buffer }[];
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;

/** A backend that answers `name method url` (or runs `handler`), recording each request. */
export async function startBackend(name: string, handler?: Handler, port = 0): Promise<Backend> {
  const seen: Backend['seen'] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.rawHeaders, body });
      if (handler) return handler(req, res, body);
      const text = `${name} ${req.method} ${req.url}`;
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return {
    port: (server.address() as AddressInfo).port,
    name,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface RawBackend {
  port: number;
  /** Everything each connection sent, in connection order. */
  received: Buffer[];
  connections: net.Socket[];
  close(): Promise<void>;
}

/** A raw TCP backend: `onData` sees each connection's accumulated bytes and may answer. */
export async function startRawBackend(
  onData: (sock: net.Socket, all: Buffer, connectionIndex: number) => void,
): Promise<RawBackend> {
  const received: Buffer[] = [];
  const connections: net.Socket[] = [];
  const server = net.createServer((sock) => {
    const idx = received.length;
    received.push(Buffer.alloc(0));
    connections.push(sock);
    sock.on('data', (c: Buffer) => {
      received[idx] = Buffer.concat([received[idx]!, c]);
      onData(sock, received[idx]!, idx);
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    connections,
    close: () =>
      new Promise((resolve) => {
        for (const s of connections) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Send bytes, collect everything until the proxy closes the connection. */
export function exchange(port: number, data: Buffer | string, opts: { endAfterWrite?: boolean } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    sock.on('data', (c: Buffer) => parts.push(c));
    sock.on('error', (e) => (parts.length ? resolve(Buffer.concat(parts)) : reject(e)));
    sock.on('close', () => resolve(Buffer.concat(parts)));
    sock.write(data);
    if (opts.endAfterWrite) sock.end();
  });
}

export interface ParsedResponse {
  statusLine: string;
  status: number;
  headers: [string, string][];
  head: string;
  body: Buffer;
  /** Raw bytes of the whole response. */
  raw: Buffer;
}

export function header(r: ParsedResponse, name: string): string | undefined {
  const n = name.toLowerCase();
  return r.headers.find(([k]) => k.toLowerCase() === n)?.[1];
}

/**
 * A keep-alive client on one raw socket: send() writes bytes, response() resolves with the
 * next complete response (Content-Length, chunked, or until close).
 */
export class RawClient {
  readonly sock: net.Socket;
  private buf = Buffer.alloc(0);
  private closed = false;
  private waiters: (() => void)[] = [];

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on('data', (c: Buffer) => { this.buf = Buffer.concat([this.buf, c]); this.wake(); });
    sock.on('close', () => { this.closed = true; this.wake(); });
    sock.on('error', () => {});
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  get isClosed(): boolean { return this.closed; }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async more(): Promise<boolean> {
    if (this.closed) return false;
    await new Promise<void>((r) => this.waiters.push(r));
    return true;
  }

  send(data: Buffer | string): void {
    this.sock.write(data);
  }

  /** Resolves once the proxy has closed the connection. */
  async closedByPeer(): Promise<void> {
    while (!this.closed) await this.more();
  }

  /** The next response; `head: true` for a response to HEAD (no body). */
  async response(opts: { head?: boolean } = {}): Promise<ParsedResponse> {
    let end: number;
    while ((end = this.buf.indexOf('\r\n\r\n')) < 0) {
      if (!(await this.more())) throw new Error(`connection closed before a response head: ${JSON.stringify(this.buf.toString('latin1'))}`);
    }
    const head = this.buf.toString('latin1', 0, end);
    const lines = head.split('\r\n');
    const statusLine = lines[0]!;
    const status = Number(statusLine.split(' ')[1]);
    const headers = lines.slice(1).map((l): [string, string] => {
      const c = l.indexOf(':');
      return [l.slice(0, c), l.slice(c + 1).trim()];
    });
    const r: ParsedResponse = { statusLine, status, headers, head, body: Buffer.alloc(0), raw: Buffer.alloc(0) };
    let pos = end + 4;
    const te = header(r, 'transfer-encoding');
    const cl = header(r, 'content-length');
    if (opts.head || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      // no body
    } else if (te && /chunked/i.test(te)) {
      const parts: Buffer[] = [];
      for (;;) {
        let nl: number;
        while ((nl = this.buf.indexOf('\r\n', pos)) < 0) if (!(await this.more())) throw new Error('closed in chunk size');
        const size = parseInt(this.buf.toString('latin1', pos, nl), 16);
        pos = nl + 2;
        if (size === 0) {
          while ((nl = this.buf.indexOf('\r\n', pos)) < 0) if (!(await this.more())) throw new Error('closed in trailer');
          while (nl !== pos) {
            pos = nl + 2;
            while ((nl = this.buf.indexOf('\r\n', pos)) < 0) if (!(await this.more())) throw new Error('closed in trailer');
          }
          pos = nl + 2;
          break;
        }
        while (this.buf.length < pos + size + 2) if (!(await this.more())) throw new Error('closed in chunk');
        parts.push(this.buf.subarray(pos, pos + size));
        pos += size + 2;
      }
      r.body = Buffer.concat(parts);
    } else if (cl !== undefined) {
      const n = Number(cl);
      while (this.buf.length < pos + n) if (!(await this.more())) throw new Error('closed in body');
      r.body = this.buf.subarray(pos, pos + n);
      pos += n;
    } else {
      while (await this.more()) { /* until close */ }
      r.body = this.buf.subarray(pos);
      pos = this.buf.length;
    }
    r.raw = Buffer.from(this.buf.subarray(0, pos));
    this.buf = this.buf.subarray(pos);
    return r;
  }

  close(): void {
    this.sock.destroy();
  }
}

/** A free port: bind port 0, close, return it (tiny race accepted, per the house rules). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Whether something on 127.0.0.1:`port` accepts a TCP connection now. */
export function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** Resolves once `port` accepts; fails when `alive()` turns false or after ~30 s, naming `what`. */
export async function waitListening(port: number, alive: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (await connects(port)) return;
    if (!alive()) throw new Error(`${what} exited before listening`);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} did not listen on ${port}`);
}

/** Resolves once `port` refuses connections (bounded: fails after ~30 s). */
export async function waitRefused(port: number): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (!(await connects(port))) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`port ${port} still accepts connections`);
}

/** Resolves when `cond()` holds, polling every 10 ms (bounded: fails after ~5 s). */
export async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The non-empty lines of a growing output once there are at least `n` (bounded wait). */
export async function lines(get: () => string, n: number): Promise<string[]> {
  let l: string[] = [];
  await until(() => (l = get().split('\n').filter(Boolean)).length >= n, `${n} lines in ${JSON.stringify(get())}`);
  return l;
}
