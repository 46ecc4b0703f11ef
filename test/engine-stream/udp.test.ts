// pen -U: UDP sessions, replies from the listen address, tracking, manual blacklisting.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { udpBackend, udpClient } from '../support/stream-backends.js';
import { penConfig } from '../support/stream-config.js';
import { startPen } from '../support/stream-engine.js';

const closers: (() => void)[] = [];
after(() => closers.forEach((c) => c()));

async function three() {
  const list = [await udpBackend('A'), await udpBackend('B'), await udpBackend('C')];
  closers.push(...list.map((b) => b.close));
  return list;
}

test('UDP round trip; replies come from the listen address and port; same session, same server', async (t) => {
  const servers = await three();
  const pen = await startPen(penConfig({ protocol: 'udp', servers: servers.map((s) => s.port) }));
  t.after(() => pen.stop());
  const client = await udpClient();
  t.after(() => client.close());
  for (const q of ['q1', 'q2', 'q3']) {
    const r = await client.ask(pen.port, q);
    assert.deepEqual(r, { text: `B:${q}`, from: '127.0.0.1', port: pen.port });
  }
  const stats = pen.handle.stats.listeners[0]!.services[0]!.backends;
  assert.equal(stats[1]!.connections, 1); // one session
  assert.equal(stats[1]!.sent, 4); // the first datagram is not counted
  assert.equal(stats[1]!.received, 0);
  // another socket from the same IP: new session, same server (tracking)
  const other = await udpClient();
  t.after(() => other.close());
  assert.equal((await other.ask(pen.port, 'z'))?.text, 'B:z');
  // another IP: the next server
  const third = await udpClient('127.0.0.2');
  t.after(() => third.close());
  assert.equal((await third.ask(pen.port, 'z'))?.text, 'C:z');
});

test('UDP round robin (-Ur) alternates per new client socket', async (t) => {
  const servers = await three();
  const pen = await startPen(penConfig({ protocol: 'udp', servers: servers.map((s) => s.port), balance: { clientTracking: false } }));
  t.after(() => pen.stop());
  const answers: string[] = [];
  for (let i = 0; i < 4; i++) {
    const c = await udpClient();
    answers.push((await c.ask(pen.port, 'x'))?.text ?? '');
    c.close();
  }
  assert.deepEqual(answers, ['B:x', 'C:x', 'A:x', 'B:x']);
});

test('UDP: all servers blacklisted → dropped; un-blacklisting restores', async (t) => {
  const servers = await three();
  const pen = await startPen(penConfig({ protocol: 'udp', servers: servers.map((s) => s.port), balance: { clientTracking: false } }));
  t.after(() => pen.stop());
  const stats = pen.handle.stats.listeners[0]!.services[0]!.backends;
  const now = pen.handle.now();
  stats[1]!.failedAt = now;
  stats[2]!.failedAt = now;
  let c = await udpClient();
  assert.equal((await c.ask(pen.port, 'x'))?.text, 'A:x');
  c.close();
  stats[0]!.failedAt = now;
  c = await udpClient();
  assert.equal(await c.ask(pen.port, 'x', 400), undefined);
  c.close();
  stats[0]!.failedAt = 0;
  c = await udpClient();
  assert.equal((await c.ask(pen.port, 'x'))?.text, 'A:x');
  c.close();
});

test('UDP: -H applies to later datagrams, the log skips the first one', async (t) => {
  const [a] = await three();
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const file = join(mkdtempSync(join(tmpdir(), 'penudp-')), 'log');
  const pen = await startPen(penConfig({ protocol: 'udp', servers: [a!.port], tcp: { forwardedFor: true }, logFile: file }));
  t.after(() => pen.stop());
  const c = await udpClient();
  t.after(() => c.close());
  await c.ask(pen.port, 'GET /1 HTTP/1.0\r\n\r\n');
  await c.ask(pen.port, 'GET /2 HTTP/1.0\r\n\r\n');
  assert.equal(a!.received[0]!.toString(), 'GET /1 HTTP/1.0\r\n\r\n');
  assert.equal(a!.received[1]!.toString(), 'GET /2 HTTP/1.0\r\nX-Forwarded-Proto: http\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n');
  await new Promise((r) => setTimeout(r, 50));
  const lines = readFileSync(file, 'latin1').trim().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, / GET \/2 HTTP\/1\.0$/);
});
