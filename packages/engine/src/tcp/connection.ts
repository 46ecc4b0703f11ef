// One client connection of a pen TCP listener: server choice with failover, the
// connect (timeout checked by the listener's sweep), then the two-way byte pump with
// pen's half-close semantics (spec §3.4–§3.7, §4.1).
//
// Hot path: socket events go to module-level functions (`this` is the socket, which
// carries its Connection under a symbol), so nothing is allocated per chunk or per
// connection for handlers.
import { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Backend } from '../model/types.js';
import type { BackendStats, ClientEntry } from '../runtime/handle.js';
import type { Attempt } from '../balance/pen-balancer.js';
import { addForwardedHeaders, mayNeedForwarded } from './forwarded.js';
import { errnoOf, strerror } from './errors.js';
import { connectFailure, connectTimeout, markConnected, uncount } from './connect-outcome.js';
import type { StreamListener } from './stream-listener.js';

export const CONN = Symbol('penpound.connection');
type Tagged = Socket & { [CONN]?: Connection };

import { CS_CLIENT_EOF, CS_CONNECTED, CS_CONNECTING, CS_SERVER_EOF } from './states.js';

export { CS_CLIENT_EOF, CS_CONNECTED, CS_CONNECTING, CS_SERVER_EOF };

const DUMMY_RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 15\r\nContent-Type: text/html\r\n\r\nUlric was here.', 'latin1');

function noop(): void {}

export class Connection implements Attempt {
  clientSlot = 0;
  pendingIndex = -1;
  readonly address: string | undefined;
  readonly port: number;
  initial = -1;
  server = -1;
  attempts = 0;
  state = 0;
  /** Raw socket until the relay starts; the TLSSocket after that when terminating TLS. */
  client: Tagged;
  upstream: Tagged | undefined = undefined;
  /** Date.now() when the current connect started (the sweep checks the timeout). */
  connectStartedMs = 0;
  /** Counted in its backend's established connections. */
  counted = false;
  backendStats: BackendStats | undefined = undefined;
  clientEntry: ClientEntry;
  /** Server address text for the request log. */
  serverText = '';
  /** Set by traffic, cleared by the idle sweep. */
  active = false;
  idleSince = 0;
  private clientClosed = false;
  private upstreamClosed = true;
  private done = false;
  private withoutSource = false;

  constructor(
    readonly owner: StreamListener,
    readonly slot: number,
    raw: Socket,
  ) {
    this.client = raw as Tagged;
    raw.on('error', noop); // until the relay starts, errors only end the connection
    this.address = raw.remoteAddress;
    this.port = raw.remotePort ?? 0;
    this.clientSlot = owner.balancer.storeClient(this.address);
    this.clientEntry = owner.balancer.clients.entries[this.clientSlot]!;
  }

  get https(): boolean {
    return this.owner.tls !== undefined;
  }

  /** Choose a server and connect; closes the client when none can be used. */
  begin(): void {
    if (!this.owner.balancer.begin(this)) this.closeClient();
  }

  // ---- connecting ----------------------------------------------------------------------

  startConnect(index: number, backend: Backend): boolean {
    const e = backend.endpoint;
    const tcp = this.owner.listenerConfig().tcp;
    const sock = new Socket({ allowHalfOpen: true }) as Tagged;
    sock[CONN] = this;
    sock.on('connect', onUpstreamConnect);
    sock.on('error', onUpstreamError);
    sock.on('close', onUpstreamClose);
    this.server = index;
    try {
      if (e.kind === 'unix') {
        sock.connect({ path: e.path });
      } else if (e.kind === 'inet') {
        const source = this.withoutSource ? undefined : tcp?.sourceAddress;
        if (source) sock.connect({ host: e.resolved ?? e.host, port: e.port, localAddress: source });
        else sock.connect({ host: e.resolved ?? e.host, port: e.port });
      } else {
        return false;
      }
    } catch (err) {
      this.discard(sock);
      const e = err as NodeJS.ErrnoException;
      connectFailure(this.owner, index, e.code ?? 'EINVAL', errnoOf(e), true); // thrown at once: pen's immediate kind
      return false;
    }
    if (tcp?.keepAlive) sock.setKeepAlive(true);
    sock.setNoDelay(true);
    this.upstream = sock;
    this.upstreamClosed = false;
    this.state = CS_CONNECTING;
    this.connectStartedMs = Date.now();
    this.owner.pending.add(this);
    return true;
  }

  connected(): void {
    const owner = this.owner;
    owner.pending.delete(this);
    markConnected(owner, this);
    this.startRelay();
    owner.admitWaiting();
  }

