// pen's defaults, filled into the common model before any option is read. pen keeps one
// listener with one service; options and commands change this object in place.
import type { Backend, BalanceConfig, Listener, ProxyConfig, Service, TcpListenerOptions } from '@penpound/engine';

export const PEN_DEFAULTS = {
  blacklistSeconds: 30,
  connectTimeoutSeconds: 3,
  trackingSeconds: 0,
  clientTableSize: 2048,
  maxConnections: 500,
  multiAccept: 100,
  listenBacklog: 500,
  pendingMax: 100,
} as const;

export const ARGV_FILE = '<argv>';

export function defaultBalance(): BalanceConfig {
  return {
    algorithm: 'pen',
    clientTracking: true,
    trackingSeconds: PEN_DEFAULTS.trackingSeconds,
    clientTableSize: PEN_DEFAULTS.clientTableSize,
    hash: false,
    weight: false,
    prio: false,
    stubborn: false,
    blacklistSeconds: PEN_DEFAULTS.blacklistSeconds,
  };
}

export function defaultTcpOptions(): TcpListenerOptions {
  return {
    forwardedFor: false,
    clientAcl: 0,
    fastClose: 'off',
    idleTimeoutSeconds: 0,
    keepAlive: false,
    noDelay: false,
    pendingMax: PEN_DEFAULTS.pendingMax,
    dummy: false,
  };
}

/** A server slot that `server N` created beyond the table: never usable. */
export function blankBackend(connectSeconds: number): Backend {
  return {
    endpoint: { kind: 'unspecified' },
    weight: 0,
    priority: 0,
    disabled: false,
    limits: { softMax: 0, hardMax: 0 },
    timeouts: { connectSeconds, ioSeconds: 0 },
    acl: 0,
  };
}

export function defaultService(): Service {
  return { disabled: false, match: [], balance: defaultBalance(), backends: [], emergency: [] };
}

export function defaultListener(): Listener {
  return {
    protocol: 'tcp',
    // Placeholder until the listen positional or a `listen` command names the real one.
    endpoint: { kind: 'inet', host: '0.0.0.0', port: 0 },
    spec: '',
    backlog: PEN_DEFAULTS.listenBacklog,
    reusePort: true,
    limits: { maxConnections: PEN_DEFAULTS.maxConnections, clientTimeoutSeconds: 0, multiAccept: PEN_DEFAULTS.multiAccept },
    tcp: defaultTcpOptions(),
    services: [defaultService()],
  };
}

export function defaultConfig(): ProxyConfig {
  return {
    dialect: 'pen',
    process: { foreground: false, graceSeconds: 0 },
    logging: { diagnostics: { target: 'syslog', facility: 'user', debugLevel: 0 } },
    listeners: [defaultListener()],
    services: [],
    acls: Array.from({ length: 10 }, () => []),
  };
}
