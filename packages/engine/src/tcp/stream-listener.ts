// A pen TCP listener: accepts clients into a fixed table of connection slots (pen -x),
// hands each to a Connection, and runs one shared sweep for connect timeouts and idle
// connections instead of a timer per connection.
import type { Socket } from 'node:net';
import type { Diagnostic, Endpoint, Listener, ProxyConfig } from '../model/types.js';
import type { ConnectionEntry, ServiceStats } from '../runtime/handle.js';
import type { EngineContext, ListenerRuntime } from '../runtime/listener.js';
import { PenBalancer, type Attempt } from '../balance/pen-balancer.js';
import { NO_BACKEND } from '../balance/select.js';
import { RequestLog } from '../observe/request-log.js';
import type { ServerTls } from '../tls/pem.js';
import type { SniContexts } from '../tls/sni.js';
import type { TlsBindings } from '../tls/tls-wrap.js';
import type { Connection } from './connection.js';
import { CS_CONNECTING } from './states.js';
import { RawConnection } from './raw-connection.js';
import { rawBindings, type RawBindings, type RawHandle } from './raw-handles.js';
import { listenNet, listenRaw, type Acceptor } from './acceptor.js';
import { IndexedList } from '../runtime/indexed-list.js';

/** What the listener needs of a connection, on either I/O path. */
export interface StreamConn extends Attempt {
  readonly slot: number;
  /** Position in the listener's list of connects in progress. */
  pendingIndex: number;
  state: number;
  connectStartedMs: number;
  begin(): void;
  startDummy(): void;
  connectTimedOut(): void;
  checkIdle(now: number, idleSeconds: number): void;
  destroyAll(): void;
  hasUpstream(): boolean;
  pendingToClient(): number;
  pendingToServer(): number;
}

/** An accepted client not yet given a slot: a net.Socket (TLS path) or a raw handle. */
type Accepted = Socket | RawHandle;

const SWEEP_MS = 250;

export function newServiceStats(): ServiceStats {
  return { backends: [], emergency: [], clients: [], current: 0 };
}

export class StreamListener implements ListenerRuntime {
  readonly stats = { connectionsUsed: 0, lastSlot: 0, services: [newServiceStats()] };
  readonly balancer: PenBalancer;
  readonly requestLog: RequestLog;
  /** Connections whose upstream connect is in progress. */
  readonly pending = new IndexedList<StreamConn>('pendingIndex');
  tls: ServerTls | undefined;
  /** TLS on the fast path (TLSWrap bindings), when `tls` is set and they are available. */
  tlsBindings: TlsBindings | undefined;
  /** The fast path's bindings; undefined = net.Socket path (not available, or PENPOUND_STREAM_IO=net). */
  private raw: RawBindings | undefined;
  private acceptor: Acceptor | undefined;
  private readonly slots: (StreamConn | undefined)[] = [];
  /** Accepted while every slot was taken: they wait here as they would in pen's backlog. */
  private readonly waiting: Accepted[] = [];
  private readonly sweep: NodeJS.Timeout;
  private sweeps = 0;
  private transparentReported = false;
  private stopping = false;

  constructor(
    readonly config: ProxyConfig,
    readonly index: number,
    readonly context: EngineContext,
  ) {
    this.balancer = new PenBalancer(config, index, this.stats.services[0]!, context.now);
    this.requestLog = new RequestLog((d) => context.report(d));
    this.sweep = setInterval(() => this.tick(), SWEEP_MS);
    this.sweep.unref();
  }

  /** The live listener model (the front end may edit it at any time). */
  listenerConfig(): Listener {
    return this.config.listeners[this.index]!;
  }

  private sni: SniContexts | undefined;
  // Loaded only when needed: plain TCP on the fast path (pen's usual case) never loads
  // the TLS modules or the net.Socket path (about 10 ms of start-up).
  private sniClass: typeof SniContexts | undefined;
  private netConnection: typeof Connection | undefined;

