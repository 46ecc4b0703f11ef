// pen -U (spec §6.2): UDP sessions keyed by client address:port. Each session has its
// own upstream socket "connected" to the chosen server; replies go back through the
// listening socket, so clients see them come from the listen address and port.
// Sessions live in pen's connection slots and are recycled lazily (half-dead marks).
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Backend, Diagnostic, Endpoint, Listener, ProxyConfig } from '../model/types.js';
import type { BackendStats, ClientEntry, ConnectionEntry } from '../runtime/handle.js';
import type { EngineContext, ListenerRuntime } from '../runtime/listener.js';
import { PenBalancer, backendAddressText, type Attempt } from '../balance/pen-balancer.js';
import { RequestLog } from '../observe/request-log.js';
import { addForwardedHeaders, mayNeedForwarded } from './forwarded.js';
import { bindError } from './listen.js';
import { CS_CONNECTED } from './states.js';
import { newServiceStats, reboundEndpoint } from './stream-listener.js';

const CS_HALF_DEAD = 16;

class UdpSession implements Attempt {
  clientSlot: number;
  initial = -1;
  server = -1;
  attempts = 0;
  upstream: UdpSocket | undefined;
  private ready = false;
  private queue: Buffer[] = [];
  halfDead = false;
  active = false;
  idleSince: number;
  counted: BackendStats | undefined;
  clientEntry: ClientEntry;
  serverText = '';
  closed = false;

  constructor(
    readonly owner: UdpListener,
    readonly slot: number,
    readonly key: string,
    readonly address: string,
    readonly port: number,
  ) {
    this.clientSlot = owner.balancer.storeClient(address);
    this.clientEntry = owner.balancer.clients.entries[this.clientSlot]!;
    this.idleSince = owner.context.now();
  }

  startConnect(index: number, backend: Backend): boolean {
    const e = backend.endpoint;
    if (e.kind !== 'inet') return false; // Node has no Unix datagram sockets
    const host = e.resolved ?? e.host;
    const sock = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    sock.on('error', () => this.close()); // e.g. ICMP port unreachable: no blacklisting
    sock.on('message', (msg) => this.fromServer(msg));
    try {
      sock.connect(e.port, host, () => {
        this.ready = true;
        for (const m of this.queue.splice(0)) sock.send(m);
      });
    } catch {
      sock.close();
      return false;
    }
    this.upstream = sock;
    const stats = this.owner.balancer.backendStats(index);
    stats.connections++; // pen's `conn` counts UDP sessions
    this.counted = stats;
    this.serverText = backendAddressText(backend);
    return true;
  }

  /** The datagram that opened the session: forwarded as is, not logged or counted. */
  sendFirst(msg: Buffer): void {
    this.send(msg);
  }

  fromClient(msg: Buffer): void {
    this.active = true;
    this.halfDead = false;
    this.clientEntry.received += msg.length;
    const owner = this.owner;
    const tcp = owner.listenerConfig().tcp;
    if (tcp?.forwardedFor && mayNeedForwarded(msg)) msg = addForwardedHeaders(msg, this.address, false);
    if (owner.requestLog.active(owner.config.logging.requestLog)) {
      owner.requestLog.logChunk(this.address, owner.context.now(), this.serverText, msg);
    }
    if (this.counted) this.counted.sent += msg.length;
    this.send(msg);
  }

  private send(msg: Buffer): void {
    if (!this.upstream) return;
    if (this.ready) this.upstream.send(msg);
    else this.queue.push(msg);
  }

  private fromServer(msg: Buffer): void {
    this.active = true;
    this.halfDead = false;
    this.clientEntry.sent += msg.length; // the server's rx stays 0, as in pen
    this.owner.reply(msg, this.port, this.address);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.counted) this.counted.connections = Math.max(0, this.counted.connections - 1);
    this.counted = undefined;
    try {
      this.upstream?.close();
    } catch {
      /* already closed */
    }
    this.upstream = undefined;
    this.owner.release(this);
  }
}

export class UdpListener implements ListenerRuntime {
  readonly stats = { connectionsUsed: 0, lastSlot: 0, services: [newServiceStats()] };
  readonly balancer: PenBalancer;
  readonly requestLog: RequestLog;
  private socket: UdpSocket | undefined;
  private readonly sessions = new Map<string, UdpSession>();
  private readonly slots: (UdpSession | undefined)[] = [];
  private readonly sweep: NodeJS.Timeout;

  constructor(
    readonly config: ProxyConfig,
    readonly index: number,
    readonly context: EngineContext,
  ) {
    this.balancer = new PenBalancer(config, index, this.stats.services[0]!, context.now);
    this.requestLog = new RequestLog((d) => context.report(d));
    this.sweep = setInterval(() => this.tick(), 1000);
    this.sweep.unref();
  }

  listenerConfig(): Listener {
    return this.config.listeners[this.index]!;
  }

