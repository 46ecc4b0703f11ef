// BackEnd / Emergency blocks (and 4.x's top-level Backend "name") → model Backend.
import { isIP } from 'node:net';
import type { Backend, Endpoint } from '@penpound/engine';
import type { Stmt } from '../statements.js';
import { joinSpans } from '../statements.js';
import { checkCert } from './cert.js';
import { inetEndpoint, sourceOf, type BuildContext } from './context.js';
import { bool, int, text } from './values.js';

export type BackendKind = 'regular' | 'emergency' | 'named';

/** sizeof(sun_path): longer paths cannot be a UNIX socket address. */
const UNIX_PATH_MAX = 108;

const MIN_VERSION: Record<string, NonNullable<Backend['tls']>['minVersion']> = {
  sslv2: 'TLSv1',
  sslv3: 'TLSv1',
  tlsv1: 'TLSv1.1',
  tlsv1_1: 'TLSv1.2',
  tlsv1_2: 'TLSv1.3',
  tlsv1_3: 'TLSv1.3',
};

/** The lowest protocol left after `Disable P` (P and everything older go). */
export function minVersionAfterDisable(current: string | undefined, proto: string): 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' {
  const order = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
  const next = MIN_VERSION[proto.toLowerCase()] ?? 'TLSv1';
  const cur = order.indexOf((current ?? 'TLSv1') as (typeof order)[number]);
  return order[Math.max(cur, order.indexOf(next as (typeof order)[number]))]!;
}

/**
 * How an Address is taken: a numeric IP, a name that resolved, or (legacy and 4.x alike)
 * a UNIX socket path when it does not resolve.
 */
function backendEndpoint(ctx: BuildContext, host: string): Endpoint {
  if (isIP(host)) return { kind: 'inet', host, port: 0, resolved: host, family: isIP(host) as 4 | 6 };
  if (!ctx.dns) return host.startsWith('/') ? { kind: 'unix', path: host } : { kind: 'inet', host, port: 0 };
  const r = ctx.hosts.get(host);
  if (r && r.ok) return inetEndpoint(host, 0, r);
  return { kind: 'unix', path: host };
}

