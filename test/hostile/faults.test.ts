// Fault injection: backends that refuse, reset, hang, answer garbage or die under load; every
// backend down; logs that cannot be written; certificate files removed after start. The
// proxy keeps serving, the right status reaches the client, nothing hangs (every exchange is
// bounded), no exception escapes, and no connection is left behind.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, closeSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Backend as ModelBackend, Dialect } from '@penpound/engine';
import { backend, config, listener, run, service, type Running } from '../pound-serve/config.js';
import { freePort, until, waitListening } from '../support/http-backends.js';
import { makeTestCerts, type TestCerts } from '../support/test-certs.js';
import { L500, L503 } from './support/pages.js';
import { OK_RESPONSE, startRecordingBackend, type RecordingBackend } from './support/recording-backend.js';
import { startOurPen } from './support/pen-under-test.js';
import { talk } from './support/talk.js';

const POUND = fileURLToPath(new URL('../../../packages/pound/bin/pound', import.meta.url));
const FAST = { connectSeconds: 1, ioSeconds: 1, websocketSeconds: 5 };
const GET = 'GET /x HTTP/1.0\r\n\r\n';

async function get(port: number, path = '/x'): Promise<string> {
  return (await talk(port, [`GET ${path} HTTP/1.0\r\n\r\n`], 6000)).bytes.toString('latin1');
}

