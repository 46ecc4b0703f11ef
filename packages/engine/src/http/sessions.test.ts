import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { legacySessionHash, SessionKeyRules, SessionTable, type SessionSource } from './sessions.js';

const src = (url: string, lines: string[] = [], clientAddress = '192.0.2.7'): SessionSource => ({ clientAddress, url, headerLines: () => lines });

describe('session keys (2.x rules)', () => {
  const rules = (type: 'IP' | 'BASIC' | 'URL' | 'PARM' | 'COOKIE' | 'HEADER', id?: string) =>
    new SessionKeyRules({ type, ttlSeconds: 300, ...(id ? { id } : {}) }, 'pound-2.8');
  it('URL: first ?ID= or &ID=, value up to & ; # or end', () => {
    assert.equal(rules('URL', 'sid').requestKey(src('/a?x=1&sid=abc;v=2&sid=zzz')), 'abc');
    assert.equal(rules('URL', 'sid').requestKey(src('/a?xsid=abc')), undefined);
  });
  it('PARM: from the first ; up to ?', () => {
    assert.equal(rules('PARM').requestKey(src('/a;jsessionid=42?x=1')), 'jsessionid=42');
  });
  it('COOKIE: the last " ID=" on the last matching line; a blank must precede the name', () => {
    const r = rules('COOKIE', 'sid');
    assert.equal(r.requestKey(src('/', ['Cookie: a=1; sid=first', 'Cookie: sid=x; b=2; sid=last'])), 'last');
    assert.equal(r.requestKey(src('/', ['Cookie: xsid=1'])), undefined);
    assert.equal(r.responseKey(['Set-Cookie: sid=learned; Path=/']), 'learned', 'Set-Cookie also matches Cookie[^:]*:');
  });
  it('HEADER: unanchored name match, run of non-blanks', () => {
    const r = rules('HEADER', 'X-Sess');
    assert.equal(r.requestKey(src('/', ['X-Sess: k1 tail'])), 'k1');
    assert.equal(r.requestKey(src('/', ['My-X-Sess:k2'])), 'k2', 'a name that merely ends in ID matches too');
  });
  it('BASIC: the base64 token; IP: the address', () => {
    assert.equal(rules('BASIC').requestKey(src('/', ['Authorization: Basic dXNlcjpwdw=='])), 'dXNlcjpwdw==');
    assert.equal(rules('IP').requestKey(src('/', [], '::ffff:10.0.0.1')), '::ffff:10.0.0.1');
  });
  it('keys are cut at 127 bytes', () => {
    assert.equal(rules('URL', 'sid').requestKey(src('/?sid=' + 'k'.repeat(300)))!.length, 127);
  });
});

describe('session keys (4.x rules)', () => {
  const r = (type: 'COOKIE' | 'URL' | 'PARM' | 'HEADER', id?: string) =>
    new SessionKeyRules({ type, ttlSeconds: 300, ...(id ? { id } : {}) }, 'pound-4');
  it('structured parsing', () => {
    assert.equal(r('COOKIE', 'SID').requestKey(src('/', ['Cookie: a=1;sid=v2'])), 'v2', 'name compared case-insensitively');
    assert.equal(r('URL', 'sid').requestKey(src('/p?xsid=1&sid=raw%20v')), 'raw%20v');
    assert.equal(r('PARM').requestKey(src('/a;one/b;two?q')), 'two', 'text after the last ; of the path');
    assert.equal(r('HEADER', 'x-sess').requestKey(src('/', ['X-Sess: whole value'])), 'whole value');
  });
});

describe('session table and hash', () => {
  it('FNV-1a over signed bytes', () => {
    assert.equal(legacySessionHash(''), 2166136261);
    assert.equal(legacySessionHash('a'), 0xe40c292c);
    assert.notEqual(legacySessionHash('\xe9'), legacySessionHash('\x69'));
  });
  it('expiry: exact in 4.x, by sweep in 2.x', () => {
    const exact = new SessionTable(true);
    exact.set('k', 1, 0);
    assert.equal(exact.lookup('k', 5_000, 10), 1);
    assert.equal(exact.lookup('k', 16_000, 10), undefined);
    const swept = new SessionTable(false);
    swept.set('k', 2, 0);
    assert.equal(swept.lookup('k', 50_000, 10), 2, 'still there until the sweep');
    swept.sweep(200_000, 10);
    assert.equal(swept.lookup('k', 200_000, 10), undefined);
  });
});
