import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anonymiseAddress, clfTime, legacyLine, requestLineFormatter, type RequestLogRecord } from './format.js';

const base: RequestLogRecord = {
  clientAddress: '192.0.2.7', requestLine: 'GET /index.html HTTP/1.1', method: 'GET', target: '/index.html',
  responseLine: 'HTTP/1.1 200 OK', status: 200, host: 'www.example.com', referer: undefined, userAgent: 'curl/8.0',
  user: undefined, service: undefined, backend: '10.0.0.1:8080', bytes: 5120, startMs: Date.UTC(2025, 10, 21, 9, 0, 1),
  seconds: 0.1234, listenerPort: 80, localAddress: '192.0.2.1', scheme: 'http',
};

describe('request-log lines', () => {
  it('legacy levels 1–5 (spec §6.2 examples)', () => {
    const t = clfTime(base.startMs);
    assert.equal(legacyLine(1, base, false), '192.0.2.7 GET /index.html HTTP/1.1 - HTTP/1.1 200 OK');
    assert.equal(legacyLine(2, base, false), '192.0.2.7 GET /index.html HTTP/1.1 - HTTP/1.1 200 OK (www.example.com/- -> 10.0.0.1:8080) 0.123 sec');
    assert.equal(legacyLine(2, { ...base, host: undefined, service: 'web' }, false),
      '192.0.2.7 GET /index.html HTTP/1.1 - HTTP/1.1 200 OK (web -> 10.0.0.1:8080) 0.123 sec');
    assert.equal(legacyLine(3, base, false), `www.example.com 192.0.2.7 - - [${t}] "GET /index.html HTTP/1.1" 200 5120 "" "curl/8.0"`);
    assert.equal(legacyLine(3, { ...base, host: undefined, bytes: 0 }, false), `- 192.0.2.7 - - [${t}] "GET /index.html HTTP/1.1" 200 - "" "curl/8.0"`);
    assert.equal(legacyLine(4, base, false), `192.0.2.7 - - [${t}] "GET /index.html HTTP/1.1" 200 5120 "" "curl/8.0"`);
    assert.equal(legacyLine(5, base, false), `www.example.com 192.0.2.7 - - [${t}] "GET /index.html HTTP/1.1" 200 5120 "" "curl/8.0" (- -> 10.0.0.1:8080) 0.123 sec`);
    assert.equal(legacyLine(0, base, false), undefined);
  });
  it('legacy redirect lines', () => {
    const r = { ...base, redirect: 'http://x/y', status: 302 };
    const t = clfTime(base.startMs);
    assert.equal(legacyLine(1, r, true), '192.0.2.7 GET /index.html HTTP/1.1 - REDIRECT http://x/y');
    assert.equal(legacyLine(3, r, false), `www.example.com 192.0.2.7 - - [${t}] "GET /index.html HTTP/1.1" 302 0 "" "curl/8.0"`);
    assert.equal(legacyLine(3, { ...r, host: undefined }, false), `192.0.2.7 - - [${t}] "GET /index.html HTTP/1.1" 302 0 "" "curl/8.0"`);
    assert.equal(legacyLine(5, r, false), `192.0.2.7 - - [${t}] "GET /index.html HTTP/1.1" 302 0 "" "curl/8.0"`);
  });
  it('Anonymise', () => {
    assert.equal(anonymiseAddress('192.0.2.7'), '192.0.2.0');
    assert.equal(anonymiseAddress('2001:db8::17'), '2001:db8::0');
    assert.equal(legacyLine(1, base, true), '192.0.2.0 GET /index.html HTTP/1.1 - HTTP/1.1 200 OK');
  });
  it('pound 4 formats', () => {
    const f2 = requestLineFormatter('pound-4', 2, undefined, false)!;
    assert.equal(f2({ ...base, host: undefined }), '192.0.2.7 GET /index.html HTTP/1.1 - HTTP/1.1 200 OK (-/- -> 10.0.0.1:8080) 0.123 sec');
    const f5 = requestLineFormatter('pound-4', 5, undefined, false)!;
    assert.equal(f5(base), `www.example.com:80 192.0.2.7 - - [${clfTime(base.startMs)}] "GET /index.html HTTP/1.1" 200 5120 "-" "curl/8.0" (- -> 10.0.0.1:8080) 0.123 sec`);
    const custom = requestLineFormatter('pound-4', 1, '%m %U%q %s %{ms}T %%', false)!;
    assert.equal(custom({ ...base, target: '/a?b=1' }), 'GET /a?b=1 200 123 %');
    assert.equal(requestLineFormatter('pound-4', 0, undefined, false), undefined);
  });
});
