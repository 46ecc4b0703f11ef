// Backend health for pound (spec §5.13): a backend dies when a connect fails (unless it
// has an HAport) or its HAport probe fails; every `Alive` seconds dead backends are probed
// with a plain TCP connect and brought back when it succeeds.
import * as net from 'node:net';
import type { Diagnostic } from '../model/types.js';
import { connectOptions, endpointLabel, type BackendState, type ServiceState } from './state.js';

type Report = (d: Diagnostic) => void;

/** TCP connect probe within `seconds`; resolves true on success. */
export function probe(opts: net.NetConnectOpts, seconds: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(opts);
    const timer = setTimeout(() => { s.destroy(); resolve(false); }, Math.max(1, seconds) * 1000);
    s.once('connect', () => { clearTimeout(timer); s.destroy(); resolve(true); });
    s.once('error', () => { clearTimeout(timer); s.destroy(); resolve(false); });
  });
}

/** Mark a backend dead and drop its sessions. */
export function killBackend(svc: ServiceState, index: number, b: BackendState, message: string, report: Report): void {
  if (!b.alive) return;
  b.setAlive(false);
  b.stats.failedAt = Math.floor(Date.now() / 1000);
  if (index >= 0) svc.table.dropBackend(index);
  for (const s of b.idle.splice(0)) s.destroy();
  report({ severity: 'info', priority: 'notice', message });
}

/** One per running configuration: probes every Alive seconds, sweeps sessions every 60 s. */
export class HealthMonitor {
  private readonly services = new Set<ServiceState>();
  private aliveTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly aliveSeconds: number,
    private readonly report: Report,
    private readonly modern: boolean,
  ) {}

  watch(svc: ServiceState): void {
    this.services.add(svc);
    if (!this.aliveTimer) {
      this.aliveTimer = setInterval(() => void this.round(), this.aliveSeconds * 1000);
      this.aliveTimer.unref();
      this.sweepTimer = setInterval(() => this.sweep(), 60_000);
      this.sweepTimer.unref();
    }
  }

  stop(): void {
    clearInterval(this.aliveTimer);
    clearInterval(this.sweepTimer);
    this.aliveTimer = undefined;
    this.services.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const svc of this.services) {
      const ttl = svc.service.session?.ttlSeconds ?? 0;
      if (ttl > 0) svc.table.sweep(now, ttl);
    }
  }

  /** One probing round (also callable from tests through the runtime). */
  async round(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const work: Promise<void>[] = [];
      const seen = new Set<BackendState>();
      for (const svc of this.services) {
        svc.backends.forEach((b, index) => {
          if (seen.has(b) || b.backend.redirect || b.backend.endpoint.kind === 'unspecified') return;
          seen.add(b);
          work.push(this.check(svc, index, b));
        });
      }
      await Promise.all(work);
    } finally {
      this.running = false;
    }
  }

  private async check(svc: ServiceState, index: number, b: BackendState): Promise<void> {
    const ha = b.backend.healthCheck?.endpoint;
    const target = connectOptions(ha ?? b.backend.endpoint);
    if (!target) return;
    const seconds = b.backend.timeouts.connectSeconds || 15;
    if (b.alive) {
      if (!ha || this.modern) return;
      if (!(await probe(target, seconds))) {
        killBackend(svc, index, b, `BackEnd ${endpointLabel(b.backend.endpoint)} is dead (HA)`, this.report);
      }
      return;
    }
    if (await probe(target, seconds)) {
      b.setAlive(true);
      this.report({ severity: 'info', priority: 'notice', message: `${this.modern ? 'Backend' : 'BackEnd'} ${b.label} resurrect` });
    }
  }
}
