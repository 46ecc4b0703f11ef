// What each kind of listener (tcp/udp in src/tcp, http/https in src/http) gives the
// engine once started. start.ts assembles these into the RuntimeHandle.
import type { Diagnostic, Endpoint, ProxyConfig } from '../model/types.js';
import type { ConnectionEntry, RuntimeStats } from './handle.js';

export interface EngineContext {
  /** Cached clock in Unix seconds, refreshed by the engine. */
  now(): number;
  /** Diagnostics (debug/warning lines); front ends decide where they go and how they look. */
  report(diagnostic: Diagnostic): void;
}

export interface ListenerRuntime {
  bound(): { address: string; port: number };
  stats: RuntimeStats['listeners'][number];
  connections(): ConnectionEntry[];
  closeConnection(slot: number): boolean;
  relisten(endpoint: Endpoint, spec: string): Promise<Diagnostic | undefined>;
  reopenLogs(): Diagnostic[];
  stop(graceful: boolean): Promise<void>;
}

/** Starts listener number `index` of `config` (which stays live: read it on every decision). */
export type ListenerStarter = (
  config: ProxyConfig,
  index: number,
  context: EngineContext,
) => Promise<ListenerRuntime | Diagnostic>;
