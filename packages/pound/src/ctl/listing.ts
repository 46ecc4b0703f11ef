// The running proxy as poundctl sees it: listeners, services, backends and sessions
// numbered the way pound numbers them, turned into pound 4's JSON objects. Works on the
// live model and counters of the engine's RuntimeHandle; holds no state of its own.
import type { Backend, BackendStats, Listener, RuntimeHandle, Service, ServiceStats } from '@penpound/engine';
import { isoMicros, type Json } from './json.js';

/** 4.23 lists an Emergency backend after the regular ones with this weight. */
export const EMERGENCY_WEIGHT = 65535;
const REDIRECT_URL = /^(https?):\/\/([^/]+)(.*)$/i;

export interface ControlState {
  handle: RuntimeHandle;
  /** Unix milliseconds when serving started (uptime). */
  startedAt: number;
  /** Where the control socket lives (pound 4 lists it as a listener). */
  socketPath: string;
}

/** A listener as numbered by poundctl: a real one, or pound 4's control socket. */
export type ListenerRef = { control: true } | { control: false; index: number; listener: Listener };

export interface ServiceRef {
  service: Service;
  stats: ServiceStats | undefined;
}

export interface BackendRef {
  backend: Backend;
  stats: BackendStats | undefined;
  emergency: boolean;
}

/** The listener numbers poundctl uses, in order. 4.x counts its control socket among them. */
export function listenerRefs(s: ControlState): ListenerRef[] {
  const config = s.handle.config;
  const refs: ListenerRef[] = config.listeners.map((listener, index) => ({ control: false, index, listener }));
  const at = config.dialect === 'pound-4' ? config.control?.listenerIndex : undefined;
  if (at !== undefined) refs.splice(Math.min(at, refs.length), 0, { control: true });
  return refs;
}

/** Services of a listener (its own, as poundctl numbers them) or the global ones (`undefined`). */
export function serviceRefs(s: ControlState, listener: number | undefined): ServiceRef[] {
  const config = s.handle.config;
  const all = s.handle.stats.listeners;
  if (listener !== undefined) {
    const stats = all[listener]?.services;
    return config.listeners[listener]!.services.map((service, i) => ({ service, stats: stats?.[i] }));
  }
  // Every listener's stats end with the global services; one global service has one state.
  const first = all[0]?.services;
  const own = config.listeners[0]?.services.length ?? 0;
  return config.services.map((service, i) => ({ service, stats: first?.[own + i] }));
}

/** Regular backends, then Emergency ones (pound 4.23's numbering). */
export function backendRefs(svc: ServiceRef): BackendRef[] {
  return [
    ...svc.service.backends.map((backend, i) => ({ backend, stats: svc.stats?.backends[i], emergency: false })),
    ...svc.service.emergency.map((backend, i) => ({ backend, stats: svc.stats?.emergency[i], emergency: true })),
  ];
}

export function coreObject(s: ControlState): Json {
  const now = Date.now();
  const threads = s.handle.config.process.threads ?? 128;
  let active = 0;
  for (const l of s.handle.stats.listeners) active += l.connectionsUsed;
  return {
    kind: 'core',
    pid: process.pid,
    queue: { len: 0, max: 0 },
    queue_len: 0,
    timestamp: isoMicros(now),
    uptime: Math.max(0, now - s.startedAt) * 1000,
    version: '4.23',
    workers: { active, count: Math.min(5, threads), max: threads, min: Math.min(5, threads), timeout: 30 },
  };
}

export function fullListing(s: ControlState): Json {
  return {
    core: coreObject(s),
    kind: 'pound',
    listeners: listenerRefs(s).map((l) => listenerObject(s, l)),
    services: serviceRefs(s, undefined).map((v) => serviceObject(s, v)),
  };
}

export function listenerObject(s: ControlState, ref: ListenerRef): Json {
  if (ref.control) {
    return {
      address: s.socketPath,
      enabled: true,
      kind: 'listener',
      name: null,
      protocol: 'http',
      services: [controlServiceObject()],
    };
  }
  const l = ref.listener;
  return {
    address: listenerAddress(s, ref.index),
    enabled: !l.disabled,
    kind: 'listener',
    name: l.name ?? null,
    protocol: l.protocol === 'https' ? 'https' : 'http',
    services: serviceRefs(s, ref.index).map((v) => serviceObject(s, v)),
  };
}

/** The one service of pound 4's control listener. */
export function controlServiceObject(): Json {
  return {
    backends: [controlBackendObject()],
    enabled: true,
    kind: 'service',
    name: null,
    session_type: 'NONE',
    sessions: null,
  };
}

export function controlBackendObject(): Json {
  return { alive: true, enabled: true, kind: 'backend', priority: 1, type: 'control', weight: 0 };
}

export function serviceObject(s: ControlState, ref: ServiceRef): Json {
  const svc = ref.service;
  const session = svc.session;
  let sessions: Json = null;
  if (session) {
    const table = ref.stats?.sessions?.list() ?? [];
    sessions = table.map((e) => ({ backend: e.backend, expire: isoMicros((e.lastSeen + Math.abs(session.ttlSeconds)) * 1000), key: e.key }));
  }
  return {
    backends: backendRefs(ref).map((b) => backendObject(b)),
    enabled: !svc.disabled,
    kind: 'service',
    name: svc.name ?? null,
    session_type: session?.type ?? 'NONE',
    sessions,
  };
}

export function backendObject(ref: BackendRef): Json {
  const b = ref.backend;
  const alive = ref.stats?.alive ?? true;
  const weight = ref.emergency ? EMERGENCY_WEIGHT : 0;
  if (b.redirect) {
    const m = REDIRECT_URL.exec(b.redirect.url);
    const path = m?.[3] ?? '';
    return {
      alive,
      code: b.redirect.code,
      enabled: !b.disabled,
      has_uri: path.length > 0,
      kind: 'backend',
      priority: 1,
      type: 'redirect',
      // pound 4 keeps a lone "/" path only as the has_uri flag.
      url: path === '/' ? b.redirect.url.slice(0, -1) : b.redirect.url,
      weight,
    };
  }
  return {
    address: backendAddress(b),
    alive,
    conn_to: b.timeouts.connectSeconds,
    enabled: !b.disabled,
    io_to: b.timeouts.ioSeconds,
    kind: 'backend',
    priority: b.weight,
    protocol: b.tls?.enabled ? 'https' : 'http',
    servername: b.tls?.serverName ?? null,
    type: 'backend',
    weight,
    ws_to: b.timeouts.websocketSeconds ?? 600,
  };
}

/** `address:port` (or the socket path) as pound prints a backend. */
export function backendAddress(b: Backend): string {
  const e = b.endpoint;
  if (e.kind === 'unix') return e.path;
  if (e.kind === 'unspecified') return '(UNKNOWN):0';
  return hostPort(e.resolved ?? e.host, e.port);
}

function listenerAddress(s: ControlState, index: number): string {
  const bound = s.handle.boundAddresses().find((b) => b.listener === index);
  const e = s.handle.config.listeners[index]!.endpoint;
  if (e.kind === 'unix') return e.path;
  if (bound) return hostPort(bound.address, bound.port);
  return e.kind === 'inet' ? hostPort(e.resolved ?? e.host, e.port) : '(UNKNOWN):0';
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
