// One plain-TCP client connection on the fast path (libuv handles, see raw-handles.ts).
// Same pen semantics as connection.ts (the net.Socket version, kept for TLS clients):
// server choice with failover, connect timeout from the listener's sweep, then per
// direction: read a chunk, write it to the other side, and stop reading while that write
// is pending (pen keeps at most one chunk per direction). EOF half-closes the other side;
// the connection ends when both sides are done, or earlier with tcp_fastclose or errors
// (what is already queued is still written: pen Q25 fixed).
import type { Backend } from '../model/types.js';
import type { BackendStats, ClientEntry } from '../runtime/handle.js';
import type { Attempt } from '../balance/pen-balancer.js';
import { addForwardedHeaders, mayNeedForwarded } from './forwarded.js';
import { strerror } from './errors.js';
import { connectFailure, connectTimeout, markConnected, uncount } from './connect-outcome.js';
import { CS_CLIENT_EOF, CS_CONNECTED, CS_CONNECTING, CS_SERVER_EOF } from './states.js';
import { errorName, SharedReadBuffer, type RawBindings, type RawHandle, type RawRequest } from './raw-handles.js';
import type { StreamListener } from './stream-listener.js';
import { wrapServer, type TlsWrap } from '../tls/tls-wrap.js';

export const RAW_CONN = Symbol('penpound.raw-connection');
const TO_UPSTREAM = Symbol('penpound.to-upstream');

const DUMMY_RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 15\r\nContent-Type: text/html\r\n\r\nUlric was here.', 'latin1');

const reads = new SharedReadBuffer();
/** A write request object whose last write completed at once: reusable. */
let spareWrite: RawRequest | undefined;

/** One direction's socket state. */
const OPEN = 0;
const CLOSING = 1; // close once pending writes are done
const CLOSED = 2;

export class RawConnection implements Attempt {
  clientSlot = 0;
  pendingIndex = -1;
  readonly address: string | undefined;
  readonly port: number;
  initial = -1;
  server = -1;
  attempts = 0;
  state = 0;
  upstream: RawHandle | undefined = undefined;
  connectStartedMs = 0;
  backendStats: BackendStats | undefined = undefined;
  clientEntry: ClientEntry;
  serverText = '';
  active = false;
  idleSince = 0;
  // Per side: async writes in flight to it, and whether we stopped reading the other side.
  clientWrites = 0;
  upstreamWrites = 0;
  clientSide = OPEN;
  upstreamSide = CLOSED;
  clientShutDown = false;
  upstreamShutDown = false;
  counted = false;
  private upstreamReading = false;
  private done = false;
  private withoutSource = false;
  private dummy = false;
  /** TLS listener: the client's TCP handle once `client` is the TLSWrap around it. */
  private clientTcp: RawHandle | undefined = undefined;
  /** Half-close the TLS client once the write in flight is done (see shutdown()). */
  private clientShutdownWaiting = false;

  constructor(
    readonly owner: StreamListener,
    readonly raw: RawBindings,
    readonly slot: number,
    /** The accepted TCP handle; for a TLS listener, the TLSWrap around it once relaying. */
    public client: RawHandle,
  ) {
    client[RAW_CONN] = this;
    client.onread = onRead;
    if (!owner.tls) reads.attach(client, true);
    const peer: { address?: string; port?: number } = {};
    if (client.getpeername) client.getpeername(peer);
    this.address = peer.address;
    this.port = peer.port ?? 0;
    this.clientSlot = owner.balancer.storeClient(this.address);
    this.clientEntry = owner.balancer.clients.entries[this.clientSlot]!;
  }

  begin(): void {
    if (!this.owner.balancer.begin(this)) this.closeNow();
  }

  // ---- connecting ----------------------------------------------------------------------

