// What all HTTP listeners of one running configuration share: the log destination and the
// backend health monitor (a backend that died is dead for every listener).
import type { Diagnostic, ProxyConfig } from '../model/types.js';
import type { EngineContext } from '../runtime/listener.js';
import { HealthMonitor } from './health.js';
import { openLogSink, type LogSink } from './log/sink.js';

interface Shared {
  sink: LogSink;
  health: HealthMonitor;
  users: number;
}

const byConfig = new WeakMap<ProxyConfig, Shared>();

/**
 * The log sink of a configuration (request lines, and diagnostics if the front end routes
 * its `report` here). Opened on first use; closed when the last HTTP listener stops.
 */
export function logSinkFor(config: ProxyConfig): LogSink {
  let s = byConfig.get(config);
  if (!s) {
    s = {
      sink: openLogSink({ dialect: config.dialect, logging: config.logging }),
      health: undefined as unknown as HealthMonitor,
      users: 0,
    };
    byConfig.set(config, s);
  }
  return s.sink;
}

export function acquireShared(config: ProxyConfig, context: EngineContext): Shared {
  logSinkFor(config);
  const s = byConfig.get(config)!;
  if (!s.health) {
    const report = (d: Diagnostic): void => context.report(d);
    s.health = new HealthMonitor(config.process.aliveSeconds ?? 30, report, config.dialect === 'pound-4');
  }
  s.users++;
  return s;
}

export function releaseShared(config: ProxyConfig): void {
  const s = byConfig.get(config);
  if (!s) return;
  if (--s.users > 0) return;
  s.health?.stop();
  s.sink.close();
  byConfig.delete(config);
}

/** Run one health-probe round now (tests; poundctl could use it too). */
export function probeNow(config: ProxyConfig): Promise<void> {
  return byConfig.get(config)?.health?.round() ?? Promise.resolve();
}
