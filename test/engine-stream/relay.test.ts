// The byte pump: -H rewriting as the backend sees it, the request log, half-close,
// tcp_fastclose, idle timeout, dummy, the -x connection limit.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { exchange, namedBackend, type NamedBackend } from '../support/stream-backends.js';
import { penConfig } from '../support/stream-config.js';
import { startPen, until, sleep } from '../support/stream-engine.js';

const backends: NamedBackend[] = [];
after(async () => {
  await Promise.all(backends.map((b) => b.close()));
});
async function backend(name: string, mode: 'on-end' | 'per-chunk' | 'hold' = 'on-end') {
  const b = await namedBackend(name, mode);
  backends.push(b);
  return b;
}

function openClient(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => resolve(s));
    s.on('error', () => {});
  });
}

test('-H: headers inserted exactly as pen does (backend capture)', async (t) => {
  const a = await backend('A');
  const pen = await startPen(penConfig({ servers: [a.port], tcp: { forwardedFor: true } }));
  t.after(() => pen.stop());
  const cases: [string, string][] = [
    ['GET /a HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /a HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: http\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n'],
    ['GET /c HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n', 'GET /c HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: http\r\n\r\n'],
    ['get /d HTTP/1.1\r\nx-forwarded-proto: https\r\n\r\n', 'get /d HTTP/1.1\r\nx-forwarded-proto: https\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n'],
    ['PUT /e HTTP/1.1\r\n\r\n', 'PUT /e HTTP/1.1\r\n\r\n'],
    ['GET /g HTTP/1.0\n\n', 'GET /g HTTP/1.0\r\nX-Forwarded-Proto: http\r\nX-Forwarded-For: 127.0.0.1\n\n'],
    ['POST /p HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody', 'POST /p HTTP/1.1\r\nContent-Length: 4\r\nX-Forwarded-Proto: http\r\nX-Forwarded-For: 127.0.0.1\r\n\r\nbody'],
  ];
  for (const [sent, seen] of cases) {
    const before = a.received.length;
    assert.equal((await exchange(pen.port, sent)).data, 'A');
    assert.equal(a.received[before]!.toString('latin1'), seen);
  }
  // sx counts the rewritten bytes
  const sx = pen.handle.stats.listeners[0]!.services[0]!.backends[0]!.sent;
  assert.equal(sx, cases.reduce((n, [, seen]) => n + seen.length, 0));
});