  async start(): Promise<Diagnostic | undefined> {
    const listener = this.listenerConfig();
    const bound = await this.bind(listener.endpoint);
    if ('severity' in bound) return bound;
    this.socket = bound;
    return this.requestLog.open(this.config.logging.requestLog);
  }

  private bind(endpoint: Endpoint): Promise<UdpSocket | Diagnostic> {
    return new Promise((resolve) => {
      if (endpoint.kind !== 'inet') {
        resolve(bindError(new Error('UDP needs an IP address')));
        return;
      }
      const host = endpoint.resolved ?? endpoint.host;
      const sock = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: true });
      const onError = (err: Error) => {
        sock.close();
        resolve(bindError(err));
      };
      sock.once('error', onError);
      sock.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
      sock.bind(endpoint.port, host, () => {
        sock.removeListener('error', onError);
        sock.on('error', (err) => this.context.report({ severity: 'info', message: `udp: ${err.message}`, code: 'pen-debug-1' }));
        resolve(sock);
      });
    });
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const key = rinfo.address + ' ' + rinfo.port;
    const existing = this.sessions.get(key);
    if (existing) {
      existing.fromClient(msg);
      return;
    }
    const slot = this.claimSlot();
    const session = new UdpSession(this, slot, key, rinfo.address, rinfo.port);
    this.slots[slot] = session;
    this.sessions.set(key, session);
    this.stats.connectionsUsed++;
    this.stats.lastSlot = slot;
    if (this.listenerConfig().tcp?.dummy) {
      this.reply(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 15\r\nContent-Type: text/html\r\n\r\nUlric was here.'), rinfo.port, rinfo.address);
      session.close();
      return;
    }
    if (!this.balancer.begin(session)) {
      session.close(); // no usable server: the datagram is dropped
      return;
    }
    session.sendFirst(msg);
  }

  /** pen's lazy reclamation: pass occupied slots marking them, reuse a free or marked one. */
  private claimSlot(): number {
    const max = this.listenerConfig().limits.maxConnections;
    const n = max > 0 ? max : this.slots.length + 1;
    let i = this.stats.lastSlot;
    for (let k = 0; k < 2 * n + 1; k++) {
      i = (i + 1) % n;
      const s = this.slots[i];
      if (!s) return i;
      if (s.halfDead) {
        s.close();
        return i;
      }
      s.halfDead = true;
    }
    return i;
  }

  reply(msg: Buffer, port: number, address: string): void {
    this.socket?.send(msg, port, address);
  }

  release(session: UdpSession): void {
    if (this.slots[session.slot] === session) {
      this.slots[session.slot] = undefined;
      this.stats.connectionsUsed--;
    }
    if (this.sessions.get(session.key) === session) this.sessions.delete(session.key);
  }

  private tick(): void {
    this.balancer.syncStats();
    const idle = this.listenerConfig().tcp?.idleTimeoutSeconds ?? 0;
    if (idle <= 0) return;
    const now = this.context.now();
    for (const s of this.slots) {
      if (!s) continue;
      if (s.active) {
        s.active = false;
        s.idleSince = now;
      } else if (now - s.idleSince >= idle) {
        s.close();
      }
    }
  }

  bound(): { address: string; port: number } {
    const a = this.socket?.address();
    return a ? { address: a.address, port: a.port } : { address: '', port: 0 };
  }

  connections(): ConnectionEntry[] {
    const out: ConnectionEntry[] = [];
    for (const s of this.slots) {
      if (!s) continue;
      out.push({
        slot: s.slot,
        state: CS_CONNECTED | (s.halfDead ? CS_HALF_DEAD : 0),
        clientFd: 10 + 2 * s.slot,
        serverFd: 11 + 2 * s.slot,
        pendingToClient: 0,
        pendingToServer: 0,
        client: s.clientSlot,
        backend: s.server,
      });
    }
    return out;
  }

  closeConnection(slot: number): boolean {
    const s = this.slots[slot];
    if (!s) return false;
    s.close();
    return true;
  }

  async relisten(endpoint: Endpoint, spec: string): Promise<Diagnostic | undefined> {
    const old = this.socket;
    const previous = reboundEndpoint(this.listenerConfig().endpoint, this.bound().port);
    old?.close();
    const bound = await this.bind(endpoint);
    if ('severity' in bound) {
      const back = await this.bind(previous);
      this.socket = 'severity' in back ? undefined : back;
      return bound;
    }
    this.socket = bound;
    const listener = this.listenerConfig();
    listener.endpoint = endpoint;
    listener.spec = spec;
    return undefined;
  }

  reopenLogs(): Diagnostic[] {
    return this.requestLog.reopen();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweep);
    for (const s of this.slots) s?.close();
    this.requestLog.close();
    const sock = this.socket;
    this.socket = undefined;
    if (sock) await new Promise<void>((done) => sock.close(() => done()));
  }
}
