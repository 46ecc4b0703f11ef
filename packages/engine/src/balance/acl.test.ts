import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AclEntry } from '../model/types.js';
import { aclPermits } from './acl.js';

const v4 = (action: 'permit' | 'deny', address: string, mask?: string): AclEntry => ({ action, kind: 'ipv4', address, mask });
const v6 = (action: 'permit' | 'deny', address: string, prefixLength?: number): AclEntry => ({ action, kind: 'ipv6', address, prefixLength });

test('empty ACL permits everyone', () => {
  assert.equal(aclPermits([], '10.1.2.3'), true);
  assert.equal(aclPermits(undefined, '::1'), true);
});

test('first match decides; no match is the opposite of the last entry', () => {
  const acl = [v4('permit', '127.0.0.1'), v4('deny', '10.0.0.0', '255.0.0.0')];
  assert.equal(aclPermits(acl, '127.0.0.1'), true);
  assert.equal(aclPermits(acl, '10.9.9.9'), false);
  assert.equal(aclPermits(acl, '192.168.1.1'), true); // last is deny → rest permitted
  const onlyPermit = [v4('permit', '127.0.0.2')];
  assert.equal(aclPermits(onlyPermit, '127.0.0.2'), true);
  assert.equal(aclPermits(onlyPermit, '127.0.0.1'), false); // last is permit → rest denied
});

test('the mask is applied to the entry too (fix of pen 0.34.1)', () => {
  assert.equal(aclPermits([v4('permit', '127.0.0.5', '255.0.0.0')], '127.9.8.7'), true);
  assert.equal(aclPermits([v4('permit', '127.0.0.5', '255.0.0.0')], '128.0.0.5'), false);
});

test('families: IPv4 entries never match IPv6 peers and vice versa', () => {
  const acl = [v4('deny', '127.0.0.1'), v6('permit', '::1')];
  assert.equal(aclPermits(acl, '::ffff:127.0.0.1'), false); // no match, last is permit
  assert.equal(aclPermits(acl, '::1'), true);
  assert.equal(aclPermits(acl, '127.0.0.1'), false);
});

test('IPv6 prefixes', () => {
  const acl = [v6('permit', '2001:db8::', 32)];
  assert.equal(aclPermits(acl, '2001:db8:1::5'), true);
  assert.equal(aclPermits(acl, '2001:db9::5'), false);
  assert.equal(aclPermits([v6('deny', '::ffff:127.0.0.0', 104)], '::ffff:127.0.0.9'), false);
});

test('Unix peers always pass; country entries never match', () => {
  assert.equal(aclPermits([v4('permit', '1.2.3.4')], undefined), true);
  const acl: AclEntry[] = [{ action: 'deny', kind: 'country', country: 'SE' }, v4('permit', '1.2.3.4')];
  assert.equal(aclPermits(acl, '5.6.7.8'), false);
});

test('an entry edited in place is re-read', () => {
  const e = v4('permit', '1.2.3.4');
  const acl = [e, v4('deny', '0.0.0.0', '0.0.0.0')];
  assert.equal(aclPermits(acl, '1.2.3.4'), true);
  e.address = '1.2.3.5';
  assert.equal(aclPermits(acl, '1.2.3.4'), false);
});
