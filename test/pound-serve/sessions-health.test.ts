// Sticky sessions (spec §5.7) held over many requests, and backend health (§5.13): a
// backend killed under a running proxy is marked dead, clients are moved, and it is
// resurrected by the Alive probe once it is back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SessionConfig } from '@penpound/engine';
import { probeNow } from '@penpound/engine/http/index';
import { RawClient, startBackend, type Backend, until } from '../support/http-backends.js';
import { backend, config, listener, run, service, session, type Running } from './config.js';

describe('pound serving: sessions', () => {
  const bes: Backend[] = [];
  const proxies: Running[] = [];
  let counter = 0;
  before(async () => {
    for (const n of ['a', 'b', 'c']) {
      bes.push(await startBackend(n, (req, res) => {
        const text = `${n} ${req.method} ${req.url}`;
        res.setHeader('Set-Cookie', `sid=${n}${++counter}; Path=/`);
        res.setHeader('X-Sess', `${n}h${counter}`);
        res.writeHead(200, { 'Content-Length': text.length });
        res.end(text);
      }));
    }
  });
  after(async () => {
    for (const p of proxies) await p.handle.stop();
    for (const b of bes) await b.close();
  });
  const start = async (s: SessionConfig, dialect: 'pound-2.8' | 'pound-4' = 'pound-2.8'): Promise<number> => {
    const px = await run(config([listener([service(bes.map((b) => backend(b.port)), { session: s })], {}, dialect)], { dialect }));
    proxies.push(px);
    return px.port;
  };
  /** Which backend served each of `n` requests built by `req(i)`. */
  const serve = async (port: number, n: number, req: (i: number) => string): Promise<string[]> => {
    const c = await RawClient.connect(port);
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      c.send(req(i));
      out.push((await c.response()).body.toString()[0]!);
    }
    c.close();
    return out;
  };
  const sticky = (xs: string[]): boolean => xs.every((x) => x === xs[0]);

  it('IP: one client stays on one backend for 100 requests', async () => {
    const port = await start(session('IP', 300));
    assert.ok(sticky(await serve(port, 100, () => 'GET / HTTP/1.1\r\nHost: h\r\n\r\n')));
  });

  for (const [type, id, make] of [
    ['URL', 'sid', (k: string) => `GET /p?x=1&sid=${k}&y=2 HTTP/1.1\r\nHost: h\r\n\r\n`],
    ['PARM', undefined, (k: string) => `GET /p;${k}?x=1 HTTP/1.1\r\nHost: h\r\n\r\n`],
    ['HEADER', 'X-Session', (k: string) => `GET / HTTP/1.1\r\nHost: h\r\nX-Session: ${k}\r\n\r\n`],
    ['BASIC', undefined, (k: string) => `GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic ${Buffer.from(k + ':pw').toString('base64')}\r\n\r\n`],
    ['COOKIE', 'sid', (k: string) => `GET / HTTP/1.1\r\nHost: h\r\nCookie: lang=en; sid=${k}\r\n\r\n`],
  ] as const) {
    it(`${type}: each key sticks for 100 requests; different keys spread`, async () => {
      const port = await start(session(type, 300, id));
      for (const key of ['k1', 'other-key']) assert.ok(sticky(await serve(port, 100, () => make(key))), `${type} ${key}`);
      const spread = await serve(port, 30, (i) => make(`key${i}`));
      assert.ok(new Set(spread).size > 1, `${type}: 30 keys all on one backend`);
    });
  }

  it('COOKIE: learns the key from the backend Set-Cookie and sticks later requests to it', async () => {
    const port = await start(session('COOKIE', 300, 'sid'));
    const c = await RawClient.connect(port);
    c.send('GET /login HTTP/1.1\r\nHost: h\r\n\r\n');
    const first = await c.response();
    const cookie = first.headers.find(([k]) => k === 'Set-Cookie')![1].split(';')[0]!;
    const owner = first.body.toString()[0]!;
    for (let i = 0; i < 100; i++) {
      c.send(`GET /again HTTP/1.1\r\nHost: h\r\nCookie: ${cookie}\r\n\r\n`);
      assert.equal((await c.response()).body.toString()[0], owner);
    }
    c.close();
  });

  it('HEADER (4.x): learns from the response header named ID', async () => {
    const port = await start(session('HEADER', 300, 'X-Sess'), 'pound-4');
    const c = await RawClient.connect(port);
    c.send('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    const first = await c.response();
    const key = first.headers.find(([k]) => k === 'X-Sess')![1];
    for (let i = 0; i < 100; i++) {
      c.send(`GET / HTTP/1.1\r\nHost: h\r\nX-Sess: ${key}\r\n\r\n`);
      assert.equal((await c.response()).body.toString()[0], first.body.toString()[0]);
    }
    c.close();
  });

  it('a disabled backend keeps its existing sessions but gets no new ones', async () => {
    const px = await run(config([listener([service(bes.map((b) => backend(b.port)), { session: session('URL', 300, 'sid') })])]));
    proxies.push(px);
    const owner = (await serve(px.port, 1, () => 'GET /?sid=kept HTTP/1.1\r\nHost: h\r\n\r\n'))[0]!;
    const idx = ['a', 'b', 'c'].indexOf(owner);
    px.handle.config.listeners[0]!.services[0]!.backends[idx]!.disabled = true;
    assert.ok(sticky([owner, ...(await serve(px.port, 20, () => 'GET /?sid=kept HTTP/1.1\r\nHost: h\r\n\r\n'))]));
    const fresh = await serve(px.port, 30, (i) => `GET /?sid=new${i} HTTP/1.1\r\nHost: h\r\n\r\n`);
    assert.ok(!fresh.includes(owner), 'no new session on the disabled backend');
  });

  it('negative TTL (2.x): stateless hashing, the same key picks the same backend in any process', async () => {
    const p1 = await start(session('URL', -1, 'sid'));
    const p2 = await start(session('URL', -1, 'sid'));
    for (const k of ['alpha', 'beta', 'gamma', 'delta']) {
      const a = await serve(p1, 20, () => `GET /?sid=${k} HTTP/1.1\r\nHost: h\r\n\r\n`);
      const b = await serve(p2, 1, () => `GET /?sid=${k} HTTP/1.1\r\nHost: h\r\n\r\n`);
      assert.ok(sticky([...a, ...b]), k);
    }
  });

  it('sessions are visible and editable through the runtime handle (for poundctl)', async () => {
    const px = await run(config([listener([service(bes.map((b) => backend(b.port)), { session: session('URL', 300, 'sid') })])]));
    proxies.push(px);
    await serve(px.port, 1, () => 'GET /?sid=seen HTTP/1.1\r\nHost: h\r\n\r\n');
    const table = px.handle.stats.listeners[0]!.services[0]!.sessions!;
    assert.deepEqual(table.list().map((e) => e.key), ['seen']);
    table.add('forced', 2);
    assert.ok(sticky(['c', ...(await serve(px.port, 10, () => 'GET /?sid=forced HTTP/1.1\r\nHost: h\r\n\r\n'))]));
    assert.equal(table.delete('forced'), true);
  });
});

