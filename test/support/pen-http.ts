// Tiny HTTP backends that record the exact bytes they receive and answer with their name,
// and a raw HTTP client that can pick its source address (127.0.0.2 is a second client)
// and source port (for pen's -h -r hash).
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before } from 'node:test';

export interface RecordingBackend {
  name: string;
  port: number;
  /** Raw request bytes per connection, in arrival order. */
  requests: Buffer[];
  close(): Promise<void>;
}

/** Answers each request (head ended by a blank line) with `HTTP/1.0 200` and its name, then closes. */
export async function recordingBackend(name: string): Promise<RecordingBackend> {
  const sockets = new Set<Socket>();
  const requests: Buffer[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const index = requests.push(Buffer.alloc(0)) - 1;
    socket.on('data', (chunk: Buffer) => {
      requests[index] = Buffer.concat([requests[index]!, chunk]);
      const text = requests[index]!.toString('latin1');
      if (text.includes('\r\n\r\n') || text.includes('\n\n')) {
        socket.end(`HTTP/1.0 200 OK\r\nContent-Length: ${name.length}\r\nConnection: close\r\n\r\n${name}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  return {
    name,
    port: typeof address === 'object' && address ? address.port : 0,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export async function recordingBackends(names: string[]): Promise<RecordingBackend[]> {
  return Promise.all(names.map((n) => recordingBackend(n)));
}

/** Backends for a whole test file: started before its tests, closed after them. */
export function sharedBackends(names: string[]): RecordingBackend[] {
  const list: RecordingBackend[] = [];
  before(async () => {
    list.push(...(await recordingBackends(names)));
  });
  after(async () => {
    await Promise.all(list.map((b) => b.close()));
  });
  return list;
}

export interface ClientOptions {
  port: number;
  host?: string;
  localAddress?: string;
  localPort?: number;
  request?: string | Buffer;
  timeoutMs?: number;
}

/** Sends one request and returns the body of the answer ('' when pen closed without one). */
export function fetchBody(options: ClientOptions): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({
      port: options.port,
      host: options.host ?? '127.0.0.1',
      ...(options.localAddress && { localAddress: options.localAddress }),
      ...(options.localPort && { localPort: options.localPort }),
    });
    let data = '';
    const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 8000);
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(options.request ?? 'GET / HTTP/1.0\r\nHost: test\r\n\r\n'));
    socket.on('data', (d: string) => (data += d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const i = data.indexOf('\r\n\r\n');
      resolve(i === -1 ? '' : data.slice(i + 4));
    });
  });
}

/** n sequential requests; the bodies in order. */
export async function fetchMany(n: number, options: ClientOptions): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await fetchBody(options));
  return out;
}