  startConnect(index: number, backend: Backend): boolean {
    const e = backend.endpoint;
    const raw = this.raw;
    const tcp = this.owner.listenerConfig().tcp;
    this.server = index;
    let up: RawHandle;
    let err: number;
    const req = new raw.TCPConnectWrap();
    if (e.kind === 'inet') {
      const host = e.resolved ?? e.host;
      const v6 = host.includes(':'); // (net.isIPv6 is a large regular expression)
      up = new raw.TCP(raw.TCP_SOCKET);
      const source = this.withoutSource ? undefined : tcp?.sourceAddress;
      if (source) {
        const b = source.includes(':') ? (up.bind6 ? up.bind6(source, 0, 0) : -22) : up.bind(source, 0);
        // pen: a source address that cannot be bound is only a debug message.
        if (b < 0) this.owner.debug(1, `bind: ${strerror({ code: errorName(b) } as NodeJS.ErrnoException)}`);
      }
      req.oncomplete = onConnected;
      req[RAW_CONN] = this;
      err = v6 ? up.connect6!(req, host, e.port) : up.connect(req, host, e.port);
    } else if (e.kind === 'unix') {
      up = new raw.Pipe(raw.PIPE_SOCKET);
      const preq = new raw.PipeConnectWrap();
      preq.oncomplete = onConnected;
      preq[RAW_CONN] = this;
      err = up.connect(preq, e.path);
    } else {
      return false;
    }
    if (err < 0) {
      up.close();
      connectFailure(this.owner, index, errorName(err), -err, true);
      return false;
    }
    up[RAW_CONN] = this;
    up.onread = onRead;
    reads.attach(up, false);
    // Reading starts with the connect: libuv then registers the socket once for both
    // events and only drops "writable" when connected (reading after the connect costs a
    // failed EPOLL_CTL_ADD and a MOD). Reads are delivered only once connected().
    this.upstreamReading = up.readStart() >= 0;
    if (tcp?.keepAlive && up.setKeepAlive) up.setKeepAlive(true, 0);
    // pen's tcp_nodelay (off by default; client sockets get it from the listener).
    if (tcp?.noDelay && up.setNoDelay) up.setNoDelay(true);
    this.upstream = up;
    this.upstreamSide = OPEN;
    this.state = CS_CONNECTING;
    this.connectStartedMs = Date.now();
    this.owner.pending.add(this);
    return true;
  }

  connected(): void {
    const owner = this.owner;
    owner.pending.delete(this);
    markConnected(owner, this);
    // pen does the TLS handshake lazily, once the backend connection is up.
    if (owner.tls && owner.tlsBindings) this.startTls();
    this.client.readStart();
    if (!this.upstreamReading) this.upstream!.readStart();
    owner.admitWaiting();
  }

  connectFailed(status: number): void {
    const owner = this.owner;
    owner.pending.delete(this);
    this.dropUpstream();
    this.state = 0;
    const backend = owner.balancer.backend(this.server);
    connectFailure(owner, this.server, errorName(status), -status, backend?.endpoint.kind === 'unix');
    if (!this.done && !owner.balancer.failover(this)) this.closeNow();
    owner.admitWaiting();
  }

  connectTimedOut(): void {
    const owner = this.owner;
    owner.pending.delete(this);
    this.dropUpstream();
    this.state = 0;
    connectTimeout(owner, this.server);
    if (!this.done && !owner.balancer.failover(this)) this.closeNow();
    owner.admitWaiting();
  }

  /** Forget an upstream attempt: its late callbacks must not reach us. */
  private dropUpstream(): void {
    const up = this.upstream;
    if (up) {
      up[RAW_CONN] = undefined;
      up.onread = ignoreRead;
      reads.detach(up);
      up.close();
    }
    this.upstream = undefined;
    this.upstreamSide = CLOSED;
  }

