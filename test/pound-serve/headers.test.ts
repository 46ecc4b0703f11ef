// Headers to the backend (spec §5.8) and back (§5.9, §5.12): X-Forwarded-For per dialect,
// header rules, RewriteLocation 0/1/2, RewriteDestination.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Dialect, HttpListenerOptions } from '@penpound/engine';
import { exchange, header, RawClient, startBackend, type Backend } from '../support/http-backends.js';
import { backend, config, listener, pattern, run, service, type Running } from './config.js';

describe('pound serving: headers', () => {
  let be: Backend;
  let location = '';
  const proxies: Running[] = [];
  before(async () => {
    be = await startBackend('h', (req, res) => {
      if (location) res.setHeader('Location', location);
      res.setHeader('Content-Location', location || '/x');
      res.writeHead(location ? 302 : 200, { 'Content-Length': 2 });
      res.end('ok');
    });
  });
  after(async () => {
    for (const p of proxies) await p.handle.stop();
    await be.close();
  });
  const start = async (http: Partial<HttpListenerOptions> = {}, dialect: Dialect = 'pound-2.8'): Promise<number> => {
    const px = await run(config([listener([service([backend(be.port)])], http, dialect)], { dialect }));
    proxies.push(px);
    return px.port;
  };
  const sent = async (port: number, head: string): Promise<string[]> => {
    await exchange(port, head + '\r\n');
    return be.seen.at(-1)!.headers;
  };

  it('2.x: X-Forwarded-For is always a new line after the client\'s own', async () => {
    const port = await start();
    assert.deepEqual(await sent(port, 'GET / HTTP/1.0\r\nX-Forwarded-For: 10.1.1.1\r\n'),
      ['X-Forwarded-For', '10.1.1.1', 'X-Forwarded-For', '127.0.0.1']);
  });

  it('4.x: X-Forwarded-For merged, X-Forwarded-Proto/-Port set', async () => {
    const port = await start({}, 'pound-4');
    assert.deepEqual(await sent(port, 'GET / HTTP/1.0\r\nX-Forwarded-For: 10.1.1.1\r\nX-Forwarded-Proto: https\r\nX-A: 1\r\n'),
      ['X-A', '1', 'X-Forwarded-For', '10.1.1.1, 127.0.0.1', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Port', String(port)]);
  });

  it('AddHeader lines follow the original headers in order; HeadRemove drops matching lines; Expect is dropped', async () => {
    const port = await start({
      requestHeaders: [
        { op: 'add', line: 'X-First: 1' },
        { op: 'remove', pattern: pattern('^X-Secret:') },
        { op: 'add', line: 'X-Second: 2' },
      ],
    });
    assert.deepEqual(await sent(port, 'GET / HTTP/1.0\r\nx-secret: s\r\nX-Keep: k\r\nExpect: 100-continue\r\n'),
      ['X-Keep', 'k', 'X-First', '1', 'X-Second', '2', 'X-Forwarded-For', '127.0.0.1']);
  });

  it('HeadRemove\'d lines are not forwarded but still select services (HeadRequire sees them)', async () => {
    const px = await run(config([listener([
      service([backend(be.port)], { match: [{ kind: 'header', pattern: pattern('^X-Route: internal') }] }),
    ], { requestHeaders: [{ op: 'remove', pattern: pattern('^X-Route:') }] })]));
    proxies.push(px);
    const out = await exchange(px.port, 'GET /r HTTP/1.0\r\nX-Route: internal\r\n\r\n');
    assert.match(out.toString(), /^HTTP\/1\.1 (200|302) /);
    assert.deepEqual(be.seen.at(-1)!.headers, ['X-Forwarded-For', '127.0.0.1']);
  });

  it('SetHeader (4.x) replaces a header of the same name', async () => {
    const port = await start({ requestHeaders: [{ op: 'set', line: 'X-Mode: proxy' }] }, 'pound-4');
    const h = await sent(port, 'GET / HTTP/1.0\r\nX-Mode: client\r\nX-B: b\r\n');
    assert.deepEqual(h.slice(0, 4), ['X-B', 'b', 'X-Mode', 'proxy']);
  });

  it('RewriteDestination 1 points Destination at the backend', async () => {
    const port = await start({ rewriteDestination: true, methodsLevel: 2 });
    const h = await sent(port, 'MOVE /a HTTP/1.0\r\nDestination: http://www.example.com/new/place?q=1\r\n');
    assert.deepEqual(h.slice(0, 2), ['Destination', `http://127.0.0.1:${be.port}/new/place?q=1`]);
  });

  it('RewriteLocation 1: a Location at the backend or at the requested host becomes scheme://Host/path', async () => {
    const port = await start({ rewriteLocation: 1 });
    const ask = async (loc: string, host = 'www.example.com'): Promise<string | undefined> => {
      location = loc;
      const c = await RawClient.connect(port);
      c.send(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      const r = await c.response();
      c.close();
      return header(r, 'location');
    };
    assert.equal(await ask(`http://127.0.0.1:${be.port}/next?a=1`), 'http://www.example.com/next?a=1');
    assert.equal(await ask(`http://localhost:${be.port}/n2`), 'http://www.example.com/n2');
    assert.equal(await ask('http://127.0.0.1:9/elsewhere', '127.0.0.1'), 'http://127.0.0.1/elsewhere');
    assert.equal(await ask('http://other.invalid/x'), 'http://other.invalid/x');
    location = '';
  });

  it('RewriteLocation 2 rewrites only backend Locations; 0 none', async () => {
    const p2 = await start({ rewriteLocation: 2 });
    const p0 = await start({ rewriteLocation: 0 });
    const ask = async (port: number, loc: string): Promise<string | undefined> => {
      location = loc;
      const c = await RawClient.connect(port);
      c.send('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      const r = await c.response();
      c.close();
      return header(r, 'location');
    };
    assert.equal(await ask(p2, `http://127.0.0.1:${be.port}/b`), 'http://127.0.0.1/b');
    assert.equal(await ask(p2, 'http://127.0.0.1:9/l'), 'http://127.0.0.1:9/l');
    assert.equal(await ask(p0, `http://127.0.0.1:${be.port}/b`), `http://127.0.0.1:${be.port}/b`);
    location = '';
  });

  it('response headers and status line are relayed unchanged (no Via, no Server)', async () => {
    const port = await start();
    const c = await RawClient.connect(port);
    c.send('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    const r = await c.response();
    assert.deepEqual(r.headers.map(([k]) => k), ['Content-Location', 'Content-Length', 'Date', 'Connection', 'Keep-Alive']);
    c.close();
  });
});
