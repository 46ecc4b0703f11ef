// Failover, blacklisting, emergency and abuse servers, ACLs (spec §3.4–§3.10).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { blackHole, exchange, namedBackend, refusedPort, sequence, type NamedBackend } from '../support/stream-backends.js';
import { penConfig } from '../support/stream-config.js';
import { startPen } from '../support/stream-engine.js';

const backends: NamedBackend[] = [];
async function named(...names: string[]): Promise<NamedBackend[]> {
  const list = await Promise.all(names.map((n) => namedBackend(n)));
  backends.push(...list);
  return list;
}
after(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

test('refused connect: HEAD messages, blacklist, failover to the next server', async (t) => {
  const [a, c] = await named('A', 'C');
  const dead = await refusedPort();
  const pen = await startPen(penConfig({ servers: [a!.port, dead, c!.port], balance: { clientTracking: false } }));
  t.after(() => pen.stop());
  // round robin picks index 1 (dead) first → fails over to 2 (C). Failover does not move
  // the round-robin cursor (still 1): next 2 (C), then 0 (A), then 1 is blacklisted → C.
  assert.deepEqual(await sequence(pen.port, 4), ['C', 'C', 'A', 'C']);
  assert.deepEqual(pen.messages(), ['Connect failed: Connection refused', 'blacklisting server 1 because of connect failure']);
  const stats = pen.handle.stats.listeners[0]!.services[0]!.backends;
  assert.ok(stats[1]!.failedAt > 0);
  assert.equal(stats[1]!.connections, 0);
});

test('connect timeout: blacklisted with the message, client served by the next server', async (t) => {
  const [a, b] = await named('A', 'B');
  const hole = await blackHole();
  t.after(() => hole.close());
  const pen = await startPen(penConfig({ servers: [hole.port, a!.port, b!.port], balance: { clientTracking: false }, connectSeconds: 1 }));
  t.after(() => pen.stop());
  // B (1), C... here: index 1 = A, 2 = B, then 0 = the hole → times out → 1 = A.
  assert.deepEqual(await sequence(pen.port, 3), ['A', 'B', 'A']);
  assert.ok(pen.messages().includes('blacklisting server 0 because of connect timeout'), pen.messages().join('|'));
  // The cursor stays at 0 (failover does not move it); 0 is now skipped while blacklisted.
  assert.deepEqual(await sequence(pen.port, 3), ['A', 'B', 'A']);
  assert.equal(pen.messages().filter((m) => m.includes('connect timeout')).length, 1);
});

test('all servers down and no emergency: client closed without data', async (t) => {
  const dead = await refusedPort();
  const pen = await startPen(penConfig({ servers: [dead] }));
  t.after(() => pen.stop());
  const r = await exchange(pen.port, 'x');
  assert.equal(r.data, '');
  const none = await startPen(penConfig({ servers: [] }));
  t.after(() => none.stop());
  assert.equal((await exchange(none.port, 'x')).data, '');
});

test('emergency and abuse servers (the verified sequence of spec §3.9)', async (t) => {
  const [a, b, emerg, abuse] = await named('A', 'B', 'EMERG', 'ABUSE');
  const config = penConfig({ servers: [a!.port, b!.port], emergency: emerg!.port, abuse: abuse!.port, balance: { clientTracking: false } });
  const pen = await startPen(config);
  t.after(() => pen.stop());
  const stats = pen.handle.stats.listeners[0]!.services[0]!.backends;
  const blacklistFor = (i: number, seconds: number) => {
    stats[i]!.failedAt = pen.handle.now() + seconds - 30;
  };
  assert.deepEqual(await sequence(pen.port, 2), ['B', 'A']);
  blacklistFor(0, 100);
  assert.deepEqual(await sequence(pen.port, 2), ['B', 'B']);
  blacklistFor(1, 100);
  assert.deepEqual(await sequence(pen.port, 2), ['EMERG', 'EMERG']);
  blacklistFor(0, 0);
  assert.deepEqual(await sequence(pen.port, 1), ['A']);
  config.acls[1] = [{ action: 'permit', kind: 'ipv4', address: '127.0.0.2', mask: '255.255.255.255' }];
  config.listeners[0]!.tcp!.clientAcl = 1;
  assert.equal((await exchange(pen.port, 'x', { localAddress: '127.0.0.1' })).data, 'ABUSE');
  assert.equal((await exchange(pen.port, 'x', { localAddress: '127.0.0.2' })).data, 'A');
  config.listeners[0]!.tcp!.clientAcl = 0;
  config.listeners[0]!.services[0]!.backends[0]!.acl = 1;
  blacklistFor(1, 0);
  assert.deepEqual(await sequence(pen.port, 3, { localAddress: '127.0.0.1' }), ['B', 'B', 'B']);
  assert.equal(pen.handle.stats.listeners[0]!.services[0]!.emergency[0]!.sent, 4);
});

test('client ACL denial without -B goes to the emergency server; without -e it is closed', async (t) => {
  const [a, emerg] = await named('A', 'EMERG');
  const config = penConfig({ servers: [a!.port], emergency: emerg!.port });
  config.acls[2] = [{ action: 'deny', kind: 'ipv4', address: '127.0.0.3', mask: '255.255.255.255' }];
  config.listeners[0]!.tcp!.clientAcl = 2;
  const pen = await startPen(config);
  t.after(() => pen.stop());
  assert.equal((await exchange(pen.port, 'x', { localAddress: '127.0.0.3' })).data, 'EMERG');
  assert.equal((await exchange(pen.port, 'x', { localAddress: '127.0.0.4' })).data, 'A');
  config.listeners[0]!.services[0]!.emergency = [];
  assert.equal((await exchange(pen.port, 'x', { localAddress: '127.0.0.3' })).data, '');
});

test('per-server ACL with a single server: the client is simply dropped', async (t) => {
  const [a] = await named('A');
  const config = penConfig({ servers: [{ port: a!.port, acl: 1 }] });
  config.acls[1] = [{ action: 'permit', kind: 'ipv4', address: '127.0.0.1', mask: '255.255.255.255' }];
  const pen = await startPen(config);
  t.after(() => pen.stop());
  assert.equal((await exchange(pen.port, 'x', { localAddress: '127.0.0.1' })).data, 'A');
  assert.equal((await exchange(pen.port, 'x', { localAddress: '127.0.0.2' })).data, '');
  // masked entries match the whole network (fix of pen's unmasked compare)
  config.acls[1] = [{ action: 'permit', kind: 'ipv4', address: '127.0.0.5', mask: '255.0.0.0' }];
  assert.equal((await exchange(pen.port, 'x', { localAddress: '127.0.0.2' })).data, 'A');
});

test('stubborn: a tracked client whose server is blacklisted is closed, not failed over', async (t) => {
  const [a, b, emerg] = await named('A', 'B', 'EMERG');
  const pen = await startPen(penConfig({ servers: [a!.port, b!.port], emergency: emerg!.port, balance: { stubborn: true } }));
  t.after(() => pen.stop());
  assert.equal((await exchange(pen.port, 'x', { localAddress: '127.0.0.1' })).data, 'B');
  const stats = pen.handle.stats.listeners[0]!.services[0]!.backends;
  stats[1]!.failedAt = pen.handle.now() + 30 - 30 + 30; // blacklisted for 30 s
  assert.equal((await exchange(pen.port, 'x', { localAddress: '127.0.0.1' })).data, '');
  assert.equal((await exchange(pen.port, 'x', { localAddress: '127.0.0.2' })).data, 'A');
  stats[1]!.failedAt = 0;
  assert.equal((await exchange(pen.port, 'x', { localAddress: '127.0.0.1' })).data, 'B');
});

test('failover order: next index, wrapping, initial last, then emergency', async (t) => {
  const [c, emerg] = await named('C', 'EMERG');
  const d1 = await refusedPort();
  const d2 = await refusedPort();
  const pen = await startPen(penConfig({ servers: [d1, d2, c!.port], emergency: emerg!.port, balance: { clientTracking: false } }));
  t.after(() => pen.stop());
  // initial 1 (dead) → 2 (C)
  assert.equal((await exchange(pen.port, 'x')).data, 'C');
  const stats = pen.handle.stats.listeners[0]!.services[0]!.backends;
  stats[2]!.failedAt = pen.handle.now();
  // 1 is blacklisted now, 2 too: round robin gives 0 (dead) → 1 (bl) → 2 (bl) → emergency
  assert.equal((await exchange(pen.port, 'x')).data, 'EMERG');
  assert.ok(pen.messages().includes('blacklisting server 0 because of connect failure'));
});

test('-b 0: nothing gets blacklisted, failover still ends', async (t) => {
  const d1 = await refusedPort();
  const d2 = await refusedPort();
  const pen = await startPen(penConfig({ servers: [d1, d2], balance: { blacklistSeconds: 0 } }));
  t.after(() => pen.stop());
  assert.equal((await exchange(pen.port, 'x')).data, '');
});
