// An HTTP listener (pound's ListenHTTP): accepts connections and hands each to a
// ClientConn; sweeps deadlines and idle pooled backend connections once a second.
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Diagnostic, Endpoint, ProxyConfig } from '../model/types.js';
import type { ConnectionEntry, ServiceStats } from '../runtime/handle.js';
import type { EngineContext, ListenerRuntime } from '../runtime/listener.js';
import { BackendConn, ClientConn, preloadBackendCert } from './connection.js';
import { IndexedList } from '../runtime/indexed-list.js';
import { listenRaw, netAcceptor, type Acceptor } from '../tcp/acceptor.js';
import type { RawHandle } from '../tcp/raw-handles.js';
import { RawSocket, rawHttpBindings, type StreamSocket } from './raw-socket.js';
import { acceptTls } from './raw-tls.js';
import { tlsWrapBindings, type TlsWrapServer } from '../tls/tls-wrap.js';
import type { HttpContext } from './context.js';
import { ErrorPages } from './errors.js';
import { requestLineFormatter } from './log/format.js';
import { acquireShared, releaseShared } from './shared.js';
import { startClock, stopClock } from './clock.js';
import { serviceState, type BackendState, type ServiceState } from './state.js';
import { buildHttps, type HttpsSetup } from './tls.js';

/** Idle pooled backend connections are closed after this long (backends time out too). */
const POOL_IDLE_MS = 4000;
/** At most this many idle connections are kept per backend. */
const POOL_MAX = 64;

function listen(server: net.Server, endpoint: Endpoint, backlog: number): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const onError = (err: Error): void => resolve(err);
    server.once('error', onError);
    const done = (): void => {
      server.off('error', onError);
      resolve(undefined);
    };
    if (endpoint.kind === 'unix') server.listen({ path: endpoint.path, backlog }, done);
    else if (endpoint.kind === 'inet') server.listen({ host: endpoint.resolved ?? endpoint.host, port: endpoint.port, backlog }, done);
    else resolve(new Error('no address'));
  });
}

