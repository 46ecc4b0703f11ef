// A pen TCP listener: accepts clients into a fixed table of connection slots (pen -x),
// hands each to a Connection, and runs one shared sweep for connect timeouts and idle
// connections instead of a timer per connection.
import { createServer, type Server, type Socket } from 'node:net';
import type { Diagnostic, Endpoint, Listener, ProxyConfig } from '../model/types.js';
import type { ConnectionEntry, ServiceStats } from '../runtime/handle.js';
import type { EngineContext, ListenerRuntime } from '../runtime/listener.js';
import { PenBalancer } from '../balance/pen-balancer.js';
import { NO_BACKEND } from '../balance/select.js';
import { RequestLog } from '../observe/request-log.js';
import { loadServerTls, type ServerTls } from '../tls/pem.js';
import { Connection, CS_CONNECTING } from './connection.js';
import { listenTcp } from './listen.js';

const SWEEP_MS = 250;

export function newServiceStats(): ServiceStats {
  return { backends: [], emergency: [], clients: [], current: 0 };
}

export class StreamListener implements ListenerRuntime {
  readonly stats = { connectionsUsed: 0, lastSlot: 0, services: [newServiceStats()] };
  readonly balancer: PenBalancer;
  readonly requestLog: RequestLog;
  /** Connections whose upstream connect is in progress. */
  readonly pending = new Set<Connection>();
  tls: ServerTls | undefined;
  private server: Server;
  private readonly slots: (Connection | undefined)[] = [];
  /** Accepted while every slot was taken: they wait here as they would in pen's backlog. */
  private readonly waiting: Socket[] = [];
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
    this.server = this.newServer();
    this.sweep = setInterval(() => this.tick(), SWEEP_MS);
    this.sweep.unref();
  }

  /** The live listener model (the front end may edit it at any time). */
  listenerConfig(): Listener {
    return this.config.listeners[this.index]!;
  }

  /** pen's debug(): level 0 lines are printed always, higher ones only with -d. */
  debug(level: number, message: string): void {
    this.context.report({ severity: level === 0 ? 'warning' : 'info', message, code: `pen-debug-${level}` });
  }

  async start(): Promise<Diagnostic | undefined> {
    const listener = this.listenerConfig();
    if (listener.tls) {
      const tls = loadServerTls(listener.tls, (d) => this.context.report(d));
      if ('severity' in tls) return tls;
      this.tls = tls;
    }
    const bound = await listenTcp(this.server, listener.endpoint, listener.backlog, listener.reusePort);
    if (bound) return bound;
    const logError = await this.requestLog.open(this.config.logging.requestLog);
    if (logError) {
      this.server.close();
      return logError;
    }
    return undefined;
  }

  private newServer(): Server {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    server.on('connection', (socket: Socket) => this.onConnection(socket));
    server.on('error', (err) => this.context.report({ severity: 'warning', message: `accept: ${err.message}` }));
    return server;
  }

  // ---- admission -----------------------------------------------------------------------

  private canAdmit(): boolean {
    const l = this.listenerConfig();
    const max = l.limits.maxConnections;
    if (max > 0 && this.stats.connectionsUsed >= max) return false;
    const pendingMax = l.tcp?.pendingMax ?? 100;
    return this.pending.size < (pendingMax > 0 ? pendingMax : 1);
  }

  private onConnection(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    if (this.waiting.length > 0 || !this.canAdmit()) {
      // Like pen with its listener disarmed: the client waits (up to the backlog).
      if (this.waiting.length >= Math.max(1, this.listenerConfig().backlog)) {
        socket.destroy();
        return;
      }
      socket.on('error', noop);
      this.waiting.push(socket);
      return;
    }
    this.admit(socket);
  }

  admitWaiting(): void {
    while (this.waiting.length > 0 && !this.stopping && this.canAdmit()) {
      const socket = this.waiting.shift()!;
      socket.removeListener('error', noop);
      if (socket.destroyed) continue;
      this.admit(socket);
    }
  }

  private admit(socket: Socket): void {
    const slot = this.freeSlot();
    const c = new Connection(this, slot, socket);
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

  release(c: Connection): void {
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
    const a = this.server.address();
    if (a && typeof a === 'object') return { address: a.address, port: a.port };
    return { address: typeof a === 'string' ? a : '', port: 0 };
  }

  connections(): ConnectionEntry[] {
    const out: ConnectionEntry[] = [];
    for (const c of this.slots) {
      if (!c) continue;
      out.push({
        slot: c.slot,
        state: c.state,
        // Stable stand-ins for pen's file descriptors (Node does not expose them).
        clientFd: 10 + 2 * c.slot,
        serverFd: c.upstream ? 11 + 2 * c.slot : -1,
        pendingToClient: c.client.writableLength,
        pendingToServer: c.upstream?.writableLength ?? 0,
        client: c.clientSlot,
        backend: c.upstream || c.state ? c.server : NO_BACKEND,
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
    const old = this.server;
    const previous = reboundEndpoint(listener.endpoint, this.bound().port);
    // Close first (the new address may be the old one), reopen the old one on failure.
    // (close() frees the address at once; its callback would wait for every connection.)
    old.close();
    const fresh = this.newServer();
    const err = await listenTcp(fresh, endpoint, listener.backlog, listener.reusePort);
    if (err) {
      const again = this.newServer();
      const back = await listenTcp(again, previous, listener.backlog, listener.reusePort);
      if (!back) this.server = again;
      return err;
    }
    this.server = fresh;
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
    const closed = new Promise<void>((done) => this.server.close(() => done()));
    for (const s of this.waiting.splice(0)) s.destroy();
    if (graceful && this.stats.connectionsUsed > 0) {
      const deadline = Date.now() + Math.max(0, this.config.process.graceSeconds) * 1000;
      while (this.stats.connectionsUsed > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    }
    for (const c of this.slots) if (c) c.destroyAll();
    this.requestLog.close();
    await closed;
  }
}

function noop(): void {}

/** The endpoint as actually bound (a configured port 0 became a real one). */
export function reboundEndpoint(endpoint: Endpoint, port: number): Endpoint {
  return endpoint.kind === 'inet' && port > 0 ? { ...endpoint, port } : endpoint;
}
