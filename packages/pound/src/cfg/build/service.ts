// Service blocks → model Service: match conditions, backends, redirects, session.
import type { Backend, BalanceConfig, MatchCondition, Pattern, Service } from '@penpound/engine';
import type { Stmt } from '../statements.js';
import { MODIFICATIONS_NOT_RUN } from '../keywords.js';
import { joinSpans } from '../statements.js';
import { buildBackend } from './backend.js';
import { sourceOf, type BuildContext } from './context.js';
import { buildSession, sessionConfig, type SessionState } from './session.js';
import { bool, checkedEre, int, matchOptions, regexError, text } from './values.js';

/** Legacy names are kept to 127 characters. */
const NAME_MAX = 127;
const REDIRECT_URL = /(http|https):\/\/([^/]+)(.*)/i;
const REDIRECT_CODES_4 = new Set([301, 302, 303, 307, 308]);

export function balanceFor(algorithm: 'random' | 'iwrr'): BalanceConfig {
  return {
    algorithm,
    clientTracking: false,
    trackingSeconds: 0,
    clientTableSize: 0,
    hash: false,
    weight: false,
    prio: false,
    stubborn: false,
    blacklistSeconds: 0,
  };
}

/** Named backends (4.x top-level `Backend "name"`), for UseBackend / Backend "name". */
export type NamedBackends = Map<string, Backend>;

export function buildService(ctx: BuildContext, stmt: Stmt, named: NamedBackends): Service | undefined {
  const name = stmt.args[0]?.text;
  const svc: Service = {
    disabled: false,
    match: [],
    balance: balanceFor(ctx.defaults.balancer),
    backends: [],
    emergency: [],
    source: sourceOf(stmt.span),
  };
  if (name !== undefined) svc.name = ctx.legacy ? name.slice(0, NAME_MAX) : name;
  let ignoreCase = ctx.defaults.ignoreCase;
  const session: SessionState = { ttl: 0 };
  let sessionStmt: Stmt | undefined;
  let ok = true;
  let redirects = 0;

  for (const s of stmt.block?.body ?? []) {
    switch (s.name) {
      case 'URL': {
        if (ctx.legacy) {
          const p = checkedEre(ctx, s, s.args[0]!, 'URL', ignoreCase);
          if (p) svc.match.push({ kind: 'url', pattern: p });
          else ok = false;
        } else {
          const c = condition(ctx, s, ignoreCase);
          if (c) svc.match.push(c);
          else ok = false;
        }
        break;
      }
      case 'HeadRequire':
      case 'HeadDeny': {
        const p = checkedEre(ctx, s, s.args[0]!, s.name, true);
        if (!p) {
          ok = false;
          break;
        }
        const c: MatchCondition = { kind: 'header', pattern: p };
        svc.match.push(s.name === 'HeadRequire' ? c : { kind: 'not', condition: c });
        break;
      }
      case 'IgnoreCase':
        ignoreCase = bool(s);
        // pound 4.x: a service-level IgnoreCase also changes the global default (a bug kept).
        if (!ctx.legacy) ctx.defaults.ignoreCase = ignoreCase;
        break;
      case 'Disabled':
        svc.disabled = bool(s);
        break;
      case 'Backend': {
        if (s.block?.kind === 'use-backend') {
          const b = useBackend(ctx, s, named);
          if (b) svc.backends.push(b);
          else ok = false;
          break;
        }
        const b = buildBackend(ctx, s, 'regular');
        if (b) svc.backends.push(b);
        else ok = false;
        break;
      }
      case 'UseBackend': {
        const b = useBackend(ctx, s, named);
        if (b) svc.backends.push(b);
        else ok = false;
        break;
      }
      case 'Emergency': {
        const b = buildBackend(ctx, s, 'emergency');
        if (!b) ok = false;
        // Legacy keeps one Emergency per service: a second one replaces the first.
        else if (ctx.legacy) svc.emergency = [b];
        else svc.emergency.push(b);
        break;
      }
      case 'Redirect': {
        const b = redirect(ctx, s);
        if (b) {
          svc.backends.push(b);
          redirects++;
        } else ok = false;
        break;
      }
      case 'Session':
        sessionStmt = s;
        if (!buildSession(ctx, s, session)) ok = false;
        break;
      case 'Balancer':
        svc.balance.algorithm = text(s).toLowerCase() === 'iwrr' ? 'iwrr' : 'random';
        break;
      case 'DynScale':
        break; // 2.3–2.7 dynamic rescaling: accepted, not implemented (COMPAT.md)
      case 'Path':
      case 'Query':
      case 'QueryParam':
      case 'Header':
      case 'Host':
      case 'Method':
      case 'Match':
      case 'Not': {
        const c = condition(ctx, s, ignoreCase);
        if (c) svc.match.push(c);
        else ok = false;
        break;
      }
      case 'StringMatch':
      case 'ACL':
      case 'BasicAuth':
      case 'ClientCert':
      case 'TBF':
      case 'Eval':
      case 'LuaMatch':
        ctx.notRunYet(`${s.name} condition`, s);
        break;
      case 'Error':
      case 'Metrics':
      case 'Control':
      case 'SendFile':
      case 'Success':
      case 'LuaBackend':
      case 'ACME':
        ctx.notRunYet(`${s.name} backend`, s);
        redirects++; // counts as a backend for "no backends defined"
        break;
      case 'SetHeader':
      case 'DeleteHeader':
      case 'AddHeader':
      case 'HeaderAdd':
      case 'HeadRemove':
      case 'HeaderRemove':
      case 'TrustedIP':
      case 'ForwardedHeader':
        ctx.notRunYet(`${s.name} in a Service`, s);
        break;
      default:
        // Header changes per service are not in the model yet.
        if (MODIFICATIONS_NOT_RUN.has(s.name)) ctx.notRunYet(`${s.name} in a Service`, s);
        break; // LogSuppress, RewriteErrors, ContentCapture, Constant, FallThrough: no effect on routing
    }
  }

  const end = stmt.block?.end;
  if (end && !ctx.legacy) {
    if (svc.backends.length === 0 && svc.emergency.length === 0 && redirects === 0) {
      ctx.warn('no-backends', joinSpans(stmt.span, end), 'no backends defined', 'this service has no backends: its requests get 503');
    } else if (redirects > 0 && svc.backends.length > redirects) {
      ctx.warn('mixed-redirects', joinSpans(stmt.span, end), 'mixing regular and redirect backends is deprecated');
    }
  }
  const sc = sessionStmt ? sessionConfig(session, sessionStmt) : undefined;
  if (sc) svc.session = sc;
  return ok ? svc : undefined;
}

