// pen's life from argv to exit, in pen's own order (spec §1.5):
//   options (−o runs as met) → -F file → usage if nothing to listen on → background →
//   control socket → listener → servers → TLS → user/chroot → log → engine → privileges →
//   pid file → signals. Each step's failure is pen's message and exit status.
import { openSync, closeSync } from 'node:fs';
import type { Server } from 'node:net';
import { start, type Diagnostic, type Endpoint, type RuntimeHandle } from '@penpound/engine';
import { processArgs, type Positional } from './args.js';
import { readConfigFile } from './configfile.js';
import { startControlServer } from './control.js';
import { detach, receivePlan, reportToParent, type LaunchPlan } from './daemon.js';
import { createDiagnostics, type Diagnostics } from './diagnostics.js';
import { listenEndpoint } from './listen.js';
import { buildListener, buildServers, defaultServerPort, serverPositionals } from './model-from-args.js';
import { removePidFile, writePidFile } from './pidfile.js';
import { dropPrivileges, getpwnam, type PasswdEntry } from './privileges.js';
import { resolveHost } from './resolve.js';
import { createPenState, penListener, penService, serviceStats, type PenState } from './state.js';
import { USAGE_TEXT } from './usage.js';
import { writeStatusPage } from './commands/files.js';
import { statusTextBlocks } from './webstats.js';

/** With FD_SETSIZE 1024, pen's select() back end can hold this many connections. */
const SELECT_MAX_CONNECTIONS = 507;

export interface PenProcess {
  state: PenState;
  diagnostics: Diagnostics;
  handle?: RuntimeHandle;
  control?: Server;
  /** Set in the background process until it has told its parent how start-up went. */
  daemonChild: boolean;
  stopping: boolean;
}

/** Ends the process with pen's fatal message (none when empty): stderr (or the waiting
 * parent), exit 1. */
async function fatal(proc: PenProcess, message: string): Promise<never> {
  if (proc.daemonChild) await reportToParent({ kind: 'fatal', message });
  if (message !== '') proc.diagnostics.stderr(`${message}\n`);
  if (proc.state.settings.abortOnError) process.abort();
  process.exit(1);
}

function exitWith(code: number): never {
  process.exit(code);
}

function printUsage(): never {
  process.stdout.write(USAGE_TEXT);
  return exitWith(0);
}

/** The name glibc would print: what the user typed, or its basename when found on PATH. */
export function displayArgv0(typed: string | undefined, pathEnv = process.env.PATH ?? ''): string {
  if (!typed) return 'pen';
  const slash = typed.lastIndexOf('/');
  if (slash === -1) return typed;
  const dir = typed.slice(0, slash) || '/';
  return pathEnv.split(':').includes(dir) ? typed.slice(slash + 1) : typed;
}

let currentDiagnostics: Diagnostics | undefined;

/** A bug must not take the proxy down: say what happened (stderr or syslog) and go on. */
export function reportInternalError(error: Error): void {
  const text = `internal error: ${error.stack ?? error.message}`;
  if (currentDiagnostics) currentDiagnostics.debug(text);
  else process.stderr.write(`${text}\n`);
}

function createProcess(daemonChild: boolean): PenProcess {
  const proc = {} as PenProcess;
  proc.daemonChild = daemonChild;
  proc.stopping = false;
  proc.state = createPenState({
    stdout: (text) => { if (!daemonChild) process.stdout.write(text); },
    debug: (text, level) => proc.diagnostics.debug(text, level),
    exit: () => void shutdown(proc, 0),
    foreground: () => proc.state.config.process.foreground,
  });
  const level = () => proc.state.config.logging.diagnostics.debugLevel;
  proc.diagnostics = createDiagnostics(daemonChild ? 'syslog' : 'stderr', level);
  currentDiagnostics = proc.diagnostics;
  return proc;
}

