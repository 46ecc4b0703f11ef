// Statements → ProxyConfig. Walks the file in order, so legacy's "a default applies to
// what follows" falls out naturally; 4.x's global-at-run-time settings are resolved at
// the end. Every default is filled in here: the engine never guesses.
import { getCurves } from 'node:crypto';
import type { Listener, ProxyConfig, Service } from '@penpound/engine';
import { LEGACY_FACILITIES, MODERN_FACILITIES } from './keywords.js';
import type { ConfigDialect, Problem } from './problems.js';
import type { Block, Span, Stmt } from './statements.js';
import { buildBackend } from './build/backend.js';
import { BuildContext, sourceOf, type HostResult } from './build/context.js';
import { buildListener } from './build/listener.js';
import { buildService, type NamedBackends } from './build/service.js';
import { bool, int, text } from './build/values.js';

export interface BuildOptions {
  dialect: ConfigDialect;
  hosts: ReadonlyMap<string, HostResult>;
  /** false with -W no-dns: names are kept, not resolved. */
  dns: boolean;
  /** 4.x include directory (relative Err/Cert names); undefined = current directory. */
  includeDir?: string;
  /** The file given with -f, for the config's source. */
  file: string;
}

export interface BuildResult {
  config: ProxyConfig;
  problems: Problem[];
  /** 4.x features this version checks but does not run yet (serving refuses them). */
  unsupported: { what: string; span: Span }[];
}

export function toModel(root: Block, opts: BuildOptions): BuildResult {
  const ctx = new BuildContext(opts.dialect, opts.hosts, opts.dns, opts.includeDir);
  const config: ProxyConfig = {
    dialect: opts.dialect,
    process: { foreground: false, graceSeconds: 30, threads: 128, aliveSeconds: 30 },
    logging: { diagnostics: { target: 'syslog', facility: 'daemon', debugLevel: 0 } },
    listeners: [],
    services: [],
    acls: [],
    source: { file: opts.file, line: 1 },
  };
  const named: NamedBackends = new Map();
  const globalServiceNames = new Set<string>();
  const listenerNames = new Set<string>();
  const listenerLevels: { listener: Listener; own: boolean }[] = [];
  let globalLogLevel = 1;
  let globalLogFormat: string | undefined;

  for (const s of root.body) {
    switch (s.name) {
      case 'User':
        config.process.user = text(s);
        break;
      case 'Group':
        config.process.group = text(s);
        break;
      case 'RootJail':
        config.process.chroot = text(s);
        ctx.notRunYet('RootJail', s); // Node.js cannot chroot: serving refuses it, naming this line
        break;
      case 'Daemon':
        config.process.foreground = ctx.legacy ? text(s) === '0' : !bool(s);
        break;
      case 'Threads':
      case 'WorkerMaxCount':
        config.process.threads = int(ctx, s);
        break;
      case 'LogFacility':
        logFacility(ctx, s, config);
        break;
      case 'LogLevel': {
        const a = s.args[0]!;
        if (a.kind === 'string') {
          const f = ctx.logFormats.get(a.text);
          if (f === undefined && !['null', 'regular', 'extended', 'vhost_combined', 'combined', 'detailed'].includes(a.text)) {
            ctx.error('undefined-log-format', a.span, { m: `undefined format: ${a.text}` });
            break;
          }
          globalLogFormat = f ?? a.text;
        } else {
          globalLogLevel = int(ctx, s);
          globalLogFormat = undefined;
        }
        ctx.defaults.logLevel = globalLogLevel;
        break;
      }
      case 'LogFormat':
        ctx.logFormats.set(text(s, 0), text(s, 1));
        break;
      case 'Alive':
        ctx.aliveSeconds = int(ctx, s);
        break;
      case 'Client':
        ctx.defaults.clientTimeout = int(ctx, s);
        break;
      case 'TimeOut':
        ctx.defaults.ioTimeout = int(ctx, s);
        break;
      case 'ConnTO':
        ctx.defaults.connectTimeout = int(ctx, s);
        break;
      case 'WSTimeOut':
        ctx.defaults.wsTimeout = int(ctx, s);
        break;
      case 'Grace':
        config.process.graceSeconds = int(ctx, s);
        break;
      case 'IgnoreCase':
        ctx.defaults.ignoreCase = bool(s);
        break;
      case 'Balancer':
        ctx.defaults.balancer = text(s).toLowerCase() === 'iwrr' ? 'iwrr' : 'random';
        break;
      case 'RegexType':
        ctx.defaults.regexType = text(s).toLowerCase() === 'posix' ? 'posix' : 'pcre';
        break;
      case 'IncludeDir':
        ctx.includeDir = text(s);
        break;
      case 'PIDFile':
        config.process.pidFile = text(s); // "-" (4.19): no pid file; kept so -p's default does not apply
        break;
      case 'SSLEngine':
        break; // no OpenSSL engines in Node: accepted and ignored (COMPAT.md)
      case 'ECDHCurve':
        if (ctx.legacy && !getCurves().includes(text(s))) {
          ctx.error('ecdh-curve', s.span, { l3: 'ECDHCurve config: invalid curve name', modern: `ECDHCurve "${text(s)}" is not a curve OpenSSL knows` });
        }
        break;
      case 'Control':
        control(ctx, s, config);
        break;
      case 'Anonymise':
      case 'Anonymize':
        config.logging.anonymise = true;
        break;
      case 'DynScale':
        break;
      case 'Backend': {
        const b = buildBackend(ctx, s, 'named');
        if (b) named.set(text(s), b);
        break;
      }
      case 'ListenHTTP':
      case 'ListenHTTPS': {
        if (!ctx.legacy && s.args[0]) {
          if (listenerNames.has(s.args[0].text)) ctx.error('duplicate-listener', s.args[0].span, { m: 'listener name is not unique' });
          listenerNames.add(s.args[0].text);
        }
        const r = buildListener(ctx, s, named, new Set());
        if (r) {
          config.listeners.push(r.listener);
          listenerLevels.push({ listener: r.listener, own: r.ownLogLevel });
        }
        break;
      }
      case 'Service': {
        if (!ctx.legacy && s.args[0]) {
          if (globalServiceNames.has(s.args[0].text)) ctx.error('duplicate-service', s.args[0].span, { m: 'service name is not unique' });
          globalServiceNames.add(s.args[0].text);
        }
        const svc = buildService(ctx, s, named);
        if (svc) config.services.push(svc);
        break;
      }
      case 'Lua':
      case 'Tunnel':
        ctx.notRunYet(s.name, s);
        break;
      // ACL and Condition definitions matter only where a Service uses them (refused
      // there); TrustedIP/ForwardedHeader only change the logged client address;
      // CombineHeaders, Resolver (dynamic backends are refused where used): harmless.
      default:
        // Supervisor, Worker*, ConnectionQueueSize, ReserveFD, LogTag, BackendStats,
        // WatcherTTL, LineBufferSize, Constant, HeaderOption: no effect on what is served.
        break;
    }
  }

  config.process.aliveSeconds = ctx.aliveSeconds;
  for (const svc of allServices(config)) {
    for (const b of [...svc.backends, ...svc.emergency]) if (b.healthCheck) b.healthCheck.intervalSeconds = ctx.aliveSeconds;
  }
  // 4.x: the global LogLevel applies at run time to listeners without their own.
  if (!ctx.legacy) {
    for (const { listener, own } of listenerLevels) {
      if (own || !listener.http) continue;
      listener.http.logLevel = globalLogLevel;
      if (globalLogFormat !== undefined) listener.http.logFormat = globalLogFormat;
    }
  }
  return { config, problems: ctx.problems, unsupported: ctx.unsupported };
}

