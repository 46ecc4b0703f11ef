// HTTPS listeners (spec §8, §5.8): combined PEM certificates made at test time with
// openssl, SNI, client certificates and the X-SSL-* headers sent to the backend.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { Listener, TlsServerConfig } from '@penpound/engine';
import { startRawBackend, type RawBackend } from '../support/http-backends.js';
import { backend, config, listener, run, service, type Running } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'pound-tls-'));
const f = (n: string): string => join(dir, n);
const openssl = (...args: string[]): void => { execFileSync('openssl', args, { stdio: 'ignore' }); };

function makeCa(): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('ca.key'),
    '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=Test CA');
}

/** A certificate signed by the test CA; `combined` = leaf, CA (chain), key — pound's Cert format. */
function makeCert(name: string, subject: string, sans: string[], ca = 'ca'): string {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f(`${name}.key`),
    '-out', f(`${name}.csr`), '-subj', subject);
  writeFileSync(f(`${name}.ext`), sans.length ? `subjectAltName=${sans.map((s) => `DNS:${s}`).join(',')}\n` : '\n');
  openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${ca}.pem`), '-CAkey', f(`${ca}.key`), '-set_serial', '4660',
    '-out', f(`${name}.crt`), '-days', '2', '-extfile', f(`${name}.ext`));
  const combined = f(`${name}.pem`);
  writeFileSync(combined, readFileSync(f(`${name}.crt`), 'latin1') + readFileSync(f(`${ca}.pem`), 'latin1') + readFileSync(f(`${name}.key`), 'latin1'));
  return combined;
}

function connect(port: number, opts: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts }, () => resolve(s));
    s.once('error', reject);
  });
}

/** One request over TLS; resolves with all bytes until the proxy closes or the response length is met. */
function request(sock: tls.TLSSocket, req: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (d: Buffer): void => {
      got += d.toString('latin1');
      const m = /Content-Length: (\d+)\r\n/i.exec(got);
      const end = got.indexOf('\r\n\r\n');
      if (m && end >= 0 && got.length >= end + 4 + Number(m[1])) { sock.off('data', onData); resolve(got); }
    };
    sock.on('data', onData);
    sock.once('close', () => resolve(got));
    sock.write(req);
  });
}

describe('pound serving: HTTPS listeners', () => {
  let be: RawBackend;
  let certA: string;
  let certB: string;
  const proxies: Running[] = [];
  before(() => {
    makeCa();
    certA = makeCert('a', '/C=XX/O=Org A/CN=a.example', ['a.example', '*.a.example']);
    certB = makeCert('b', '/CN=b.example', ['b.example']);
    makeCert('client', '/C=XX/O=Client Org/CN=client', []);
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('rogue.key'),
      '-out', f('rogue.crt'), '-days', '2', '-subj', '/CN=rogue');
  });
  before(async () => {
    be = await startRawBackend((sock, all) => {
      const n = all.toString().split('\r\n\r\n').length - 1;
      const s = sock as typeof sock & { served?: number };
      for (let i = s.served ?? 0; i < n; i++) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      s.served = n;
    });
  });
  after(async () => {
    for (const p of proxies) await p.handle.stop();
    await be.close();
  });
  const start = async (tlsCfg: Partial<TlsServerConfig>, dialect: 'pound-2.8' | 'pound-4' = 'pound-2.8'): Promise<number> => {
    const l: Listener = { ...listener([service([backend(be.port)])], {}, dialect), protocol: 'https' };
    l.tls = { certificates: [{ certFile: certA }, { certFile: certB }], ...tlsCfg };
    const px = await run(config([l], { dialect }));
    proxies.push(px);
    return px.port;
  };
  /** The head the backend received last. */
  const lastHead = (): string => {
    const all = be.received.at(-1)!.toString('latin1');
    const heads = all.split('\r\n\r\n').filter(Boolean);
    return heads.at(-1)!;
  };

  it('serves over TLS and adds X-SSL-cipher before X-Forwarded-For', async () => {
    const port = await start({});
    const s = await connect(port, { servername: 'a.example' });
    assert.match(await request(s, 'GET / HTTP/1.1\r\nHost: a.example\r\n\r\n'), /^HTTP\/1\.1 200 OK\r\n/);
    s.destroy();
    const lines = lastHead().split('\r\n');
    assert.match(lines[2]!, /^X-SSL-cipher: TLSv1\.3\/TLS_AES_\d+_GCM_SHA\d+ +TLSv1\.3 Kx=any {6}Au=any  Enc=AESGCM\(\d+\) Mac=AEAD$/);
    assert.equal(lines[3], 'X-Forwarded-For: 127.0.0.1');
  });

  it('SNI: the first certificate whose CN or SAN glob-matches, else the first', async () => {
    const port = await start({});
    const cn = async (servername: string): Promise<string> => {
      const s = await connect(port, { servername });
      const c = s.getPeerX509Certificate()!.subject;
      s.destroy();
      return /CN=(.*)/.exec(c)![1]!;
    };
    assert.equal(await cn('b.example'), 'b.example');
    assert.equal(await cn('x.y.a.example'), 'a.example', '* also matches dots');
    assert.equal(await cn('unknown.example'), 'a.example');
  });

  it('ClientCert 2 refuses clients without a certificate; a verified one is passed on in X-SSL-* headers', async () => {
    const port = await start({ clientCert: { mode: 2, depth: 3 }, caFile: f('ca.pem') });
    const refused = await connect(port).then(
      (s) => request(s, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n').then((r) => { s.destroy(); return r; }),
      () => '',
    );
    assert.equal(refused, '');
    const s = await connect(port, { cert: readFileSync(f('client.crt')), key: readFileSync(f('client.key')) });
    assert.match(await request(s, 'GET /c HTTP/1.1\r\nHost: h\r\n\r\n'), /^HTTP\/1\.1 200 OK/);
    s.destroy();
    const head = lastHead();
    assert.match(head, /\r\nX-SSL-Subject: {9}C = XX, O = Client Org, CN = client\r\n/);
    assert.match(head, /\r\nX-SSL-Issuer: {9}CN = Test CA\r\n/);
    assert.match(head, /\r\nX-SSL-notBefore: [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT\r\n/);
    assert.match(head, /\r\nX-SSL-serial: 4660\r\n/);
    assert.match(head, /\r\nX-SSL-certificate: -----BEGIN CERTIFICATE-----\r\n(\t[A-Za-z0-9+/=]+\r\n)+\t-----END CERTIFICATE-----\r\n/);
  });

  it('ClientCert 1: an offered certificate that does not verify is refused; none is fine', async () => {
    const port = await start({ clientCert: { mode: 1, depth: 3 }, caFile: f('ca.pem') });
    const s = await connect(port);
    assert.match(await request(s, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n'), /^HTTP\/1\.1 200 OK/);
    s.destroy();
    const rogue = await connect(port, { cert: readFileSync(f('rogue.crt')), key: readFileSync(f('rogue.key')) }).catch(() => undefined);
    const answer = rogue ? await request(rogue, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n') : '';
    rogue?.destroy();
    assert.equal(answer, '');
    assert.ok(proxies.at(-1)!.diagnostics.some((d) => d.message === 'Bad certificate from 127.0.0.1'));
  });

  it('Disable TLSv1_2 (minimum TLS 1.3) refuses a TLS 1.2 client', async () => {
    const port = await start({ minVersion: 'TLSv1.3' });
    await assert.rejects(connect(port, { maxVersion: 'TLSv1.2' }));
    const s = await connect(port);
    assert.equal(s.getProtocol(), 'TLSv1.3');
    s.destroy();
  });

  it('client-initiated renegotiation (TLS 1.2) is refused unless SSLAllowClientRenegotiation allows it', async () => {
    const renegotiate = async (port: number): Promise<string> => {
      const s = await connect(port, { maxVersion: 'TLSv1.2' });
      assert.match(await request(s, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n'), /^HTTP\/1\.1 200 OK/);
      const outcome = await new Promise<string>((resolve) => {
        s.once('close', () => resolve('refused'));
        s.once('error', () => resolve('refused'));
        s.renegotiate({ rejectUnauthorized: false }, (err) => resolve(err ? 'refused' : 'renegotiated'));
      });
      if (outcome === 'renegotiated') assert.match(await request(s, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n'), /^HTTP\/1\.1 200 OK/);
      s.destroy();
      return outcome;
    };
    assert.equal(await renegotiate(await start({})), 'refused');
    assert.equal(await renegotiate(await start({ allowRenegotiation: 1 })), 'renegotiated');
  });

  it('a client that never starts the TLS handshake is dropped after the Client timeout', async () => {
    const l: Listener = { ...listener([service([backend(be.port)])]), protocol: 'https' };
    l.tls = { certificates: [{ certFile: certA }] };
    l.limits.clientTimeoutSeconds = 1;
    const px = await run(config([l]));
    proxies.push(px);
    const port = px.port;
    const started = Date.now();
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => {
      sock.on('error', () => {});
      sock.on('close', () => resolve());
    });
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds >= 0.9 && seconds < 5, `closed after ${seconds} s`);
  });

  it('NoHTTPS11 1: no keep-alive on TLS connections', async () => {
    const port = await start({ noHttps11: 1 });
    const s = await connect(port);
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    assert.match(await request(s, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n'), /^HTTP\/1\.1 200 OK/);
    await closed;
  });

  it('4.x: client-supplied X-SSL-* headers are replaced, no indent in the subject', async () => {
    const port = await start({ clientCert: { mode: 2, depth: 3 }, caFile: f('ca.pem') }, 'pound-4');
    const s = await connect(port, { cert: readFileSync(f('client.crt')), key: readFileSync(f('client.key')) });
    await request(s, 'GET / HTTP/1.1\r\nHost: h\r\nX-SSL-Subject: forged\r\n\r\n');
    s.destroy();
    const head = lastHead();
    assert.doesNotMatch(head, /forged/);
    assert.match(head, /\r\nX-SSL-Subject: C = XX, O = Client Org, CN = client\r\n/);
    assert.match(head, /\r\nX-Forwarded-Proto: https\r\n/);
  });

  it('HTTPS backends: TLS to the backend without verification; a failed handshake → 503, backend stays alive', async () => {
    const tlsBackend = tls.createServer({ cert: readFileSync(f('b.crt')), key: readFileSync(f('b.key')) }, (sock) => {
      sock.on('data', () => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret'));
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => tlsBackend.listen(0, '127.0.0.1', () => r()));
    const tlsPort = (tlsBackend.address() as { port: number }).port;
    const garbage = await startRawBackend((sock) => sock.end('this is not TLS\r\n'));
    try {
      const px = await run(config([listener([service([backend(tlsPort, { tls: { enabled: true } })], { match: [{ kind: 'url', pattern: { source: '^/tls', ignoreCase: false, syntax: 'posix-ere' } }] }),
        service([backend(garbage.port, { tls: { enabled: true } })])])]));
      proxies.push(px);
      const { exchange } = await import('../support/http-backends.js');
      assert.match((await exchange(px.port, 'GET /tls HTTP/1.0\r\n\r\n')).toString(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nsecret$/);
      // The plain backend cannot speak TLS.
      assert.match((await exchange(px.port, 'GET /plain HTTP/1.0\r\n\r\n')).toString(), /^HTTP\/1\.0 503 Service Unavailable\r\n/);
      assert.equal(px.handle.stats.listeners[0]!.services[1]!.backends[0]!.alive, true);
      assert.ok(px.diagnostics.some((d) => /BIO_do_handshake with 127\.0\.0\.1:\d+ failed/.test(d.message)));
    } finally {
      tlsBackend.close();
      await garbage.close();
    }
  });

  it('a 3 MB body each way over TLS arrives whole (responses leave one write at a time)', async () => {
    // The backend answers a POST with the body it read, in chunks.
    const echo = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      req.pipe(res);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    try {
      const l: Listener = { ...listener([service([backend((echo.address() as { port: number }).port)])]), protocol: 'https' };
      l.tls = { certificates: [{ certFile: certA }] };
      const px = await run(config([l]));
      proxies.push(px);
      const body = randomBytes(3 * 1024 * 1024);
      const s = await connect(px.port);
      const raw = await new Promise<Buffer>((resolve) => {
        const chunks: Buffer[] = [];
        s.on('data', (d: Buffer) => chunks.push(d));
        s.on('close', () => resolve(Buffer.concat(chunks)));
        s.write(`POST /up HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`);
        s.write(body);
      });
      const headEnd = raw.indexOf('\r\n\r\n');
      assert.match(raw.subarray(0, headEnd).toString('latin1'), /^HTTP\/1\.1 200 OK\r\n[\s\S]*Transfer-Encoding: chunked/);
      // De-chunk what came back.
      const parts: Buffer[] = [];
      let p = headEnd + 4;
      for (;;) {
        const eol = raw.indexOf('\r\n', p);
        const size = parseInt(raw.subarray(p, eol).toString('latin1'), 16);
        if (size === 0) break;
        parts.push(raw.subarray(eol + 2, eol + 2 + size));
        p = eol + 2 + size + 2;
      }
      const back = Buffer.concat(parts);
      assert.equal(back.length, body.length);
      assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(body).digest('hex'));
    } finally {
      echo.close();
    }
  });
});

