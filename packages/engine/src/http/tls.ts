// HTTPS listeners (spec §8): one secure context per `Cert` (combined PEM: leaf first, then
// the chain, the private key anywhere), SNI choice by glob on CN/SANs in configuration
// order, client certificates, and the X-SSL-* headers pound adds to forwarded requests.
import { constants, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import type { Diagnostic, TlsServerConfig } from '../model/types.js';

const CERT_BLOCK = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----[\s\S]*?-----END (?:TRUSTED )?CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/;

interface NamedContext {
  names: string[];
  context: tls.SecureContext;
  /** What built it (the server's default context is made from the first one's). */
  options: tls.SecureContextOptions;
}

export interface HttpsSetup {
  options: tls.TlsOptions;
  /** Client-certificate mode (0 none, 1 ask, 2 require, 3 ask without verifying). */
  clientCertMode: number;
  /** The context for a client's SNI name: the first Cert whose names match, else the first Cert. */
  contextFor(servername: string | undefined): tls.SecureContext;
  /** Several Certs: the choice depends on SNI. */
  sni: boolean;
}

/** Shell-glob match as fnmatch(3) with flags 0: case-sensitive, `*` also matches dots. */
export function globMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[\\^$.|+(){}]/g, '\\$&');
  }
  return new RegExp(re + '$', 's').test(name);
}

/** The names a certificate answers to: the last CN of its subject, then its DNS SANs. */
function certificateNames(pem: string): string[] {
  const x = new X509Certificate(pem);
  const names: string[] = [];
  const cns = x.subject.split('\n').filter((l) => l.startsWith('CN=')).map((l) => l.slice(3));
  if (cns.length) names.push(cns[cns.length - 1]!);
  for (const part of (x.subjectAltName ?? '').split(', ')) if (part.startsWith('DNS:')) names.push(part.slice(4));
  return names;
}

function readOptional(path: string | undefined): string | undefined {
  return path === undefined ? undefined : readFileSync(path, 'latin1');
}

export function buildHttps(cfg: TlsServerConfig): HttpsSetup | Diagnostic {
  const contexts: NamedContext[] = [];
  let ca: string[] | undefined;
  let crl: string | undefined;
  try {
    const caText = [readOptional(cfg.caFile), readOptional(cfg.caList)].filter((t): t is string => t !== undefined).join('\n');
    if (caText) ca = caText.match(CERT_BLOCK) ?? undefined;
    crl = readOptional(cfg.crlFile);
  } catch (e) {
    return { severity: 'error', message: `can't read CA/CRL file: ${(e as Error).message}` };
  }
  for (const ref of cfg.certificates) {
    const where = ref.source ? { file: ref.source.file, line: ref.source.line } : {};
    try {
      const text = readFileSync(ref.certFile, 'latin1');
      const certs = text.match(CERT_BLOCK) ?? [];
      const keyText = ref.keyFile ? readFileSync(ref.keyFile, 'latin1') : text;
      const key = KEY_BLOCK.exec(keyText)?.[0];
      if (certs.length === 0 || key === undefined) {
        return { severity: 'error', message: `${ref.certFile}: no certificate or private key`, ...where };
      }
      const options: tls.SecureContextOptions = {
        key,
        cert: certs.join('\n'),
        ...(ca ? { ca } : {}),
        ...(crl ? { crl } : {}),
        ...(cfg.ciphers ? { ciphers: cfg.ciphers } : {}),
        ...(cfg.minVersion ? { minVersion: cfg.minVersion } : {}),
        ...(cfg.honorCipherOrder ? { honorCipherOrder: true } : {}),
        ...(cfg.ecdhCurve ? { ecdhCurve: cfg.ecdhCurve } : {}),
        ...(cfg.dhParams ? { dhparam: readFileSync(cfg.dhParams) } : {}),
        sessionIdContext: 'penpound',
        // SSLAllowClientRenegotiation 0 (the default): OpenSSL itself refuses a client's renegotiation.
        ...((cfg.allowRenegotiation ?? 0) === 0 ? { secureOptions: constants.SSL_OP_NO_RENEGOTIATION } : {}),
      };
      contexts.push({ names: certificateNames(certs[0]!), context: tls.createSecureContext(options), options });
    } catch (e) {
      return { severity: 'error', message: `${ref.certFile}: ${(e as Error).message}`, ...where };
    }
  }
  if (contexts.length === 0) return { severity: 'error', message: 'HTTPS listener without a certificate' };
  const mode = cfg.clientCert?.mode ?? (cfg.requireClientCert ? 2 : 0);
  const options: tls.TlsOptions = {
    ...contexts[0]!.options,
    requestCert: mode > 0,
    rejectUnauthorized: mode === 2,
  };
  const contextFor = (servername: string | undefined): tls.SecureContext => {
    if (servername) for (const c of contexts) if (c.names.some((n) => globMatch(n, servername))) return c.context;
    return contexts[0]!.context;
  };
  if (contexts.length > 1) options.SNICallback = (servername, cb) => cb(null, contextFor(servername));
  return { options, clientCertMode: mode, contextFor, sni: contexts.length > 1 };
}

