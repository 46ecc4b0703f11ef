// One real request through a target before it is measured, so a proxy that answers
// wrongly is reported as n/a instead of being timed.
import net from 'node:net';
import tls from 'node:tls';

/** GET path over a fresh connection; resolves { ok, reason }. */
export function checkGet({ port, path, expectSize, useTls, timeoutMs = 4000 }) {
  return new Promise((resolve) => {
    const opts = { host: '127.0.0.1', port };
    const sock = useTls ? tls.connect({ ...opts, rejectUnauthorized: false, servername: 'localhost' }) : net.connect(opts);
    const chunks = [];
    let done = false;
    const finish = (res) => { if (done) return; done = true; clearTimeout(timer); sock.destroy(); resolve(res); };
    const timer = setTimeout(() => finish({ ok: false, reason: `no complete answer to GET ${path} in ${timeoutMs} ms` }), timeoutMs);
    sock.once(useTls ? 'secureConnect' : 'connect', () => {
      sock.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    });
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (err) => finish({ ok: false, reason: `GET ${path}: ${err.message}` }));
    sock.on('close', () => {
      const buf = Buffer.concat(chunks);
      const headEnd = buf.indexOf('\r\n\r\n');
      if (headEnd < 0) return finish({ ok: false, reason: `GET ${path}: ${buf.length ? 'no complete response head' : 'connection closed without a response'}` });
      const status = buf.subarray(0, buf.indexOf('\r\n')).toString('latin1');
      const bodyLen = buf.length - headEnd - 4;
      if (!/^HTTP\/1\.[01] 200 /.test(status)) return finish({ ok: false, reason: `GET ${path}: "${status}"` });
      if (bodyLen !== expectSize) return finish({ ok: false, reason: `GET ${path}: body ${bodyLen} bytes, expected ${expectSize}` });
      finish({ ok: true });
    });
  });
}