export async function penMain(args: string[], env: NodeJS.ProcessEnv, entryScript: string): Promise<void> {
  if (env.PENPOUND_DAEMON_CHILD === '1' && process.send) {
    await runDaemonChild();
    return;
  }
  const proc = createProcess(false);
  const { state } = proc;
  const outcome = await processArgs(state, args, {
    argv0: displayArgv0(env.PENPOUND_ARGV0),
    posixlyCorrect: env.POSIXLY_CORRECT !== undefined,
    stderr: (t) => process.stderr.write(t),
  });
  if (outcome.kind === 'usage') printUsage();
  if (outcome.kind === 'exit') exitWith(outcome.code);
  if (state.settings.configFile !== undefined) await readConfigFile(state, state.settings.configFile);
  if (!state.settings.listenerFromCommand && outcome.positionals.length === 0) printUsage();
  state.config.logging.diagnostics.target = state.config.process.foreground ? 'stderr' : 'syslog';

  const plan: LaunchPlan = {
    config: state.config,
    settings: state.settings,
    preStartStats: state.preStartStats,
    positionals: outcome.positionals,
    ...(outcome.emergency && { emergency: outcome.emergency }),
    ...(outcome.abuse && { abuse: outcome.abuse }),
  };
  if (outcome.dumpConfig) {
    await dumpConfig(proc, plan);
    return;
  }
  if (!state.config.process.foreground) {
    exitWith(await detach(plan, entryScript, (t) => process.stderr.write(t)));
  }
  state.config.logging.diagnostics.target = 'stderr';
  await startProxy(proc, plan);
}

async function runDaemonChild(): Promise<void> {
  const plan = await receivePlan();
  const proc = createProcess(true);
  proc.state.config = plan.config;
  proc.state.settings = plan.settings;
  proc.state.preStartStats = plan.preStartStats;
  proc.state.config.logging.diagnostics.target = 'syslog';
  process.title = 'pen';
  await startProxy(proc, plan);
}

/** --dump-config: the model pen would run (servers resolved), as JSON on stdout. */
async function dumpConfig(proc: PenProcess, plan: LaunchPlan): Promise<void> {
  const { state } = proc;
  const listener = await buildListener(state, plan.positionals);
  for (const m of listener.messages) proc.diagnostics.debug(m);
  const built = await buildServers(state, serverPositionals(plan.positionals), plan, defaultServerPort(state), (t) => proc.diagnostics.debug(t));
  if (!built.ok) await fatal(proc, built.fatal);
  process.stdout.write(`${JSON.stringify(state.config, null, 2)}\n`);
  exitWith(0);
}

async function openControlPort(proc: PenProcess): Promise<Endpoint | undefined> {
  const { state } = proc;
  const spec = state.settings.controlSpec;
  if (spec === undefined) return undefined;
  if (process.getuid?.() === 0 && state.config.process.user === undefined) {
    proc.diagnostics.debug("Won't open control port running as root; use -u to run as different user");
    return undefined;
  }
  const result = await listenEndpoint(spec, false);
  if (!result.ok) {
    for (const m of result.messages) proc.diagnostics.debug(m);
    return undefined;
  }
  const server = await startControlServer(state, result.endpoint);
  if (typeof server === 'string') await fatal(proc, server);
  proc.control = server as Server;
  state.config.control = { endpoint: result.endpoint, spec, protocol: 'pen', allowExit: state.settings.allowExit, acl: state.settings.controlAcl };
  return result.endpoint;
}

/** pen prints these two lines on every start (its connection and client tables). */
function tableLines(state: PenState, before: boolean): string[] {
  const conns = penListener(state).limits.maxConnections;
  const clients = penService(state).balance.clientTableSize;
  const pointer = (set: boolean, base: number) => (set ? `0x${base.toString(16)}` : '(nil)');
  const b = `Before: conns = ${pointer(state.settings.connMaxSet, 0x5000)}, connections_max = ${state.settings.connMaxSet ? conns : 0}, clients = ${pointer(state.settings.clientsMaxSet, 0x9000)}, clients_max = ${state.settings.clientsMaxSet ? clients : 0}`;
  const a = `After: conns = 0x5000, connections_max = ${conns}, clients = 0x9000, clients_max = ${clients}`;
  return before ? [b] : [a];
}

