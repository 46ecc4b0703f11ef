// ListenHTTP / ListenHTTPS blocks → model Listener (services inside come from service.ts).
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { HeaderRule, HttpListenerOptions, Listener, Service, TlsServerConfig } from '@penpound/engine';
import { checkCaFile, checkCrlFile } from '../../tls/pem-check.js';
import { MODIFICATIONS_NOT_RUN } from '../keywords.js';
import { checkReadableFile } from '../../check/files.js';
import type { Stmt } from '../statements.js';
import { joinSpans } from '../statements.js';
import { minVersionAfterDisable } from './backend.js';
import { checkCert } from './cert.js';
import { sourceOf, type BuildContext } from './context.js';
import { buildService, type NamedBackends } from './service.js';
import { bool, checkedEre, int, matchOptions, text } from './values.js';
import { servicePort } from './services-file.js';

/** Whether OpenSSL accepts a cipher list (node:tls loaded only when a 4.x file has one). */
function ciphersUsable(list: string): boolean {
  const tls = createRequire(import.meta.url)('node:tls') as typeof import('node:tls');
  try {
    tls.createSecureContext({ ciphers: list });
    return true;
  } catch {
    return false;
  }
}

/** Status codes 4.x's ErrorFile accepts. */
const ERROR_FILE_CODES = new Set([400, 401, 403, 404, 405, 413, 414, 429, 500, 501, 503]);
/** TLS directives that 2.6+ wants after every Cert. */
const AFTER_CERT = new Set(['ClientCert', 'Ciphers', 'CAlist', 'VerifyList', 'CRLlist']);
const AFTER_CERT_4_NAMES: Record<string, string> = { CAlist: 'CAList', CRLlist: 'CRlist' };

export interface ListenerResult {
  listener: Listener;
  /** 4.x: whether the listener set its own LogLevel (else the global one applies). */
  ownLogLevel: boolean;
}

