// What pound does with a `Cert` file at configuration time, and how it fails: OpenSSL's
// SSL_CTX_use_certificate_chain_file, then SSL_CTX_use_PrivateKey_file on the same
// combined PEM, then the key/certificate check. We walk the PEM blocks ourselves (to tell
// "no start line" from "bad base64 decode", as OpenSSL's PEM reader does) and let
// node:crypto parse certificates and keys: it is the same OpenSSL that will serve them.
// The error strings are synthesised in both OpenSSL styles pound printed: 1.0's
// "error:0906D064:PEM routines:PEM_read_bio:bad base64 decode" (2.4) and 3.x's
// "error:04800064:PEM routines::bad base64 decode" (4.x).
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { strerror } from '../check/files.js';

/** One OpenSSL error in both styles. */
export interface SslError {
  /** OpenSSL 0.9.8–1.1: error:XXXXXXXX:lib:func:reason */
  v1: string;
  /** OpenSSL 3: error:XXXXXXXX:lib::reason */
  v3: string;
  /** Plain words for the modern style. */
  plain: string;
}

const SYS_ERRNO: Record<string, number> = { ENOENT: 2, EACCES: 13, EISDIR: 21, ENOTDIR: 20, ELOOP: 40 };

function fopenError(err: unknown): SslError {
  const why = strerror(err);
  const errno = SYS_ERRNO[(err as NodeJS.ErrnoException).code ?? ''] ?? 2;
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(3, '0');
  return {
    v1: `error:02001${hex(errno)}:system library:fopen:${why}`,
    v3: `error:80000${hex(errno)}:system library::${why}`,
    plain: why,
  };
}

export const SSL_ERRORS = {
  noStartLine: { v1: 'error:0906D06C:PEM routines:PEM_read_bio:no start line', v3: 'error:0480006C:PEM routines::no start line', plain: 'no PEM block found' },
  badBase64: { v1: 'error:0906D064:PEM routines:PEM_read_bio:bad base64 decode', v3: 'error:04800064:PEM routines::bad base64 decode', plain: 'a PEM block is not valid base64' },
  badEndLine: { v1: 'error:0906D066:PEM routines:PEM_read_bio:bad end line', v3: 'error:04800066:PEM routines::bad end line', plain: 'a PEM block has no matching END line' },
  asn1: { v1: 'error:0D0680A8:asn1 encoding routines:ASN1_CHECK_TLEN:wrong tag', v3: 'error:0680007B:asn1 encoding routines::header too long', plain: 'the PEM block does not hold a valid DER structure' },
  badPassword: { v1: 'error:0906A068:PEM routines:PEM_do_header:bad password read', v3: 'error:04800068:PEM routines::bad password read', plain: 'the private key is encrypted (pound needs it unencrypted)' },
  keyMismatch: { v1: 'error:0B080074:x509 certificate routines:X509_check_private_key:key values mismatch', v3: 'error:05800074:x509 certificate routines::key values mismatch', plain: 'the private key does not belong to the certificate' },
  noCertOrCrl: { v1: 'error:0B084088:x509 certificate routines:X509_load_cert_crl_file:no certificate or crl found', v3: 'error:05800088:x509 certificate routines::no certificate or crl found', plain: 'no certificate or CRL found' },
} as const satisfies Record<string, SslError>;

interface PemBlock {
  name: string;
  headers: string[];
  /** undefined when the base64 body does not decode. */
  der?: Buffer;
  /** false when the END line is missing. */
  closed: boolean;
}

/** The PEM blocks of a file, in order, as OpenSSL's PEM_read_bio would meet them. */
export function pemBlocks(text: string): PemBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = /^-----BEGIN (.+)-----\s*$/.exec(lines[i]!);
    if (!begin) continue;
    const name = begin[1]!;
    const headers: string[] = [];
    let j = i + 1;
    if (j < lines.length && lines[j]!.includes(':')) {
      while (j < lines.length && lines[j]!.trim() !== '') headers.push(lines[j++]!);
      j++;
    }
    const body: string[] = [];
    let closed = false;
    for (; j < lines.length; j++) {
      if (/^-----END /.test(lines[j]!)) {
        closed = lines[j]!.trim() === `-----END ${name}-----`;
        break;
      }
      body.push(lines[j]!);
    }
    const b64 = body.join('').replace(/[ \t\r]/g, '');
    const valid = /^[A-Za-z0-9+/]*={0,2}$/.test(b64) && b64.length % 4 === 0 && b64.length > 0;
    const block: PemBlock = { name, headers, closed };
    if (valid) block.der = Buffer.from(b64, 'base64');
    blocks.push(block);
    i = j;
  }
  return blocks;
}

const isCert = (b: PemBlock) => b.name === 'CERTIFICATE' || b.name === 'TRUSTED CERTIFICATE' || b.name === 'X509 CERTIFICATE';
const isKey = (b: PemBlock) => b.name.endsWith('PRIVATE KEY');