function redirect(ctx: BuildContext, s: Stmt): Backend | undefined {
  const code = s.args.length === 2 ? int(ctx, s, 0) : 302;
  const url = text(s, s.args.length - 1);
  if (!ctx.legacy && !REDIRECT_CODES_4.has(code)) {
    ctx.error('redirect-bad-code', s.args[0]!.span, { m: 'invalid status code', modern: `Redirect code ${code} is not one of 301, 302, 303, 307, 308` });
    return undefined;
  }
  if (!REDIRECT_URL.test(url)) {
    ctx.error('redirect-bad-url', s.span, {
      l2: `Redirect bad URL "${url}" - aborted`,
      l3: 'Redirect bad URL - aborted',
      m: 'Redirect bad URL',
      modern: `Redirect "${url}": the URL must start with http:// or https:// and a host`,
    });
    return undefined;
  }
  return {
    redirect: { code, url },
    endpoint: { kind: 'unspecified' },
    spec: url,
    weight: 1,
    priority: 0,
    disabled: false,
    limits: { softMax: 0, hardMax: 0 },
    timeouts: { connectSeconds: ctx.defaults.connectTimeout, ioSeconds: ctx.defaults.ioTimeout },
    source: sourceOf(s.span),
  };
}

function useBackend(ctx: BuildContext, s: Stmt, named: NamedBackends): Backend | undefined {
  const name = text(s);
  const b = named.get(name);
  if (!b) {
    ctx.error('undefined-backend', s.args[0]!.span, { m: `no such backend: ${name}`, modern: `backend "${name}" is not defined (define it with a top-level Backend "${name}" block first)` });
    return undefined;
  }
  const copy: Backend = structuredClone(b);
  copy.source = sourceOf(s.span);
  for (const x of s.block?.body ?? []) {
    if (x.name === 'Priority') copy.weight = int(ctx, x);
    if (x.name === 'Disabled') copy.disabled = bool(x);
  }
  return copy;
}