  /** SNI contexts for pen's ssl_sni_path (read live: the command may come at run time). */
  sniContexts(): SniContexts | undefined {
    const dir = this.listenerConfig().tls?.sniPath;
    if (!dir) return undefined;
    if (!this.sniClass) return undefined;
    if (!this.sni || this.sniDir !== dir) {
      this.sni = new this.sniClass(dir);
      this.sniDir = dir;
    }
    return this.sni;
  }

  private sniDir = '';

  /** pen's debug(): level 0 lines are printed always, higher ones only with -d. */
  debug(level: number, message: string): void {
    this.context.report({ severity: level === 0 ? 'warning' : 'info', message, code: `pen-debug-${level}` });
  }

  async start(): Promise<Diagnostic | undefined> {
    const listener = this.listenerConfig();
    if (listener.tls) {
      const [{ loadServerTls }, { SniContexts }] = await Promise.all([import('../tls/pem.js'), import('../tls/sni.js')]);
      this.sniClass = SniContexts;
      const tls = loadServerTls(listener.tls, (d) => this.context.report(d));
      if ('severity' in tls) return tls;
      this.tls = tls;
      // TLS on Node's TLSWrap over the fast path's handles (tls/tls-wrap.ts).
      const { tlsWrapBindings } = await import('../tls/tls-wrap.js');
      this.tlsBindings = tlsWrapBindings();
      this.raw = this.tlsBindings?.raw;
    } else {
      this.raw = rawBindings();
    }
    if (!this.raw) this.netConnection = (await import('./connection.js')).Connection;
    const bound = await this.listen(listener.endpoint);
    if ('severity' in bound) return bound;
    this.acceptor = bound;
    const logError = await this.requestLog.open(this.config.logging.requestLog);
    if (logError) {
      bound.close();
      this.acceptor = undefined;
      return logError;
    }
    return undefined;
  }

  private listen(endpoint: Endpoint): Promise<Acceptor | Diagnostic> {
    const listener = this.listenerConfig();
    const raw = this.raw;
    if (raw) {
      return Promise.resolve(
        listenRaw(raw, endpoint, listener.backlog, (h) => this.onConnection(h), (status) => {
          this.debug(1, `accept: ${status}`);
        }),
      );
    }
    return listenNet(endpoint, listener.backlog, listener.reusePort, (s) => this.onConnection(s), (err) => {
      this.debug(1, `accept: ${err.message}`);
    });
  }

  // ---- admission -----------------------------------------------------------------------

  private canAdmit(): boolean {
    const l = this.listenerConfig();
    const max = l.limits.maxConnections;
    if (max > 0 && this.stats.connectionsUsed >= max) return false;
    const pendingMax = l.tcp?.pendingMax ?? 100;
    return this.pending.size < (pendingMax > 0 ? pendingMax : 1);
  }

  private onConnection(accepted: Accepted): void {
    if (this.stopping) {
      discard(accepted);
      return;
    }
    if (this.waiting.length > 0 || !this.canAdmit()) {
      // Like pen with its listener disarmed: the client waits (up to the backlog).
      if (this.waiting.length >= Math.max(1, this.listenerConfig().backlog)) {
        discard(accepted);
        return;
      }
      if (!this.raw) (accepted as Socket).on('error', noop);
      this.waiting.push(accepted);
      return;
    }
    this.admit(accepted);
  }

  admitWaiting(): void {
    while (this.waiting.length > 0 && !this.stopping && this.canAdmit()) {
      const accepted = this.waiting.shift()!;
      if (!this.raw) {
        const socket = accepted as Socket;
        socket.removeListener('error', noop);
        if (socket.destroyed) continue;
      }
      this.admit(accepted);
    }
  }

  private admit(accepted: Accepted): void {
    const slot = this.freeSlot();
    const c: StreamConn = this.raw
      ? new RawConnection(this, this.raw, slot, accepted as RawHandle)
      : new this.netConnection!(this, slot, accepted as Socket);
    this.slots[slot] = c;
    this.stats.connectionsUsed++;
    this.stats.lastSlot = slot;
    const tcp = this.listenerConfig().tcp;
    if (tcp?.dummy) {
      c.startDummy();
      return;
    }
    if (tcp?.transparent && !tcp.sourceAddress) {
      if (!this.transparentReported) this.debug(0, 'You are trying to be transparent, but it is not supported');
      this.transparentReported = true;
    } else {
      this.transparentReported = false;
    }
    c.begin();
  }

