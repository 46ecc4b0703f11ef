// Builds pound-style ProxyConfig objects by hand for the serving tests (the pound.cfg
// front end is tested on its own; these tests exercise the engine's HTTP path directly).
import { start, type Backend, type Diagnostic, type Dialect, type HttpListenerOptions, type Listener,
  type MatchCondition, type Pattern, type ProxyConfig, type RuntimeHandle, type Service, type SessionConfig } from '@penpound/engine';

export function pattern(source: string, ignoreCase = false): Pattern {
  return { source, ignoreCase, syntax: 'posix-ere' };
}

export function backend(port: number, opts: Partial<Backend> = {}): Backend {
  return {
    endpoint: { kind: 'inet', host: '127.0.0.1', port },
    weight: 5,
    priority: 0,
    disabled: false,
    limits: { softMax: 0, hardMax: 0 },
    timeouts: { connectSeconds: 15, ioSeconds: 15, websocketSeconds: 600 },
    ...opts,
  };
}

export function redirect(url: string, code = 302): Backend {
  return { ...backend(0), endpoint: { kind: 'unspecified' }, weight: 1, redirect: { code, url } };
}

export function service(backends: Backend[], opts: Partial<Service> = {}): Service {
  return {
    disabled: false,
    match: [],
    balance: {
      algorithm: 'random', clientTracking: false, trackingSeconds: 0, clientTableSize: 0, hash: false, weight: true,
      prio: false, stubborn: false, blacklistSeconds: 0,
    },
    backends,
    emergency: [],
    ...opts,
  };
}

export function url(source: string, ignoreCase = false): MatchCondition {
  return { kind: 'url', pattern: pattern(source, ignoreCase) };
}

export function session(type: SessionConfig['type'], ttlSeconds: number, id?: string): SessionConfig {
  return id === undefined ? { type, ttlSeconds } : { type, ttlSeconds, id };
}

export function listener(services: Service[], http: Partial<HttpListenerOptions> = {}, dialect: Dialect = 'pound-2.8'): Listener {
  return {
    protocol: 'http',
    endpoint: { kind: 'inet', host: '127.0.0.1', port: 0 },
    spec: '127.0.0.1:0',
    backlog: 128,
    reusePort: false,
    limits: { maxConnections: 0, clientTimeoutSeconds: 10 },
    http: {
      methodsLevel: 0,
      rewriteLocation: 1,
      rewriteDestination: false,
      requestHeaders: [],
      responseHeaders: [],
      errorFiles: {},
      logLevel: 0,
      forwardedHeaders: dialect === 'pound-4' ? 'modern' : 'legacy',
      ...http,
    },
    services,
  };
}

export function config(listeners: Listener[], opts: Partial<ProxyConfig> & { dialect?: Dialect } = {}): ProxyConfig {
  return {
    dialect: 'pound-2.8',
    process: { foreground: true, graceSeconds: 0 },
    logging: { diagnostics: { target: 'stderr', debugLevel: 0 } },
    listeners,
    services: [],
    acls: [],
    ...opts,
  };
}

export interface Running {
  handle: RuntimeHandle;
  port: number;
  diagnostics: Diagnostic[];
}

/** Start the engine; the test's `after` must call handle.stop(). */
export async function run(cfg: ProxyConfig): Promise<Running> {
  const diagnostics: Diagnostic[] = [];
  const r = await start(cfg, { report: (d) => diagnostics.push(d) });
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return { handle: r.handle, port: r.handle.boundAddresses()[0]!.port, diagnostics };
}
