// Commands that get or set one value or flag: `blacklist 10`, `hash`, `no hash`, ...
import { atoi } from '../atoi.js';
import { allBackends, penListener, penService, type PenState } from '../state.js';
import type { CommandHandler } from './context.js';

function balance(state: PenState) {
  return penService(state).balance;
}

function tcp(state: PenState) {
  return penListener(state).tcp!;
}

/** A number command: with an argument it sets (through `set`), then replies the value. */
function numberCommand(get: (s: PenState) => number, set: (s: PenState, n: number) => void): CommandHandler {
  return (args, { state, reply }) => {
    if (args[0] !== undefined) set(state, atoi(args[0]));
    reply(`${get(state)}\n`);
  };
}

function aclNumber(n: number): number {
  return n >= 0 && n < 10 ? n : 0;
}

export function setConnectTimeout(state: PenState, seconds: number): void {
  state.settings.timeoutSeconds = seconds;
  for (const backend of allBackends(state)) backend.timeouts.connectSeconds = seconds;
}

export function growClientTable(state: PenState, size: number): void {
  if (!state.settings.clientsMaxSet || size > balance(state).clientTableSize) balance(state).clientTableSize = size;
  state.settings.clientsMaxSet = true;
}

export function growConnectionTable(state: PenState, size: number): void {
  const limits = penListener(state).limits;
  if (!state.settings.connMaxSet || size > limits.maxConnections) limits.maxConnections = size;
  state.settings.connMaxSet = true;
}

export const numberCommands: Record<string, CommandHandler> = {
  blacklist: numberCommand((s) => balance(s).blacklistSeconds, (s, n) => { balance(s).blacklistSeconds = n; }),
  timeout: numberCommand((s) => s.settings.timeoutSeconds, setConnectTimeout),
  tracking: numberCommand((s) => balance(s).trackingSeconds, (s, n) => { balance(s).trackingSeconds = n; }),
  debug: numberCommand((s) => s.config.logging.diagnostics.debugLevel, (s, n) => { s.config.logging.diagnostics.debugLevel = n; }),
  client_acl: numberCommand((s) => tcp(s).clientAcl, (s, n) => { tcp(s).clientAcl = aclNumber(n); }),
  control_acl: numberCommand((s) => s.settings.controlAcl, (s, n) => {
    s.settings.controlAcl = aclNumber(n);
    if (s.config.control) s.config.control.acl = s.settings.controlAcl;
  }),
  // The first -c / clients_max may set any size; after that the tables only grow.
  clients_max: numberCommand((s) => balance(s).clientTableSize, growClientTable),
  conn_max: numberCommand((s) => penListener(s).limits.maxConnections, growConnectionTable),
  pid: (_args, { reply }) => reply(`${process.pid}\n`),
  idle_timeout: (args, { state, reply }) => {
    if (args[0] !== undefined) tcp(state).idleTimeoutSeconds = Math.max(0, atoi(args[0]));
    reply(`Idle timeout: ${tcp(state).idleTimeoutSeconds} seconds\n`);
  },
  idlers: (args, { state, reply }) => {
    // pen 0.34.1 crashes on any N > 0 (a pool of idle backend connections that was never
    // finished). We keep no such pool: refuse clearly and leave the value at 0.
    if (args[0] !== undefined && atoi(args[0]) > 0) {
      state.host.debug(`idlers: idle backend connections are not supported; keeping 0`);
    }
    reply(`Idlers: 0/${state.settings.idlers}\n`);
  },
  tarpit_acl: (args, { state, reply }) => {
    if (args[0] !== undefined) {
      const n = atoi(args[0]);
      state.settings.tarpitAcl = n < -1 || n >= 10 ? 0 : n;
    }
    reply(`tarpit_acl = ${state.settings.tarpitAcl}`);
  },
  pending_max: (args, { state }) => {
    if (args[0] === undefined) return;
    tcp(state).pendingMax = Math.max(1, atoi(args[0]));
  },
  multi_accept: (args, { state }) => {
    if (args[0] === undefined) return;
    penListener(state).limits.multiAccept = Math.max(1, atoi(args[0]));
  },
  tcp_fastclose: (args, { state, reply }) => {
    if (args[0] === undefined) {
      reply('do_cmd: ignoring tcp_fastclose without argument\n');
      return;
    }
    const mode = args[0];
    tcp(state).fastClose = mode === 'up' || mode === 'down' || mode === 'both' ? mode : 'off';
  },
  mode: (_args, { state, reply }) => {
    const b = balance(state);
    const flag = (on: boolean, name: string) => (on ? name : `no ${name}`);
    reply(`${flag(b.hash, 'hash')} ${flag(!b.clientTracking, 'roundrobin')} ${flag(b.stubborn, 'stubborn')} ${flag(b.weight, 'weight')} ${flag(b.prio, 'prio')}\n`);
  },
};

/** Flags: `name` turns on, `no name` turns off. */
export const flagCommands: Record<string, (state: PenState, on: boolean) => void> = {
  abort_on_error: (s, on) => { s.settings.abortOnError = on; },
  ascii: (s, on) => { s.settings.ascii = on; },
  dummy: (s, on) => { tcp(s).dummy = on; },
  hash: (s, on) => { balance(s).hash = on; },
  http: (s, on) => { tcp(s).forwardedFor = on; },
  keepalive: (s, on) => { tcp(s).keepAlive = on; },
  peek: (s, on) => { s.settings.peek = on; },
  prio: (s, on) => { balance(s).prio = on; },
  roundrobin: (s, on) => { balance(s).clientTracking = !on; },
  stubborn: (s, on) => { balance(s).stubborn = on; },
  tcp_nodelay: (s, on) => { tcp(s).noDelay = on; },
  // Node cannot set IP_TRANSPARENT; the engine says so when a connection would use it.
  transparent: (s, on) => { s.settings.transparent = on; tcp(s).transparent = on; },
  weight: (s, on) => { balance(s).weight = on; },
};

/** Event back ends: only meaningful to the C original; we remember the choice. */
export const eventBackendCommands: Record<string, CommandHandler> = Object.fromEntries(
  (['epoll', 'poll', 'select', 'kqueue'] as const).map((name) => [name, (_a: string[], { state }: { state: PenState }) => {
    state.settings.eventBackend = name;
  }]),
);
