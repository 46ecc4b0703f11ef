import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIPv6, parseIPv4 } from './inet.js';

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
