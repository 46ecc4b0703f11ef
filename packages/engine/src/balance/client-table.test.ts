import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientEntry } from '../runtime/handle.js';
import { ClientTable } from './client-table.js';

test('a returning client gets its slot back and its connects counted', () => {
  const t = new ClientTable([]);
  assert.equal(t.store('127.0.0.1', 100, 0, 4), 0);
  assert.equal(t.store('127.0.0.2', 101, 0, 4), 1);
  assert.equal(t.store('127.0.0.1', 102, 0, 4), 0);
  assert.equal(t.entries[0]!.connects, 2);
  assert.equal(t.entries[0]!.lastSeen, 102);
  assert.equal(t.entries.length, 2, 'slots are made only when first used');
});

test('full table recycles the least recently used slot and forgets its client', () => {
  const t = new ClientTable([]);
  t.store('10.0.0.1', 100, 0, 2);
  t.store('10.0.0.2', 101, 0, 2);
  t.entries[0]!.backend = 2;
  assert.equal(t.store('10.0.0.3', 102, 0, 2), 0);
  assert.equal(t.entries[0]!.address, '10.0.0.3');
  assert.equal(t.entries[0]!.backend, -1);
  assert.equal(t.entries[0]!.connects, 1);
  assert.equal(t.store('10.0.0.1', 103, 0, 2), 1); // forgotten: takes the LRU slot 1
});

test('pen -T: expiry frees slots but a client still matches its unreused slot (spec §3.2)', () => {
  const t = new ClientTable([]);
  const e: ClientEntry[] = t.entries;
  t.store('127.0.0.1', 100, 1, 8);
  e[0]!.backend = 1;
  t.store('127.0.0.2', 100, 1, 8);
  e[1]!.backend = 2;
  // 3 s later: 127.0.0.1 comes back to its slot (matched before expiry).
  assert.equal(t.store('127.0.0.1', 103, 1, 8), 0);
  assert.equal(e[0]!.backend, 1);
  // 127.0.0.3 is new: the full scan expired 127.0.0.2's slot, which is the first free one.
  assert.equal(t.store('127.0.0.3', 103, 1, 8), 1);
  assert.equal(e[1]!.backend, -1);
  // 127.0.0.2 is now a new client.
  assert.equal(t.store('127.0.0.2', 103, 1, 8), 2);
});

test('IPv6 clients are compared by the full address, Unix peers share one slot', () => {
  const t = new ClientTable([]);
  assert.equal(t.store('::1', 1, 0, 4), 0);
  assert.equal(t.store('::ffff:127.0.0.1', 1, 0, 4), 1);
  assert.equal(t.store(undefined, 1, 0, 4), 2);
  assert.equal(t.store(undefined, 2, 0, 4), 2);
});

test('the table grows when the configured size grows', () => {
  const t = new ClientTable([]);
  t.store('1.1.1.1', 1, 0, 1);
  assert.equal(t.store('1.1.1.2', 2, 0, 1), 0);
  assert.equal(t.store('1.1.1.3', 3, 0, 3), 1);
  assert.equal(t.entries.length, 2);
});

test('a huge table costs nothing until clients come (clients_max 2147483647)', () => {
  const t = new ClientTable([]);
  assert.equal(t.store('1.1.1.1', 1, 0, 2147483647), 0);
  assert.equal(t.store('1.1.1.2', 1, 0, 2147483647), 1);
  assert.equal(t.entries.length, 2);
});