  connectFailed(err: NodeJS.ErrnoException): void {
    const owner = this.owner;
    owner.pending.delete(this);
    const sock = this.upstream;
    if (sock) this.discard(sock);
    this.upstream = undefined;
    this.upstreamClosed = true;
    this.state = 0;
    const backend = owner.balancer.backend(this.server);
    if (err.syscall === 'bind' && !this.withoutSource && backend) {
      // pen: a source address that cannot be bound is only a debug message.
      owner.debug(1, `bind: ${strerror(err)}`);
      this.withoutSource = true;
      this.attempts--;
      if (this.startConnect(this.server, backend)) return;
    } else {
      connectFailure(owner, this.server, err.code, errnoOf(err), backend?.endpoint.kind === 'unix');
    }
    this.failover();
    owner.admitWaiting();
  }

  connectTimedOut(): void {
    const owner = this.owner;
    owner.pending.delete(this);
    if (this.upstream) this.discard(this.upstream);
    this.upstream = undefined;
    this.upstreamClosed = true;
    this.state = 0;
    connectTimeout(owner, this.server);
    this.failover();
    owner.admitWaiting();
  }

  private failover(): void {
    if (this.done) return;
    if (!this.owner.balancer.failover(this)) this.closeClient();
  }

  /** An attempt we gave up on: its late events must not reach the connection. */
  private discard(sock: Tagged): void {
    sock.removeAllListeners();
    sock.on('error', noop);
    sock[CONN] = undefined;
    sock.destroy();
  }

  // ---- relaying ------------------------------------------------------------------------

  private startRelay(): void {
    let client = this.client;
    const tls = this.owner.tls;
    if (tls) {
      // pen does the handshake lazily, once the backend connection is up.
      const raw = client;
      raw.removeListener('error', noop);
      const sni = this.owner.sniContexts();
      client = new TLSSocket(raw, {
        isServer: true,
        secureContext: tls.context,
        requestCert: tls.requestCert,
        rejectUnauthorized: tls.requestCert,
        ...(sni ? { SNICallback: (name: string, done: (err: Error | null, ctx?: SecureContext) => void) => done(null, sni.get(name)) } : {}),
      }) as Tagged;
      client.on('secure', onTlsSecure);
      this.client = client;
    } else {
      client.removeListener('error', noop);
    }
    client[CONN] = this;
    client.on('data', onClientData);
    client.on('end', onClientEnd);
    client.on('drain', onClientDrain);
    client.on('error', onClientError);
    client.on('close', onClientClose);
    const up = this.upstream!;
    up.on('data', onUpstreamData);
    up.on('end', onUpstreamEnd);
    up.on('drain', onUpstreamDrain);
    client.setNoDelay(true);
    client.resume();
  }

  /** pen `dummy`: no backend; answer the first chunk with a fixed response and close. */
  startDummy(): void {
    const client = this.client;
    client.removeListener('error', noop);
    client[CONN] = this;
    client.on('data', onDummyData);
    client.on('error', noop);
    client.on('close', onClientClose);
    this.state = CS_CONNECTED;
    client.resume();
  }

  /** EOF from one side: half-close the other; tcp_fastclose may close both at once. */
  clientEof(): void {
    this.state |= CS_CLIENT_EOF;
    const up = this.upstream;
    if (up && !up.destroyed) up.end();
    const fast = this.owner.listenerConfig().tcp?.fastClose;
    if (fast === 'down' || fast === 'both') this.closeBothSoon();
  }

  serverEof(): void {
    this.state |= CS_SERVER_EOF;
    if (!this.client.destroyed) this.client.end();
    const fast = this.owner.listenerConfig().tcp?.fastClose;
    if (fast === 'up' || fast === 'both') this.closeBothSoon();
  }

  /** Close both sockets once what is already queued for them has been written (pen Q25: drain). */
  closeBothSoon(): void {
    closeSoon(this.client);
    if (this.upstream) closeSoon(this.upstream);
  }

  clientGone(): void {
    this.clientClosed = true;
    const up = this.upstream;
    if (up && !this.upstreamClosed) closeSoon(up);
    this.maybeFinish();
  }

  upstreamGone(): void {
    this.upstreamClosed = true;
    if (!this.clientClosed) closeSoon(this.client);
    this.maybeFinish();
  }

  /** Close the client without data (no usable server) — or after pen `close N`. */
  closeClient(): void {
    if (this.upstream) this.discard(this.upstream);
    this.upstream = undefined;
    this.upstreamClosed = true;
    this.owner.pending.delete(this);
    this.client.destroy();
    this.clientClosed = true;
    this.maybeFinish();
  }

