// RawSocket keeps the net.Socket behaviour the HTTP path relies on; real sockets on loopback.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { RawSocket, rawHttpBindings } from './raw-socket.js';

const raw = rawHttpBindings();

function server(onSocket: (s: net.Socket) => void): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('error', () => {});
    onSocket(s);
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        port: (srv.address() as net.AddressInfo).port,
        close: () => {
          for (const s of sockets) s.destroy();
          srv.close();
        },
      }),
    ),
  );
}

function events(s: RawSocket): string[] {
  const seen: string[] = [];
  for (const e of ['connect', 'end', 'drain', 'close']) s.on(e, () => seen.push(e));
  s.on('error', (err: NodeJS.ErrnoException) => seen.push(`error ${err.code}`));
  s.on('data', (d: Buffer) => seen.push(`data ${d.toString()}`));
  return seen;
}

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'condition not reached');
};

describe('RawSocket', { skip: raw === undefined ? 'no stream handles in this Node' : false }, () => {
  const cleanup: (() => void)[] = [];
  after(() => cleanup.forEach((f) => f()));

  it('connects, exchanges bytes, and closes after both sides ended (allowHalfOpen off: EOF ends ours)', async () => {
    const srv = await server((s) => s.on('data', (d) => s.end(`echo ${d}`)));
    cleanup.push(srv.close);
    const s = RawSocket.connect(raw!, { host: '127.0.0.1', port: srv.port })!;
    const seen = events(s);
    s.write(Buffer.from('hi'));
    await until(() => seen.includes('close'));
    assert.deepEqual(seen, ['connect', 'data echo hi', 'end', 'close']);
    assert.equal(s.destroyed, true);
  });

  it('a refused connect: error with its code, then close', async () => {
    const srv = await server(() => {});
    srv.close();
    await new Promise((r) => setTimeout(r, 20));
    const s = RawSocket.connect(raw!, { host: '127.0.0.1', port: srv.port })!;
    const seen = events(s);
    await until(() => seen.includes('close'));
    assert.deepEqual(seen, ['error ECONNREFUSED', 'close']);
  });

  it('a host name is not for the raw path (net.connect resolves it)', () => {
    assert.equal(RawSocket.connect(raw!, { host: 'localhost', port: 1 }), undefined);
  });

  it('paused: data and EOF are held and come, in order, after resume()', async () => {
    let peer: net.Socket | undefined;
    const srv = await server((s) => (peer = s));
    cleanup.push(srv.close);
    const s = RawSocket.connect(raw!, { host: '127.0.0.1', port: srv.port })!;
    const seen = events(s);
    await until(() => peer !== undefined && seen.includes('connect'));
    s.pause();
    peer!.end('later');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(seen, ['connect']);
    s.resume();
    await until(() => seen.includes('close'));
    assert.deepEqual(seen, ['connect', 'data later', 'end', 'close']);
  });

  it('paused with nothing held: EOF still ends the socket (as net.Socket)', async () => {
    let peer: net.Socket | undefined;
    const srv = await server((s) => (peer = s));
    cleanup.push(srv.close);
    const s = RawSocket.connect(raw!, { host: '127.0.0.1', port: srv.port })!;
    const seen = events(s);
    await until(() => peer !== undefined && seen.includes('connect'));
    s.pause();
    peer!.end();
    await until(() => seen.includes('close'));
    assert.deepEqual(seen, ['connect', 'end', 'close']);
  });

  it('paused again by its own data handler after a full buffer: an EOF is still seen (no socket left open)', async () => {
    let peer: net.Socket | undefined;
    const srv = await server((s) => (peer = s));
    cleanup.push(srv.close);
    const s = RawSocket.connect(raw!, { host: '127.0.0.1', port: srv.port })!;
    let got = 0;
    const seen: string[] = [];
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= 40000) s.pause();
    });
    for (const e of ['connect', 'end', 'close']) s.on(e, () => seen.push(e));
    await until(() => peer !== undefined && seen.includes('connect'));
    s.pause();
    peer!.write(Buffer.alloc(40000)); // more than 16 KB held: the handle stops reading
    await new Promise((r) => setTimeout(r, 50));
    s.resume();
    await until(() => got >= 40000);
    peer!.end();
    await until(() => seen.includes('close'));
    assert.deepEqual(seen, ['connect', 'end', 'close']);
  });

  it('write() reports a full queue and drain follows, also for corked writes sent at once', async () => {
    let got = 0;
    let peer: net.Socket | undefined;
    const srv = await server((s) => {
      peer = s;
      s.pause();
      s.on('data', (d) => (got += d.length));
    });
    cleanup.push(srv.close);
    const s = RawSocket.connect(raw!, { host: '127.0.0.1', port: srv.port })!;
    const seen = events(s);
    await until(() => peer !== undefined && seen.includes('connect'));
    s.cork();
    assert.equal(s.write(Buffer.alloc(10000)), true);
    assert.equal(s.write(Buffer.alloc(10000)), false); // 20000 bytes held ≥ 16 KB
    s.uncork();
    await until(() => seen.includes('drain'));
    // Now more than the kernel takes while the peer does not read: drain comes when it does.
    const before = seen.filter((e) => e === 'drain').length;
    let full = false;
    for (let i = 0; i < 200 && !full; i++) full = !s.write(Buffer.alloc(65536));
    assert.ok(full && s.writableLength > 0);
    peer!.resume();
    await until(() => seen.filter((e) => e === 'drain').length > before);
    s.destroy();
    await until(() => seen.includes('close'));
    assert.ok(got > 0);
  });

  it('end() while connecting half-closes once connected; nothing but close after destroy()', async () => {
    let received = '';
    const srv = await server((s) => {
      s.on('data', (d) => (received += d));
      s.on('end', () => s.end());
    });
    cleanup.push(srv.close);
    const s = RawSocket.connect(raw!, { host: '127.0.0.1', port: srv.port })!;
    const seen = events(s);
    s.end(Buffer.from('bye'));
    assert.equal(s.write(Buffer.from('ignored')), false);
    await until(() => seen.includes('close'));
    assert.equal(received, 'bye');
    assert.deepEqual(seen, ['connect', 'end', 'close']);
    s.destroy();
    assert.deepEqual(seen, ['connect', 'end', 'close']);
  });
});