/** What the X-SSL-* headers need of a TLS connection (a tls.TLSSocket, or a RawSocket on TLS). */
export interface TlsPeerInfo {
  getCipher(): tls.CipherNameAndProtocol;
  getProtocol(): string | null;
  getPeerX509Certificate(): X509Certificate | undefined;
}

// OpenSSL's SSL_CIPHER_description parts, derived from the cipher's OpenSSL name.
function describe(name: string, version: string): string {
  const tls13 = name.startsWith('TLS_');
  let kx = 'RSA';
  let au = 'RSA';
  if (tls13) { kx = 'any'; au = 'any'; }
  else {
    if (name.startsWith('ECDHE-')) kx = 'ECDH';
    else if (name.startsWith('DHE-')) kx = 'DH';
    if (name.includes('ECDSA')) au = 'ECDSA';
  }
  let enc = 'unknown';
  const bits = /AES[_-]?(128|256)/.exec(name)?.[1];
  if (/CHACHA20/.test(name)) enc = 'CHACHA20/POLY1305(256)';
  else if (/GCM/.test(name) && bits) enc = `AESGCM(${bits})`;
  else if (/CCM/.test(name) && bits) enc = `AESCCM(${bits})`;
  else if (bits) enc = `AES(${bits})`;
  else if (/DES-CBC3|3DES/.test(name)) enc = '3DES(168)';
  let mac = 'SHA1';
  if (/GCM|CHACHA20|CCM/.test(name)) mac = 'AEAD';
  else if (/SHA384$/.test(name)) mac = 'SHA384';
  else if (/SHA256$/.test(name)) mac = 'SHA256';
  const minVersion = tls13 ? 'TLSv1.3' : /GCM|SHA256$|SHA384$|CHACHA20/.test(name) ? 'TLSv1.2' : 'SSLv3';
  void version;
  return `${name.padEnd(23)} ${minVersion} Kx=${kx.padEnd(8)} Au=${au.padEnd(4)} Enc=${enc.padEnd(9)} Mac=${mac.padEnd(4)}`;
}

/** OpenSSL one-line form of a distinguished name (`C = XX, O = Org, CN = host`). */
function oneLine(dn: string): string {
  return dn
    .split('\n')
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf('=');
      const k = part.slice(0, eq);
      const v = part.slice(eq + 1);
      return `${k} = ${/[,+;<>"=]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '\\"')}"` : v}`;
    })
    .join(', ');
}

/**
 * The X-SSL-* lines pound adds for a TLS client (spec §5.8 items 3–4), CRLF-terminated.
 * `clientHeaders`: ClientCert ≥ 1; `legacy`: 2.x's 8-space indent of subject/issuer.
 */
export function sslHeaderLines(sock: TlsPeerInfo, clientHeaders: boolean, legacy: boolean): string {
  const cipher = sock.getCipher();
  const protocol = sock.getProtocol() ?? cipher.version;
  let out = `X-SSL-cipher: ${protocol}/${describe(cipher.name, cipher.version)}\r\n`;
  if (!clientHeaders) return out;
  const peer = sock.getPeerX509Certificate();
  if (!peer) return out;
  const indent = legacy ? '        ' : '';
  out += `X-SSL-Subject: ${indent}${oneLine(peer.subject)}\r\n`;
  out += `X-SSL-Issuer: ${indent}${oneLine(peer.issuer)}\r\n`;
  out += `X-SSL-notBefore: ${peer.validFrom}\r\n`;
  out += `X-SSL-notAfter: ${peer.validTo}\r\n`;
  out += `X-SSL-serial: ${BigInt('0x' + peer.serialNumber).toString(10)}\r\n`;
  const pem = peer.toString().trim().split('\n');
  out += `X-SSL-certificate: ${pem[0]}\r\n`;
  for (let i = 1; i < pem.length; i++) out += `\t${pem[i]}\r\n`;
  return out;
}
