// Server choice end to end: real backends, real client addresses from 127/8.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { namedBackend, sequence, exchange, type NamedBackend } from '../support/stream-backends.js';
import { penConfig } from '../support/stream-config.js';
import { startPen } from '../support/stream-engine.js';

const backends: NamedBackend[] = [];
async function abc(): Promise<NamedBackend[]> {
  const list = [await namedBackend('A'), await namedBackend('B'), await namedBackend('C')];
  backends.push(...list);
  return list;
}
after(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

test('round robin (-r) starts at server 1: B, C, A, B', async (t) => {
  const servers = await abc();
  const pen = await startPen(penConfig({ servers: servers.map((b) => b.port), balance: { clientTracking: false } }));
  t.after(() => pen.stop());
  assert.deepEqual(await sequence(pen.port, 4), ['B', 'C', 'A', 'B']);
  const stats = pen.handle.stats.listeners[0]!.services[0]!;
  assert.equal(stats.backends[1]!.sent, 4); // "hi" twice
  assert.equal(stats.backends[1]!.received, 2);
  assert.equal(stats.current, 1);
  assert.equal(stats.backends[1]!.connections, 0);
});

test('tracking: each client address sticks to its server; new clients go round', async (t) => {
  const servers = await abc();
  const pen = await startPen(penConfig({ servers: servers.map((b) => b.port) }));
  t.after(() => pen.stop());
  const from = (ip: string) => sequence(pen.port, 2, { localAddress: ip });
  assert.deepEqual(await from('127.0.0.1'), ['B', 'B']);
  assert.deepEqual(await from('127.0.0.2'), ['C', 'C']);
  assert.deepEqual(await from('127.0.0.3'), ['A', 'A']);
  assert.deepEqual(await from('127.0.0.1'), ['B', 'B']);
  const clients = pen.handle.stats.listeners[0]!.services[0]!.clients;
  assert.equal(clients[0]!.address, '127.0.0.1');
  assert.equal(clients[0]!.connects, 4);
  assert.equal(clients[0]!.backend, 1);
  assert.equal(clients[0]!.sent, 4); // "B" four times
  assert.equal(clients[0]!.received, 8);
});

test('hash (-h): 127.0.0.1→C, .2→A, .3→B', async (t) => {
  const servers = await abc();
  const pen = await startPen(penConfig({ servers: servers.map((b) => b.port), balance: { hash: true } }));
  t.after(() => pen.stop());
  for (const [ip, name] of [['127.0.0.1', 'C'], ['127.0.0.2', 'A'], ['127.0.0.3', 'B'], ['127.1.2.3', 'B']]) {
    assert.equal((await exchange(pen.port, 'x', { localAddress: ip })).data, name, ip);
  }
});

test('hash with round robin (-h -r) mixes in the client port', async (t) => {
  const servers = await abc();
  const pen = await startPen(penConfig({ servers: servers.map((b) => b.port), balance: { hash: true, clientTracking: false } }));
  t.after(() => pen.stop());
  // Ports picked for the test may be busy: only check those we could bind.
  const expected: Record<number, string> = { 40001: 'C', 40002: 'A', 40003: 'B', 40004: 'C' };
  let checked = 0;
  for (const [port, name] of Object.entries(expected)) {
    const r = await exchange(pen.port, 'x', { localAddress: '127.0.0.1', localPort: Number(port) });
    if (r.error && r.data === '') continue;
    assert.equal(r.data, name, `port ${port}`);
    checked++;
  }
  assert.ok(checked > 0);
});

test('prio: lowest prio wins; blacklisting it moves to the next', async (t) => {
  const servers = await abc();
  const pen = await startPen(
    penConfig({
      servers: [{ port: servers[0]!.port, prio: 2 }, { port: servers[1]!.port, prio: 1 }, { port: servers[2]!.port, prio: 1 }],
      balance: { prio: true, clientTracking: false },
    }),
  );
  t.after(() => pen.stop());
  assert.deepEqual(await sequence(pen.port, 2), ['B', 'B']);
  // pen's manual blacklist: failedAt = now + T - blacklistSeconds
  const now = pen.handle.now();
  pen.handle.stats.listeners[0]!.services[0]!.backends[1]!.failedAt = now + 60 - 30;
  assert.deepEqual(await sequence(pen.port, 2), ['C', 'C']);
});

test('weight: all weights 0 drops every connection; with weights the lowest load wins', async (t) => {
  const servers = await abc();
  const config = penConfig({ servers: servers.map((b) => b.port), balance: { weight: true, clientTracking: false } });
  const pen = await startPen(config);
  t.after(() => pen.stop());
  const dropped = await exchange(pen.port, 'x');
  assert.equal(dropped.data, '');
  const svc = config.listeners[0]!.services[0]!;
  svc.backends[0]!.weight = 1;
  svc.backends[1]!.weight = 3;
  assert.deepEqual(await sequence(pen.port, 3), ['A', 'A', 'A']);
});

test('soft and hard limits: a tracked client may exceed max up to hard', async (t) => {
  const a = await namedBackend('A');
  const b = await namedBackend('B', 'hold');
  backends.push(a, b);
  // server 1 (B) has max 1 hard 2; first client goes to index 1.
  const pen = await startPen(penConfig({ servers: [a.port, { port: b.port, maxc: 1, hard: 2 }] }));
  t.after(() => pen.stop());
  const { connect } = await import('node:net');
  const open = (ip: string) =>
    new Promise<import('node:net').Socket>((resolve) => {
      const s = connect({ port: pen.port, host: '127.0.0.1', localAddress: ip }, () => resolve(s));
      s.on('error', () => {});
    });
  const stats = pen.handle.stats.listeners[0]!.services[0]!.backends;
  const held = [await open('127.0.0.1')];
  const wait = async (n: number) => {
    for (let i = 0; i < 100 && stats[1]!.connections !== n; i++) await new Promise((r) => setTimeout(r, 20));
  };
  await wait(1);
  assert.equal(stats[1]!.connections, 1);
  // a new client is refused by B (1 ≥ max) and fails over to A
  assert.equal((await exchange(pen.port, 'x', { localAddress: '127.0.0.2' })).data, 'A');
  // the tracked client gets a second connection on B (1 < hard 2)
  held.push(await open('127.0.0.1'));
  await wait(2);
  assert.equal(stats[1]!.connections, 2);
  // a third from the same client is over hard: failover to A
  assert.equal((await exchange(pen.port, 'x', { localAddress: '127.0.0.1' })).data, 'A');
  for (const s of held) s.destroy();
});

test('unused 0.0.0.0 servers are skipped by round robin (except slot 0)', async (t) => {
  const servers = await abc();
  const config = penConfig({ servers: servers.map((b) => b.port), balance: { clientTracking: false } });
  const svc = config.listeners[0]!.services[0]!;
  svc.backends[2]!.endpoint = { kind: 'inet', host: '0.0.0.0', resolved: '0.0.0.0', port: servers[2]!.port };
  const pen = await startPen(config);
  t.after(() => pen.stop());
  assert.deepEqual(await sequence(pen.port, 3), ['B', 'A', 'B']);
});

test('servers added at run time are used (stats grow)', async (t) => {
  const servers = await abc();
  const config = penConfig({ servers: [servers[0]!.port], balance: { clientTracking: false } });
  const pen = await startPen(config);
  t.after(() => pen.stop());
  assert.deepEqual(await sequence(pen.port, 2), ['A', 'A']);
  const { penBackend } = await import('../support/stream-config.js');
  config.listeners[0]!.services[0]!.backends.push(penBackend(servers[1]!.port), penBackend(servers[2]!.port));
  assert.deepEqual(await sequence(pen.port, 3), ['B', 'C', 'A']);
  assert.equal(pen.handle.stats.listeners[0]!.services[0]!.backends.length, 3);
});

test('-T expiry: slots become reusable, a returning client keeps its unreused slot (spec §3.2)', async (t) => {
  const servers = await abc();
  const pen = await startPen(penConfig({ servers: servers.map((b) => b.port), balance: { trackingSeconds: 1 } }));
  t.after(() => pen.stop());
  const from = async (ip: string) => (await exchange(pen.port, 'x', { localAddress: ip })).data;
  assert.equal(await from('127.0.0.1'), 'B');
  assert.equal(await from('127.0.0.2'), 'C');
  const start = pen.handle.now();
  while (pen.handle.now() < start + 2) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await from('127.0.0.1'), 'B');
  assert.equal(await from('127.0.0.3'), 'A'); // took 127.0.0.2's expired slot
  assert.equal(await from('127.0.0.2'), 'B'); // a new client now
});

