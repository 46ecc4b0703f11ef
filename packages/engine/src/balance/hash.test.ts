import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashServer } from './hash.js';

test('pen -h with three servers (verified against pen 0.34.1)', () => {
  const names = ['A', 'B', 'C'];
  const pick = (ip: string) => names[hashServer(ip, 0, false, 3)];
  assert.equal(pick('127.0.0.1'), 'C');
  assert.equal(pick('127.0.0.2'), 'A');
  assert.equal(pick('127.0.0.3'), 'B');
  assert.equal(pick('127.0.0.4'), 'C');
  assert.equal(pick('127.1.2.3'), 'B');
});

test('pen -h -r mixes in the byte-swapped source port', () => {
  const names = ['A', 'B', 'C'];
  const pick = (port: number) => names[hashServer('127.0.0.1', port, true, 3)];
  assert.deepEqual([40001, 40002, 40003, 40004, 40100, 50000].map(pick), ['C', 'A', 'B', 'C', 'C', 'C']);
});

test('IPv6 uses the last byte, Unix uses 0, no servers gives 0', () => {
  assert.equal(hashServer('::ffff:127.0.0.4', 999, true, 3), 1);
  assert.equal(hashServer('2001:db8::ff', 0, false, 10), 255 % 10);
  assert.equal(hashServer(undefined, 0, false, 3), 0);
  assert.equal(hashServer('127.0.0.1', 0, false, 0), 0);
});
