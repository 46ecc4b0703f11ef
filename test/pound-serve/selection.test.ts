// Service selection (spec §5.5), backend choice (§5.6) and Redirect pseudo-backends (§5.11).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Dialect, Listener, MatchCondition, Service } from '@penpound/engine';
import { exchange, RawClient, startBackend, type Backend } from '../support/http-backends.js';
import { backend, config, listener, pattern, redirect, run, service, url, type Running } from './config.js';

describe('pound serving: selection', () => {
  const bes: Record<string, Backend> = {};
  const proxies: Running[] = [];
  before(async () => {
    for (const n of ['a', 'b', 'c', 'g']) bes[n] = await startBackend(n);
  });
  after(async () => {
    for (const p of proxies) await p.handle.stop();
    for (const b of Object.values(bes)) await b.close();
  });
  const start = async (listeners: Listener[], globals: Service[] = [], dialect: Dialect = 'pound-2.8'): Promise<number> => {
    const px = await run(config(listeners, { services: globals, dialect }));
    proxies.push(px);
    return px.port;
  };
  const get = async (port: number, target: string, headers = ''): Promise<string> => {
    const out = (await exchange(port, `GET ${target} HTTP/1.0\r\n${headers}\r\n`)).toString('latin1');
    return out.slice(out.indexOf('\r\n\r\n') + 4);
  };
  const to = (name: string, match: MatchCondition[], extra: Partial<Service> = {}): Service =>
    service([backend(bes[name]!.port)], { name, match, ...extra });

  it('listener services first, then global ones, each in file order; disabled ones skipped', async () => {
    const port = await start(
      [listener([to('a', [url('^/a')]), to('b', [url('^/a/b')]), to('c', [url('^/c')], { disabled: true })])],
      [to('g', [])],
    );
    assert.equal(await get(port, '/a/b'), 'a GET /a/b');
    assert.equal(await get(port, '/c'), 'g GET /c');
    assert.equal(await get(port, '/zzz'), 'g GET /zzz');
  });

  it('URL patterns match the percent-decoded URL in 2.8, raw in 4.x; the original target is forwarded', async () => {
    const l28 = await start([listener([to('a', [url('^/a b$')])])]);
    assert.equal(await get(l28, '/a%20b'), 'a GET /a%20b');
    const l4 = await start([listener([to('a', [url('^/a b$')]), to('b', [url('^/a%20b$')])], {}, 'pound-4')], [], 'pound-4');
    assert.equal(await get(l4, '/a%20b'), 'b GET /a%20b');
  });

  it('URL patterns are POSIX EREs, case-sensitive unless IgnoreCase', async () => {
    const port = await start([listener([
      to('a', [url('^/img/[[:alnum:]]+\\.(jpg|png)$')]),
      to('b', [url('^/CI', true)]),
      to('c', [url('x{2,3}')]),
    ])]);
    assert.equal(await get(port, '/img/Pic9.png'), 'a GET /img/Pic9.png');
    assert.match((await exchange(port, 'GET /img/a_b.png HTTP/1.0\r\n\r\n')).toString(), /^HTTP\/1\.0 503 /);
    assert.equal(await get(port, '/ci/x'), 'b GET /ci/x');
    assert.equal(await get(port, '/q/axxb'), 'c GET /q/axxb');
  });

  it('HeadRequire / HeadDeny match whole header lines case-insensitively', async () => {
    const port = await start([listener([
      to('a', [{ kind: 'header', pattern: pattern('^Host: www\\.example\\.com') }]),
      to('b', [{ kind: 'not', condition: { kind: 'header', pattern: pattern('^User-Agent:.*bot') } }]),
    ])]);
    assert.equal(await get(port, '/1', 'HOST: WWW.EXAMPLE.COM\r\n'), 'a GET /1');
    assert.equal(await get(port, '/2', 'Host: other\r\nUser-Agent: browser\r\n'), 'b GET /2');
    assert.match((await exchange(port, 'GET /3 HTTP/1.0\r\nUser-Agent: SomeBot/1\r\n\r\n')).toString(), /^HTTP\/1\.0 503 /);
  });

  it('priority-weighted random choice spreads requests roughly by priority', async () => {
    const port = await start([listener([service([backend(bes.a!.port, { weight: 1 }), backend(bes.b!.port, { weight: 9 })])])]);
    const count: Record<string, number> = { a: 0, b: 0 };
    const c = await RawClient.connect(port);
    for (let i = 0; i < 400; i++) {
      c.send('GET /w HTTP/1.1\r\nHost: h\r\n\r\n');
      count[(await c.response()).body.toString()[0]!]!++;
    }
    c.close();
    // Expected 40 / 360; the bounds are many standard deviations wide.
    assert.ok(count.a! > 5 && count.a! < 110, JSON.stringify(count));
  });

  it('a disabled backend gets no new requests', async () => {
    const port = await start([listener([service([backend(bes.a!.port, { disabled: true }), backend(bes.b!.port)])])]);
    for (let i = 0; i < 20; i++) assert.equal(await get(port, '/d'), 'b GET /d');
  });

  it('no usable backend → Emergency; none → 503', async () => {
    const port = await start([listener([
      service([backend(bes.a!.port, { disabled: true })], { match: [url('^/e')], emergency: [backend(bes.c!.port)] }),
      service([backend(bes.a!.port, { disabled: true })]),
    ])]);
    assert.equal(await get(port, '/e'), 'c GET /e');
    assert.match((await exchange(port, 'GET /x HTTP/1.0\r\n\r\n')).toString(), /^HTTP\/1\.0 503 Service Unavailable\r\n/);
  });

  it('4.x iwrr interleaves by weight', async () => {
    const svc = service([backend(bes.a!.port, { weight: 1 }), backend(bes.b!.port, { weight: 2 })]);
    svc.balance.algorithm = 'iwrr';
    const port = await start([listener([svc], {}, 'pound-4')], [], 'pound-4');
    const seq: string[] = [];
    for (let i = 0; i < 6; i++) seq.push((await get(port, '/i'))[0]!);
    assert.equal(seq.filter((x) => x === 'b').length, 4);
  });

  describe('Redirect', () => {
    const body = (loc: string): string =>
      `<html><head><title>Redirect</title></head><body><h1>Redirect</h1><p>You should go to <a href="${loc}">${loc}</a></p></body></html>`;
    const page = (code: string, loc: string): string =>
      `HTTP/1.0 ${code}\r\nLocation: ${loc}\r\nContent-Type: text/html\r\nContent-Length: ${body(loc).length}\r\n\r\n${body(loc)}`;

    it('no path: the (decoded, escaped) request target is appended; 302 Found by default', async () => {
      const port = await start([listener([service([redirect('http://new.example:8080')])])]);
      const c = await RawClient.connect(port);
      c.send('GET /a%20b?x=1 HTTP/1.1\r\nHost: h\r\n\r\n');
      assert.equal((await c.response()).raw.toString(), page('302 Found', 'http://new.example:8080/a%20b?x=1'));
      // The connection stays open for HTTP/1.1 clients.
      c.send('GET /more HTTP/1.1\r\nHost: h\r\n\r\n');
      assert.equal((await c.response()).statusLine, 'HTTP/1.0 302 Found');
      c.close();
    });

    it('path "/" → Location without the slash, nothing appended; other paths as given; 301/307', async () => {
      const p1 = await start([listener([service([redirect('http://x.example/', 301)])])]);
      assert.equal((await exchange(p1, 'GET /deep HTTP/1.0\r\n\r\n')).toString(), page('301 Moved Permanently', 'http://x.example'));
      const p2 = await start([listener([service([redirect('https://y.example/landing~page', 307)])])]);
      assert.equal((await exchange(p2, 'GET /deep HTTP/1.0\r\n\r\n')).toString(),
        page('307 Temporary Redirect', 'https://y.example/landing%7epage'));
    });

    it('the request body is read and discarded before the redirect', async () => {
      const port = await start([listener([service([redirect('http://z.example')])])]);
      const c = await RawClient.connect(port);
      c.send('POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello');
      assert.equal((await c.response()).statusLine, 'HTTP/1.0 302 Found');
      c.send('GET /g HTTP/1.1\r\nHost: h\r\n\r\n');
      assert.match((await c.response()).raw.toString(), /Location: http:\/\/z\.example\/g\r\n/);
      c.close();
    });

    it('4.x: client version, raw target appended, Connection: close for 1.1', async () => {
      const port = await start([listener([service([redirect('http://n.example')])], {}, 'pound-4')], [], 'pound-4');
      const loc = 'http://n.example/a~b';
      assert.equal((await exchange(port, 'GET /a~b HTTP/1.1\r\nHost: h\r\n\r\n')).toString(),
        `HTTP/1.1 302 Found\r\nLocation: ${loc}\r\nContent-Type: text/html\r\nContent-Length: ${body(loc).length}\r\n` +
        `Connection: close\r\n\r\n${body(loc)}`);
    });
  });
});