  private freeSlot(): number {
    const slots = this.slots;
    const n = slots.length;
    const start = this.stats.lastSlot;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      if (slots[i] === undefined) return i;
    }
    return n;
  }

  release(c: StreamConn): void {
    if (this.slots[c.slot] === c) {
      this.slots[c.slot] = undefined;
      this.stats.connectionsUsed--;
    }
    this.pending.delete(c);
    this.admitWaiting();
  }

  // ---- the sweep -----------------------------------------------------------------------

  private tick(): void {
    if (this.pending.size > 0) {
      const nowMs = Date.now();
      for (const c of this.pending) {
        const seconds = this.balancer.backend(c.server)?.timeouts.connectSeconds ?? 3;
        if (nowMs - c.connectStartedMs >= seconds * 1000) c.connectTimedOut();
      }
    }
    if (++this.sweeps % (1000 / SWEEP_MS) !== 0) return;
    this.balancer.syncStats();
    const idle = this.listenerConfig().tcp?.idleTimeoutSeconds ?? 0;
    if (idle > 0) {
      const now = this.context.now();
      for (const c of this.slots) if (c && !(c.state & CS_CONNECTING)) c.checkIdle(now, idle);
    }
  }

  // ---- ListenerRuntime -----------------------------------------------------------------

  bound(): { address: string; port: number } {
    return this.acceptor?.bound() ?? { address: '', port: 0 };
  }

  connections(): ConnectionEntry[] {
    const out: ConnectionEntry[] = [];
    for (const c of this.slots) {
      if (!c) continue;
      const up = c.hasUpstream();
      out.push({
        slot: c.slot,
        state: c.state,
        // Stable stand-ins for pen's file descriptors (Node does not expose them).
        clientFd: 10 + 2 * c.slot,
        serverFd: up ? 11 + 2 * c.slot : -1,
        pendingToClient: c.pendingToClient(),
        pendingToServer: c.pendingToServer(),
        client: c.clientSlot,
        backend: up || c.state ? c.server : NO_BACKEND,
      });
    }
    return out;
  }

  closeConnection(slot: number): boolean {
    const c = this.slots[slot];
    if (!c) return false;
    c.destroyAll();
    return true;
  }

  async relisten(endpoint: Endpoint, spec: string): Promise<Diagnostic | undefined> {
    const listener = this.listenerConfig();
    const previous = reboundEndpoint(listener.endpoint, this.bound().port);
    // Close first (the new address may be the old one), reopen the old one on failure.
    this.acceptor?.close();
    this.acceptor = undefined;
    const fresh = await this.listen(endpoint);
    if ('severity' in fresh) {
      const back = await this.listen(previous);
      if (!('severity' in back)) this.acceptor = back;
      return fresh;
    }
    this.acceptor = fresh;
    listener.endpoint = endpoint;
    listener.spec = spec;
    return undefined;
  }

  reopenLogs(): Diagnostic[] {
    return this.requestLog.reopen();
  }

  async stop(graceful: boolean): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweep);
    this.acceptor?.close();
    this.acceptor = undefined;
    for (const a of this.waiting.splice(0)) discard(a);
    if (graceful && this.stats.connectionsUsed > 0) {
      const deadline = Date.now() + Math.max(0, this.config.process.graceSeconds) * 1000;
      while (this.stats.connectionsUsed > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    }
    for (const c of this.slots) if (c) c.destroyAll();
    this.requestLog.close();
  }
}

function noop(): void {}

function discard(accepted: Accepted): void {
  if ('destroy' in accepted) accepted.destroy();
  else (accepted as RawHandle).close();
}

/** The endpoint as actually bound (a configured port 0 became a real one). */
export function reboundEndpoint(endpoint: Endpoint, port: number): Endpoint {
  return endpoint.kind === 'inet' && port > 0 ? { ...endpoint, port } : endpoint;
}
