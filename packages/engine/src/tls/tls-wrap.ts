// Server-side TLS on bare libuv handles: an accepted TCP handle wrapped in Node's TLSWrap
// (the C++ object inside every tls.TLSSocket; OpenSSL reads and writes the TCP handle from
// C++). The wrap is then read and written like a TCP handle (stream handle API), without
// the net.Socket that tls.TLSSocket adds on top: its Readable, Writable and next-tick
// events cost about 15 µs per request, more than the decryption. Kept from _tls_wrap.js:
// the handshake callbacks, client-certificate verify mode, SNI through the certificate
// callback, a cap on client renegotiation. Two rules of the wrap: one write at a time (a
// second write while one is out aborts the process), and writes always complete later
// (the bytes are encrypted, so copied, at once). Reached through process.binding like the
// TCP handles; without it (or with PENPOUND_STREAM_IO=net) callers use tls.TLSSocket.
import type { SecureContext } from 'node:tls';
import type { RawBindings, RawHandle } from '../tcp/raw-handles.js';
import { rawBindings } from '../tcp/raw-handles.js';

/** The TLSWrap methods and callbacks used here (Node 20's crypto_tls.cc). */
export interface TlsWrap extends RawHandle {
  onhandshakestart: () => void;
  onhandshakedone: () => void;
  onerror: (err: Error) => void;
  oncertcb?: (info: { servername?: string }) => void;
  sni_context?: unknown;
  setVerifyMode(requestCert: boolean, rejectUnauthorized: boolean): void;
  enableCertCb(): void;
  certCbDone(): void;
  verifyError(): Error | null | undefined;
  destroySSL(): void;
  getPeerX509Certificate(): unknown;
  getPeerCertificate(detailed: boolean): { raw?: Buffer; issuer?: Record<string, unknown> } | null;
}

interface TlsWrapBinding {
  wrap(handle: RawHandle, context: unknown, isServer: boolean, hasActiveWriteFromPrevOwner: boolean): TlsWrap;
}

export interface TlsBindings {
  raw: RawBindings;
  tls: TlsWrapBinding;
}

let cached: TlsWrapBinding | null | undefined;

/** The TLSWrap binding next to the TCP ones, or undefined (then use tls.TLSSocket). */
export function tlsWrapBindings(): TlsBindings | undefined {
  const raw = rawBindings();
  if (!raw) return undefined;
  if (cached === undefined) {
    cached = null;
    try {
      const b = (process as unknown as { binding(name: string): unknown }).binding('tls_wrap') as TlsWrapBinding & {
        TLSWrap?: { prototype: Record<string, unknown> };
      };
      const p = b.TLSWrap?.prototype;
      const needed = ['setVerifyMode', 'enableCertCb', 'certCbDone', 'verifyError', 'destroySSL', 'getCipher', 'getProtocol',
        'getPeerCertificate', 'getPeerX509Certificate', 'writeBuffer', 'writev', 'useUserBuffer', 'readStart', 'shutdown'];
      if (typeof b.wrap === 'function' && p && needed.every((m) => typeof p[m] === 'function')) cached = b;
    } catch {
      cached = null;
    }
  }
  return cached ? { raw, tls: cached } : undefined;
}

export interface TlsWrapServer {
  /** The context for the client's SNI name; undefined name: the default context. */
  contextFor(servername: string | undefined): SecureContext;
  /** Ask for the certificate callback (choice by SNI). */
  sni: boolean;
  requestCert: boolean;
  rejectUnauthorized: boolean;
  /** false: a client's renegotiation closes the connection; true: up to 3 per connection (as Node). */
  allowRenegotiation: boolean;
}

export interface TlsWrapEvents {
  /** The handshake completed; `authorized`: the peer certificate verified (or none was asked for). */
  secure(wrap: TlsWrap, authorized: boolean): void;
  /** A TLS error (`secure`: after the handshake), or a refused renegotiation (err undefined). */
  failed(err: Error | undefined, secure: boolean): void;
}

const RENEGOTIATION_LIMIT = 3;

/** Wrap an accepted TCP handle as the server side; the handshake starts with readStart(). */
export function wrapServer(b: TlsBindings, tcp: RawHandle, server: TlsWrapServer, events: TlsWrapEvents): TlsWrap {
  const wrap = b.tls.wrap(tcp, contextHandle(server.contextFor(undefined)), true, false);
  let handshakes = 0;
  let secure = false;
  wrap.onhandshakestart = () => {
    handshakes++;
    if (handshakes > 1 && (!server.allowRenegotiation || handshakes > RENEGOTIATION_LIMIT + 1)) {
      process.nextTick(() => events.failed(undefined, secure));
    }
  };
  wrap.onhandshakedone = () => {
    if (secure) return;
    secure = true;
    events.secure(wrap, !wrap.verifyError());
  };
  wrap.onerror = (err) => events.failed(err, secure);
  if (server.requestCert || server.rejectUnauthorized) wrap.setVerifyMode(server.requestCert, server.rejectUnauthorized);
  if (server.sni) {
    wrap.oncertcb = function (this: TlsWrap, info) {
      this.sni_context = contextHandle(server.contextFor(info.servername));
      this.certCbDone();
    };
    wrap.enableCertCb();
  }
  return wrap;
}

/** The native SecureContext inside a tls.SecureContext. */
function contextHandle(context: SecureContext): unknown {
  return (context as unknown as { context: unknown }).context;
}
