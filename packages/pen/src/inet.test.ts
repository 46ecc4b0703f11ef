import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIPv6, parseIPv4 } from './inet.js';
import { aclPermits } from './acl-match.js';

describe('inet_ntop-style IPv6 text', () => {
  it('compresses the longest zero run and lower-cases', () => {
    assert.equal(canonicalIPv6('0:0::1'), '::1');
    assert.equal(canonicalIPv6('2001:DB8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(canonicalIPv6('1:0:0:2:0:0:0:3'), '1:0:0:2::3');
    assert.equal(canonicalIPv6('::'), '::');
    assert.equal(canonicalIPv6('1::'), '1::');
  });
  it('keeps dotted tails for mapped and compatible addresses', () => {
    assert.equal(canonicalIPv6('::ffff:1.2.3.4'), '::ffff:1.2.3.4');
    assert.equal(canonicalIPv6('::ffff:102:304'), '::ffff:1.2.3.4');
    assert.equal(canonicalIPv6('::1.2.3.4'), '::1.2.3.4');
  });
  it('refuses what inet_pton refuses', () => {
    assert.equal(canonicalIPv6('1.2.3.4'), undefined);
    assert.equal(canonicalIPv6('::g'), undefined);
    assert.equal(parseIPv4('01.2.3.4'), undefined);
  });
});

describe('ACL matching (control_acl)', () => {
  const v4 = (action: 'permit' | 'deny', address: string, mask = '255.255.255.255') => ({ action, kind: 'ipv4' as const, address, mask });
  it('empty permits all; first match decides', () => {
    assert.equal(aclPermits([], '10.0.0.1'), true);
    assert.equal(aclPermits([v4('deny', '127.0.0.1'), v4('permit', '127.0.0.0', '255.0.0.0')], '127.0.0.1'), false);
  });
  it('no match gives the opposite of the last entry', () => {
    assert.equal(aclPermits([v4('permit', '127.0.0.2')], '127.0.0.1'), false);
    assert.equal(aclPermits([v4('deny', '127.0.0.2')], '127.0.0.1'), true);
  });
  it('the stored address is not masked (pen quirk)', () => {
    assert.equal(aclPermits([v4('permit', '127.0.0.5', '255.0.0.0'), v4('deny', '0.0.0.0', '0.0.0.0')], '127.0.0.5'), false);
  });
  it('IPv6 prefixes; Unix peers always pass', () => {
    const e = { action: 'permit' as const, kind: 'ipv6' as const, address: '::1', prefixLength: 128 };
    assert.equal(aclPermits([e], '::1'), true);
    assert.equal(aclPermits([e], '::2'), false);
    assert.equal(aclPermits([e], undefined), true);
  });
});