  private startTls(): void {
    const owner = this.owner;
    const tls = owner.tls!;
    const sni = owner.sniContexts();
    const tcp = this.client;
    const wrap = wrapServer(owner.tlsBindings!, tcp, {
      contextFor: (name) => (name && sni?.get(name)) || tls.context,
      sni: sni !== undefined,
      requestCert: tls.requestCert,
      rejectUnauthorized: tls.requestCert,
      allowRenegotiation: true,
    }, {
      secure: (w) => {
        const issuer = w.getPeerCertificate(false)?.issuer;
        if (issuer && Object.keys(issuer).length > 0) {
          owner.debug(1, `SSL: Certificate OK: ${Object.entries(issuer).map(([k, v]) => `/${k}=${String(v)}`).join('')}`);
        }
      },
      failed: () => this.sideFailed(true),
    });
    tcp[RAW_CONN] = undefined;
    this.clientTcp = tcp;
    this.client = wrap;
    wrap[RAW_CONN] = this;
    wrap.onread = onRead;
    reads.attach(wrap, true);
  }

  // ---- dummy ---------------------------------------------------------------------------

  startDummy(): void {
    this.dummy = true;
    this.state = CS_CONNECTED;
    // (A TLS listener's dummy answers without TLS, as pen's does; reads go where all do.)
    if (this.owner.tls) reads.attach(this.client, true);
    this.client.readStart();
  }

  // ---- relaying ------------------------------------------------------------------------

  /** A chunk read from `from` (in the shared read buffer): rewrite/log/count, then write it on. */
  forward(from: RawHandle, length: number): void {
    this.active = true;
    let data: Uint8Array;
    let to: RawHandle;
    const toUpstream = from === this.client;
    if ((toUpstream ? this.upstreamSide : this.clientSide) !== OPEN && !this.dummy) return; // nowhere to go
    const buffer = reads.buffer;
    if (toUpstream) {
      if (this.dummy) {
        this.answerDummy();
        return;
      }
      this.clientEntry.received += length;
      const owner = this.owner;
      const tcp = owner.listenerConfig().tcp;
      const logging = owner.requestLog.active(owner.config.logging.requestLog);
      if ((tcp !== undefined && tcp.forwardedFor) || logging) {
        let chunk: Buffer = buffer.subarray(0, length);
        if (tcp?.forwardedFor && mayNeedForwarded(chunk)) chunk = addForwardedHeaders(chunk, this.address ?? '', this.clientTcp !== undefined);
        if (logging) owner.requestLog.logChunk(this.address ?? '', owner.context.now(), this.serverText, chunk);
        data = chunk;
      } else {
        data = new Uint8Array(buffer.buffer, buffer.byteOffset, length);
      }
      this.backendStats!.sent += data.length;
      to = this.upstream!;
    } else {
      this.backendStats!.received += length;
      this.clientEntry.sent += length;
      data = new Uint8Array(buffer.buffer, buffer.byteOffset, length);
      to = this.client;
    }
    const raw = this.raw;
    const req = spareWrite ?? new raw.WriteWrap();
    spareWrite = undefined;
    req.handle = to;
    req.oncomplete = onWritten;
    req.async = false;
    req[RAW_CONN] = this;
    req[TO_UPSTREAM] = toUpstream;
    const err = to.writeBuffer(req, data);
    if (err < 0) {
      this.sideFailed(!toUpstream);
      return;
    }
    if (raw.state[raw.kLastWriteWasAsync]) {
      // libuv still points into these bytes: keep them, give readers new memory, and stop
      // reading this side until the write is out (pen keeps one chunk per direction; a TLS
      // wrap, which takes one write at a time, has already encrypted a copy).
      req.buffer = data;
      if (data.buffer === buffer.buffer && (toUpstream || this.clientTcp === undefined)) reads.rotate();
      if (toUpstream) this.upstreamWrites++;
      else this.clientWrites++;
      from.readStop();
    } else {
      spareWrite = req;
    }
  }

  /** An async write finished: resume reading the side that fed it, or finish closing. */
  written(toUpstream: boolean, status: number): void {
    if (toUpstream) this.upstreamWrites--;
    else this.clientWrites--;
    if ((toUpstream ? this.upstreamSide : this.clientSide) === CLOSED) return; // cancelled by our close
    if (status < 0) {
      this.sideFailed(!toUpstream);
      return;
    }
    if (toUpstream) {
      if (this.upstreamWrites === 0) {
        if (this.upstreamSide === CLOSING) this.closeUpstream();
        else if (!(this.state & CS_CLIENT_EOF) && this.clientSide === OPEN) this.client.readStart();
      }
    } else if (this.clientWrites === 0) {
      if (this.clientShutdownWaiting && this.clientSide === OPEN) {
        this.clientShutdownWaiting = false;
        this.shutdown(this.client, false);
      }
      if (this.clientSide === CLOSING) this.closeClient();
      else if (!(this.state & CS_SERVER_EOF) && this.upstreamSide === OPEN) this.upstream?.readStart();
    }
  }