function configureTls(proc: PenProcess): void {
  const { settings } = proc.state;
  const tls = settings.tls;
  if (tls.certFile === undefined) return;
  const options = new Set(tls.options);
  let minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' | undefined;
  if (tls.protocol === 'tls1' || options.has('no_sslv3')) minVersion = 'TLSv1';
  if (options.has('no_tlsv1')) minVersion = 'TLSv1.1';
  if (options.has('no_tlsv1.1')) minVersion = 'TLSv1.2';
  if (options.has('no_tlsv1.2')) minVersion = 'TLSv1.3';
  penListener(proc.state).tls = {
    certificates: [{ certFile: tls.certFile, ...(tls.keyFile !== undefined && { keyFile: tls.keyFile }) }],
    ...(tls.ciphers !== undefined && { ciphers: tls.ciphers }),
    ...(options.has('cipher_server_preference') && { honorCipherOrder: true }),
    ...(minVersion && { minVersion }),
    ...(tls.caFile !== undefined && { caFile: tls.caFile }),
    ...(tls.caDir !== undefined && { caDir: tls.caDir }),
    ...(tls.requireClientCert && { requireClientCert: true, clientCert: { mode: 2 as const, depth: 9 } }),
    ...(tls.sniPath !== undefined && { sniPath: tls.sniPath }),
  };
}

/** pen's check of the request log before it runs: the file must open for appending. */
async function checkRequestLog(proc: PenProcess): Promise<void> {
  const log = proc.state.config.logging.requestLog;
  if (log?.kind === 'file') {
    try {
      closeSync(openSync(log.path, 'a'));
    } catch {
      await fatal(proc, `Can't open logfile ${log.path}`);
    }
  } else if (log?.kind === 'udp') {
    if (!(await resolveHost(log.host))) await fatal(proc, `Bogus host ${log.host}`);
  }
}

async function startProxy(proc: PenProcess, plan: LaunchPlan): Promise<void> {
  const { state, diagnostics } = proc;
  const { config, settings } = state;
  const debug = (t: string) => diagnostics.debug(t);

  const controlEndpoint = await openControlPort(proc);
  const listener = await buildListener(state, plan.positionals);
  for (const m of listener.messages) debug(m);
  for (const line of tableLines(state, true)) debug(line);
  settings.connMaxSet = true;
  settings.clientsMaxSet = true;
  for (const line of tableLines(state, false)) debug(line);
  const built = await buildServers(state, serverPositionals(plan.positionals), plan, defaultServerPort(state, controlEndpoint), debug);
  if (!built.ok) await fatal(proc, built.fatal);

  configureTls(proc);
  if (settings.eventBackend === 'kqueue') {
    debug("You don't have kqueue");
    await fatal(proc, '');
  }
  if (settings.eventBackend === 'select' && penListener(state).limits.maxConnections > SELECT_MAX_CONNECTIONS) {
    await fatal(proc, `Number of simultaneous connections too large.\nMaximum is ${SELECT_MAX_CONNECTIONS}, or re-build pen with larger FD_SETSIZE`);
  }
  // Direct server return needs raw AF_PACKET sockets, which Node.js does not offer.
  if (settings.dsrInterface !== undefined) await fatal(proc, "Can't initialize direct server return");

  let user: PasswdEntry | undefined;
  if (config.process.user !== undefined) {
    user = getpwnam(config.process.user);
    if (!user) await fatal(proc, `Can't getpwnam(${config.process.user})`);
  }
  // Node.js cannot chroot(2). Refusing is safer than running outside the jail asked for.
  if (config.process.chroot !== undefined) await fatal(proc, `Can't chroot(${config.process.chroot})`);
  await checkRequestLog(proc);
  // A listen spec pen could not use leaves no listener; pen dies when its loop starts.
  if (!listener.opened) await fatal(proc, 'epoll_ctl: Bad file descriptor');

  // The engine reports in pen's words: debug lines (level in the code "pen-debug-N"), and
  // start-up failures carrying pen's fatal text ("can't bind local address", ...).
  const result = await start(config, { report: (d) => diagnostics.debug(d.message, engineDebugLevel(d)) });
  if (!result.ok) {
    await fatal(proc, result.errors[0]?.message ?? "can't bind local address");
    return;
  }
  proc.handle = result.handle;
  state.handle = result.handle;
  carryOverStats(state);

  if (user) {
    const failure = dropPrivileges(user);
    if (failure) await fatal(proc, failure);
  }
  if (config.process.pidFile !== undefined && !writePidFile(config.process.pidFile)) {
    await fatal(proc, `Can't create pidfile ${config.process.pidFile}`);
  }
  installSignals(proc);
  if (proc.daemonChild) {
    await reportToParent({ kind: 'ready' });
    proc.daemonChild = false;
  }
}

