// What every client connection of one HTTP listener shares.
import type { IndexedList } from '../runtime/indexed-list.js';
import type { Diagnostic, Dialect, Listener, ProxyConfig } from '../model/types.js';
import type { ErrorPages } from './errors.js';
import type { HealthMonitor } from './health.js';
import type { LogSink } from './log/sink.js';
import type { RequestLogRecord } from './log/format.js';
import type { BackendState, ServiceState } from './state.js';
import type { ClientConn } from './connection.js';

export interface HttpContext {
  readonly config: ProxyConfig;
  readonly listener: Listener;
  readonly dialect: Dialect;
  /** pound 2.x semantics (2.4 or 2.8); false for pound 4. */
  readonly legacy: boolean;
  /** URL patterns see the percent-decoded URL (pound 2.6a+ up to 2.8a). */
  readonly decodeUrl: boolean;
  readonly errors: ErrorPages;
  readonly sink: LogSink;
  readonly health: HealthMonitor;
  readonly scheme: 'http' | 'https';
  /** Bound port and address (for logs and RewriteLocation). */
  port: number;
  localAddress: string;
  /** Request-log line builder for this listener, undefined at LogLevel 0. */
  formatLine: ((r: RequestLogRecord) => string | undefined) | undefined;
  /** Diagnostics go to the front end (and so to its log destination). */
  report(d: Diagnostic): void;
  /** Services to try, in order: the listener's own, then the global ones. */
  services(): ServiceState[];
  /** Backends this listener pooled connections for (swept for idle ones). */
  readonly pools: Set<BackendState>;
  /** Live client connections. */
  readonly conns: IndexedList<ClientConn>;
  nextId(): number;
}
