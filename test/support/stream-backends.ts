// Real backends and clients for the engine's stream (pen) tests. Everything on 127.0.0.1
// (all of 127/8 is loopback, so 127.0.0.2/.3 work as distinct client addresses).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';

export interface NamedBackend {
  name: string;
  port: number;
  server: Server;
  /** Raw bytes each accepted connection sent, in order of arrival. */
  received: Buffer[];
  /** Connections accepted so far. */
  accepted: number;
  close(): Promise<void>;
}

/**
 * A TCP backend that answers with its name. mode 'on-end' (default): collects what the
 * client sends until it half-closes, then writes the name and closes. 'per-chunk':
 * answers every chunk with the name at once (keep-alive style), closes on client EOF.
 * 'hold': answers nothing, keeps the connection open.
 */
export async function namedBackend(name: string, mode: 'on-end' | 'per-chunk' | 'hold' = 'on-end'): Promise<NamedBackend> {
  const received: Buffer[] = [];
  const sockets = new Set<Socket>();
  const b: NamedBackend = {
    name,
    port: 0,
    server: undefined as unknown as Server,
    received,
    accepted: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => b.server.close(() => r()));
    },
  };
  const server = createServer({ allowHalfOpen: true }, (sock) => {
    b.accepted++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    const chunks: Buffer[] = [];
    const index = received.length;
    received.push(Buffer.alloc(0));
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      received[index] = Buffer.concat(chunks);
      if (mode === 'per-chunk') sock.write(name);
    });
    sock.on('end', () => {
      if (mode === 'on-end') sock.end(name);
      else sock.end();
    });
  });
  b.server = server;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  b.port = (server.address() as { port: number }).port;
  return b;
}

/** A port nobody listens on (bound, then closed): connects are refused. */
export async function refusedPort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A port whose listener never accepts and whose accept queue is full, so further connects
 * hang (Linux drops the SYNs): a child process listens with backlog 1 and then blocks its
 * own event loop; we fill the queue first.
 */
export async function blackHole(): Promise<{ port: number; close(): void }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-e',
      `const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>{process.stdout.write(s.address().port+'\\n');setTimeout(()=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,60000),50)})`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  await new Promise((r) => setTimeout(r, 150)); // let it block
  const fillers: Socket[] = [];
  for (let i = 0; i < 4; i++) {
    const f = connect(port, '127.0.0.1');
    f.on('error', () => {});
    fillers.push(f);
  }
  await new Promise((r) => setTimeout(r, 100));
  return {
    port,
    close() {
      for (const f of fillers) f.destroy();
      child.kill('SIGKILL');
    },
  };
}

export interface Exchange {
  data: string;
  /** True when the connection ended with an error (e.g. reset) instead of EOF. */
  error: boolean;
}

/** Connect, send `payload`, half-close, read until the proxy closes. */
export function exchange(port: number, payload: string | Buffer = 'hi', options: { localAddress?: string; localPort?: number; host?: string; timeoutMs?: number } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error = false;
    const sock = connect({ port, host: options.host ?? '127.0.0.1', localAddress: options.localAddress, localPort: options.localPort, allowHalfOpen: true });
    const timer = setTimeout(() => sock.destroy(), options.timeoutMs ?? 8000);
    sock.on('connect', () => {
      sock.end(payload);
    });
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', () => {
      error = true;
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks).toString('latin1'), error });
    });
  });
}

/** Several exchanges one after the other; returns the answers. */
export async function sequence(port: number, count: number, options: Parameters<typeof exchange>[2] = {}): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push((await exchange(port, 'hi', options)).data);
  return out;
}

/** A UDP backend answering every datagram with `<name>:<datagram>`. */
export async function udpBackend(name: string): Promise<{ port: number; received: Buffer[]; close(): void }> {
  const sock: UdpSocket = createSocket('udp4');
  const received: Buffer[] = [];
  sock.on('message', (msg, rinfo) => {
    received.push(msg);
    sock.send(Buffer.concat([Buffer.from(name + ':'), msg]), rinfo.port, rinfo.address);
  });
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  return { port: sock.address().port, received, close: () => sock.close() };
}

/** Send datagrams from one client socket; collect replies (address, port and text). */
export async function udpClient(localAddress = '127.0.0.1'): Promise<{
  ask(port: number, text: string, timeoutMs?: number): Promise<{ text: string; from: string; port: number } | undefined>;
  close(): void;
}> {
  const sock = createSocket('udp4');
  sock.bind(0, localAddress);
  await once(sock, 'listening');
  return {
    ask(port, text, timeoutMs = 1500) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          sock.removeListener('message', onMessage);
          resolve(undefined);
        }, timeoutMs);
        const onMessage = (msg: Buffer, rinfo: { address: string; port: number }) => {
          clearTimeout(timer);
          sock.removeListener('message', onMessage);
          resolve({ text: msg.toString(), from: rinfo.address, port: rinfo.port });
        };
        sock.on('message', onMessage);
        sock.send(text, port, '127.0.0.1');
      });
    },
    close: () => sock.close(),
  };
}