export function buildBackend(ctx: BuildContext, stmt: Stmt, kind: BackendKind): Backend | undefined {
  const emergency = kind === 'emergency';
  const backend: Backend = {
    endpoint: { kind: 'unspecified' },
    weight: 5,
    priority: 0,
    disabled: false,
    limits: { softMax: 0, hardMax: 0 },
    timeouts: emergency
      ? { connectSeconds: 120, ioSeconds: 120, ...(ctx.legacy ? {} : { websocketSeconds: 120 }) }
      : {
          connectSeconds: ctx.defaults.connectTimeout,
          ioSeconds: ctx.defaults.ioTimeout,
          ...(ctx.legacy ? {} : { websocketSeconds: ctx.defaults.wsTimeout }),
        },
    source: sourceOf(stmt.span),
  };
  if (kind === 'named') backend.spec = text(stmt);
  let port: number | undefined;
  let portStmt: Stmt | undefined;
  let ok = true;
  const fail = (code: string, s: Stmt, t: Parameters<BuildContext['error']>[2]) => {
    if (ctx.error(code, s.span, t)) ok = false;
  };
  const needHttps = (s: Stmt): boolean => {
    if (backend.tls?.enabled) return true;
    fail('backend-tls-before-https', s, {
      l3: `BackEnd ${s.name} can only be used after HTTPS - aborted`,
      m: 'HTTPS must be used before this statement',
      modern: `${s.name} in a backend needs HTTPS first`,
    });
    return false;
  };

  for (const s of stmt.block?.body ?? []) {
    switch (s.name) {
      case 'Address': {
        const host = text(s);
        const ep = backendEndpoint(ctx, host);
        if (ep.kind === 'unix' && Buffer.byteLength(ep.path) > UNIX_PATH_MAX) {
          fail('unix-path-too-long', s, {
            l2: `UNIX path name too long (greater than ${UNIX_PATH_MAX})`,
            l3: 'UNIX path name too long',
            m: 'UNIX path name too long',
            modern: `Address "${host}" does not resolve, and is too long for a UNIX socket path`,
          });
          break;
        }
        backend.endpoint = ep;
        if (port !== undefined && ep.kind === 'inet') ep.port = port;
        break;
      }
      case 'Port': {
        const p = int(ctx, s);
        if (ctx.legacy) {
          if (backend.endpoint.kind !== 'inet') {
            fail('port-not-inet', s, {
              legacy: 'Port is supported only for INET/INET6 back-ends',
              modern:
                backend.endpoint.kind === 'unix'
                  ? `Port: the Address "${backend.endpoint.path}" did not resolve, so it was taken as a UNIX socket path`
                  : 'Port must come after Address in pound 2.x',
            });
            break;
          }
          backend.endpoint.port = p & 0xffff;
        } else {
          port = p;
          portStmt = s;
          if (backend.endpoint.kind === 'inet') backend.endpoint.port = p;
        }
        break;
      }
      case 'Priority':
        if (emergency && ctx.legacy) {
          fail('emergency-priority', s, { legacy: 'Priority is not supported for Emergency back-ends' });
          break;
        }
        backend.weight = int(ctx, s);
        break;
      case 'TimeOut':
        backend.timeouts.ioSeconds = int(ctx, s);
        break;
      case 'ConnTO':
        backend.timeouts.connectSeconds = int(ctx, s);
        break;
      case 'WSTimeOut':
        backend.timeouts.websocketSeconds = int(ctx, s);
        break;
      case 'HAport': {
        const withAddress = s.args.length === 2;
        if (emergency) {
          fail('emergency-haport', s, {
            legacy: withAddress ? 'HAportAddr is not supported for Emergency back-ends' : 'HAport is not supported for Emergency back-ends',
          });
          break;
        }
        if (backend.endpoint.kind !== 'inet') {
          fail('haport-not-inet', s, { legacy: 'HAport is supported only for INET/INET6 back-ends' });
          break;
        }
        const haPort = int(ctx, s, withAddress ? 1 : 0) & 0xffff;
        let ha: Endpoint;
        if (withAddress) {
          const e = backendEndpoint(ctx, text(s, 0));
          if (e.kind !== 'inet') {
            fail('haport-address', s, {
              l2: `Unknown HAport address "${text(s, 0)}"`,
              l3: 'Unknown HAport address',
              modern: `HAport: the address "${text(s, 0)}" does not resolve`,
            });
            break;
          }
          ha = { ...e, port: haPort };
        } else {
          ha = { ...backend.endpoint, port: haPort };
        }
        // Alive is global and the last one wins: the interval is filled in at the end.
        backend.healthCheck = { kind: 'connect', endpoint: ha, intervalSeconds: 0 };
        break;
      }
      case 'HTTPS':
        backend.tls = { ...(backend.tls ?? {}), enabled: true };
        break;
      case 'Cert':
        if (!needHttps(s)) break;
        if (!checkCert(ctx, s, false).ok) {
          ok = false;
          break;
        }
        backend.tls = { ...(backend.tls ?? { enabled: false }), certFile: ctx.path(text(s)) };
        break;
      case 'Ciphers':
        if (!needHttps(s)) break;
        backend.tls = { ...(backend.tls ?? { enabled: false }), ciphers: text(s) };
        break;
      case 'Disable':
        if (!needHttps(s)) break;
        backend.tls = { ...(backend.tls ?? { enabled: false }), minVersion: minVersionAfterDisable(backend.tls?.minVersion, text(s)) };
        break;
      case 'Disabled':
        backend.disabled = bool(s);
        break;
      case 'ServerName':
        backend.tls = { ...(backend.tls ?? { enabled: false }), serverName: text(s) };
        break;
      case 'Resolve':
        if (text(s).toLowerCase() !== 'immediate') ctx.notRunYet(`Resolve ${text(s)}`, s);
        break;
      case 'Family':
      case 'RetryInterval':
      case 'OverrideTTL':
      case 'IgnoreSRVWeight':
        break; // only meaningful with dynamic resolution (Resolve first|all|srv)
      case 'Use':
        ctx.notRunYet('Use', s);
        break;
      default:
        break;
    }
  }

  if (!stmt.block?.end) return ok ? backend : undefined; // "premature EOF" already said
  const endSpan = stmt.block.end;
  if (backend.endpoint.kind === 'unspecified') {
    ctx.error('backend-missing-address', ctx.legacy ? endSpan : joinSpans(stmt.span, endSpan), {
      legacy: 'BackEnd missing Address - aborted',
      m: 'Backend missing Address declaration',
      modern: 'this backend has no Address',
    });
    return undefined;
  }
  if (ctx.legacy) {
    if (backend.endpoint.kind === 'inet' && backend.endpoint.port === 0 && !hasPort(stmt)) {
      ctx.error('backend-missing-port', endSpan, { legacy: 'BackEnd missing Port - aborted', modern: 'this backend has no Port' });
      return undefined;
    }
  } else {
    if (backend.endpoint.kind === 'unix' && portStmt) {
      ctx.error('port-not-applicable', portStmt.span, {
        m: 'Port is not applicable to this address family',
        modern: `Port: the Address "${backend.endpoint.path}" is a UNIX socket path`,
      });
      return undefined;
    }
    if (backend.endpoint.kind === 'inet' && port === undefined) backend.endpoint.port = backend.tls?.enabled ? 443 : 80;
  }
  backend.spec = backend.spec ?? describe(backend.endpoint);
  return ok ? backend : undefined;
}

function hasPort(stmt: Stmt): boolean {
  return (stmt.block?.body ?? []).some((s) => s.name === 'Port');
}

function describe(e: Endpoint): string {
  if (e.kind === 'inet') return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
  if (e.kind === 'unix') return e.path;
  return '';
}
