import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, BalanceConfig } from '../model/types.js';
import type { BackendStats } from '../runtime/handle.js';
import { ABUSE, NO_BACKEND, byWeight, initialServer, isUnused, type SelectionInput } from './select.js';

const backend = (host: string, weight = 0, priority = 0): Backend => ({
  endpoint: { kind: 'inet', host, port: 80 },
  weight,
  priority,
  disabled: false,
  limits: { softMax: 0, hardMax: 0 },
  timeouts: { connectSeconds: 3, ioSeconds: 0 },
});
const balance = (o: Partial<BalanceConfig> = {}): BalanceConfig => ({
  algorithm: 'pen', clientTracking: true, trackingSeconds: 0, clientTableSize: 2048,
  hash: false, weight: false, prio: false, stubborn: false, blacklistSeconds: 30, ...o,
});
const stats = (n: number): BackendStats[] => Array.from({ length: n }, () => ({ connections: 0, sent: 0, received: 0, failedAt: 0 }));
const input = (o: Partial<SelectionInput>): SelectionInput => ({
  backends: [backend('10.0.0.1'), backend('10.0.0.2'), backend('10.0.0.3')],
  stats: stats(3), balance: balance(), now: 1000, address: '127.0.0.1', port: 5000,
  tracked: NO_BACKEND, clientAcl: undefined, hasAbuse: false, ...o,
});

test('round robin starts at index 1 and skips blacklisted and unused servers', () => {
  const cursor = { last: 0 };
  const i = input({});
  assert.deepEqual([1, 2, 3, 4].map(() => initialServer(i, cursor)), [1, 2, 0, 1]);
  i.stats[2]!.failedAt = 999;
  assert.deepEqual([1, 2].map(() => initialServer(i, cursor)), [0, 1]);
  const unused = input({ backends: [backend('0.0.0.0'), backend('0.0.0.0'), backend('10.0.0.3')] });
  assert.equal(isUnused(unused.backends[0], 0), false); // slot 0 never counts as unused
  assert.deepEqual([1, 2, 3].map(() => initialServer(unused, cursor)), [2, 0, 2]);
});

test('tracking wins over every mode; pseudo-servers are not tracked', () => {
  assert.equal(initialServer(input({ tracked: 2, balance: balance({ prio: true, hash: true }) }), { last: 0 }), 2);
  assert.equal(initialServer(input({ tracked: -2 }), { last: 0 }), 1);
  assert.equal(initialServer(input({ tracked: 2, balance: balance({ clientTracking: false }) }), { last: 0 }), 1);
});

test('precedence prio > weight > hash', () => {
  const backends = [backend('a', 1, 5), backend('b', 1, 1), backend('c', 1, 3)];
  assert.equal(initialServer(input({ backends, balance: balance({ prio: true, weight: true, hash: true }) }), { last: 0 }), 1);
  assert.equal(initialServer(input({ backends, balance: balance({ weight: true, hash: true }) }), { last: 0 }), 0);
  assert.equal(initialServer(input({ backends, balance: balance({ hash: true }) }), { last: 0 }), 2); // 127.0.0.1 → C
});

test('weight: floor(256·c/w), zero weights never chosen, ties to the lowest index', () => {
  const i = input({ backends: [backend('a', 0), backend('b', 3), backend('c', 1)] });
  assert.equal(byWeight(i), 1);
  i.stats[1]!.connections = 1; // 85
  assert.equal(byWeight(i), 2); // 0
  i.stats[2]!.connections = 1; // 256
  assert.equal(byWeight(i), 1);
  assert.equal(byWeight(input({ backends: [backend('a'), backend('b')] })), NO_BACKEND);
});

test('client ACL denial: abuse server if there is one, else no server', () => {
  const clientAcl = [{ action: 'permit' as const, kind: 'ipv4' as const, address: '10.0.0.0', mask: '255.0.0.0' }];
  assert.equal(initialServer(input({ clientAcl, hasAbuse: true }), { last: 0 }), ABUSE);
  assert.equal(initialServer(input({ clientAcl }), { last: 0 }), NO_BACKEND);
  assert.equal(initialServer(input({ clientAcl, address: '10.1.1.1' }), { last: 0 }), 1);
});
