// Run-time state pound keeps beside the live model: per backend (alive, idle keep-alive
// connections, counters) and per service (sessions, round-robin cursor). Keyed by the model
// objects themselves, so a global service shared by several listeners has one state.
import type * as net from 'node:net';
import type { Backend, Dialect, Endpoint, Service } from '../model/types.js';
import type { BackendStats, ServiceStats } from '../runtime/handle.js';
import { SessionKeyRules, SessionTable } from './sessions.js';

/** A pooled backend connection (the HTTP path's BackendConn). */
export interface IdleConnection {
  destroy(): void;
}

export class BackendState {
  /** Dead after a failed connect / HAport check, until a probe succeeds. */
  alive = true;
  /** Idle keep-alive connections to this backend, most recently used last. */
  readonly idle: IdleConnection[] = [];
  readonly stats: BackendStats = { connections: 0, sent: 0, received: 0, failedAt: 0, alive: true, requests: 0 };
  /** `address:port` (or the socket path) as pound prints it. */
  readonly label: string;

  constructor(readonly backend: Backend, readonly emergency: boolean) {
    this.label = endpointLabel(backend.endpoint);
  }

  setAlive(alive: boolean): void {
    this.alive = alive;
    this.stats.alive = alive;
  }

  /** Usable for new clients: alive and not disabled (read live from the model). */
  get usable(): boolean {
    return this.alive && !this.backend.disabled;
  }
}

export function endpointLabel(e: Endpoint): string {
  if (e.kind === 'unix') return e.path;
  if (e.kind === 'unspecified') return '(UNKNOWN):0';
  const host = e.resolved ?? e.host;
  return host.includes(':') ? `[${host}]:${e.port}` : `${host}:${e.port}`;
}

export function connectOptions(e: Endpoint): net.NetConnectOpts | undefined {
  if (e.kind === 'unix') return { path: e.path };
  if (e.kind === 'inet') return { host: e.resolved ?? e.host, port: e.port };
  return undefined;
}

export class ServiceState {
  readonly stats: ServiceStats;
  readonly table: SessionTable;
  readonly rules: SessionKeyRules | undefined;
  /** Interleaved weighted round robin position (pound 4 `Balancer iwrr`). */
  iwrrIndex = -1;
  iwrrRound = 0;
  private backendStates: BackendState[] = [];
  private emergencyStates: BackendState[] = [];

  constructor(readonly service: Service, readonly dialect: Dialect) {
    this.table = new SessionTable(dialect === 'pound-4');
    this.rules = service.session ? new SessionKeyRules(service.session, dialect) : undefined;
    this.stats = { backends: [], emergency: [], clients: [], current: -1 };
    this.sync();
    if (service.session) {
      const table = this.table;
      this.stats.sessions = {
        list: () => [...table.entries].map(([key, e]) => ({ key, backend: e.backend, lastSeen: Math.floor(e.lastSeen / 1000) })),
        add: (key, backend) => table.set(key, backend, Date.now()),
        delete: (key) => table.delete(key),
      };
    }
  }

  /** Follow the live model if backends were added or removed. */
  sync(): void {
    if (this.backendStates.length !== this.service.backends.length) {
      this.backendStates = this.service.backends.map((b) => backendState(b, false));
      this.stats.backends = this.backendStates.map((s) => s.stats);
    }
    if (this.emergencyStates.length !== this.service.emergency.length) {
      this.emergencyStates = this.service.emergency.map((b) => backendState(b, true));
      this.stats.emergency = this.emergencyStates.map((s) => s.stats);
    }
  }

  get backends(): BackendState[] {
    if (this.backendStates.length !== this.service.backends.length) this.sync();
    return this.backendStates;
  }

  get emergency(): BackendState[] {
    if (this.emergencyStates.length !== this.service.emergency.length) this.sync();
    return this.emergencyStates;
  }
}

const backendStates = new WeakMap<Backend, BackendState>();
const serviceStates = new WeakMap<Service, ServiceState>();

export function backendState(b: Backend, emergency: boolean): BackendState {
  let s = backendStates.get(b);
  if (!s) {
    s = new BackendState(b, emergency);
    backendStates.set(b, s);
  }
  return s;
}

export function serviceState(svc: Service, dialect: Dialect): ServiceState {
  let s = serviceStates.get(svc);
  if (!s) {
    s = new ServiceState(svc, dialect);
    serviceStates.set(svc, s);
  }
  return s;
}
