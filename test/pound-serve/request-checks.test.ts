// Request checks with the original's status codes per dialect (spec §5.2–§5.4), and the
// framing attacks that are refused whatever the dialect (no request smuggling).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Dialect, HttpListenerOptions } from '@penpound/engine';
import { exchange, RawClient, startBackend, type Backend } from '../support/http-backends.js';
import { backend, config, listener, pattern, run, service, type Running } from './config.js';

function legacyPage(status: string, body: string): string {
  return `HTTP/1.0 ${status}\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Expires: now\r\nPragma: no-cache\r\nCache-control: no-cache,no-store\r\n\r\n${body}`;
}
const E501 = legacyPage('501 Not Implemented', 'This method may not be used.');
const E500 = legacyPage('500 Internal Server Error', 'An internal server error occurred. Please try again later.');

function modernPage(code: number, reason: string, text: string, minor = 1): string {
  const body = `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN"><html><head><title>${code} ${reason}</title></head>` +
    `<body><h1>${reason}</h1><p>${text}</p></body></html>`;
  const len = minor === 1 ? `Content-Length: ${body.length}\r\nConnection: close\r\n` : '';
  return `HTTP/1.${minor} ${code} ${reason}\r\n${len}Content-Type: text/html\r\nExpires: now\r\nPragma: no-cache\r\n` +
    `Cache-control: no-cache,no-store\r\n\r\n${body}`;
}

