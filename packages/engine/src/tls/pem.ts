// TLS termination set-up for pen -E/-K/-G/-A/-R/-L (spec §6.1): read the certificate and
// key (one combined PEM, or separate -K), say what is wrong in pen's words, and build the
// options node:tls serves with. The checks use node:crypto, whose OpenSSL 3 error texts
// are the ones pen prints (e.g. "error:1E08010C:DECODER routines::unsupported").
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Diagnostic, TlsServerConfig } from '../model/types.js';

const FATAL = 'Unable to create default context';
const CERT_BLOCK = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----[\s\S]*?-----END (?:TRUSTED )?CERTIFICATE-----/g;

export interface ServerTls {
  context: SecureContext;
  requestCert: boolean;
  /** The CA certificates client certificates are verified against (undefined = Node's defaults). */
  ca: string[] | undefined;
}

function readText(path: string): { text?: string; error?: string } {
  try {
    return { text: readFileSync(path, 'latin1') };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { error: e.code === 'ENOENT' ? 'error:80000002:system library::No such file or directory' : e.message };
  }
}

/** PEM certificate blocks of a file's text, in order. */
export function certificateBlocks(text: string): string[] {
  return text.match(CERT_BLOCK) ?? [];
}

/** CA certificates from -G (file) and -A (directory of PEM files, e.g. OpenSSL hash links). */
function loadCas(config: TlsServerConfig, report: (d: Diagnostic) => void): string[] | undefined {
  const cas: string[] = [];
  let loaded = false;
  if (config.caFile) {
    const r = readText(config.caFile);
    if (r.text !== undefined && certificateBlocks(r.text).length > 0) {
      cas.push(...certificateBlocks(r.text));
      loaded = true;
    }
  }
  if (config.caDir) {
    try {
      for (const name of readdirSync(config.caDir)) {
        const p = join(config.caDir, name);
        try {
          if (!statSync(p).isFile()) continue;
          cas.push(...certificateBlocks(readFileSync(p, 'latin1')));
          loaded = true;
        } catch {
          /* unreadable entry: skipped, as OpenSSL's directory lookup would */
        }
      }
    } catch {
      /* missing directory: fall back to defaults below */
    }
  }
  if (!loaded) {
    report({ severity: 'warning', message: 'SSL: No verify locations, trying default' });
    return undefined;
  }
  return cas;
}

function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));
}

/**
 * Builds the server context. Problems are reported with pen's texts, and the result is
 * then the fatal "Unable to create default context".
 */
export function loadServerTls(config: TlsServerConfig, report: (d: Diagnostic) => void): ServerTls | Diagnostic {
  const fatal: Diagnostic = { severity: 'error', message: FATAL };
  const ref = config.certificates[0];
  if (!ref) {
    report({ severity: 'warning', message: 'SSL: no certificate configured' });
    return fatal;
  }
  const certRead = readText(ref.certFile);
  const certs = certRead.text !== undefined ? certificateBlocks(certRead.text) : [];
  if (certs.length === 0) {
    const why = certRead.error ?? 'error:0480006C:PEM routines::no start line';
    report({ severity: 'warning', message: `SSL: error reading certificate from file ${ref.certFile}: ${why}` });
    return fatal;
  }
  const keyFile = ref.keyFile ?? ref.certFile;
  const keyRead = keyFile === ref.certFile ? certRead : readText(keyFile);
  let key: KeyObject;
  try {
    if (keyRead.text === undefined) throw new Error(keyRead.error);
    key = createPrivateKey({ key: keyRead.text, format: 'pem' });
  } catch (err) {
    report({ severity: 'warning', message: `SSL: error reading private key from file ${keyFile}: ${(err as Error).message}` });
    return fatal;
  }
  try {
    if (!samePublicKey(createPublicKey(certs[0]!), createPublicKey(key))) {
      report({ severity: 'warning', message: 'SSL: Private key does not match public key in cert!' });
      return fatal;
    }
  } catch (err) {
    report({ severity: 'warning', message: `SSL: error reading certificate from file ${ref.certFile}: ${(err as Error).message}` });
    return fatal;
  }
  const ca = loadCas(config, report);
  try {
    const context = createSecureContext({
      key: key.export({ type: 'pkcs8', format: 'pem' }),
      // The rest of the file is sent as the chain (pen sends only the first; COMPAT.md).
      cert: certs.join('\n'),
      ...(ca ? { ca } : {}),
      ...(config.ciphers ? { ciphers: config.ciphers } : {}),
      ...(config.minVersion ? { minVersion: config.minVersion } : {}),
      ...(config.honorCipherOrder ? { honorCipherOrder: true } : {}),
      ...(config.ecdhCurve ? { ecdhCurve: config.ecdhCurve } : {}),
      sessionIdContext: 'penpound',
    });
    return { context, requestCert: config.requireClientCert ?? false, ca };
  } catch (err) {
    report({ severity: 'warning', message: `SSL: ${(err as Error).message}` });
    return fatal;
  }
}
