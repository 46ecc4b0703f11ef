import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseListenSpec, parseServerSpec } from './spec.js';
import { parseServices } from './services.js';

describe('listen spec', () => {
  it('splits at the last colon; no colon means all IPv4 addresses', () => {
    assert.deepEqual(parseListenSpec('10990', false), { kind: 'inet', host: '0.0.0.0', port: 10990 });
    assert.deepEqual(parseListenSpec(':::10990', false), { kind: 'inet', host: '::', port: 10990 });
    assert.deepEqual(parseListenSpec('::1:10990', false), { kind: 'inet', host: '::1', port: 10990 });
    assert.deepEqual(parseListenSpec('localhost:10990', false), { kind: 'inet', host: 'localhost', port: 10990 });
    assert.deepEqual(parseListenSpec('[::1]:10990', false), { kind: 'inet', host: '[::1]', port: 10990 });
  });
  it('a slash makes a Unix socket', () => {
    assert.deepEqual(parseListenSpec('/tmp/pen.sock', false), { kind: 'unix', path: '/tmp/pen.sock' });
  });
  it('service names come from /etc/services; anything else is atoi', () => {
    assert.equal((parseListenSpec('127.0.0.1:http', false) as { port: number }).port, 80);
    assert.equal((parseListenSpec('abc', false) as { port: number }).port, 0);
    assert.equal((parseListenSpec('99999', false) as { port: number }).port, 99999);
  });
});

describe('server spec', () => {
  it('reads all six fields', () => {
    assert.deepEqual(parseServerSpec('h:10080:1:2:3:4', false), { host: 'h', unix: false, port: 10080, maxc: 1, hard: 2, weight: 3, prio: 4 });
  });
  it('missing fields are 0, a missing port is undefined (the listen port)', () => {
    assert.deepEqual(parseServerSpec('h', false), { host: 'h', unix: false, maxc: 0, hard: 0, weight: 0, prio: 0 });
    assert.equal(parseServerSpec('h:80', false).maxc, 0);
  });
  it('a field that does not parse ends the scan', () => {
    const s = parseServerSpec('h:10080:-1:junk:5:6', false);
    assert.equal(s.maxc, -1);
    assert.equal(s.hard, 0);
    assert.equal(s.weight, 0);
  });
  it('brackets for IPv6; a bare IPv6 address does not parse', () => {
    assert.equal(parseServerSpec('[::1]:80', false).host, '::1');
    assert.equal(parseServerSpec('[::1]:80', false).port, 80);
    assert.equal(parseServerSpec('::1', false).host, '');
  });
  it('ports: truncated to 16 bits, unknown names are 0, services resolve', () => {
    assert.equal(parseServerSpec('h:99999', false).port, 34463);
    assert.equal(parseServerSpec('h:abc', false).port, 0);
    assert.equal(parseServerSpec('h:smtp', false).port, 25);
  });
  it('a path is a Unix backend', () => {
    assert.equal(parseServerSpec('/run/app.sock', false).unix, true);
  });
});

describe('/etc/services parsing', () => {
  it('reads names and aliases per protocol', () => {
    const t = parseServices('http\t80/tcp www # comment\nsmtp 25/tcp mail\ndomain 53/udp\n# x 1/tcp\n');
    assert.equal(t.get('www/tcp'), 80);
    assert.equal(t.get('mail/tcp'), 25);
    assert.equal(t.get('domain/udp'), 53);
    assert.equal(t.get('domain/tcp'), undefined);
    assert.equal(t.get('x/tcp'), undefined);
  });
});