test('a client served by the emergency server is not tracked to it', async (t) => {
  const servers = await abc();
  const config = penConfig({ servers: [servers[0]!.port], emergency: servers[2]!.port });
  const pen = await startPen(config);
  t.after(() => pen.stop());
  const stats = pen.handle.stats.listeners[0]!.services[0]!.backends;
  stats[0]!.failedAt = pen.handle.now();
  assert.equal((await exchange(pen.port, 'x')).data, 'C');
  stats[0]!.failedAt = 0;
  assert.equal((await exchange(pen.port, 'x')).data, 'A');
});

test('network request log: "+ client server firstline" datagrams', async (t) => {
  const servers = await abc();
  const { createSocket } = await import('node:dgram');
  const { once } = (await import('node:events')).default;
  const sink = createSocket('udp4');
  sink.bind(0, '127.0.0.1');
  await once(sink, 'listening');
  t.after(() => sink.close());
  const config = penConfig({ servers: [servers[0]!.port] });
  config.logging.requestLog = { kind: 'udp', host: '127.0.0.1', port: sink.address().port, format: 'pen' };
  const pen = await startPen(config);
  t.after(() => pen.stop());
  const got = once(sink, 'message');
  await exchange(pen.port, 'GET /hello HTTP/1.1\r\nHost: x\r\n\r\n');
  const [msg] = (await got) as [Buffer];
  assert.equal(msg.toString(), '+ 127.0.0.1 127.0.0.1 GET /hello HTTP/1.1\n');
});