  /** EOF read from `from`: half-close the other side (libuv sends the FIN after pending writes). */
  eof(from: RawHandle): void {
    // (libuv stopped reading this handle before reporting EOF.)
    const fromClient = from === this.client;
    if (fromClient) {
      this.state |= CS_CLIENT_EOF;
      if (this.dummy) {
        this.closeClient();
        return;
      }
    } else {
      this.state |= CS_SERVER_EOF;
    }
    if ((this.state & (CS_CLIENT_EOF | CS_SERVER_EOF)) === (CS_CLIENT_EOF | CS_SERVER_EOF)) {
      // Both directions have ended: close, once what is queued has been written (pen
      // closes here too, without a second shutdown).
      this.closeBothSoon();
      return;
    }
    if (fromClient) {
      if (this.upstreamSide === OPEN) this.shutdown(this.upstream!, true);
    } else if (this.clientSide === OPEN) {
      this.shutdown(this.client, false);
    }
    const fast = this.owner.listenerConfig().tcp?.fastClose;
    if (fast === 'both' || (fast === 'down' && fromClient) || (fast === 'up' && !fromClient)) {
      this.closeBothSoon();
      return;
    }
    // A side whose EOF we read and whose shutdown we sent is finished.
    if (fromClient && this.clientShutDown) this.closeClientSoon();
    if (!fromClient && this.upstreamShutDown) this.closeUpstreamSoon();
  }

  /**
   * Half-close `handle` once its queued writes are out. Done as far as we are concerned
   * once asked: closing the handle later has the same effect on the wire (close sends
   * the FIN; we close only after our own writes completed), and no completion callback
   * means one JavaScript call less per connection (Node skips a request without oncomplete).
   */
  private shutdown(handle: RawHandle, upstream: boolean): void {
    if (!upstream && this.clientTcp !== undefined && this.clientWrites > 0) {
      // A TLS wrap sends close_notify and shuts the TCP side down at once, even with
      // encrypted bytes still waiting behind the write in flight: wait for that write.
      this.clientShutdownWaiting = true;
      return;
    }
    const req = new this.raw.ShutdownWrap();
    req.handle = handle;
    if (handle.shutdown(req) < 0) {
      this.sideFailed(!upstream);
      return;
    }
    this.shutDown(upstream);
  }

  shutDown(upstream: boolean): void {
    if (upstream) {
      this.upstreamShutDown = true;
      if (this.state & CS_SERVER_EOF) this.closeUpstreamSoon();
    } else {
      this.clientShutDown = true;
      if (this.state & CS_CLIENT_EOF) this.closeClientSoon();
    }
  }

  /** A read or write error on one side: close it now, drain and close the other. */
  sideFailed(client: boolean): void {
    if (client) {
      this.closeClient();
      this.closeUpstreamSoon();
    } else {
      this.closeUpstream();
      this.closeClientSoon();
    }
  }

  closeBothSoon(): void {
    this.closeClientSoon();
    this.closeUpstreamSoon();
  }

  private closeClientSoon(): void {
    if (this.clientSide !== OPEN) return;
    if (this.clientWrites > 0) {
      this.clientSide = CLOSING;
      this.client.readStop();
    } else {
      this.closeClient();
    }
  }

  private closeUpstreamSoon(): void {
    if (this.upstreamSide !== OPEN) return;
    if (this.upstreamWrites > 0) {
      this.upstreamSide = CLOSING;
      this.upstream?.readStop();
    } else {
      this.closeUpstream();
    }
  }