describe('pound serving: backend health', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => { for (const f of cleanup.reverse()) await f(); });

  it('a killed backend is marked dead, its clients move, and it is resurrected when back', async () => {
    let a = await startBackend('a');
    const b = await startBackend('b');
    const aPort = a.port;
    cleanup.push(() => b.close(), () => a.close());
    const cfg = config([listener([service([backend(aPort), backend(b.port)], { session: session('IP', 300) })])]);
    cfg.process.aliveSeconds = 1;
    const px = await run(cfg);
    cleanup.push(() => px.handle.stop());
    const one = async (): Promise<string> => {
      const c = await RawClient.connect(px.port);
      c.send('GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
      const r = await c.response();
      c.close();
      return r.body.toString()[0]!;
    };
    // Pin the client's session to a: disable b until a has it.
    cfg.listeners[0]!.services[0]!.backends[1]!.disabled = true;
    assert.equal(await one(), 'a');
    cfg.listeners[0]!.services[0]!.backends[1]!.disabled = false;
    for (let i = 0; i < 10; i++) assert.equal(await one(), 'a');

    await a.close();
    // Every request still succeeds: the failed connect kills a and retries on b.
    for (let i = 0; i < 20; i++) assert.equal(await one(), 'b');
    const stats = px.handle.stats.listeners[0]!.services[0]!.backends;
    assert.equal(stats[0]!.alive, false);
    const msgs = px.diagnostics.map((d) => d.message);
    assert.ok(msgs.some((m) => new RegExp(`^\\(\\w+\\) backend 127\\.0\\.0\\.1:${aPort} connect: Connection refused$`).test(m)), msgs.join('\n'));
    assert.ok(msgs.some((m) => new RegExp(`^\\(\\w+\\) BackEnd 127\\.0\\.0\\.1:${aPort} dead \\(killed\\)$`).test(m)));

    a = await startBackend('a', undefined, aPort);
    await until(() => px.diagnostics.some((d) => d.message === `BackEnd 127.0.0.1:${aPort} resurrect`), 'resurrection');
    assert.equal(stats[0]!.alive, true);
    // The session moved to b when a died; without it, a is chosen again.
    delete cfg.listeners[0]!.services[0]!.session;
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) seen.add(await one());
    assert.ok(seen.has('a'), 'a gets clients again');
  });

  it('an HAport probe failure kills an alive backend; Emergency then serves', async () => {
    const a = await startBackend('a');
    const e = await startBackend('e');
    cleanup.push(() => a.close(), () => e.close());
    const be = backend(a.port, { healthCheck: { kind: 'connect', endpoint: { kind: 'inet', host: '127.0.0.1', port: 1 }, intervalSeconds: 30 } });
    const cfg = config([listener([service([be], { emergency: [backend(e.port)] })])]);
    const px = await run(cfg);
    cleanup.push(() => px.handle.stop());
    const c = await RawClient.connect(px.port);
    c.send('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    assert.equal((await c.response()).body.toString(), 'a GET /');
    await probeNow(cfg);
    assert.ok(px.diagnostics.some((d) => d.message === `BackEnd 127.0.0.1:${a.port} is dead (HA)`));
    c.send('GET /now HTTP/1.1\r\nHost: h\r\n\r\n');
    assert.equal((await c.response()).body.toString(), 'e GET /now');
    c.close();
  });

  it('backend response timeout before the headers → 500', async () => {
    const { startRawBackend } = await import('../support/http-backends.js');
    const silent = await startRawBackend(() => { /* never answers */ });
    cleanup.push(() => silent.close());
    const cfg = config([listener([service([backend(silent.port, { timeouts: { connectSeconds: 5, ioSeconds: 1 } })])])]);
    const px = await run(cfg);
    cleanup.push(() => px.handle.stop());
    const c = await RawClient.connect(px.port);
    c.send('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    const r = await c.response();
    assert.equal(r.statusLine, 'HTTP/1.0 500 Internal Server Error');
    c.close();
  });

  it('ConnTO: a connect that times out kills the backend; with nothing else usable → 503', async () => {
    const { blackHole } = await import('../support/stream-backends.js');
    const hole = await blackHole();
    const a = await startBackend('a');
    cleanup.push(async () => hole.close(), () => a.close());
    const cfg = config([listener([service([backend(hole.port, { timeouts: { connectSeconds: 1, ioSeconds: 5 } }),
      backend(a.port, { disabled: true })])])]);
    const px = await run(cfg);
    cleanup.push(() => px.handle.stop());
    const c = await RawClient.connect(px.port);
    c.send('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    assert.equal((await c.response()).statusLine, 'HTTP/1.0 503 Service Unavailable');
    c.close();
    const msgs = px.diagnostics.map((d) => d.message);
    assert.ok(msgs.some((m) => /^\(\w+\) connect_nb: poll timed out$/.test(m)), msgs.join('\n'));
    assert.ok(msgs.some((m) => m.endsWith(`BackEnd 127.0.0.1:${hole.port} dead (killed)`)));
    cfg.listeners[0]!.services[0]!.backends[1]!.disabled = false;
    const c2 = await RawClient.connect(px.port);
    c2.send('GET /a HTTP/1.1\r\nHost: h\r\n\r\n');
    assert.equal((await c2.response()).body.toString(), 'a GET /a');
    c2.close();
  });

  it('graceful stop: no new connections, the request in flight is still answered', async () => {
    const { startRawBackend } = await import('../support/http-backends.js');
    let answer: (() => void) | undefined;
    const slow = await startRawBackend((sock, all) => {
      if (all.includes('\r\n\r\n')) answer = () => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate');
    });
    cleanup.push(() => slow.close());
    const cfg = config([listener([service([backend(slow.port)])])]);
    cfg.process.graceSeconds = 10;
    const px = await run(cfg);
    const c = await RawClient.connect(px.port);
    c.send('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    await until(() => answer !== undefined, 'the request at the backend');
    const stopped = px.handle.stop({ graceful: true });
    await assert.rejects(RawClient.connect(px.port));
    answer!();
    assert.equal((await c.response()).body.toString(), 'late');
    await stopped;
    c.close();
  });
});
