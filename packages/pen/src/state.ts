// Everything a running pen knows: the live model (shared with the engine once it runs),
// pen's own settings that the common model has no place for, and the hooks through which
// commands reach the outside world. Commands, the control port, -o and -F all work on this.
import type { Backend, BackendStats, Listener, ProxyConfig, RuntimeHandle, Service, ServiceStats } from '@penpound/engine';
import { blankBackend, defaultConfig, PEN_DEFAULTS } from './defaults.js';

export interface PenTlsSettings {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  caDir?: string;
  compatibility: boolean;
  requireClientCert: boolean;
  protocol: string;
  ciphers?: string;
  options: string[];
  sniPath?: string;
  ocspFile?: string;
  renegotiationIntervalSeconds: number;
}

/** pen's settings that are not (or not only) part of the common model. */
export interface PenSettings {
  udp: boolean;
  allowExit: boolean;
  controlSpec?: string;
  controlAcl: number;
  configFile?: string;
  webStatsFile?: string;
  /** What the `log` command echoes (for a network log only the host, as pen does). */
  logName?: string;
  /** A `listen` command has set the listener (then the first positional is ignored). */
  listenerFromCommand: boolean;
  /** Global connect timeout (`timeout`), copied to every backend's connectSeconds. */
  timeoutSeconds: number;
  /** The first -c / -x sets any size; later ones only grow the table. */
  clientsMaxSet: boolean;
  connMaxSet: boolean;
  ascii: boolean;
  abortOnError: boolean;
  eventBackend: 'epoll' | 'poll' | 'select' | 'kqueue';
  peek: boolean;
  transparent: boolean;
  idlers: number;
  tarpitAcl: number;
  dsrInterface?: string;
  dsrAddress?: string;
  emergencySpec?: string;
  abuseSpec?: string;
  tls: PenTlsSettings;
}

/** How commands reach the world around them; the CLI provides these. */
export interface PenHost {
  /** pen's stdout: replies of -o/-F/include commands. */
  stdout(text: string): void;
  /** A debug message (`YYYY-MM-DD HH:MM:SS: text` in the foreground). `level` 0 = always. */
  debug(text: string, level?: number): void;
  /** The `exit` command (with -X): shut down cleanly. */
  exit(): void;
  /** Foreground (-f) for `write`'s header line. */
  foreground(): boolean;
}

export interface PenState {
  config: ProxyConfig;
  settings: PenSettings;
  /** Set once the engine runs; until then commands change the model only. */
  handle?: RuntimeHandle;
  /** Counters before the engine starts (manual blacklisting from -o / -F lands here). */
  preStartStats: ServiceStats;
  host: PenHost;
}

export function createPenState(host: PenHost): PenState {
  return {
    config: defaultConfig(),
    settings: {
      udp: false,
      allowExit: false,
      controlAcl: 0,
      listenerFromCommand: false,
      timeoutSeconds: PEN_DEFAULTS.connectTimeoutSeconds,
      clientsMaxSet: false,
      connMaxSet: false,
      ascii: false,
      abortOnError: false,
      eventBackend: 'epoll',
      peek: false,
      transparent: false,
      idlers: 0,
      tarpitAcl: -1,
      tls: { compatibility: false, requireClientCert: false, protocol: 'ssl23', options: [], renegotiationIntervalSeconds: 3600 },
    },
    preStartStats: { backends: [], emergency: [], clients: [], current: 0 },
    host,
  };
}

export function penListener(state: PenState): Listener {
  return state.config.listeners[0]!;
}

export function penService(state: PenState): Service {
  return penListener(state).services[0]!;
}

export function serviceStats(state: PenState): ServiceStats {
  return state.handle?.stats.listeners[0]?.services[0] ?? state.preStartStats;
}

export function emptyBackendStats(): BackendStats {
  return { connections: 0, sent: 0, received: 0, failedAt: 0 };
}

/** Counters of server `index`, created if the engine has not (yet) grown its table. */
export function backendStats(state: PenState, index: number): BackendStats {
  const stats = serviceStats(state);
  while (stats.backends.length <= index) stats.backends.push(emptyBackendStats());
  return stats.backends[index]!;
}

/** The server table only grows: `server 7 ...` on a 3-slot table adds blank slots 3..7. */
export function serverSlot(state: PenState, index: number): Backend {
  const backends = penService(state).backends;
  while (backends.length <= index) backends.push(blankBackend(state.settings.timeoutSeconds));
  backendStats(state, index);
  return backends[index]!;
}

/** pen's clock: the engine's cached one once it runs. */
export function penNow(state: PenState): number {
  return state.handle?.now() ?? Math.floor(Date.now() / 1000);
}

/** Every backend pen can use, for settings that apply to all (the connect timeout). */
export function allBackends(state: PenState): Backend[] {
  const service = penService(state);
  const abuse = penListener(state).tcp?.abuse;
  return [...service.backends, ...service.emergency, ...(abuse ? [abuse] : [])];
}
