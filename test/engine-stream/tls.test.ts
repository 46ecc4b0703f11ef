// TLS termination for pen -E/-K/-G/-R: combined PEM, separate key, pen's error texts,
// client certificates, X-Forwarded-Proto https.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { start, type Diagnostic } from '@penpound/engine';
import { namedBackend, type NamedBackend } from '../support/stream-backends.js';
import { penConfig } from '../support/stream-config.js';
import { startPen, until } from '../support/stream-engine.js';
import { makeTestCerts } from '../support/test-certs.js';

const certs = makeTestCerts();
const backends: NamedBackend[] = [];
after(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

function tlsExchange(port: number, payload: string, clientCert?: { cert: string; key: string }): Promise<{ data: string; error?: string }> {
  return new Promise((resolve) => {
    let data = '';
    let error: string | undefined;
    const s = tlsConnect({
      port,
      host: '127.0.0.1',
      rejectUnauthorized: false,
      ...(clientCert ? { cert: readFileSync(clientCert.cert), key: readFileSync(clientCert.key) } : {}),
    });
    s.on('secureConnect', () => s.end(payload));
    s.on('data', (d) => (data += d));
    s.on('error', (e) => (error = e.message));
    s.on('close', () => resolve({ data, ...(error ? { error } : {}) }));
  });
}

test('combined PEM with -E alone; backend gets plaintext; -H says https', async (t) => {
  const a = await namedBackend('A');
  backends.push(a);
  const pen = await startPen(penConfig({ servers: [a.port], tcp: { forwardedFor: true }, tls: { certificates: [{ certFile: certs.combined }] } }));
  t.after(() => pen.stop());
  assert.deepEqual(pen.messages(), ['SSL: No verify locations, trying default']);
  const r = await tlsExchange(pen.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(r.data, 'A');
  assert.equal(a.received[0]!.toString(), 'GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n');
});

test('separate certificate and key (-E cert -K key)', async (t) => {
  const a = await namedBackend('A');
  backends.push(a);
  const pen = await startPen(penConfig({ servers: [a.port], tls: { certificates: [{ certFile: certs.cert, keyFile: certs.key }] } }));
  t.after(() => pen.stop());
  assert.equal((await tlsExchange(pen.port, 'hi')).data, 'A');
});

async function startFails(tlsConfig: Parameters<typeof penConfig>[0]['tls']): Promise<{ errors: Diagnostic[]; reports: string[] }> {
  const reports: string[] = [];
  const r = await start(penConfig({ servers: [1], tls: tlsConfig }), { report: (d) => reports.push(d.message) });
  assert.equal(r.ok, false);
  return { errors: r.ok ? [] : r.errors, reports };
}

test('certificate without key: pen\'s two messages, start fails', async () => {
  const { errors, reports } = await startFails({ certificates: [{ certFile: certs.cert }] });
  assert.deepEqual(reports, [`SSL: error reading private key from file ${certs.cert}: error:1E08010C:DECODER routines::unsupported`]);
  assert.deepEqual(errors.map((e) => e.message), ['Unable to create default context']);
});

test('key that does not match the certificate', async () => {
  const { errors, reports } = await startFails({ certificates: [{ certFile: certs.cert, keyFile: certs.otherKey }] });
  assert.deepEqual(reports, ['SSL: Private key does not match public key in cert!']);
  assert.deepEqual(errors.map((e) => e.message), ['Unable to create default context']);
});

test('missing certificate file', async () => {
  const { errors, reports } = await startFails({ certificates: [{ certFile: '/nonexistent/cert.pem' }] });
  assert.match(reports[0]!, /^SSL: error reading certificate from file \/nonexistent\/cert\.pem: /);
  assert.deepEqual(errors.map((e) => e.message), ['Unable to create default context']);
});

test('-R with -G: a client without certificate is refused, with one signed by the CA accepted', async (t) => {
  const a = await namedBackend('A');
  backends.push(a);
  const pen = await startPen(
    penConfig({ servers: [a.port], tls: { certificates: [{ certFile: certs.combined }], caFile: certs.caCert, requireClientCert: true } }),
  );
  t.after(() => pen.stop());
  assert.deepEqual(pen.messages(), []);
  const refused = await tlsExchange(pen.port, 'hi');
  assert.equal(refused.data, '');
  // pen opened the backend connection at accept time: the backend saw a connection.
  assert.ok(await until(() => a.accepted === 1));
  const ok = await tlsExchange(pen.port, 'hi', { cert: certs.clientCert, key: certs.clientKey });
  assert.equal(ok.data, 'A');
  assert.ok(pen.messages().some((m) => m.startsWith('SSL: Certificate OK: ')), pen.messages().join('|'));
});

test('ssl_sni_path: a certificate per server name, the default one otherwise', async (t) => {
  const { mkdtempSync, copyFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'pensni-'));
  copyFileSync(join(certs.dir, 'other-cert.pem'), join(dir, 'other.example.crt'));
  copyFileSync(certs.otherKey, join(dir, 'other.example.key'));
  const a = await namedBackend('A');
  backends.push(a);
  const pen = await startPen(penConfig({ servers: [a.port], tls: { certificates: [{ certFile: certs.combined }], sniPath: dir } }));
  t.after(() => pen.stop());
  const subject = (servername: string) =>
    new Promise<string>((resolve) => {
      const s = tlsConnect({ port: pen.port, host: '127.0.0.1', servername, rejectUnauthorized: false }, () => {
        const cn = String(s.getPeerCertificate().subject?.CN);
        s.end('x');
        resolve(cn);
      });
      s.on('error', () => resolve('error'));
      s.on('data', () => {});
    });
  assert.equal(await subject('other.example'), 'other');
  assert.equal(await subject('other.example'), 'other');
  assert.equal(await subject('nosuch.example'), 'localhost');
});

test('4 MB each way through TLS, with back pressure and half-close: every byte arrives in order', async (t) => {
  // The backend echoes everything and ends when the client has ended.
  const echo = createServer({ allowHalfOpen: true }, (sock) => sock.pipe(sock));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  t.after(() => echo.close());
  const pen = await startPen(penConfig({ servers: [(echo.address() as AddressInfo).port], tls: { certificates: [{ certFile: certs.combined }] } }));
  t.after(() => pen.stop());
  const sent = randomBytes(4 * 1024 * 1024);
  const got = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = tlsConnect({ port: pen.port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      for (let i = 0; i < sent.length; i += 50_000) s.write(sent.subarray(i, i + 50_000));
      s.end();
    });
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks)));
  });
  assert.equal(got.length, sent.length);
  assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(sent).digest('hex'));
});