describe('pound serving: request checks', () => {
  let be: Backend;
  const proxies: Running[] = [];
  const start = async (dialect: Dialect, http: Partial<HttpListenerOptions> = {}): Promise<number> => {
    const px = await run(config([listener([service([backend(be.port)])], http, dialect)], { dialect }));
    proxies.push(px);
    return px.port;
  };
  let legacy: number;
  let modern: number;
  let old24: number;
  before(async () => {
    be = await startBackend('b');
    legacy = await start('pound-2.8');
    modern = await start('pound-4');
    old24 = await start('pound-2.4');
  });
  after(async () => {
    for (const p of proxies) await p.handle.stop();
    await be.close();
  });

  it('xHTTP 0 allows GET/POST/HEAD only: PUT → 501 (2.x), 405 (4.x)', async () => {
    assert.equal((await exchange(legacy, 'PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n')).toString(), E501);
    assert.equal(
      (await exchange(modern, 'PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n')).toString(),
      modernPage(405, 'Method Not Allowed', 'The request method is not supported for the requested resource.'),
    );
  });

  it('xHTTP levels add methods cumulatively', async () => {
    const l1 = await start('pound-2.8', { methodsLevel: 1 });
    const l2 = await start('pound-2.8', { methodsLevel: 2 });
    const l3 = await start('pound-2.8', { methodsLevel: 3 });
    // Allowed = forwarded (node's backend parser may itself refuse exotic methods, with its own 400).
    const ok = async (port: number, m: string): Promise<boolean> =>
      !(await exchange(port, `${m} /m HTTP/1.0\r\n\r\n`)).toString().startsWith('HTTP/1.0 501');
    assert.equal(await ok(l1, 'DELETE'), true);
    assert.equal(await ok(l1, 'PATCH'), true);
    assert.equal(await ok(l1, 'OPTIONS'), false);
    assert.equal(await ok(l2, 'PROPFIND'), true);
    assert.equal(await ok(l2, 'SUBSCRIBE'), false);
    assert.equal(await ok(l3, 'BCOPY'), true);
    assert.equal(await ok(l3, 'RPC_IN_DATA'), false);
    const l4_24 = await start('pound-2.4', { methodsLevel: 1 });
    assert.equal(await ok(l4_24, 'PATCH'), false, 'PATCH arrived in 2.7b');
  });

  it('unknown method / malformed request line → 501 (2.x), 400 (4.x)', async () => {
    for (const line of ['FOO / HTTP/1.1', 'GET  / HTTP/1.1', 'GET / HTTP/2.0', 'GET /', 'GET / HTTP/1.1 x']) {
      assert.equal((await exchange(legacy, `${line}\r\nHost: h\r\n\r\n`)).toString(), E501, line);
      assert.match((await exchange(modern, `${line}\r\nHost: h\r\n\r\n`)).toString(), /^HTTP\/1\.[01] 400 Bad Request\r\n/, line);
    }
  });

  it('request line: methods case-insensitive, the version dot matches anything (2.8a regex)', async () => {
    // Forwarded verbatim (node's backend then refuses the lower-case method itself).
    assert.match((await exchange(legacy, 'get /ci HTTP/1.0\r\n\r\n')).toString(), /^HTTP\/1\.1 400 Bad Request\r\nConnection: close/);
    assert.match((await exchange(legacy, 'GET /v HTTP/1x0\r\n\r\n')).toString(), /^HTTP\/1\.1 400 Bad Request\r\nConnection: close/);
    assert.match((await exchange(legacy, '\r\n\r\nGET /blank-first HTTP/1.0\r\n\r\n')).toString(), /^HTTP\/1\.1 200 OK/);
  });

  it('%00 in the URL → 501 (2.8)', async () => {
    assert.equal((await exchange(legacy, 'GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n')).toString(), E501);
  });

  it('CheckURL mismatch → 501', async () => {
    const p = await start('pound-2.8', { checkUrl: pattern('^/ok') });
    assert.equal((await exchange(p, 'GET /bad HTTP/1.1\r\nHost: h\r\n\r\n')).toString(), E501);
    assert.match((await exchange(p, 'GET /ok HTTP/1.0\r\n\r\n')).toString(), /^HTTP\/1\.1 200/);
  });

  it('MaxRequest: a larger Content-Length → 501 (2.x) / 413 (4.x)', async () => {
    const p = await start('pound-2.8', { maxRequestBytes: 10 });
    assert.equal((await exchange(p, 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n01234567890')).toString(), E501);
    const m = await start('pound-4', { maxRequestBytes: 10 });
    assert.match((await exchange(m, 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n01234567890')).toString(),
      /^HTTP\/1\.1 413 Payload Too Large\r\n/);
    assert.match((await exchange(p, 'POST / HTTP/1.0\r\nContent-Length: 10\r\n\r\n0123456789')).toString(), /^HTTP\/1\.1 200/);
  });

  it('MaxURI → 414 (4.x)', async () => {
    const m = await start('pound-4', { maxUriBytes: 8 });
    assert.match((await exchange(m, 'GET /123456789 HTTP/1.1\r\nHost: h\r\n\r\n')).toString(), /^HTTP\/1\.1 414 URI Too Long\r\n/);
  });

  it('Transfer-Encoding other than chunked → 400 with the 2.8a text (no status number)', async () => {
    const out = await exchange(legacy, 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n');
    assert.equal(out.toString(), legacyPage('Bad Request', 'Bad request: multiple Transfer-encoding values'));
  });

  it('smuggling: Content-Length plus chunked → 400, every dialect', async () => {
    const req = 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n';
    assert.equal((await exchange(legacy, req)).toString(),
      legacyPage('Bad Request', 'Bad request: Transfer-encoding and Content-length headers present'));
    assert.match((await exchange(modern, req)).toString(), /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(be.seen.some((s) => s.url === '/smuggled'), false);
  });

  it('smuggling: two Content-Length headers (equal or not) or a list → 400', async () => {
    for (const h of ['Content-Length: 3\r\nContent-Length: 3', 'Content-Length: 3\r\nContent-Length: 40', 'Content-Length: 3, 3']) {
      const out = await exchange(legacy, `POST / HTTP/1.1\r\nHost: h\r\n${h}\r\n\r\nabc`);
      assert.equal(out.toString(), legacyPage('Bad Request', 'Bad request: multiple Content-length values'), h);
    }
    for (const v of ['abc', '3 ', '-1', '']) {
      const out = await exchange(legacy, `POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ${v}\r\n\r\nabc`);
      assert.equal(out.toString(), legacyPage('Bad Request', 'Bad request: Content-length bad value'), JSON.stringify(v));
    }
  });

  it('smuggling: repeated or non-final chunked, chunked with trailing blanks → 400', async () => {
    for (const h of ['Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked', 'Transfer-Encoding: chunked, gzip',
      'Transfer-Encoding: chunked ', 'Transfer-Encoding: chunked, chunked']) {
      assert.match((await exchange(legacy, `POST / HTTP/1.1\r\nHost: h\r\n${h}\r\n\r\n0\r\n\r\n`)).toString(), /^HTTP\/1\.0 Bad Request\r\n/, h);
      if (h.endsWith(' ')) continue; // 4.x trims the blank: a valid chunked request there
      assert.match((await exchange(modern, `POST / HTTP/1.1\r\nHost: h\r\n${h}\r\n\r\n0\r\n\r\n`)).toString(), /^HTTP\/1\.1 (400|501) /, h);
    }
  });

  it('smuggling: obsolete line folding → 400', async () => {
    const out = await exchange(legacy, 'GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n');
    assert.equal(out.toString(), legacyPage('Bad Request', 'Bad request: folded header line'));
  });

  it('NUL or bare CR in a header line: connection dropped (2.x), 400 (4.x)', async () => {
    assert.equal((await exchange(legacy, 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n')).length, 0);
    assert.equal((await exchange(legacy, 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n')).length, 0);
    assert.match((await exchange(modern, 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n')).toString(), /^HTTP\/1\.1 400 /);
  });

  it('malformed header lines are dropped (2.x) and never reach the backend', async () => {
    const out = await exchange(legacy, 'GET /mal HTTP/1.0\r\nBad Header: x\r\nContent-Length : 5\r\nX-Ok: 1\r\n\r\n');
    assert.match(out.toString(), /^HTTP\/1\.1 200/);
    const seen = be.seen.find((s) => s.url === '/mal')!;
    assert.deepEqual(seen.headers, ['X-Ok', '1', 'X-Forwarded-For', '127.0.0.1']);
  });

  it('more than 126 header lines → 500 (2.x)', async () => {
    let req = 'GET / HTTP/1.1\r\n';
    for (let i = 0; i < 127; i++) req += `X-H${i}: v\r\n`;
    assert.equal((await exchange(legacy, req + '\r\n')).toString(), E500);
  });

  it('over-long request line → 501 (2.8), 414 (2.4 and 4.x); over-long header line → dropped (2.x) / 413 (4.x)', async () => {
    const long = 'GET /' + 'a'.repeat(5000) + ' HTTP/1.1\r\n\r\n';
    assert.equal((await exchange(legacy, long)).toString(), E501);
    assert.equal((await exchange(old24, long)).toString(), legacyPage('414 Request URI too long', 'Request URI is too long'));
    assert.match((await exchange(modern, long)).toString(), /^HTTP\/1\.[01] 414 URI Too Long\r\n/);
    const longHeader = 'GET / HTTP/1.1\r\nX-Big: ' + 'b'.repeat(5000) + '\r\n\r\n';
    assert.equal((await exchange(legacy, longHeader)).length, 0);
    assert.match((await exchange(modern, longHeader)).toString(), /^HTTP\/1\.1 413 /);
  });

  it('Err503/Err501 files replace the body verbatim (2.x); ErrorFile with headers (4.x)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pound-err-'));
    writeFileSync(join(dir, '503.html'), '<h1>down</h1>\n');
    writeFileSync(join(dir, '501.html'), 'nope');
    writeFileSync(join(dir, '4-503.html'), 'Content-Type: text/plain\r\nRetry-After: 5\r\n\r\nlater');
    const p = (await run(config([listener([], { errorFiles: { 503: join(dir, '503.html'), 501: join(dir, '501.html') } })])));
    proxies.push(p);
    assert.equal((await exchange(p.port, 'GET / HTTP/1.1\r\n\r\n')).toString(), legacyPage('503 Service Unavailable', '<h1>down</h1>\n'));
    assert.equal((await exchange(p.port, 'BREW / HTTP/1.1\r\n\r\n')).toString(), legacyPage('501 Not Implemented', 'nope'));
    const m = await run(config([listener([], { errorFiles: { 503: join(dir, '4-503.html') } }, 'pound-4')], { dialect: 'pound-4' }));
    proxies.push(m);
    assert.equal(
      (await exchange(m.port, 'GET / HTTP/1.1\r\n\r\n')).toString(),
      'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\nConnection: close\r\nContent-Type: text/plain\r\nRetry-After: 5\r\n' +
        'Expires: now\r\nPragma: no-cache\r\nCache-control: no-cache,no-store\r\n\r\nlater',
    );
  });

  it('4.x error page is the HTML template in the request\'s HTTP version', async () => {
    const m = await run(config([listener([], {}, 'pound-4')], { dialect: 'pound-4' }));
    proxies.push(m);
    assert.equal((await exchange(m.port, 'GET / HTTP/1.0\r\n\r\n')).toString(),
      modernPage(503, 'Service Unavailable', 'The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.', 0));
  });

  it('a client idle past the Client timeout is closed silently', async () => {
    const p = await run(config([listener([service([backend(be.port)])])]));
    proxies.push(p);
    p.handle.config.listeners[0]!.limits.clientTimeoutSeconds = 1;
    const c = await RawClient.connect(p.port);
    c.send('GET / HTTP/1.1\r\nHost: h\r\n'); // never finished
    await c.closedByPeer();
    c.close();
  });
});
