// pen's per-connection server choice with failover (spec §3.3–§3.5), over the live model.
// Shared by TCP connections and UDP sessions: each implements `Attempt.startConnect`.
import type { Backend, ProxyConfig, Service } from '../model/types.js';
import type { BackendStats, ServiceStats } from '../runtime/handle.js';
import { growBackendStats, isBlacklisted, newBackendStats } from '../health/blacklist.js';
import { aclPermits } from './acl.js';
import { ClientTable } from './client-table.js';
import { ABUSE, EMERGENCY, NO_BACKEND, initialServer, type RoundRobinCursor } from './select.js';

/** One client connection (or UDP session) looking for a server. */
export interface Attempt {
  /** Client table slot. */
  clientSlot: number;
  /** Peer address (undefined = Unix socket) and source port. */
  address: string | undefined;
  port: number;
  /** First server chosen, and the one tried last. */
  initial: number;
  server: number;
  /** Connects started so far (bounds failover when nothing gets blacklisted, e.g. -b 0). */
  attempts: number;
  /** Start connecting to `backend`; false when that failed at once (no socket). */
  startConnect(index: number, backend: Backend): boolean;
}

/** pen's server port: 0 makes a server unusable (blank slot, bad port); Unix paths count as 1. */
export function backendPort(backend: Backend): number {
  const e = backend.endpoint;
  return e.kind === 'inet' ? e.port : e.kind === 'unix' ? 1 : 0;
}

/** The address pen prints for a server (log lines): IP text, or the Unix path. */
export function backendAddressText(backend: Backend | undefined): string {
  if (!backend) return '';
  const e = backend.endpoint;
  return e.kind === 'inet' ? (e.resolved ?? e.host) : e.kind === 'unix' ? e.path : '0.0.0.0';
}

/** pen's own numbers for the pseudo-servers, as its messages print them. */
export function penServerNumber(index: number): number {
  return index === EMERGENCY ? -1 : index === ABUSE ? -2 : index === NO_BACKEND ? -3 : index;
}

export class PenBalancer {
  readonly cursor: RoundRobinCursor = { last: 0 };
  readonly clients: ClientTable;

  constructor(
    private readonly config: ProxyConfig,
    private readonly listenerIndex: number,
    readonly stats: ServiceStats,
    private readonly now: () => number,
  ) {
    this.clients = new ClientTable(stats.clients);
    this.syncStats();
  }

  /** The live service (pen: the listener's only one). */
  service(): Service | undefined {
    const l = this.config.listeners[this.listenerIndex];
    return l?.services[0] ?? this.config.services[0];
  }

  backend(index: number): Backend | undefined {
    if (index >= 0) return this.service()?.backends[index];
    if (index === EMERGENCY) return this.service()?.emergency[0];
    if (index === ABUSE) return this.config.listeners[this.listenerIndex]?.tcp?.abuse;
    return undefined;
  }

  /** Counters for a server, created on first use (backends can be added at run time). */
  backendStats(index: number): BackendStats {
    const s = this.stats;
    if (index >= 0) {
      growBackendStats(s.backends, index + 1);
      return s.backends[index]!;
    }
    if (index === ABUSE) return (s.abuse ??= newBackendStats());
    growBackendStats(s.emergency, 1);
    return s.emergency[0]!;
  }

  /** Make the counters match the live backend list (front ends may add backends). */
  syncStats(): void {
    const service = this.service();
    if (service) growBackendStats(this.stats.backends, service.backends.length);
    if (service && service.emergency.length > 0) growBackendStats(this.stats.emergency, service.emergency.length);
    if (this.config.listeners[this.listenerIndex]?.tcp?.abuse) this.stats.abuse ??= newBackendStats();
  }

  storeClient(address: string | undefined): number {
    const balance = this.service()?.balance;
    return this.clients.store(address, this.now(), balance?.trackingSeconds ?? 0, balance?.clientTableSize ?? 2048);
  }

  /** Choose the first server and start connecting; false = close the client. */
  begin(a: Attempt): boolean {
    const service = this.service();
    if (!service) return false;
    growBackendStats(this.stats.backends, service.backends.length);
    const listener = this.config.listeners[this.listenerIndex]!;
    const initial = initialServer(
      {
        backends: service.backends,
        stats: this.stats.backends,
        balance: service.balance,
        now: this.now(),
        address: a.address,
        port: a.port,
        tracked: this.clients.entries[a.clientSlot]!.backend,
        clientAcl: this.config.acls[listener.tcp?.clientAcl ?? 0],
        hasAbuse: listener.tcp?.abuse !== undefined,
      },
      this.cursor,
    );
    a.initial = initial;
    a.server = initial;
    if (this.tryServer(initial, a)) return true;
    return this.failover(a);
  }

  /** The server `a.server` failed: try the next ones, then the emergency server. */
  failover(a: Attempt): boolean {
    const service = this.service();
    if (!service) return false;
    let s = a.server;
    if (service.balance.stubborn || s === ABUSE || s === EMERGENCY) return false;
    const n = service.backends.length;
    // pen would go round forever when nothing gets blacklisted (-b 0); we stop after
    // every server had its try.
    if (n > 1 && s >= 0 && a.attempts <= n) {
      for (let guard = 0; guard < n; guard++) {
        s = (s + 1) % n;
        if (this.tryServer(s, a)) return true;
        if (s === a.initial) break;
      }
    }
    return this.tryServer(EMERGENCY, a);
  }

  /** pen's try_server: the checks, then the connect. */
  private tryServer(index: number, a: Attempt): boolean {
    if (index === NO_BACKEND) return false;
    const backend = this.backend(index);
    if (!backend || backendPort(backend) === 0) return false;
    const service = this.service()!;
    const stats = this.backendStats(index);
    if (isBlacklisted(stats, this.now(), service.balance.blacklistSeconds)) return false;
    const client = this.clients.entries[a.clientSlot]!;
    const sticky = client.backend === index;
    const { softMax, hardMax } = backend.limits;
    if (softMax !== 0 && stats.connections >= softMax && (!sticky || stats.connections >= hardMax)) return false;
    if (!aclPermits(this.config.acls[backend.acl ?? 0], a.address)) return false;
    a.attempts++;
    if (!a.startConnect(index, backend)) return false;
    a.server = index;
    client.backend = index;
    this.stats.current = index;
    return true;
  }
}