/** The default matching of each 4.x condition. */
const CONDITION_DEFAULTS: Record<string, { syntax: Pattern['syntax']; ignoreCase: boolean | 'global' }> = {
  URL: { syntax: 'posix-ere', ignoreCase: 'global' },
  Path: { syntax: 'posix-ere', ignoreCase: 'global' },
  Query: { syntax: 'posix-ere', ignoreCase: 'global' },
  QueryParam: { syntax: 'posix-ere', ignoreCase: 'global' },
  Header: { syntax: 'posix-ere', ignoreCase: true },
  Host: { syntax: 'exact', ignoreCase: true },
  Method: { syntax: 'exact', ignoreCase: true },
};

/** A 4.x condition statement (also inside Match/Not) → MatchCondition. */
function condition(ctx: BuildContext, s: Stmt, ignoreCase: boolean): MatchCondition | undefined {
  if (s.name === 'Not') {
    const inner = s.inner ? condition(ctx, s.inner, ignoreCase) : undefined;
    return inner ? { kind: 'not', condition: inner } : undefined;
  }
  if (s.name === 'Match') {
    const all: MatchCondition[] = [];
    for (const x of s.block?.body ?? []) {
      const c = condition(ctx, x, ignoreCase);
      if (!c) return undefined;
      all.push(c);
    }
    return text(s).toUpperCase() === 'OR' ? { kind: 'any', conditions: all } : { kind: 'all', conditions: all };
  }
  if (s.name === 'HeadRequire' || s.name === 'HeadDeny') {
    const p = checkedEre(ctx, s, s.args[0]!, s.name, true);
    if (!p) return undefined;
    return s.name === 'HeadRequire' ? { kind: 'header', pattern: p } : { kind: 'not', condition: { kind: 'header', pattern: p } };
  }
  const defaults = CONDITION_DEFAULTS[s.name];
  if (!defaults) {
    ctx.notRunYet(`${s.name} condition`, s);
    return { kind: 'all', conditions: [] };
  }
  const lead = s.name === 'QueryParam' ? s.args.slice(0, 1) : [];
  const { options, rest } = matchOptions(s.args.slice(lead.length));
  if (options.fromFile) {
    ctx.notRunYet(`${s.name} -${options.fromFile}`, s);
    return { kind: 'all', conditions: [] };
  }
  // Header "name" "pattern": the optional name comes before the pattern.
  const patternArg = rest[rest.length - 1]!;
  const headerName = s.name === 'Header' && rest.length === 2 ? rest[0]!.text : undefined;
  const syntax = options.syntax ?? (defaults.syntax === 'posix-ere' && ctx.defaults.regexType === 'pcre' ? 'pcre' : defaults.syntax);
  const icase = options.ignoreCase ?? (defaults.ignoreCase === 'global' ? ignoreCase : defaults.ignoreCase);
  if (syntax === 'posix-ere' || syntax === 'pcre') {
    const why = syntax === 'posix-ere' ? regexError(patternArg.text, icase) : pcreError(patternArg.text, icase);
    if (why !== undefined) {
      ctx.error('bad-pattern', patternArg.span, { m: why, modern: `${s.name}: the regular expression "${patternArg.text}" does not compile: ${why}` });
      return undefined;
    }
  }
  const pattern: Pattern = { source: patternArg.text, ignoreCase: icase, syntax, location: sourceOf(patternArg.span) };
  switch (s.name) {
    case 'URL': return { kind: 'url', pattern };
    case 'Path': return { kind: 'path', pattern };
    case 'Query': return { kind: 'query', pattern };
    case 'QueryParam': return { kind: 'query-param', name: lead[0]!.text, pattern };
    case 'Header': return headerName !== undefined ? { kind: 'header', pattern, name: headerName } : { kind: 'header', pattern };
    case 'Host': return { kind: 'host', pattern };
    default: return { kind: 'method', pattern };
  }
}

function pcreError(source: string, icase: boolean): string | undefined {
  try {
    new RegExp(source, icase ? 'i' : '');
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '');
  }
}