describe('fault injection: pound mode', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  after(async () => { for (const f of cleanup.reverse()) await f(); });

  const proxy = async (backends: ModelBackend[], emergency: ModelBackend[] = [], dialect: Dialect = 'pound-2.8'): Promise<Running> => {
    const px = await run(config([listener([service(backends, { emergency })], {}, dialect)], { dialect }));
    cleanup.push(() => px.handle.stop());
    return px;
  };
  const recording = async (): Promise<RecordingBackend> => {
    const be = await startRecordingBackend();
    cleanup.push(() => be.close());
    return be;
  };
  /** No client connection and no backend connection left open. */
  const noLeak = async (px: Running): Promise<void> => {
    await until(() => px.handle.connections(0).length === 0, 'client connections to close');
    const stats = px.handle.stats.listeners.flatMap((l) => l.services.flatMap((s) => [...s.backends, ...s.emergency]));
    await until(() => stats.every((b) => b.connections <= 0), 'backend connections to close');
  };

  it('a refusing backend: 503, it is marked dead, the proxy stays up', async () => {
    const port = await freePort();
    const px = await proxy([backend(port, { timeouts: FAST })]);
    assert.equal(await get(px.port), L503);
    assert.equal(await get(px.port), L503);
    assert.ok(px.diagnostics.some((d) => /connect: Connection refused/.test(d.message)));
    assert.ok(px.diagnostics.some((d) => /BackEnd 127\.0\.0\.1:\d+ dead \(killed\)/.test(d.message)));
    await noLeak(px);
  });

  it('one of two backends refusing: every request is served by the other', async () => {
    const be = await recording();
    const px = await proxy([backend(await freePort(), { timeouts: FAST }), backend(be.port, { timeouts: FAST })]);
    for (let i = 0; i < 8; i++) assert.equal(await get(px.port), OK_RESPONSE);
    await noLeak(px);
  });

  it('reset before any response byte: 500', async () => {
    const be = await recording();
    be.behave(() => ({ kind: 'reset' }));
    const px = await proxy([backend(be.port, { timeouts: FAST })]);
    assert.equal(await get(px.port), L500);
    await noLeak(px);
  });

  it('reset in the middle of a response: the client gets what was sent, then the end', async () => {
    const be = await recording();
    be.behave(() => ({ kind: 'reset', response: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial' }));
    const px = await proxy([backend(be.port, { timeouts: FAST })]);
    const got = await talk(px.port, [GET], 6000);
    assert.equal(got.outcome, 'closed');
    assert.equal(got.bytes.toString('latin1'), 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
    await noLeak(px);
  });

  it('a backend that accepts and never answers: 500 after TimeOut', async () => {
    const be = await recording();
    be.behave(() => ({ kind: 'hang' }));
    const px = await proxy([backend(be.port, { timeouts: FAST })]);
    assert.equal(await get(px.port), L500);
    await noLeak(px);
  });

  it('a backend that accepts and never reads (black hole): 503 after ConnTO or 500 after TimeOut', async () => {
    // A listening socket that is never accepted: the connect completes in the kernel backlog.
    const hole = net.createServer({ pauseOnConnect: true }, (s) => { cleanup.push(() => { s.destroy(); }); });
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => hole.close(() => r())));
    const px = await proxy([backend((hole.address() as net.AddressInfo).port, { timeouts: FAST })]);
    assert.match(await get(px.port), /^HTTP\/1\.0 50[03] /);
    await noLeak(px);
  });

  for (const [name, response] of [
    ['garbage instead of a status line', '\x00\xff garbage\r\n\r\n'],
    ['a status line without a code', 'HTTP/1.1 OK\r\n\r\n'],
    ['two different Content-Lengths (hostile-3)', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok'],
    ['a 64 KB header line', 'HTTP/1.1 200 OK\r\nX-Big: ' + 'b'.repeat(65536) + '\r\n\r\n'],
    ['a NUL in a header', 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 2\r\n\r\nok'],
    ['an empty answer (close)', ''],
    ['a 101 nobody asked for (hostile-6)', 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nraw bytes'],
  ] as const) {
    it(`a backend answering ${name}: 500`, async () => {
      const be = await recording();
      be.behave(() => ({ kind: 'close', response }));
      const px = await proxy([backend(be.port, { timeouts: FAST })]);
      assert.equal(await get(px.port), L500);
      assert.equal(await get(px.port), L500, 'and again: the backend is not killed by a bad answer');
      await noLeak(px);
    });
  }

  it('a backend that answers garbage chunks: the client connection is cut (no bad chunk is relayed), the next one served', async () => {
    const be = await recording();
    be.behave((target) => target === '/bad'
      ? { kind: 'close', response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n' }
      : { kind: 'answer', response: OK_RESPONSE });
    const px = await proxy([backend(be.port, { timeouts: FAST })]);
    const got = await talk(px.port, ['GET /bad HTTP/1.1\r\nHost: h\r\n\r\n'], 6000);
    assert.equal(got.outcome, 'closed');
    // The head and the bad chunk arrive together: the connection is cut before the head leaves.
    assert.ok('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'.startsWith(got.bytes.toString('latin1')));
    assert.equal(await get(px.port), OK_RESPONSE);
    await noLeak(px);
  });

  it('every backend down: 503; with an Emergency backend: the emergency answers', async () => {
    const em = await recording();
    em.behave(() => ({ kind: 'answer', response: 'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nemergency' }));
    const down = [backend(await freePort(), { timeouts: FAST }), backend(await freePort(), { timeouts: FAST })];
    const without = await proxy(down);
    for (let i = 0; i < 3; i++) assert.equal(await get(without.port), L503);
    const withEm = await proxy([backend(await freePort(), { timeouts: FAST })], [backend(em.port, { timeouts: FAST })]);
    assert.equal(await get(withEm.port), 'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nemergency');
    assert.equal(await get(withEm.port), 'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nemergency');
    await noLeak(without);
    await noLeak(withEm);
  });

  it('a backend dying under load (200 keep-alive clients): every request ends, the emergency takes over, nothing leaks', async () => {
    const be = await recording();
    const em = await recording();
    em.behave(() => ({ kind: 'answer', response: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nem' }));
    const px = await proxy([backend(be.port, { timeouts: FAST })], [backend(em.port, { timeouts: FAST })]);
    let answered = 0;
    let killed = false;
    const outcomes = new Map<string, number>();
    const note = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
    const client = async (): Promise<void> => {
      for (let i = 0; i < 5; i++) {
        const got = await talk(px.port, ['GET /load HTTP/1.0\r\n\r\n'], 6000);
        assert.equal(got.outcome, 'closed', 'no request may hang');
        const text = got.bytes.toString('latin1');
        const status = text === '' ? 'closed' : text.slice(0, text.indexOf('\r\n'));
        note(status);
        assert.ok(['HTTP/1.1 200 OK', 'HTTP/1.0 500 Internal Server Error', 'HTTP/1.0 503 Service Unavailable', 'closed'].includes(status), status);
        if (++answered === 300 && !killed) {
          killed = true;
          await be.stopListening();
          be.resetAll();
        }
      }
    };
    await Promise.all(Array.from({ length: 200 }, client));
    assert.ok(killed);
    assert.equal(await get(px.port), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nem', 'the emergency backend serves once the backend is dead');
    assert.ok((outcomes.get('HTTP/1.1 200 OK') ?? 0) >= 300, JSON.stringify([...outcomes]));
    await noLeak(px);
  });

  describe('TLS files removed after start', () => {
    let certs: TestCerts;
    before(() => { certs = makeTestCerts(); });
    after(() => rmSync(certs.dir, { recursive: true, force: true }));

    it('the HTTPS listener\'s certificate: new handshakes still succeed', async () => {
      const be = await recording();
      const dir = mkdtempSync(join(tmpdir(), 'hostile-cert-'));
      const pem = join(dir, 'server.pem');
      writeFileSync(pem, readFileSync(certs.combined));
      const l = listener([service([backend(be.port, { timeouts: FAST })])]);
      l.protocol = 'https';
      l.tls = { certificates: [{ certFile: pem }] };
      const px = await run(config([l]));
      cleanup.push(() => px.handle.stop());
      rmSync(dir, { recursive: true, force: true });
      for (let i = 0; i < 3; i++) assert.equal(await tlsGet(px.port), OK_RESPONSE);
      await noLeak(px);
    });

    it('an HTTPS backend\'s client certificate: requests are still served', async () => {
      const backendTls = tls.createServer({ cert: readFileSync(certs.cert), key: readFileSync(certs.key) }, (s) => {
        s.on('error', () => {});
        s.once('data', () => s.end(OK_RESPONSE));
      });
      await new Promise<void>((r) => backendTls.listen(0, '127.0.0.1', () => r()));
      cleanup.push(() => new Promise<void>((r) => backendTls.close(() => r())));
      const dir = mkdtempSync(join(tmpdir(), 'hostile-cert-'));
      const pem = join(dir, 'client.pem');
      writeFileSync(pem, readFileSync(certs.combined));
      const port = (backendTls.address() as net.AddressInfo).port;
      const px = await proxy([backend(port, { timeouts: FAST, tls: { enabled: true, certFile: pem } })]);
      assert.equal(await get(px.port), OK_RESPONSE);
      rmSync(dir, { recursive: true, force: true });
      assert.equal(await get(px.port), OK_RESPONSE, 'served with the certificate read at start');
      await noLeak(px);
    });
  });
});

function tlsGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => s.write(GET));
    let got = '';
    s.on('data', (d: Buffer) => { got += d.toString('latin1'); });
    s.on('error', reject);
    s.on('close', () => resolve(got));
    s.setTimeout(6000, () => s.destroy());
  });
}

describe('fault injection: logs that cannot be written', () => {
  const procs: ChildProcess[] = [];
  after(() => { for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL'); });

  it('pound: stdout (LogFacility -, LogLevel 1) on a full device: requests are served, the process stays up', async () => {
    const be = await startRecordingBackend();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'hostile-log-'));
      const port = await freePort();
      const cfg = join(dir, 'pound.cfg');
      writeFileSync(cfg, `Daemon 0\nLogFacility -\nLogLevel 1\nListenHTTP\n\tAddress 127.0.0.1\n\tPort ${port}\n\tService\n` +
        `\t\tBackEnd\n\t\t\tAddress 127.0.0.1\n\t\t\tPort ${be.port}\n\t\tEnd\n\tEnd\nEnd\n`);
      const full = openSync('/dev/full', 'w');
      const proc = spawn(POUND, ['-W', 'compat=2.8', '-f', cfg, '-p', join(dir, 'pound.pid')], { stdio: ['ignore', full, 'pipe'] });
      closeSync(full);
      procs.push(proc);
      let err = '';
      proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
      await waitListening(port, () => proc.exitCode === null, 'pound');
      for (let i = 0; i < 20; i++) assert.equal(await get(port), OK_RESPONSE);
      assert.equal(proc.exitCode, null, `pound is still running (stderr: ${err})`);
      assert.doesNotMatch(err, /internal error|Error:|at .*\.js:\d+/);
      proc.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    } finally {
      await be.close();
    }
  });

  it('pen: -l on a full device and a run-time log in a missing directory: relaying goes on', async () => {
    const be = await startRecordingBackend();
    be.behave(() => ({ kind: 'close', response: OK_RESPONSE }));
    const p = await startOurPen([`127.0.0.1:${be.port}`], ['-l', '/dev/full']);
    try {
      for (let i = 0; i < 20; i++) assert.equal(await get(p.port), OK_RESPONSE);
      await p.command('log /nonexistent-dir/sub/pen.log');
      for (let i = 0; i < 5; i++) assert.equal(await get(p.port), OK_RESPONSE);
      assert.ok(p.alive());
      assert.equal(await p.command('pid'), `${p.pen.child.pid}\n`);
      assert.doesNotMatch(p.pen.stderr(), /internal error|at .*\.js:\d+/);
    } finally {
      await p.stop();
      await be.close();
    }
  });

  it('pen: one of two backends dying under load (100 clients): every exchange ends, the other backend takes over', async () => {
    const a = await startRecordingBackend();
    const b = await startRecordingBackend();
    for (const be of [a, b]) be.behave(() => ({ kind: 'close', response: OK_RESPONSE }));
    const p = await startOurPen([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`], ['-r']);
    try {
      let answered = 0;
      let killed = false;
      const outcomes = new Map<string, number>();
      await Promise.all(Array.from({ length: 100 }, async () => {
        for (let i = 0; i < 5; i++) {
          const got = await talk(p.port, [GET], 6000);
          assert.equal(got.outcome, 'closed', 'no exchange may hang');
          const k = got.bytes.toString('latin1') === OK_RESPONSE ? 'ok' : got.bytes.length === 0 ? 'closed' : 'partial';
          outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
          if (++answered === 150 && !killed) {
            killed = true;
            await a.stopListening();
            a.resetAll();
          }
        }
      }));
      assert.ok(killed);
      for (let i = 0; i < 5; i++) assert.equal(await get(p.port), OK_RESPONSE, `served after the death (${JSON.stringify([...outcomes])})`);
      assert.ok(p.alive());
      assert.doesNotMatch(p.pen.stderr(), /internal error|at .*\.js:\d+/);
    } finally {
      await p.stop();
      await a.close();
      await b.close();
    }
  });

  it('pen -E: the certificate file removed after start: new TLS clients are still served', async () => {
    const certs = makeTestCerts();
    const be = await startRecordingBackend();
    be.behave(() => ({ kind: 'close', response: OK_RESPONSE }));
    const dir = mkdtempSync(join(tmpdir(), 'hostile-pen-cert-'));
    const pem = join(dir, 'pen.pem');
    writeFileSync(pem, readFileSync(certs.combined));
    const p = await startOurPen([`127.0.0.1:${be.port}`], ['-E', pem]);
    try {
      assert.equal(await tlsGet(p.port), OK_RESPONSE);
      rmSync(dir, { recursive: true, force: true });
      for (let i = 0; i < 3; i++) assert.equal(await tlsGet(p.port), OK_RESPONSE);
      assert.ok(p.alive());
    } finally {
      await p.stop();
      await be.close();
      rmSync(certs.dir, { recursive: true, force: true });
    }
  });
});