function engineDebugLevel(d: Diagnostic): number {
  const m = /^pen-debug-(\d+)$/.exec(d.code ?? '');
  if (m) return Number(m[1]);
  return d.severity === 'info' ? 1 : 0;
}

/** Blacklisting done by -o / -F before the engine ran moves into the engine's counters. */
function carryOverStats(state: PenState): void {
  const live = serviceStats(state);
  state.preStartStats.backends.forEach((s, i) => {
    while (live.backends.length <= i) live.backends.push({ connections: 0, sent: 0, received: 0, failedAt: 0 });
    if (s.failedAt !== 0) live.backends[i]!.failedAt = s.failedAt;
  });
  const wanted = penService(state).backends.length;
  while (live.backends.length < wanted) live.backends.push({ connections: 0, sent: 0, received: 0, failedAt: 0 });
}

/** Signals are handled one at a time, in order, between other events (as pen's flags are). */
function installSignals(proc: PenProcess): void {
  let queue: Promise<void> = Promise.resolve();
  const serial = (work: () => Promise<void> | void) => {
    queue = queue.then(work, work).catch((e: Error) => proc.diagnostics.debug(`signal: ${e.message}`));
  };
  process.on('SIGHUP', () => serial(async () => {
    // A log that cannot be reopened is fatal, as in pen (`Can't open logfile FILE`).
    const failed = proc.handle?.reopenLogs() ?? [];
    if (failed.length > 0) await fatal(proc, failed[0]!.message);
    const file = proc.state.settings.configFile;
    if (file !== undefined) await readConfigFile(proc.state, file);
  }));
  process.on('SIGUSR1', () => serial(async () => {
    if (proc.state.settings.webStatsFile !== undefined) await writeStatusPage(proc.state);
    else for (const block of statusTextBlocks(proc.state)) proc.diagnostics.debug(block);
  }));
  // pen aborts on SIGUSR2 (a core dump on purpose): exit status 134.
  process.on('SIGUSR2', () => process.abort());
  process.on('SIGTERM', () => void shutdown(proc, 0));
}

/** SIGTERM and `exit`: close everything abruptly, remove the pid file, exit 0. */
export async function shutdown(proc: PenProcess, code: number): Promise<void> {
  if (proc.stopping) return;
  proc.stopping = true;
  proc.control?.close();
  const stopped = proc.handle?.stop({ graceful: false }) ?? Promise.resolve();
  // Never hang on the way out.
  await Promise.race([stopped, new Promise((r) => setTimeout(r, 2000).unref())]);
  removePidFile(proc.state.config.process.pidFile);
  process.exit(code);
}

export type { Positional };
