// HTTPS on bare libuv handles: an accepted TCP handle wrapped in Node's TLSWrap (the C++
// object inside every tls.TLSSocket; OpenSSL reads and writes the TCP handle from C++),
// driven the way RawSocket drives a TCP handle. tls.TLSSocket adds a net.Socket (Readable,
// Writable, events on the next tick) on top of it: about 15 µs per request, more than the
// decryption costs. What _tls_wrap.js does for a server socket and we keep: the handshake
// callbacks, client-certificate verify mode, SNI through the certificate callback, no
// client-initiated renegotiation unless allowed. Reached through process.binding like the
// TCP handles; without it (or with PENPOUND_STREAM_IO=net) HTTPS uses tls.Server.
import type { SecureContext } from 'node:tls';
import type { RawBindings, RawHandle } from '../tcp/raw-handles.js';
import { rawBindings } from '../tcp/raw-handles.js';
import { RawSocket } from './raw-socket.js';

/** The TLSWrap methods and callbacks used here (Node 20's crypto_tls.cc). */
interface TlsWrap extends RawHandle {
  onhandshakestart: () => void;
  onhandshakedone: () => void;
  onerror: (err: Error) => void;
  oncertcb?: (info: { servername?: string }) => void;
  sni_context?: unknown;
  setVerifyMode(requestCert: boolean, rejectUnauthorized: boolean): void;
  enableCertCb(): void;
  certCbDone(): void;
  verifyError(): Error | null | undefined;
  getPeerX509Certificate(): unknown;
}

interface TlsWrapBinding {
  wrap(handle: RawHandle, context: unknown, isServer: boolean, hasActiveWriteFromPrevOwner: boolean): TlsWrap;
}

let cached: TlsWrapBinding | null | undefined;

/** The TLSWrap binding next to the TCP ones, or undefined (then HTTPS uses tls.Server). */
export function rawTlsBindings(): { raw: RawBindings; tls: TlsWrapBinding } | undefined {
  const raw = rawBindings();
  if (!raw) return undefined;
  if (cached === undefined) {
    cached = null;
    try {
      const b = (process as unknown as { binding(name: string): Record<string, unknown> }).binding('tls_wrap') as unknown as TlsWrapBinding & {
        TLSWrap?: { prototype: Record<string, unknown> };
      };
      const p = b.TLSWrap?.prototype;
      const needed = ['setVerifyMode', 'enableCertCb', 'certCbDone', 'verifyError', 'destroySSL', 'getCipher', 'getProtocol', 'getPeerCertificate', 'writeBuffer', 'writev', 'useUserBuffer'];
      if (typeof b.wrap === 'function' && p && needed.every((m) => typeof p[m] === 'function')) cached = b;
    } catch {
      cached = null;
    }
  }
  return cached ? { raw, tls: cached } : undefined;
}

export interface RawTlsServer {
  /** The context for the client's SNI name (the default one when none or no match). */
  contextFor(servername: string | undefined): SecureContext;
  /** Several certificates: choose one per connection by SNI. */
  sni: boolean;
  requestCert: boolean;
  rejectUnauthorized: boolean;
  /** Renegotiation started by the client is refused (the connection closes) unless this is set. */
  allowRenegotiation: boolean;
}

/**
 * Wrap an accepted TCP handle and start the handshake. `onSecure` runs once it completes
 * (return false to drop the connection); a failed handshake closes silently, as pound does.
 */
export function acceptTls(
  b: { raw: RawBindings; tls: TlsWrapBinding },
  tcp: RawHandle,
  server: RawTlsServer,
  onSecure: (sock: RawSocket, authorized: boolean, peerCertificate: boolean) => boolean,
): RawSocket {
  const wrap = b.tls.wrap(tcp, (server.contextFor(undefined) as unknown as { context: unknown }).context, true, false);
  let handshakes = 0;
  let secure = false;
  wrap.onhandshakestart = () => {
    handshakes++;
    if (handshakes > 1 && !server.allowRenegotiation) process.nextTick(() => sock.destroy());
  };
  wrap.onhandshakedone = () => {
    if (secure || sock.destroyed) return;
    secure = true;
    const err = wrap.verifyError();
    if (!onSecure(sock, !err, wrap.getPeerX509Certificate() !== undefined)) sock.destroy();
  };
  wrap.onerror = (err) => {
    if (secure) sock.destroyWith(err);
    else sock.destroy();
  };
  if (server.requestCert || server.rejectUnauthorized) wrap.setVerifyMode(server.requestCert, server.rejectUnauthorized);
  if (server.sni) {
    wrap.oncertcb = function (this: TlsWrap, info) {
      this.sni_context = (server.contextFor(info.servername) as unknown as { context: unknown }).context;
      this.certCbDone();
    };
    wrap.enableCertCb();
  }
  const sock = RawSocket.acceptedTls(b.raw, wrap, tcp);
  return sock;
}
