// Builds the ProxyConfig pen's front door would produce, by hand, for engine-level tests.
import type { Backend, BalanceConfig, ProxyConfig, TcpListenerOptions, TlsServerConfig } from '@penpound/engine';

export interface ServerSpec {
  port: number;
  host?: string;
  maxc?: number;
  hard?: number;
  weight?: number;
  prio?: number;
  acl?: number;
}

export function penBackend(s: ServerSpec | number, connectSeconds = 3): Backend {
  const spec = typeof s === 'number' ? { port: s } : s;
  const host = spec.host ?? '127.0.0.1';
  return {
    endpoint: { kind: 'inet', host, port: spec.port, resolved: host, family: host.includes(':') ? 6 : 4 },
    spec: `${host}:${spec.port}`,
    weight: spec.weight ?? 0,
    priority: spec.prio ?? 0,
    disabled: false,
    limits: { softMax: spec.maxc ?? 0, hardMax: spec.hard ?? 0 },
    timeouts: { connectSeconds, ioSeconds: 0 },
    acl: spec.acl ?? 0,
  };
}

export interface PenOptions {
  servers: (ServerSpec | number)[];
  protocol?: 'tcp' | 'udp';
  listenHost?: string;
  balance?: Partial<BalanceConfig>;
  tcp?: Partial<TcpListenerOptions>;
  emergency?: ServerSpec | number;
  abuse?: ServerSpec | number;
  maxConnections?: number;
  connectSeconds?: number;
  tls?: TlsServerConfig;
  logFile?: string;
}

export function penConfig(o: PenOptions): ProxyConfig {
  const t = o.connectSeconds ?? 3;
  const listenHost = o.listenHost ?? '127.0.0.1';
  const config: ProxyConfig = {
    dialect: 'pen',
    process: { foreground: true, graceSeconds: 0 },
    logging: { diagnostics: { target: 'stderr', debugLevel: 0 } },
    listeners: [
      {
        protocol: o.protocol ?? 'tcp',
        endpoint: { kind: 'inet', host: listenHost, port: 0, resolved: listenHost },
        spec: `${listenHost}:0`,
        backlog: 500,
        reusePort: true,
        limits: { maxConnections: o.maxConnections ?? 500, clientTimeoutSeconds: 0 },
        tcp: {
          forwardedFor: false,
          clientAcl: 0,
          fastClose: 'off',
          idleTimeoutSeconds: 0,
          keepAlive: false,
          noDelay: false,
          pendingMax: 100,
          dummy: false,
          ...(o.abuse !== undefined ? { abuse: penBackend(o.abuse, t) } : {}),
          ...o.tcp,
        },
        ...(o.tls ? { tls: o.tls } : {}),
        services: [
          {
            disabled: false,
            match: [],
            balance: {
              algorithm: 'pen',
              clientTracking: true,
              trackingSeconds: 0,
              clientTableSize: 2048,
              hash: false,
              weight: false,
              prio: false,
              stubborn: false,
              blacklistSeconds: 30,
              ...o.balance,
            },
            backends: o.servers.map((s) => penBackend(s, t)),
            emergency: o.emergency !== undefined ? [penBackend(o.emergency, t)] : [],
          },
        ],
      },
    ],
    services: [],
    acls: Array.from({ length: 10 }, () => []),
  };
  if (o.logFile) config.logging.requestLog = { kind: 'file', path: o.logFile, format: 'pen' };
  return config;
}
