// Runs the hostile HTTP table (http-cases.ts) through the engine's HTTP path on real
// sockets: each case's bytes go to a pound-mode listener, and both what comes back and
// exactly what reached the backend are compared. After each case a plain request proves
// the proxy still serves.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Dialect, HttpListenerOptions } from '@penpound/engine';
import { backend, config, listener, run, service, type Running } from '../pound-serve/config.js';
import { REPO } from '../support/pen-process.js';
import { HTTP_CASES, type HttpCase, type ProxyKind } from './http-cases.js';
import { OK_RESPONSE, startRecordingBackend, type RecordingBackend } from './support/recording-backend.js';
import { talk } from './support/talk.js';

const SETUP: Record<ProxyKind, { dialect: Dialect; http?: Partial<HttpListenerOptions>; client?: number }> = {
  '2.8': { dialect: 'pound-2.8' },
  '2.4': { dialect: 'pound-2.4' },
  '4': { dialect: 'pound-4' },
  '2.8-x2': { dialect: 'pound-2.8', http: { methodsLevel: 2 } },
  '2.8-slow': { dialect: 'pound-2.8', client: 1 },
};

/** Waits (bounded) until `cond` holds. */
async function settle(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('hostile HTTP input (table)', () => {
  let be: RecordingBackend;
  const proxies = new Map<ProxyKind, Running>();
  before(async () => {
    be = await startRecordingBackend();
    be.behave((target) => ({
      kind: 'answer',
      response: target === '/send-100' ? 'HTTP/1.1 100 Continue\r\n\r\n' + OK_RESPONSE : OK_RESPONSE,
    }));
  });
  after(async () => {
    for (const p of proxies.values()) await p.handle.stop();
    await be.close();
  });

  const proxy = async (kind: ProxyKind): Promise<Running> => {
    let p = proxies.get(kind);
    if (!p) {
      const s = SETUP[kind];
      const l = listener([service([backend(be.port, { timeouts: { connectSeconds: 2, ioSeconds: 3, websocketSeconds: 5 } })])], s.http, s.dialect);
      if (s.client) l.limits.clientTimeoutSeconds = s.client;
      p = await run(config([l], { dialect: s.dialect }));
      proxies.set(kind, p);
    }
    return p;
  };

  const forwardedFor = (kind: ProxyKind, port: number): string =>
    SETUP[kind].dialect === 'pound-4'
      ? `X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: ${port}\r\n`
      : 'X-Forwarded-For: 127.0.0.1\r\n';

  it('has at least 40 cases, with unique ids; every difference it names is a COMPAT.md row', () => {
    assert.ok(HTTP_CASES.length >= 40, `${HTTP_CASES.length} cases`);
    assert.equal(new Set(HTTP_CASES.map((c) => c.id)).size, HTTP_CASES.length);
    const compat = readFileSync(join(REPO, 'COMPAT.md'), 'utf8');
    for (const c of HTTP_CASES) if (c.compat) assert.ok(compat.includes(`\n| ${c.compat} |`), `${c.id}: COMPAT.md has no row ${c.compat}`);
  });

  for (const c of HTTP_CASES) {
    it(`${c.id}: ${c.name}`, c.todo ? { todo: c.todo } : {}, async () => {
      await runCase(c);
    });
  }

  async function runCase(c: HttpCase): Promise<void> {
    const px = await proxy(c.proxy);
    await settle(() => be.quiet());
    const from = be.log.length;
    const got = await talk(px.port, c.send);
    assert.equal(got.outcome, 'closed', `${c.id}: the proxy must close the connection (it hung with ${JSON.stringify(got.bytes.toString('latin1').slice(0, 200))})`);
    assert.equal(got.bytes.toString('latin1'), c.response, `${c.id}: response`);

    // The proxy still serves; then everything it sent the backend has arrived.
    const sync = await talk(px.port, ['GET /__sync HTTP/1.0\r\n\r\n']);
    assert.equal(sync.bytes.toString('latin1'), OK_RESPONSE, `${c.id}: the proxy serves after the case`);
    await settle(() => be.quiet());
    const entries = be.log.slice(from).filter((e) => e.target !== '/__sync');
    const received = entries.map((e) => e.bytes.toString('latin1')).join('');
    if (typeof c.backend === 'string') {
      const expected = c.backend.split('{XFF}').join(forwardedFor(c.proxy, px.port));
      assert.equal(received, expected, `${c.id}: bytes at the backend`);
      assert.ok(entries.every((e) => !e.partial), `${c.id}: every forwarded request is whole`);
    } else {
      const whole = c.backend.prefixOf.split('{XFF}').join(forwardedFor(c.proxy, px.port));
      assert.ok(entries.every((e) => e.partial), `${c.id}: no whole request may reach the backend: ${JSON.stringify(received)}`);
      assert.ok(whole.startsWith(received), `${c.id}: the backend got ${JSON.stringify(received)}, not a prefix of ${JSON.stringify(whole)}`);
    }
  }
});