function allServices(config: ProxyConfig): Service[] {
  return [...config.listeners.flatMap((l) => l.services), ...config.services];
}

function logFacility(ctx: BuildContext, s: Stmt, config: ProxyConfig): void {
  const v = text(s);
  const diagnostics = config.logging.diagnostics;
  if (v.startsWith('-')) {
    diagnostics.target = 'stderr';
    delete diagnostics.facility;
    return;
  }
  // Legacy compares the name case-sensitively and ignores unknown ones; 4.x refuses them.
  const known = ctx.legacy ? LEGACY_FACILITIES.includes(v) : MODERN_FACILITIES.includes(v.toLowerCase());
  if (!known) {
    if (!ctx.error('log-facility', s.args[0]!.span, { m: 'unknown log facility name' })) {
      ctx.problems.push({
        severity: 'warning',
        code: 'log-facility-ignored',
        span: s.span,
        order: s.span.order,
        text: '',
        modern: `LogFacility "${v}" is not a facility name pound 2.x knows (names are lower case): it is ignored and "daemon" is used`,
        modernOnly: true,
      });
    }
    return;
  }
  diagnostics.target = 'syslog';
  diagnostics.facility = v.toLowerCase();
}

function control(ctx: BuildContext, s: Stmt, config: ProxyConfig): void {
  if (config.control && ctx.legacy) {
    ctx.error('control-multiple', s.span, { legacy: 'Control multiply defined - aborted' });
    return;
  }
  let path = s.args[0]?.text;
  let mode: number | undefined;
  let changeOwner: boolean | undefined;
  if (s.block) {
    for (const x of s.block.body) {
      if (x.name === 'Socket') path = text(x);
      if (x.name === 'Mode') mode = parseInt(text(x), 8);
      if (x.name === 'ChangeOwner') changeOwner = bool(x);
    }
    if (path === undefined) {
      if (s.block.end) ctx.error('control-socket', s.span, { m: 'Socket statement is missing' });
      return;
    }
  }
  config.control = {
    endpoint: { kind: 'unix', path: path! },
    spec: path!,
    protocol: ctx.legacy ? 'pound-legacy' : 'pound-4',
    // 4.x lists the socket as a listener in file order (poundctl indices count it).
    ...(ctx.legacy ? {} : { listenerIndex: config.listeners.length }),
    ...(mode !== undefined && !Number.isNaN(mode) ? { mode } : {}),
    ...(changeOwner !== undefined ? { changeOwner } : {}),
    source: sourceOf(s.span),
  };
}
