// Listener and backend address kinds: IPv6 (dual stack), Unix sockets; relisten;
// source address; transparent is reported, not ignored.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exchange, namedBackend, type NamedBackend } from '../support/stream-backends.js';
import { penConfig } from '../support/stream-config.js';
import { startPen } from '../support/stream-engine.js';

const backends: NamedBackend[] = [];
after(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

async function hasIPv6(): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}

test('dual-stack :: listener to an IPv4 backend; -H shows ::ffff:127.0.0.1', async (t) => {
  if (!(await hasIPv6())) return t.skip('no IPv6 loopback');
  const a = await namedBackend('A');
  backends.push(a);
  const pen = await startPen(penConfig({ servers: [a.port], listenHost: '::', tcp: { forwardedFor: true } }));
  t.after(() => pen.stop());
  assert.equal((await exchange(pen.port, 'GET / HTTP/1.0\r\n\r\n', { host: '127.0.0.1' })).data, 'A');
  assert.match(a.received[0]!.toString(), /X-Forwarded-For: ::ffff:127\.0\.0\.1\r\n/);
  assert.equal((await exchange(pen.port, 'GET / HTTP/1.0\r\n\r\n', { host: '::1' })).data, 'A');
  assert.match(a.received[1]!.toString(), /X-Forwarded-For: ::1\r\n/);
  // full-address tracking: ::1 and ::ffff:127.0.0.1 are two clients (pen 0.34.1: one)
  const clients = pen.handle.stats.listeners[0]!.services[0]!.clients.filter((c) => c.lastSeen !== 0);
  assert.deepEqual(clients.map((c) => c.address), ['::ffff:127.0.0.1', '::1']);
});

test('IPv4 listener to an IPv6 backend', async (t) => {
  if (!(await hasIPv6())) return t.skip('no IPv6 loopback');
  const srv = createServer((s) => s.end('V6'));
  srv.listen(0, '::1');
  await once(srv, 'listening');
  t.after(() => srv.close());
  const pen = await startPen(penConfig({ servers: [{ host: '::1', port: (srv.address() as { port: number }).port }] }));
  t.after(() => pen.stop());
  assert.equal((await exchange(pen.port, 'x')).data, 'V6');
});

test('Unix socket listener and Unix socket backend', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'penunix-'));
  const backendPath = join(dir, 'backend.sock');
  const srv = createServer((s) => s.end('UNIX'));
  srv.listen(backendPath);
  await once(srv, 'listening');
  t.after(() => srv.close());
  const config = penConfig({ servers: [] });
  const listenPath = join(dir, 'pen.sock');
  config.listeners[0]!.endpoint = { kind: 'unix', path: listenPath };
  config.listeners[0]!.services[0]!.backends.push({ ...penBackendUnix(backendPath) });
  const pen = await startPen(config);
  t.after(() => pen.stop());
  const { connect } = await import('node:net');
  const got = await new Promise<string>((resolve) => {
    let data = '';
    const s = connect(listenPath, () => s.end('x'));
    s.on('data', (d) => (data += d));
    s.on('close', () => resolve(data));
  });
  assert.equal(got, 'UNIX');
  const clients = pen.handle.stats.listeners[0]!.services[0]!.clients.filter((c) => c.lastSeen !== 0);
  assert.equal(clients.length, 1);
});

function penBackendUnix(path: string) {
  return {
    endpoint: { kind: 'unix' as const, path },
    weight: 0,
    priority: 0,
    disabled: false,
    limits: { softMax: 0, hardMax: 0 },
    timeouts: { connectSeconds: 3, ioSeconds: 0 },
  };
}

test('relisten moves the listener; a bad address keeps the old one', async (t) => {
  const a = await namedBackend('A');
  backends.push(a);
  const pen = await startPen(penConfig({ servers: [a.port] }));
  t.after(() => pen.stop());
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.after(() => blocker.close());
  const busy = (blocker.address() as { port: number }).port;
  const err = await pen.handle.relisten(0, { kind: 'inet', host: '127.0.0.1', port: busy }, `127.0.0.1:${busy}`);
  assert.equal(err?.message, "can't bind local address");
  assert.equal((await exchange(pen.port, 'x')).data, 'A');
  const none = await pen.handle.relisten(0, { kind: 'inet', host: '127.0.0.1', port: 0 }, '127.0.0.1:0');
  assert.equal(none, undefined);
  const moved = pen.handle.boundAddresses()[0]!.port;
  assert.notEqual(moved, pen.port);
  assert.equal((await exchange(moved, 'x')).data, 'A');
  assert.equal(pen.config.listeners[0]!.spec, '127.0.0.1:0');
});

test('bind failure is pen\'s "can\'t bind local address"', async (t) => {
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.after(() => blocker.close());
  const config = penConfig({ servers: [] });
  config.listeners[0]!.endpoint = { kind: 'inet', host: '127.0.0.1', port: (blocker.address() as { port: number }).port };
  config.listeners[0]!.reusePort = false;
  const { start } = await import('@penpound/engine');
  const r = await start(config);
  assert.equal(r.ok, false);
  assert.equal(r.ok ? '' : r.errors[0]!.message, "can't bind local address");
});

test('source address binds upstream sockets; transparent is reported', async (t) => {
  const srv = createServer((s) => s.end(String(s.remoteAddress)));
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.after(() => srv.close());
  const port = (srv.address() as { port: number }).port;
  const pen = await startPen(penConfig({ servers: [port], tcp: { sourceAddress: '127.0.0.7' } }));
  t.after(() => pen.stop());
  assert.equal((await exchange(pen.port, 'x')).data, '127.0.0.7');
  const tp = await startPen(penConfig({ servers: [port], tcp: { transparent: true } }));
  t.after(() => tp.stop());
  assert.equal((await exchange(tp.port, 'x')).data, '127.0.0.1');
  await exchange(tp.port, 'x');
  assert.deepEqual(tp.messages(), ['You are trying to be transparent, but it is not supported']);
});
