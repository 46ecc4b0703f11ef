// pound's HTTPS listeners on bare handles: a RawSocket on a TLSWrap (tls/tls-wrap.ts).
import type { RawHandle } from '../tcp/raw-handles.js';
import { wrapServer, type TlsBindings, type TlsWrapServer } from '../tls/tls-wrap.js';
import { RawSocket } from './raw-socket.js';

/**
 * Wrap an accepted TCP handle and start the handshake. `onSecure` runs once it completes
 * (false drops the connection); a failed handshake closes silently, as pound does.
 */
export function acceptTls(
  b: TlsBindings,
  tcp: RawHandle,
  server: TlsWrapServer,
  onSecure: (sock: RawSocket, authorized: boolean, peerCertificate: boolean) => boolean,
): RawSocket {
  const wrap = wrapServer(b, tcp, server, {
    secure(w, authorized) {
      if (!sock.destroyed && !onSecure(sock, authorized, w.getPeerX509Certificate() !== undefined)) sock.destroy();
    },
    failed(err, secure) {
      if (secure && err) sock.destroyWith(err);
      else sock.destroy();
    },
  });
  const sock = RawSocket.acceptedTls(b.raw, wrap, tcp);
  return sock;
}
