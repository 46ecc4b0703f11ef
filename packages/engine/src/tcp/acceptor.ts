// The listening side of a pen TCP listener, two ways: Node's net.Server (used for TLS,
// whose sockets must be net.Sockets) and a raw libuv server handle (the fast path).
// Both hand over accepted connections without reading from them.
import { unlinkSync } from 'node:fs';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { getSystemErrorMap } from 'node:util';
import type { Diagnostic, Endpoint } from '../model/types.js';
import { bindError, listenTcp } from './listen.js';
import { errorName, type RawBindings, type RawHandle } from './raw-handles.js';

export interface Acceptor {
  bound(): { address: string; port: number };
  close(): void;
}

export async function listenNet(
  endpoint: Endpoint,
  backlog: number,
  reusePort: boolean,
  onSocket: (socket: Socket) => void,
  onError: (err: Error) => void,
): Promise<Acceptor | Diagnostic> {
  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: true, keepAlive: true });
  server.on('connection', onSocket);
  const err = await listenTcp(server, endpoint, backlog, reusePort);
  if (err) return err;
  server.on('error', onError);
  return netAcceptor(server);
}

/** The accepting side of a listening net.Server (or tls.Server). */
export function netAcceptor(server: Server): Acceptor {
  return {
    bound() {
      const a = server.address();
      if (a && typeof a === 'object') return { address: a.address, port: a.port };
      return { address: typeof a === 'string' ? a : '', port: 0 };
    },
    close() {
      server.close();
    },
  };
}

/** As Node words it: "listen EADDRINUSE: address already in use 127.0.0.1:80". */
function uvError(status: number, where: string): Error {
  const code = errorName(status);
  let text: string | undefined;
  try {
    text = getSystemErrorMap().get(status)?.[1];
  } catch {
    /* the code alone */
  }
  const e = new Error(`listen ${code}${text ? `: ${text}` : ''}${where ? ` ${where}` : ''}`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

/**
 * A raw server handle. Accepted sockets inherit TCP_NODELAY and SO_KEEPALIVE from it
 * (Linux copies them), which saves two system calls per connection; pen sets
 * SO_KEEPALIVE on its listener the same way.
 */
export function listenRaw(
  raw: RawBindings,
  endpoint: Endpoint,
  backlog: number,
  onHandle: (handle: RawHandle) => void,
  onError: (status: number) => void,
): Acceptor | Diagnostic {
  let handle: RawHandle;
  let err: number;
  let path: string | undefined;
  if (endpoint.kind === 'unix') {
    path = endpoint.path;
    try {
      unlinkSync(path);
    } catch {
      /* nothing there */
    }
    handle = new raw.Pipe(raw.PIPE_SERVER);
    err = handle.bind(path);
  } else if (endpoint.kind === 'inet') {
    const host = endpoint.resolved ?? endpoint.host;
    handle = new raw.TCP(raw.TCP_SERVER);
    err = isIPv6(host) ? (handle.bind6 ? handle.bind6(host, endpoint.port, 0) : -22) : handle.bind(host, endpoint.port);
  } else {
    return bindError(new Error('no address to listen on'));
  }
  if (err >= 0) {
    if (handle.setNoDelay) handle.setNoDelay(true);
    if (handle.setKeepAlive) handle.setKeepAlive(true, 0);
    err = handle.listen(backlog);
  }
  if (err < 0) {
    handle.close();
    const where = endpoint.kind === 'unix' ? endpoint.path : endpoint.kind === 'inet' ? `${endpoint.resolved ?? endpoint.host}:${endpoint.port}` : '';
    return bindError(uvError(err, where));
  }
  handle.onconnection = (status, client) => {
    if (status < 0 || !client) onError(status);
    else onHandle(client);
  };
  return {
    bound() {
      if (path !== undefined) return { address: path, port: 0 };
      const out: { address?: string; port?: number } = {};
      handle.getsockname?.(out);
      return { address: out.address ?? '', port: out.port ?? 0 };
    },
    close() {
      handle.onconnection = () => {};
      handle.close();
    },
  };
}
