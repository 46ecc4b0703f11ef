// A client's `Connection: close` (or an HTTP/1.0 client) means we close after the response.
// The original forwards the client's header, so the backend answers `Connection: close`;
// we keep the backend connection (COMPAT serve-13) and so must say `close` ourselves, or a
// client believing the backend's `keep-alive` reuses a connection we are closing.
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exchange, RawClient, startRawBackend, type RawBackend } from '../support/http-backends.js';
import { backend, config, listener, run, service, type Running } from './config.js';

/** A backend answering every request head on a connection with `answer(requestHead)`. */
async function scriptedBackend(answer: (head: string) => string): Promise<RawBackend> {
  const answered = new WeakMap<net.Socket, number>();
  return startRawBackend((sock, all) => {
    const heads = all.toString('latin1').split('\r\n\r\n').slice(0, -1);
    for (let i = answered.get(sock) ?? 0; i < heads.length; i++) sock.write(answer(heads[i]!));
    answered.set(sock, heads.length);
  });
}

function pathOf(head: string): string {
  return head.split(' ')[1] ?? '';
}

describe('pound serving: the response says Connection: close when we close', () => {
  let be: RawBackend;
  let px: Running;
  before(async () => {
    be = await scriptedBackend((head) => {
      const path = pathOf(head);
      if (path === '/none') return 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
      if (path === '/chunked') return 'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n';
      if (path === '/old') return 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok';
      if (path === '/both') return 'HTTP/1.1 200 OK\r\nConnection: Keep-Alive\r\nX-A: 1\r\nconnection: keep-alive\r\nContent-Length: 2\r\n\r\nok';
      if (path === '/204') return 'HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n';
      return 'HTTP/1.1 200 OK\r\nServer: t\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok';
    });
    px = await run(config([listener([service([backend(be.port)])])]));
  });
  after(async () => {
    await px.handle.stop();
    await be.close();
  });

  it("HTTP/1.1 client's Connection: close: the backend's keep-alive is replaced in place", async () => {
    const out = await exchange(px.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(out.toString('latin1'), 'HTTP/1.1 200 OK\r\nServer: t\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok');
  });

  it('no Connection line in the response: left as it is (the client that sent close closes anyway)', async () => {
    const out = await exchange(px.port, 'GET /none HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(out.toString('latin1'), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });

  it('chunked response: the head is rewritten, the body relayed unchanged', async () => {
    const out = await exchange(px.port, 'GET /chunked HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(
      out.toString('latin1'),
      'HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    );
  });

  it('bodiless response (204)', async () => {
    const out = await exchange(px.port, 'GET /204 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(out.toString('latin1'), 'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
  });

  it('several Connection lines: the first says close, the others go', async () => {
    const out = await exchange(px.port, 'GET /both HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(out.toString('latin1'), 'HTTP/1.1 200 OK\r\nConnection: close\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nok');
  });

  it('HTTP/1.0 client asking keep-alive (one request per connection in pound): close, not keep-alive', async () => {
    const out = await exchange(px.port, 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    assert.equal(out.toString('latin1'), 'HTTP/1.1 200 OK\r\nServer: t\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok');
  });

  it('HTTP/1.0 response without Connection header is already non-persistent: unchanged', async () => {
    const out = await exchange(px.port, 'GET /old HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(out.toString('latin1'), 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });

  it('keep-alive requests are relayed unchanged and the connection stays open', async () => {
    const c = await RawClient.connect(px.port);
    for (let i = 0; i < 3; i++) {
      c.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const r = await c.response();
      assert.equal(r.raw.toString('latin1'), 'HTTP/1.1 200 OK\r\nServer: t\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok');
    }
    assert.equal(c.isClosed, false);
    c.close();
  });
});
