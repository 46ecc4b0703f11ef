// Bodies are streamed, never buffered whole: chunked and Content-Length both ways,
// Expect: 100-continue, interim responses, read-until-close responses, WebSocket tunnels.
import assert from 'node:assert/strict';
import type * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exchange, RawClient, startBackend, startRawBackend, type Backend, until } from '../support/http-backends.js';
import { backend, config, listener, run, service, type Running } from './config.js';

describe('pound serving: bodies', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => { for (const f of cleanup.reverse()) await f(); });
  const proxy = async (port: number): Promise<Running> => {
    const px = await run(config([listener([service([backend(port)])])]));
    cleanup.push(() => px.handle.stop());
    return px;
  };

  it('streams a chunked request body to the backend before it ends, bytes unchanged', async () => {
    const be = await startRawBackend((sock, all) => {
      if (all.toString().endsWith('X-Trailer: t\r\n\r\n')) sock.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    cleanup.push(() => be.close());
    const px = await proxy(be.port);
    const c = await RawClient.connect(px.port);
    c.send('POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    await until(() => (be.received[0] ?? Buffer.alloc(0)).includes('5\r\nhello\r\n'), 'the first chunk at the backend');
    c.send('6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n');
    const r = await c.response();
    assert.equal(r.body.toString(), 'ok');
    assert.ok(be.received[0]!.toString().endsWith('\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n'));
    c.close();
  });

  it('streams a chunked response to the client before it ends', async () => {
    let backendSock: net.Socket | undefined;
    const be = await startRawBackend((sock, all) => {
      if (all.includes('\r\n\r\n') && !backendSock) {
        backendSock = sock;
        sock.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npart\r\n');
      }
    });
    cleanup.push(() => be.close());
    const px = await proxy(be.port);
    const c = await RawClient.connect(px.port);
    const got: Buffer[] = [];
    c.sock.on('data', (d: Buffer) => got.push(d));
    c.send('GET /down HTTP/1.1\r\nHost: h\r\n\r\n');
    await until(() => Buffer.concat(got).includes('4\r\npart\r\n'), 'the first chunk at the client');
    backendSock!.write('3\r\nend\r\n0\r\n\r\n');
    await until(() => Buffer.concat(got).toString().endsWith('0\r\n\r\n'), 'the last chunk');
    assert.equal(Buffer.concat(got).toString(),
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npart\r\n3\r\nend\r\n0\r\n\r\n');
    // The connection stays usable.
    c.close();
  });

  it('relays a large Content-Length body both ways intact', async () => {
    const be = await startBackend('big', (_req, res, body) => {
      res.writeHead(200, { 'Content-Length': body.length * 2 });
      res.end(Buffer.concat([body, body]));
    });
    cleanup.push(() => be.close());
    const px = await proxy(be.port);
    const payload = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
    const c = await RawClient.connect(px.port);
    c.send(`POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: ${payload.length}\r\n\r\n`);
    c.send(payload);
    const r = await c.response();
    assert.equal(r.body.length, payload.length * 2);
    assert.ok(r.body.subarray(0, payload.length).equals(payload));
    assert.ok(r.body.subarray(payload.length).equals(payload));
    c.close();
  });

  it('Expect: 100-continue is removed and no 100 is sent; the body then flows', async () => {
    const be = await startRawBackend((sock, all) => {
      const s = all.toString();
      if (s.endsWith('\r\n\r\nabcd')) sock.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n');
    });
    cleanup.push(() => be.close());
    const px = await proxy(be.port);
    const c = await RawClient.connect(px.port);
    const got: Buffer[] = [];
    c.sock.on('data', (d: Buffer) => got.push(d));
    c.send('POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
    await until(() => (be.received[0]?.length ?? 0) > 0, 'the head at the backend');
    assert.equal(be.received[0]!.toString(), 'POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n');
    assert.equal(got.length, 0, 'no interim response from the proxy');
    c.send('abcd');
    const r = await c.response();
    // The backend's own 100 Continue is swallowed too.
    assert.equal(r.raw.toString(), 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n');
    c.close();
  });

  it('a response without length is relayed until the backend closes, then the client is closed', async () => {
    const be = await startRawBackend((sock, all) => {
      if (all.includes('\r\n\r\n')) sock.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
    });
    cleanup.push(() => be.close());
    const px = await proxy(be.port);
    const out = await exchange(px.port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    assert.equal(out.toString(), 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
  });

  it('backend Connection: close ends the client connection after the response', async () => {
    const be = await startRawBackend((sock, all) => {
      if (all.includes('\r\n\r\n')) sock.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx');
    });
    cleanup.push(() => be.close());
    const px = await proxy(be.port);
    const out = await exchange(px.port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    assert.equal(out.toString(), 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx');
  });

  it('reuses one backend connection for successive keep-alive requests', async () => {
    const be = await startRawBackend((sock, all) => {
      const n = all.toString().split('\r\n\r\n').length - 1;
      const served = (sock as net.Socket & { served?: number }).served ?? 0;
      for (let i = served; i < n; i++) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      (sock as net.Socket & { served?: number }).served = n;
    });
    cleanup.push(() => be.close());
    const px = await proxy(be.port);
    const c = await RawClient.connect(px.port);
    for (let i = 0; i < 20; i++) {
      c.send(`GET /r${i} HTTP/1.1\r\nHost: h\r\n\r\n`);
      assert.equal((await c.response()).body.toString(), 'ok');
    }
    assert.equal(be.connections.length, 1);
    c.close();
  });

  it('a client Connection: close is honoured but not forwarded: the backend connection serves the next client', async () => {
    const be = await startRawBackend((sock, all) => {
      const n = all.toString().split('\r\n\r\n').length - 1;
      const s = sock as net.Socket & { served?: number };
      for (let i = s.served ?? 0; i < n; i++) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      s.served = n;
    });
    cleanup.push(() => be.close());
    const px = await proxy(be.port);
    for (let i = 0; i < 5; i++) {
      const out = await exchange(px.port, `GET /c${i} HTTP/1.1\r\nHost: h\r\nConnection: close\r\nX-After: 1\r\n\r\n`);
      assert.equal(out.toString(), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    }
    assert.equal(be.connections.length, 1);
    assert.equal(be.received[0]!.toString().split('\r\n\r\n')[0], 'GET /c0 HTTP/1.1\r\nHost: h\r\nX-After: 1\r\nX-Forwarded-For: 127.0.0.1');
  });

  it('passes a WebSocket upgrade through as a raw tunnel after the 101 (echo)', async () => {
    const be = await startRawBackend((sock, all) => {
      const s = all.toString('latin1');
      const end = s.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!(sock as net.Socket & { up?: boolean }).up) {
        (sock as net.Socket & { up?: boolean }).up = true;
        sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
        const early = all.subarray(end + 4);
        if (early.length) sock.write(Buffer.concat([Buffer.from('echo:'), early]));
        sock.on('data', (d: Buffer) => sock.write(Buffer.concat([Buffer.from('echo:'), d])));
      }
    });
    cleanup.push(() => be.close());
    const px = await proxy(be.port);
    const c = await RawClient.connect(px.port);
    c.send('GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n');
    const r = await c.response({ head: true });
    assert.equal(r.status, 101);
    const got: Buffer[] = [];
    c.sock.on('data', (d: Buffer) => got.push(d));
    c.send(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    await until(() => Buffer.concat(got).length >= 9, 'the echo');
    assert.deepEqual([...Buffer.concat(got)], [...Buffer.from('echo:'), 0x81, 0x02, 0x68, 0x69]);
    c.close();
  });
});