  private closeClient(): void {
    if (this.clientSide === CLOSED) return;
    this.clientSide = CLOSED;
    // (No read can follow a close: libuv stops reading and drops the fd's pending events.)
    reads.detach(this.client);
    const tcp = this.clientTcp;
    if (tcp) {
      // As tls.TLSSocket: close the TCP handle, then free the TLS state.
      const wrap = this.client as TlsWrap;
      tcp.close(() => wrap.destroySSL());
    } else {
      this.client.close();
    }
    if (this.upstreamSide === OPEN && !(this.state & CS_CLIENT_EOF)) this.closeUpstreamSoon();
    this.maybeFinish();
  }

  private closeUpstream(): void {
    if (this.upstreamSide === CLOSED) return;
    this.upstreamSide = CLOSED;
    const up = this.upstream;
    if (up) {
      reads.detach(up);
      up.close();
    }
    if (this.clientSide === OPEN && !(this.state & CS_SERVER_EOF)) this.closeClientSoon();
    this.maybeFinish();
  }

  /** No usable server (or pen `close N`, shutdown): close everything at once. */
  closeNow(): void {
    this.owner.pending.delete(this);
    if (this.state & CS_CONNECTING) this.dropUpstream();
    this.closeUpstream();
    this.closeClient();
  }

  destroyAll(): void {
    this.closeNow();
  }

  private maybeFinish(): void {
    if (this.done || this.clientSide !== CLOSED || this.upstreamSide !== CLOSED) return;
    this.done = true;
    uncount(this);
    this.state = 0;
    this.owner.release(this);
  }

  private answerDummy(): void {
    if (this.state & CS_CLIENT_EOF) return;
    this.state |= CS_CLIENT_EOF;
    const req = new this.raw.WriteWrap();
    req.handle = this.client;
    req.oncomplete = onWritten;
    req.async = false;
    req[RAW_CONN] = this;
    req[TO_UPSTREAM] = false;
    this.client.readStop();
    if (this.client.writeBuffer(req, DUMMY_RESPONSE) < 0) {
      this.closeClient();
      return;
    }
    if (this.raw.state[this.raw.kLastWriteWasAsync]) {
      req.buffer = DUMMY_RESPONSE;
      this.clientWrites++;
      this.clientSide = CLOSING;
    } else {
      this.closeClient();
    }
  }

  checkIdle(now: number, idleSeconds: number): void {
    if (this.active) {
      this.active = false;
      this.idleSince = now;
    } else if (now - this.idleSince >= idleSeconds) {
      this.closeNow();
    }
  }

  hasUpstream(): boolean {
    return this.upstream !== undefined && this.upstreamSide !== CLOSED;
  }

  pendingToClient(): number {
    return this.clientSide === CLOSED ? 0 : this.client.writeQueueSize;
  }

  pendingToServer(): number {
    return this.upstream && this.upstreamSide !== CLOSED ? this.upstream.writeQueueSize : 0;
  }
}

// ---- callbacks from libuv (this = the handle or the request) ------------------------------

function onRead(this: RawHandle): void {
  const c = this[RAW_CONN] as RawConnection | undefined;
  if (!c) return;
  const raw = c.raw;
  const nread = raw.state[raw.kReadBytesOrError]!;
  if (nread > 0) {
    c.forward(this, nread);
  } else if (nread === raw.UV_EOF) {
    c.eof(this);
  } else if (nread < 0) {
    c.sideFailed(this === c.client);
  }
}

function onConnected(this: RawRequest, status: number, handle: RawHandle): void {
  const c = this[RAW_CONN] as RawConnection | undefined;
  if (!c || c.upstream !== handle || !(c.state & CS_CONNECTING)) return;
  if (status < 0) c.connectFailed(status);
  else c.connected();
}

function onWritten(this: RawRequest, status: number): void {
  const c = this[RAW_CONN] as RawConnection | undefined;
  this.buffer = undefined;
  if (c) c.written(this[TO_UPSTREAM] as boolean, status);
}

/** Node's handle setters only take functions: this one drops late reads after a close. */
function ignoreRead(): void {}
