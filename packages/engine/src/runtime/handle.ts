// The contract between the engine and the front ends while a proxy runs.
// Front ends (pen's control port, poundctl) read and change a running proxy only through
// this handle: the live model (plain data, mutated in place, read by the engine on every
// decision), live counters, and a few actions that need sockets.
import type { Diagnostic, Endpoint, ProxyConfig } from '../model/types.js';

/**
 * Counters the engine keeps per backend, in the same order as `service.backends`.
 * The engine creates entries for the backends present at start and grows the list when
 * backends are added (on first use and in its periodic sweep); a front end that adds a
 * backend and must touch its counters at once (e.g. pen `server 4 ... blacklist 60`) may
 * push the missing entries itself (`growBackendStats` in `@penpound/engine/health/blacklist`).
 */
export interface BackendStats {
  /** Established connections now. */
  connections: number;
  /** Bytes sent to / received from the backend. */
  sent: number;
  received: number;
  /** Unix seconds of the last failure (0 = never): blacklisted while now - failedAt < blacklistSeconds. */
  failedAt: number;
  /** pound: false while the backend is dead (failed connect or HAport probe) until resurrected. */
  alive?: boolean;
  /** pound: requests forwarded to this backend. */
  requests?: number;
}

/** pound: one service's sticky-session table, for poundctl's listing and -N/-n. */
export interface SessionTableView {
  list(): { key: string; backend: number; lastSeen: number }[];
  add(key: string, backend: number): void;
  delete(key: string): boolean;
}

/** One remembered client (pen's client table). */
export interface ClientEntry {
  address: string;
  /** Unix seconds of the last connection; 0 = free slot. */
  lastSeen: number;
  /** Index of the backend last chosen, or -1 none, -2 emergency, -3 abuse. */
  backend: number;
  connects: number;
  /** Bytes sent to / received from this client since the slot was (re)assigned. */
  sent: number;
  received: number;
}

export interface ConnectionEntry {
  slot: number;
  /** pen's state bits: 1 connecting, 2 connected, +4 server EOF, +8 client EOF. */
  state: number;
  clientFd: number;
  serverFd: number;
  pendingToClient: number;
  pendingToServer: number;
  client: number;
  /** Server index, same encoding as ClientEntry.backend (-1 none, -2 emergency, -3 abuse);
   *  pen itself prints -3/-1/-2 for those (`penServerNumber` in balance/pen-balancer). */
  backend: number;
}

export interface ServiceStats {
  backends: BackendStats[];
  emergency: BackendStats[];
  abuse?: BackendStats;
  clients: ClientEntry[];
  /** Index of the backend most recently given a connection. */
  current: number;
  /** pound: the live session table (absent for pen and for services without Session). */
  sessions?: SessionTableView;
}

export interface RuntimeStats {
  startedAt: number;
  /** Per listener, per service (listener services first, then global ones). */
  listeners: { connectionsUsed: number; lastSlot: number; services: ServiceStats[] }[];
}

export interface RuntimeHandle {
  /** The live model. Mutate in place; the engine reads it on every decision. */
  readonly config: ProxyConfig;
  readonly stats: RuntimeStats;
  /** Addresses actually bound, per listener (port 0 resolved to the real port). */
  boundAddresses(): { listener: number; address: string; port: number }[];
  /** The engine's cached clock in Unix seconds. */
  now(): number;
  /** Live connections of a listener (pen's connection table). */
  connections(listener: number): ConnectionEntry[];
  /** Close a live connection by its slot; false if the slot is unused. */
  closeConnection(listener: number, slot: number): boolean;
  /** Re-open a listener on a new endpoint; the old one stays on error. */
  relisten(listener: number, endpoint: Endpoint, spec: string): Promise<Diagnostic | undefined>;
  /** Close and re-open log files (rotation). */
  reopenLogs(): Diagnostic[];
  /** Stop accepting, close everything (after draining up to graceSeconds if graceful). */
  stop(options?: { graceful?: boolean }): Promise<void>;
}