function derToPem(name: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${name}-----\n${b64}\n-----END ${name}-----\n`;
}

export type CertStep = 'stat' | 'chain' | 'key' | 'check' | 'cn';

export type CertCheck =
  | { ok: true; names: string[]; files: string[] }
  | { ok: false; step: CertStep; file: string; error: SslError };

/** Subject CN (the last one, as legacy's one-line subject parsing found) and DNS SANs. */
function certNames(cert: X509Certificate): { cn?: string; sans: string[] } {
  const cns = cert.subject.split('\n').filter((l) => l.startsWith('CN=')).map((l) => l.slice(3));
  const sans = (cert.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  const cn = cns[cns.length - 1];
  return cn === undefined ? { sans } : { cn, sans };
}

function checkOne(file: string, requireCn: boolean): CertCheck | { ok: true; names: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (err) {
    return { ok: false, step: 'chain', file, error: fopenError(err) };
  }
  const blocks = pemBlocks(text);
  // Chain: every block up to and including the certificates is decoded on the way.
  const firstCert = blocks.findIndex(isCert);
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (!b.closed) return { ok: false, step: 'chain', file, error: SSL_ERRORS.badEndLine };
    if (!b.der) return { ok: false, step: 'chain', file, error: SSL_ERRORS.badBase64 };
  }
  if (firstCert < 0) return { ok: false, step: 'chain', file, error: SSL_ERRORS.noStartLine };
  let leaf: X509Certificate | undefined;
  for (const b of blocks.filter(isCert)) {
    try {
      const c = new X509Certificate(b.der!);
      leaf ??= c;
    } catch {
      return { ok: false, step: 'chain', file, error: SSL_ERRORS.asn1 };
    }
  }
  // Private key: the first "... PRIVATE KEY" block anywhere in the file.
  const keyBlock = blocks.find(isKey);
  if (!keyBlock) return { ok: false, step: 'key', file, error: SSL_ERRORS.noStartLine };
  if (keyBlock.name === 'ENCRYPTED PRIVATE KEY' || keyBlock.headers.some((h) => /ENCRYPTED/i.test(h))) {
    return { ok: false, step: 'key', file, error: SSL_ERRORS.badPassword };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: derToPem(keyBlock.name, keyBlock.der!), format: 'pem' });
  } catch {
    return { ok: false, step: 'key', file, error: SSL_ERRORS.asn1 };
  }
  // OpenSSL checks the key against the certificate while loading the key.
  const samePublic = createPublicKey(key)
    .export({ type: 'spki', format: 'der' })
    .equals(leaf!.publicKey.export({ type: 'spki', format: 'der' }));
  if (!samePublic) return { ok: false, step: 'key', file, error: SSL_ERRORS.keyMismatch };
  const { cn, sans } = certNames(leaf!);
  if (requireCn && cn === undefined) {
    return { ok: false, step: 'cn', file, error: { v1: '', v3: '', plain: 'the certificate subject has no CN' } };
  }
  return { ok: true, names: [...(cn !== undefined ? [cn] : []), ...sans] };
}

/**
 * Check a server certificate file as `Cert` loads it. 4.x first stats the name and loads
 * every regular file of a directory; `requireCn` is 2.6+'s SNI set-up.
 */
export function checkCertFile(file: string, opts: { modern: boolean; requireCn: boolean }): CertCheck {
  let files = [file];
  if (opts.modern) {
    try {
      const st = statSync(file);
      if (st.isDirectory()) {
        files = readdirSync(file)
          .sort()
          .map((n) => join(file, n))
          .filter((p) => {
            try {
              return statSync(p).isFile();
            } catch {
              return false;
            }
          });
      }
    } catch (err) {
      const e = fopenError(err);
      return { ok: false, step: 'stat', file, error: { ...e, v3: e.plain } };
    }
  }
  const names: string[] = [];
  for (const f of files) {
    const r = checkOne(f, opts.requireCn);
    if (!r.ok) return r;
    names.push(...r.names);
  }
  return { ok: true, names, files };
}

/** The PEM blocks of a file, or why OpenSSL could not read it (missing, bad base64). */
function readBlocks(file: string): PemBlock[] | SslError {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (err) {
    return fopenError(err);
  }
  const blocks = pemBlocks(text);
  return blocks.some((b) => !b.der) ? SSL_ERRORS.badBase64 : blocks;
}

/** A file of CA certificates (CAlist, VerifyList): at least one readable certificate. */
export function checkCaFile(file: string, kind: 'calist' | 'verify'): SslError | undefined {
  const blocks = readBlocks(file);
  if (!Array.isArray(blocks)) return blocks;
  const certs = blocks.filter(isCert);
  const crls = blocks.filter((b) => b.name === 'X509 CRL');
  if (certs.length === 0 && (kind === 'calist' || crls.length === 0)) {
    return kind === 'verify' ? SSL_ERRORS.noCertOrCrl : SSL_ERRORS.noStartLine;
  }
  for (const b of certs) {
    try {
      new X509Certificate(b.der!);
    } catch {
      return SSL_ERRORS.asn1;
    }
  }
  return undefined;
}

/** A CRL file (CRLlist): at least one PEM CRL. */
export function checkCrlFile(file: string): SslError | undefined {
  const blocks = readBlocks(file);
  if (!Array.isArray(blocks)) return blocks;
  return blocks.some((b) => b.name === 'X509 CRL') ? undefined : SSL_ERRORS.noStartLine;
}