export function buildListener(ctx: BuildContext, stmt: Stmt, named: NamedBackends, serviceNames: Set<string>): ListenerResult | undefined {
  const https = stmt.name === 'ListenHTTPS';
  const http: HttpListenerOptions = {
    methodsLevel: 0,
    rewriteLocation: 1,
    rewriteDestination: false,
    requestHeaders: [],
    responseHeaders: [],
    errorFiles: {},
    logLevel: ctx.defaults.logLevel,
    forwardedHeaders: ctx.legacy ? 'legacy' : 'modern',
  };
  const tls: TlsServerConfig = { certificates: [] };
  const services: Service[] = [];
  let host: string | undefined;
  let resolved: string | undefined;
  let family: 4 | 6 | undefined;
  let port: number | undefined;
  let clientTimeout = ctx.defaults.clientTimeout;
  let ownLogLevel = false;
  let ok = true;
  let otherTls: string | undefined;
  const fail = (code: string, s: Stmt, t: Parameters<BuildContext['error']>[2], where = s.span) => {
    if (ctx.error(code, where, t)) ok = false;
  };

  const errorFile = (s: Stmt, code: number, arg = s.args[0]!) => {
    const file = ctx.path(arg.text);
    const r = checkReadableFile(file, !ctx.legacy);
    if (!r.ok) {
      const legacyWhat = { stat: 'stat', open: 'open', read: 'read', 'not-regular': 'read', empty: 'read' }[r.stage];
      fail('err-file', s, {
        l2: `can't ${legacyWhat} Err file "${file}" (${r.reason}) - aborted`,
        l3: `can't ${legacyWhat} Err file - aborted`,
        m: r.stage === 'empty' ? `${file}: empty file` : r.stage === 'not-regular' ? `${file}: not a regular file` : `can't open ${file}: ${r.reason}`,
        modern: `${s.keyword} "${file}": ${r.reason}`,
      }, ctx.legacy ? s.span : arg.span);
      return;
    }
    http.errorFiles[code] = file;
  };

  const beforeCert = (s: Stmt): boolean => {
    if (!AFTER_CERT.has(s.name)) return true;
    otherTls ??= s.name;
    if (tls.certificates.length > 0 || (ctx.legacy && ctx.minor < 6)) return true;
    const shown = ctx.legacy ? s.name.replace('CAlist', 'CAList') : (AFTER_CERT_4_NAMES[s.name] ?? s.name);
    fail('tls-before-cert', s, {
      l3: `${shown} may only be used after Cert - aborted`,
      m: `${shown} may only be used after Cert`,
      modern: `${s.name} must come after the Cert lines`,
    });
    return false;
  };

  for (const s of stmt.block?.body ?? []) {
    switch (s.name) {
      case 'Address': {
        const h = text(s);
        host = h;
        resolved = undefined;
        family = undefined;
        if (isIP(h)) {
          resolved = h;
          family = isIP(h) as 4 | 6;
        } else if (!ctx.legacy) {
          fail('bad-listener-address', s, { m: 'bad listener address: Name or service not known', modern: `Address "${h}": pound 4 listeners take a numeric IP address` }, s.args[0]!.span);
        } else if (ctx.dns) {
          const r = ctx.hosts.get(h);
          if (r && r.ok) {
            resolved = r.address;
            family = r.family;
          } else {
            fail('listener-address', s, {
              l2: `Unknown Listener address "${h}"`,
              l3: 'Unknown Listener address',
              modern: `Address "${h}" does not resolve${r && !r.ok ? ` (${r.reason})` : ''}`,
            });
          }
        }
        break;
      }
      case 'Port': {
        if (ctx.legacy) {
          if (host === undefined) {
            fail('listener-family', s, {
              l2: 'Unknown Listener address family 0',
              l3: 'Unknown Listener address family',
              modern: 'Port must come after Address in pound 2.x',
            });
            break;
          }
          port = int(ctx, s) & 0xffff;
        } else {
          const p = servicePort(text(s));
          if (p === undefined) {
            fail('bad-port', s, { m: `bad port number: ${text(s)}`, modern: `Port "${text(s)}" is neither a number nor a known service name` }, s.args[0]!.span);
            break;
          }
          port = p;
        }
        break;
      }
      case 'SocketFrom':
        ctx.notRunYet('SocketFrom', s);
        break;
      case 'xHTTP':
        http.methodsLevel = int(ctx, s);
        break;
      case 'Client':
        clientTimeout = int(ctx, s);
        break;
      case 'CheckURL': {
        if (http.checkUrl) {
          fail('checkurl-multiple', s, { legacy: 'CheckURL multiple pattern - aborted', m: 'CheckURL multiple pattern' });
          break;
        }
        const p = checkedEre(ctx, s, s.args[0]!, 'CheckURL', ctx.defaults.ignoreCase);
        if (p) http.checkUrl = p;
        else ok = false;
        break;
      }
      case 'ErrorFile': {
        const code = int(ctx, s, 0);
        if (!ERROR_FILE_CODES.has(code)) {
          fail('error-file-code', s, { m: `unsupported status code: ${code}` }, s.args[0]!.span);
          break;
        }
        errorFile(s, code, s.args[1]!);
        break;
      }
      case 'MaxRequest':
        http.maxRequestBytes = int(ctx, s);
        break;
      case 'MaxURI':
        http.maxUriBytes = int(ctx, s);
        break;
      case 'HeadRemove':
      case 'HeaderRemove':
      case 'DeleteHeader': {
        const { options, rest } = matchOptions(s.args);
        const arg = rest[rest.length - 1]!;
        const icase = options.ignoreCase ?? true;
        if ((options.syntax ?? 'posix-ere') === 'posix-ere') {
          const p = checkedEre(ctx, s, arg, s.name, icase);
          if (!p) {
            ok = false;
            break;
          }
          http.requestHeaders.push({ op: 'remove', pattern: p });
        } else {
          http.requestHeaders.push({ op: 'remove', pattern: { source: arg.text, ignoreCase: icase, syntax: options.syntax!, location: sourceOf(arg.span) } });
        }
        break;
      }
      case 'AddHeader':
      case 'HeaderAdd':
      case 'SetHeader': {
        const rule: HeaderRule = { op: ctx.legacy ? 'add' : 'set', line: text(s) };
        // Before 2.6 a listener kept only its last AddHeader.
        if (ctx.legacy && ctx.minor < 6) http.requestHeaders = http.requestHeaders.filter((r) => r.op !== 'add');
        http.requestHeaders.push(rule);
        break;
      }
      case 'RewriteLocation':
        http.rewriteLocation = int(ctx, s) as 0 | 1 | 2;
        break;
      case 'RewriteDestination':
        http.rewriteDestination = bool(s);
        break;
      case 'LogLevel':
        ownLogLevel = true;
        if (!setLogLevel(ctx, s, http)) ok = false;
        break;
      case 'Service': {
        if (!ctx.legacy && s.args[0]) {
          if (serviceNames.has(s.args[0].text)) fail('duplicate-service', s, { m: 'service name is not unique' }, s.args[0].span);
          serviceNames.add(s.args[0].text);
        }
        const svc = buildService(ctx, s, named);
        if (svc) services.push(svc);
        else ok = false;
        break;
      }
      // TLS (ListenHTTPS only; the grammar keeps them out of ListenHTTP)
      case 'Cert': {
        if (ctx.legacy && ctx.minor >= 6 && otherTls !== undefined) {
          fail('cert-after-tls', s, { l3: 'Cert directives MUST precede other SSL-specific directives - aborted' });
          break;
        }
        const r = checkCert(ctx, s, ctx.dialect !== 'pound-2.4');
        if (!r.ok) {
          ok = false;
          break;
        }
        const ref = { certFile: ctx.path(text(s)), source: sourceOf(s.span) };
        // 2.4 loads every Cert into the same context: the last one is what serves.
        if (ctx.dialect === 'pound-2.4') tls.certificates = [ref];
        else tls.certificates.push(ref);
        break;
      }
      case 'ClientCert':
        if (!beforeCert(s)) break;
        tls.clientCert = { mode: int(ctx, s, 0) as 0 | 1 | 2 | 3, depth: s.args[1] ? int(ctx, s, 1) : 9 };
        break;
      case 'Disable':
        tls.minVersion = minVersionAfterDisable(tls.minVersion, text(s));
        break;
      case 'Ciphers':
        if (!beforeCert(s)) break;
        if (s.args.length === 2) ctx.notRunYet('Ciphers -ciphersuites', s);
        else if (!ctx.legacy && !ciphersUsable(text(s))) {
          // Legacy ignores a useless list; 4.x refuses it.
          fail('ciphers', s, { m: `failed to set cipher list: error:0A0000B9:SSL routines::no cipher match`, modern: `Ciphers "${text(s)}" selects no cipher OpenSSL knows` }, s.args[s.args.length - 1]!.span);
        } else tls.ciphers = text(s);
        break;
      case 'SSLHonorCipherOrder':
        tls.honorCipherOrder = bool(s);
        break;
      case 'SSLAllowClientRenegotiation':
        tls.allowRenegotiation = int(ctx, s) as 0 | 1 | 2;
        break;
      case 'CAlist':
      case 'VerifyList':
      case 'CRLlist': {
        if (!beforeCert(s)) break;
        const file = ctx.path(text(s));
        const e = s.name === 'CRLlist' ? checkCrlFile(file) : checkCaFile(file, s.name === 'CAlist' ? 'calist' : 'verify');
        if (e) {
          const call = { CAlist: 'SSL_load_client_CA_file', VerifyList: 'SSL_CTX_load_verify_locations', CRLlist: 'X509_load_crl_file' }[s.name];
          fail('tls-file', s, {
            l2: `${call} "${file}" failed - aborted`,
            l3: `${call} failed - aborted`,
            m: s.name === 'CAlist' ? `${call}: ${e.v3}` : s.name === 'CRLlist' ? `${file}: ${call} failed: ${e.v3}` : `${file}: ${call}: ${e.v3}`,
            modern: `${s.name} "${file}": ${e.plain}`,
            extraL2: [e.v1],
          }, ctx.legacy ? s.span : s.args[0]!.span);
          break;
        }
        if (s.name === 'CAlist') tls.caList = file;
        else if (s.name === 'VerifyList') tls.caFile = file;
        else tls.crlFile = file;
        break;
      }
      case 'NoHTTPS11':
        tls.noHttps11 = int(ctx, s) as 0 | 1 | 2;
        break;
      case 'HeaderOption':
        for (const a of s.args) {
          const w = a.text.toLowerCase();
          if (w === 'no-forwarded' || w === 'none') http.forwardedHeaders = 'legacy';
          if (w === 'forwarded' || w === 'all') http.forwardedHeaders = 'modern';
        }
        break;
      case 'ACME':
      case 'RewriteErrors':
      case 'ForwardedHeader':
      case 'TrustedIP':
        ctx.notRunYet(s.name, s);
        break;
      default:
        if (MODIFICATIONS_NOT_RUN.has(s.name)) ctx.notRunYet(s.name, s);
        else if (/^Err\d{3}$/.test(s.name)) errorFile(s, Number(s.name.slice(3)));
        break; // LineBufferSize, Constant: no effect here
    }
  }

  const end = stmt.block?.end;
  if (end) {
    if (ctx.legacy) {
      if (host === undefined || port === undefined || (https && tls.certificates.length === 0)) {
        ctx.error(
          https ? 'https-listener-incomplete' : 'listener-incomplete',
          end,
          https
            ? { legacy: 'ListenHTTPS missing Address, Port or Certificate - aborted', modern: `ListenHTTPS needs Address, Port and Cert (missing: ${[host === undefined && 'Address', port === undefined && 'Port', tls.certificates.length === 0 && 'Cert'].filter(Boolean).join(', ')})` }
            : { legacy: 'ListenHTTP missing Address or Port - aborted', modern: `ListenHTTP needs Address and Port (missing: ${[host === undefined && 'Address', port === undefined && 'Port'].filter(Boolean).join(', ')})` },
        );
        return undefined;
      }
    } else if (https && tls.certificates.length === 0 && ok) {
      ctx.error('https-listener-incomplete', joinSpans(stmt.span, end), { m: 'Cert statement is missing', modern: 'ListenHTTPS has no Cert' });
      return undefined;
    }
  }
  if (!ok || !end) return undefined;

  const h = host ?? '::';
  const p = port ?? (https ? 443 : 80);
  const listener: Listener = {
    protocol: https ? 'https' : 'http',
    endpoint: resolved ? { kind: 'inet', host: h, port: p, resolved, family: family! } : { kind: 'inet', host: h, port: p },
    spec: `${h.includes(':') ? `[${h}]` : h}:${p}`,
    backlog: 512,
    reusePort: false,
    limits: { maxConnections: 0, clientTimeoutSeconds: clientTimeout },
    http,
    services,
    source: sourceOf(stmt.span),
  };
  if (stmt.args[0]) listener.name = stmt.args[0].text;
  if (https) listener.tls = tls;
  return { listener, ownLogLevel };
}

const BUILTIN_FORMATS = ['null', 'regular', 'extended', 'vhost_combined', 'combined', 'detailed'];

/** LogLevel N or (4.x) LogLevel "format-name"; false if the name is unknown. */
export function setLogLevel(ctx: BuildContext, s: Stmt, http: HttpListenerOptions): boolean {
  const a = s.args[0]!;
  if (a.kind !== 'string') {
    http.logLevel = int(ctx, s);
    delete http.logFormat;
    return true;
  }
  const defined = ctx.logFormats.get(a.text);
  if (defined === undefined && !BUILTIN_FORMATS.includes(a.text)) {
    ctx.error('undefined-log-format', a.span, { m: `undefined format: ${a.text}`, modern: `LogLevel "${a.text}": no LogFormat of that name is defined above` });
    return false;
  }
  http.logFormat = defined ?? a.text;
  return true;
}