  /** Force-close everything now (pen `close N`, shutdown). */
  destroyAll(): void {
    if (this.upstream) this.upstream.destroy();
    this.upstreamClosed = true;
    this.owner.pending.delete(this);
    this.client.destroy();
    this.clientClosed = true;
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.done || !this.clientClosed || !this.upstreamClosed) return;
    this.done = true;
    uncount(this);
    this.state = 0;
    this.owner.release(this);
  }

  /** Called by the listener's once-a-second sweep. */
  checkIdle(now: number, idleSeconds: number): void {
    if (this.active) {
      this.active = false;
      this.idleSince = now;
    } else if (now - this.idleSince >= idleSeconds) {
      this.destroyAll();
    }
  }

  hasUpstream(): boolean {
    return this.upstream !== undefined;
  }

  pendingToClient(): number {
    return this.client.writableLength;
  }

  pendingToServer(): number {
    return this.upstream?.writableLength ?? 0;
  }

  logChunk(chunk: Buffer): void {
    this.owner.requestLog.logChunk(this.address ?? '', this.owner.context.now(), this.serverText, chunk);
  }
}

function closeSoon(sock: Socket): void {
  if (sock.destroyed) return;
  if (sock.writableFinished || sock.writableLength === 0 && sock.writableEnded) {
    sock.destroy();
    return;
  }
  sock.end(() => sock.destroy());
}

// ---- event handlers (this = the socket) ---------------------------------------------------

function onUpstreamConnect(this: Tagged): void {
  const c = this[CONN];
  if (c && c.upstream === this) c.connected();
}

function onUpstreamError(this: Tagged, err: NodeJS.ErrnoException): void {
  const c = this[CONN];
  if (!c || c.upstream !== this) return;
  if (c.state & CS_CONNECTING) c.connectFailed(err);
  // After connecting, 'close' follows and does the rest.
}

function onUpstreamClose(this: Tagged): void {
  const c = this[CONN];
  if (!c || c.upstream !== this || c.state & CS_CONNECTING) return;
  c.upstreamGone();
}

function onClientClose(this: Tagged): void {
  const c = this[CONN];
  if (c) c.clientGone();
}

function onClientError(): void {
  // 'close' follows; the upstream side is then drained and closed.
}

/** pen reads at most this much from a client at a time; -H and the log work per read. */
const PEN_CHUNK = 32768;

function onClientData(this: Tagged, chunk: Buffer): void {
  const c = this[CONN]!;
  c.active = true;
  c.clientEntry.received += chunk.length;
  const owner = c.owner;
  const tcp = owner.listenerConfig().tcp;
  const rewrite = tcp !== undefined && tcp.forwardedFor;
  const logging = owner.requestLog.active(owner.config.logging.requestLog);
  if ((rewrite || logging) && chunk.length > PEN_CHUNK) {
    // Node may hand us up to 64 KB: cut it where pen's reads would have ended.
    let ok = true;
    for (let off = 0; off < chunk.length; off += PEN_CHUNK) {
      ok = sendUpstream(c, chunk.subarray(off, off + PEN_CHUNK), rewrite, logging) && ok;
    }
    if (!ok) this.pause();
    return;
  }
  if (!sendUpstream(c, chunk, rewrite, logging)) this.pause();
}

function sendUpstream(c: Connection, chunk: Buffer, rewrite: boolean, logging: boolean): boolean {
  if (rewrite && mayNeedForwarded(chunk)) chunk = addForwardedHeaders(chunk, c.address ?? '', c.https);
  if (logging) c.logChunk(chunk);
  c.backendStats!.sent += chunk.length;
  return c.upstream!.write(chunk);
}

function onUpstreamData(this: Tagged, chunk: Buffer): void {
  const c = this[CONN]!;
  c.active = true;
  c.backendStats!.received += chunk.length;
  c.clientEntry.sent += chunk.length;
  if (!c.client.write(chunk)) this.pause();
}

function onClientDrain(this: Tagged): void {
  const c = this[CONN];
  if (c && c.upstream) c.upstream.resume();
}

function onUpstreamDrain(this: Tagged): void {
  const c = this[CONN];
  if (c) c.client.resume();
}

function onClientEnd(this: Tagged): void {
  const c = this[CONN];
  if (c) c.clientEof();
}

function onUpstreamEnd(this: Tagged): void {
  const c = this[CONN];
  if (c && c.upstream === this) c.serverEof();
}

function onDummyData(this: Tagged): void {
  const c = this[CONN];
  if (!c || c.state & CS_CLIENT_EOF) return;
  c.state |= CS_CLIENT_EOF;
  this.write(DUMMY_RESPONSE);
  closeSoon(this);
}

function onTlsSecure(this: TLSSocket & { [CONN]?: Connection }): void {
  const c = this[CONN];
  if (!c) return;
  const peer = this.getPeerCertificate();
  if (peer && peer.issuer && Object.keys(peer.issuer).length > 0) {
    const issuer = Object.entries(peer.issuer).map(([k, v]) => `/${k}=${String(v)}`).join('');
    c.owner.debug(1, `SSL: Certificate OK: ${issuer}`);
  }
}
