// The HTTP path end to end: real backends, the engine started from a hand-built config,
// raw socket clients asserting exact bytes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exchange, header, RawClient, startBackend, type Backend } from '../support/http-backends.js';
import { backend, config, listener, run, service, type Running } from './config.js';

describe('pound serving: basic proxying', () => {
  let be: Backend;
  let px: Running;
  before(async () => {
    be = await startBackend('one');
    px = await run(config([listener([service([backend(be.port)])])]));
  });
  after(async () => {
    await px.handle.stop();
    await be.close();
  });

  it('relays a GET and its response unchanged', async () => {
    const c = await RawClient.connect(px.port);
    c.send('GET /hello HTTP/1.1\r\nHost: example.com\r\n\r\n');
    const r = await c.response();
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'one GET /hello');
    c.close();
    const seen = be.seen.at(-1)!;
    assert.equal(seen.url, '/hello');
    // 2.x appends X-Forwarded-For as a new line after the client's headers.
    assert.deepEqual(seen.headers, ['Host', 'example.com', 'X-Forwarded-For', '127.0.0.1']);
  });

  it('keeps an HTTP/1.1 connection alive across requests', async () => {
    const c = await RawClient.connect(px.port);
    for (let i = 0; i < 5; i++) {
      c.send(`GET /k${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const r = await c.response();
      assert.equal(r.body.toString(), `one GET /k${i}`);
    }
    assert.equal(c.isClosed, false);
    c.close();
  });

  it('closes after one request for HTTP/1.0 clients', async () => {
    const out = await exchange(px.port, 'GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    assert.match(out.toString(), /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(out.toString().endsWith('one GET /old'));
  });

  it('answers pipelined requests in order', async () => {
    const c = await RawClient.connect(px.port);
    c.send('GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /p2 HTTP/1.1\r\nHost: x\r\n\r\nGET /p3 HTTP/1.1\r\nHost: x\r\n\r\n');
    for (const p of ['/p1', '/p2', '/p3']) assert.equal((await c.response()).body.toString(), `one GET ${p}`);
    c.close();
  });

  it('no service matched → 503 with the exact legacy page', async () => {
    const px2 = await run(config([listener([])]));
    try {
      const out = await exchange(px2.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.equal(
        out.toString(),
        'HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/html\r\nContent-Length: 53\r\nExpires: now\r\n' +
          'Pragma: no-cache\r\nCache-control: no-cache,no-store\r\n\r\nThe service is not available. Please try again later.',
      );
      assert.ok(px2.diagnostics.some((d) => d.message.endsWith('e503 no service "GET / HTTP/1.1" from 127.0.0.1 x')));
    } finally {
      await px2.handle.stop();
    }
  });

  it('relays HEAD responses without a body', async () => {
    const c = await RawClient.connect(px.port);
    c.send('HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = await c.response({ head: true });
    assert.equal(r.status, 200);
    assert.equal(header(r, 'content-length'), '11'); // 'one HEAD /h'
    c.send('GET /after HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await c.response()).body.toString(), 'one GET /after');
    c.close();
  });

  it('a client that half-closes after its requests still gets every answer', async () => {
    const one = await exchange(px.port, 'GET /hc HTTP/1.1\r\nHost: x\r\n\r\n', { endAfterWrite: true });
    assert.ok(one.toString().endsWith('one GET /hc'));
    const two = (await exchange(px.port, 'GET /h1 HTTP/1.1\r\nHost: x\r\n\r\nGET /h2 HTTP/1.1\r\nHost: x\r\n\r\n', { endAfterWrite: true })).toString();
    assert.ok(two.includes('one GET /h1') && two.endsWith('one GET /h2'), two);
  });

  it('a disabled listener accepts and closes at once (poundctl -l)', async () => {
    px.handle.config.listeners[0]!.disabled = true;
    try {
      assert.equal((await exchange(px.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).length, 0);
    } finally {
      px.handle.config.listeners[0]!.disabled = false;
    }
    assert.ok((await exchange(px.port, 'GET /back HTTP/1.0\r\n\r\n')).toString().endsWith('one GET /back'));
  });
});