export async function startHttp(config: ProxyConfig, index: number, context: EngineContext): Promise<ListenerRuntime | Diagnostic> {
  const listener = config.listeners[index]!;
  const where = listener.source ? { file: listener.source.file, line: listener.source.line } : {};
  if (!listener.http) return { severity: 'error', message: `listener ${index}: no HTTP options`, ...where };
  let https: HttpsSetup | undefined;
  if (listener.protocol === 'https') {
    if (!listener.tls) return { severity: 'error', message: `listener ${index}: HTTPS without TLS settings`, ...where };
    const r = buildHttps(listener.tls);
    if ('severity' in r) return { ...where, ...r };
    https = r;
  }
  const files = new Map<number, Buffer>();
  for (const [code, path] of Object.entries(listener.http.errorFiles)) {
    try {
      files.set(Number(code), readFileSync(path));
    } catch (e) {
      return { severity: 'error', message: `can't read error file ${path}: ${(e as Error).message}`, ...where };
    }
  }
  const shared = acquireShared(config, context);
  startClock();
  let lastId = 0;
  let servicesCache: ServiceState[] = [];
  let cachedOwn = -1;
  let cachedGlobal = -1;
  const stats = { connectionsUsed: 0, lastSlot: 0, services: [] as ServiceStats[] };
  const services = (): ServiceState[] => {
    if (listener.services.length !== cachedOwn || config.services.length !== cachedGlobal) {
      servicesCache = [...listener.services, ...config.services].map((s) => serviceState(s, config.dialect));
      for (const s of servicesCache) {
        shared.health.watch(s);
        for (const b of s.service.backends) preloadBackendCert(b);
        for (const b of s.service.emergency) preloadBackendCert(b);
      }
      stats.services = servicesCache.map((s) => s.stats);
      cachedOwn = listener.services.length;
      cachedGlobal = config.services.length;
    }
    return servicesCache;
  };
  const http = listener.http;
  const ctx: HttpContext = {
    config,
    listener,
    dialect: config.dialect,
    legacy: config.dialect !== 'pound-4',
    decodeUrl: config.dialect === 'pound-2.8',
    errors: new ErrorPages(config.dialect, files),
    sink: shared.sink,
    health: shared.health,
    scheme: https ? 'https' : 'http',
    port: 0,
    localAddress: '',
    formatLine: requestLineFormatter(config.dialect, http.logLevel, http.logFormat, config.logging.anonymise ?? false),
    report: (d) => context.report(d),
    services,
    pools: new Set<BackendState>(),
    conns: new IndexedList<ClientConn>('listIndex'),
    nextId: () => ++lastId,
  };
  services();

  const onConnection = (sock: StreamSocket): void => {
    if (listener.disabled) {
      sock.destroy();
      return;
    }
    const max = listener.limits.maxConnections;
    if (max > 0 && ctx.conns.size >= max) {
      sock.destroy();
      return;
    }
    const conn = new ClientConn(sock, ctx);
    ctx.conns.add(conn);
    stats.connectionsUsed = ctx.conns.size;
    stats.lastSlot = conn.id;
  };
  // Plain HTTP runs on bare libuv handles when this Node has them (raw-socket.ts), HTTPS on
  // Node's TLSWrap over them (raw-tls.ts).
  const raw = https ? undefined : rawHttpBindings();
  const rawTls = https ? tlsWrapBindings() : undefined;
  const tlsServer: TlsWrapServer | undefined = https && {
    contextFor: https.contextFor,
    sni: https.sni,
    requestCert: https.clientCertMode > 0,
    rejectUnauthorized: https.clientCertMode === 2,
    allowRenegotiation: (listener.tls?.allowRenegotiation ?? 0) > 0,
  };
  /** ClientCert 1: a certificate that was offered must verify (mode 3 accepts anything). */
  const certificateOk = (authorized: boolean, offered: boolean, address: string | undefined): boolean => {
    if (https?.clientCertMode !== 1 || authorized || !offered) return true;
    context.report({ severity: 'info', priority: 'notice', message: `Bad certificate from ${address}` });
    return false;
  };
  const makeServer = (): net.Server => {
    if (!https) return net.createServer({ noDelay: true, keepAlive: true, allowHalfOpen: true }, onConnection);
    const setup = https;
    // The Client timeout bounds the handshake too (Node's default would be 120 s).
    const client = listener.limits.clientTimeoutSeconds;
    const server = tls.createServer({ ...setup.options, allowHalfOpen: true, ...(client > 0 ? { handshakeTimeout: client * 1000 } : {}) });
    server.on('secureConnection', (sock: tls.TLSSocket) => {
      sock.setNoDelay(true);
      sock.setKeepAlive(true);
      if (!tlsServer!.allowRenegotiation) sock.disableRenegotiation();
      if (!certificateOk(sock.authorized, sock.getPeerX509Certificate() !== undefined, sock.remoteAddress)) {
        sock.destroy();
        return;
      }
      onConnection(sock);
    });
    // Handshake failures close silently, as pound does.
    server.on('tlsClientError', (_err, sock) => sock.destroy());
    return server;
  };

  /** Listen on `endpoint`: the accepting side, or why not. */
  const open = async (endpoint: Endpoint): Promise<Acceptor | Error> => {
    if ((raw || rawTls) && endpoint.kind === 'inet' && net.isIP(endpoint.resolved ?? endpoint.host) !== 0) {
      // The connection is handed over at once (its client timeout also bounds the handshake);
      // a TLS one delivers requests only once the handshake is done.
      const accept = rawTls
        ? (h: RawHandle): void =>
            onConnection(acceptTls(rawTls, h, tlsServer!, (sock, authorized, offered) => certificateOk(authorized, offered, sock.remoteAddress)))
        : (h: RawHandle): void => onConnection(RawSocket.accepted(raw!, h, true));
      const r = listenRaw((raw ?? rawTls?.raw)!, endpoint, listener.backlog, accept, () => {});
      return 'severity' in r ? new Error(r.hint ?? r.message) : r;
    }
    const s = makeServer();
    const e = await listen(s, endpoint, listener.backlog);
    return e ?? netAcceptor(s);
  };
  const opened = await open(listener.endpoint);
  if (opened instanceof Error) {
    releaseShared(config);
    stopClock();
    return { severity: 'error', message: `can't bind ${listener.spec}: ${opened.message}`, ...where };
  }
  let server = opened;
  const boundOf = (s: Acceptor): { address: string; port: number } => s.bound();
  const setBound = (): void => {
    const b = boundOf(server);
    ctx.port = b.port;
    ctx.localAddress = b.address;
  };
  setBound();

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const c of ctx.conns) if (c.deadline !== 0 && now > c.deadline) c.onTimeout();
    stats.connectionsUsed = ctx.conns.size;
    for (const b of ctx.pools) {
      const idle = b.idle as BackendConn[];
      while (idle.length > POOL_MAX) idle.shift()!.destroy();
      for (let i = idle.length - 1; i >= 0; i--) if (now - idle[i]!.idleSince > POOL_IDLE_MS) idle[i]!.destroy();
    }
  }, 1000);
  sweep.unref();

  let stopped = false;
  const runtime: ListenerRuntime = {
    bound: () => boundOf(server),
    stats,
    connections: (): ConnectionEntry[] =>
      [...ctx.conns].map((c) => ({
        slot: c.id, state: 2, clientFd: -1, serverFd: -1, pendingToClient: c.sock.writableLength,
        pendingToServer: c.backend?.sock.writableLength ?? 0, client: -1, backend: -1,
      })),
    closeConnection: (slot) => {
      for (const c of ctx.conns) if (c.id === slot) { c.destroy(); return true; }
      return false;
    },
    relisten: async (endpoint, spec) => {
      const next = await open(endpoint);
      if (next instanceof Error) return { severity: 'error', message: `can't bind ${spec}: ${next.message}` };
      const old = server;
      server = next;
      listener.endpoint = endpoint;
      listener.spec = spec;
      setBound();
      old.close();
      return undefined;
    },
    reopenLogs: () => [],
    stop: async (graceful) => {
      if (stopped) return;
      stopped = true;
      server.close();
      if (graceful) {
        const until = Date.now() + config.process.graceSeconds * 1000;
        while (Date.now() < until) {
          for (const c of ctx.conns) c.closeIfIdle();
          if (ctx.conns.size === 0) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      for (const c of ctx.conns) c.destroy();
      ctx.conns.clear();
      clearInterval(sweep);
      for (const b of ctx.pools) for (const c of (b.idle as BackendConn[]).splice(0)) c.destroy();
      releaseShared(config);
      stopClock();
    },
  };
  return runtime;
}