test('-H rewrites every request that starts a chunk on a keep-alive connection', async (t) => {
  const a = await backend('A', 'per-chunk');
  const pen = await startPen(penConfig({ servers: [a.port], tcp: { forwardedFor: true } }));
  t.after(() => pen.stop());
  const s = await openClient(pen.port);
  s.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\n');
  await once(s, 'data');
  s.write('GET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
  await once(s, 'data');
  s.end();
  await once(s, 'close');
  const seen = a.received[0]!.toString('latin1');
  assert.equal(seen.split('X-Forwarded-For: 127.0.0.1').length - 1, 2);
});

test('request log: one line per client chunk, after -H, pen format; reopen for rotation', async (t) => {
  const a = await backend('A', 'per-chunk');
  const dir = mkdtempSync(join(tmpdir(), 'penlog-'));
  const file = join(dir, 'pen.log');
  const pen = await startPen(penConfig({ servers: [a.port], tcp: { forwardedFor: true }, logFile: file }));
  t.after(() => pen.stop());
  const s = await openClient(pen.port);
  s.write(Buffer.concat([Buffer.from('GET /a?x='), Buffer.from([0xe9]), Buffer.from('\t HTTP/1.1\r\nHost: x\r\n\r\n')]));
  await once(s, 'data');
  s.write('POST-BODY-LINE\r\nmore');
  await once(s, 'data');
  s.end();
  await once(s, 'close');
  assert.ok(await until(() => readFileSync(file, 'latin1').split('\n').length >= 3));
  const lines = readFileSync(file, 'latin1').split('\n');
  assert.match(lines[0]!, /^127\.0\.0\.1 \d+ 127\.0\.0\.1 GET \/a\?x=\.\t HTTP\/1\.1$/);
  assert.match(lines[1]!, /^127\.0\.0\.1 \d+ 127\.0\.0\.1 POST-BODY-LINE$/);
  // rotation
  renameSync(file, file + '.1');
  assert.deepEqual(pen.handle.reopenLogs(), []);
  await exchange(pen.port, 'after rotation\n');
  assert.ok(await until(() => {
    try {
      return readFileSync(file, 'latin1').includes('after rotation');
    } catch {
      return false;
    }
  }));
});

test('client data is read in chunks of at most 32 KB, as pen reads it (log: one line per chunk)', async (t) => {
  const a = await backend('A');
  const dir = mkdtempSync(join(tmpdir(), 'penlog-'));
  const file = join(dir, 'pen.log');
  const pen = await startPen(penConfig({ servers: [a.port], logFile: file }));
  t.after(() => pen.stop());
  const request = 'GET /' + 'a'.repeat(40000) + ' HTTP/1.0\r\n\r\n';
  assert.equal((await exchange(pen.port, request)).data, 'A');
  assert.equal(a.received.at(-1)!.toString(), request);
  assert.ok(await until(() => readFileSync(file, 'latin1').split('\n').length >= 3));
  const lines = readFileSync(file, 'latin1').split('\n');
  assert.equal(lines[0]!.split(' ')[3], 'GET');
  assert.ok(lines[0]!.endsWith(' 127.0.0.1 GET /' + 'a'.repeat(95)), lines[0]); // cut at 100 bytes
});

test('half-close: client EOF reaches the backend, the answer still comes back', async (t) => {
  const a = await backend('A');
  const pen = await startPen(penConfig({ servers: [a.port] }));
  t.after(() => pen.stop());
  // exchange() half-closes after sending; the on-end backend answers only after EOF.
  const big = Buffer.alloc(300_000, 'x');
  const r = await exchange(pen.port, big);
  assert.equal(r.data, 'A');
  assert.equal(a.received.at(-1)!.length, big.length);
});

test('large responses are relayed intact with back-pressure', async (t) => {
  const { createServer } = await import('node:net');
  const payload = Buffer.alloc(5_000_000);
  for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
  const srv = createServer((s) => {
    s.on('error', () => {});
    s.end(payload);
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.after(() => srv.close());
  const pen = await startPen(penConfig({ servers: [(srv.address() as { port: number }).port] }));
  t.after(() => pen.stop());
  const s = await openClient(pen.port);
  s.pause();
  await sleep(100); // let buffers fill up
  const chunks: Buffer[] = [];
  s.on('data', (d: Buffer) => chunks.push(d));
  s.resume();
  await once(s, 'end');
  s.end();
  assert.ok(Buffer.concat(chunks).equals(payload));
});

test('tcp_fastclose up: the client is closed as soon as the server sent EOF', async (t) => {
  const { createServer } = await import('node:net');
  // A backend that answers and half-closes but keeps reading.
  const srv = createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    s.end('bye');
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.after(() => srv.close());
  const port = (srv.address() as { port: number }).port;
  for (const fast of ['off', 'up'] as const) {
    const pen = await startPen(penConfig({ servers: [port], tcp: { fastClose: fast } }));
    const s = await openClient(pen.port);
    let data = '';
    s.on('data', (d) => (data += d));
    await once(s, 'end');
    assert.equal(data, 'bye');
    // with 'off' our write side is still open to the backend; with 'up' pen closed both.
    const ok = s.write('more');
    await sleep(100);
    const used = pen.handle.stats.listeners[0]!.connectionsUsed;
    assert.equal(used, fast === 'off' ? 1 : 0, `fastclose ${fast} (write ${ok})`);
    s.destroy();
    await pen.stop();
  }
});

test('idle timeout closes a connection after N seconds without traffic', async (t) => {
  const a = await backend('A', 'hold');
  const pen = await startPen(penConfig({ servers: [a.port], tcp: { idleTimeoutSeconds: 1 } }));
  t.after(() => pen.stop());
  const s = await openClient(pen.port);
  const closed = once(s, 'end');
  const started = Date.now();
  await closed;
  assert.ok(Date.now() - started < 4000);
  assert.equal(pen.handle.stats.listeners[0]!.connectionsUsed, 0);
});

test('dummy: fixed answer, no backend', async (t) => {
  const a = await backend('A');
  const pen = await startPen(penConfig({ servers: [a.port], tcp: { dummy: true } }));
  t.after(() => pen.stop());
  const r = await exchange(pen.port, 'GET / HTTP/1.0\r\n\r\n');
  assert.equal(r.data, 'HTTP/1.1 200 OK\r\nContent-Length: 15\r\nContent-Type: text/html\r\n\r\nUlric was here.');
  assert.equal(a.accepted, 0);
});

test('-x 1: a second client waits until the first is done, then is served', async (t) => {
  const a = await backend('A', 'per-chunk');
  const pen = await startPen(penConfig({ servers: [a.port], maxConnections: 1 }));
  t.after(() => pen.stop());
  const first = await openClient(pen.port);
  first.write('1');
  await once(first, 'data');
  let secondDone = false;
  const second = exchange(pen.port, 'x').then((r) => {
    secondDone = true;
    return r;
  });
  await sleep(300);
  assert.equal(secondDone, false);
  assert.equal(a.accepted, 1);
  const conns = pen.handle.connections(0);
  assert.equal(conns.length, 1);
  assert.equal(conns[0]!.state, 2);
  first.end();
  const r = await second;
  assert.equal(r.data, 'A');
  assert.equal(a.accepted, 2);
});

test('close N force-closes a connection', async (t) => {
  const a = await backend('A', 'hold');
  const pen = await startPen(penConfig({ servers: [a.port] }));
  t.after(() => pen.stop());
  const s = await openClient(pen.port);
  assert.ok(await until(() => pen.handle.connections(0).length === 1 && pen.handle.connections(0)[0]!.state === 2));
  const closed = once(s, 'end');
  assert.equal(pen.handle.closeConnection(0, 0), true);
  await closed;
  assert.equal(pen.handle.closeConnection(0, 0), false);
  assert.equal(pen.handle.stats.listeners[0]!.services[0]!.backends[0]!.connections, 0);
});

test('stop() closes everything and frees the port', async () => {
  const a = await backend('A', 'hold');
  const pen = await startPen(penConfig({ servers: [a.port] }));
  const s = await openClient(pen.port);
  const closed = once(s, 'end');
  await pen.stop();
  await closed;
  const again = await exchange(pen.port, 'x', { timeoutMs: 1000 });
  assert.equal(again.error, true);
});
