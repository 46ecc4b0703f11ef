// Request logs and diagnostics on the terminal (`LogFacility -`): request lines on stdout,
// diagnostics on stderr, formats per LogLevel and dialect (spec §6). The proxy runs in a
// child process so its stdout is ours to read.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Dialect, ProxyConfig } from '@penpound/engine';
import { exchange, startBackend, type Backend, lines } from '../support/http-backends.js';
import { backend, config, listener, redirect, service, url } from './config.js';

const child = fileURLToPath(new URL('./fixtures/serve.js', import.meta.url));

interface Proc { proc: ChildProcess; port: number; out: () => string; err: () => string }

async function spawnProxy(cfg: ProxyConfig, env: NodeJS.ProcessEnv = process.env): Promise<Proc> {
  const dir = mkdtempSync(join(tmpdir(), 'pound-log-'));
  const portFile = join(dir, 'port');
  const proc = spawn(process.execPath, [child, JSON.stringify(cfg), portFile], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  for (let i = 0; i < 500 && !existsSync(portFile); i++) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 100 && readFileSync(portFile, 'utf8') === ''; i++) await new Promise((r) => setTimeout(r, 10));
  return { proc, port: Number(readFileSync(portFile, 'utf8')), out: () => out, err: () => err };
}

describe('pound serving: logging to the terminal', () => {
  let be: Backend;
  const procs: ChildProcess[] = [];
  before(async () => { be = await startBackend('b'); });
  after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await be.close();
  });
  const startLevel = async (level: number, dialect: Dialect = 'pound-2.8', anonymise = false): Promise<Proc> => {
    const svc = service([backend(be.port)], { name: 'web' });
    const redir = service([redirect('http://r.example')], { match: [url('^/old')] });
    const cfg = config([listener([redir, svc], { logLevel: level }, dialect)], { dialect });
    cfg.logging.anonymise = anonymise;
    const p = await spawnProxy(cfg);
    procs.push(p.proc);
    return p;
  };
  const TIME = '\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}';
  const ua = 'User-Agent: t/1\r\nReferer: http://ref/\r\n';

  it('LogLevel 1 and 2 (2.x)', async () => {
    const p1 = await startLevel(1);
    await exchange(p1.port, `GET /a HTTP/1.0\r\n${ua}\r\n`);
    const p2 = await startLevel(2);
    await exchange(p2.port, `GET /b HTTP/1.0\r\nHost: v.example:8080\r\n\r\n`);
    await exchange(p2.port, 'GET /c HTTP/1.0\r\n\r\n');
    assert.deepEqual(await lines(p1.out, 1), ['127.0.0.1 GET /a HTTP/1.0 - HTTP/1.1 200 OK']);
    const l2 = await lines(p2.out, 2);
    assert.match(l2[0]!, new RegExp(`^127\\.0\\.0\\.1 GET /b HTTP/1\\.0 - HTTP/1\\.1 200 OK \\(v\\.example:8080/web -> 127\\.0\\.0\\.1:${be.port}\\) \\d+\\.\\d{3} sec$`));
    assert.match(l2[1]!, new RegExp(`^127\\.0\\.0\\.1 GET /c HTTP/1\\.0 - HTTP/1\\.1 200 OK \\(web -> 127\\.0\\.0\\.1:${be.port}\\) \\d+\\.\\d{3} sec$`));
  });

  it('LogLevel 3, 4, 5 (2.x), with Basic user, Referer and User-Agent', async () => {
    const auth = `Authorization: Basic ${Buffer.from('alice:pw').toString('base64')}\r\n`;
    const got: string[] = [];
    for (const level of [3, 4, 5]) {
      const p = await startLevel(level);
      await exchange(p.port, `GET /l HTTP/1.0\r\nHost: v.example\r\n${auth}${ua}\r\n`);
      got.push((await lines(p.out, 1))[0]!);
    }
    const combined = `127\\.0\\.0\\.1 - alice \\[${TIME}\\] "GET /l HTTP/1\\.0" 200 8 "http://ref/" "t/1"`;
    assert.match(got[0]!, new RegExp(`^v\\.example ${combined}$`));
    assert.match(got[1]!, new RegExp(`^${combined}$`));
    assert.match(got[2]!, new RegExp(`^v\\.example ${combined} \\(web -> 127\\.0\\.0\\.1:${be.port}\\) \\d+\\.\\d{3} sec$`));
  });

  it('redirects are logged as REDIRECT lines; pound errors are not request-logged (2.x); diagnostics go to stderr', async () => {
    const p = await startLevel(2, 'pound-2.8', true);
    await exchange(p.port, 'GET /old/x HTTP/1.0\r\n\r\n');
    await exchange(p.port, 'GET /y HTTP/1.0\r\n\r\n');
    await exchange(p.port, 'BREW /z HTTP/1.0\r\n\r\n');
    const out = await lines(p.out, 2);
    assert.equal(out[0], '127.0.0.1 GET /old/x HTTP/1.0 - REDIRECT http://r.example/old/x');
    assert.match(out[1]!, /^127\.0\.0\.0 GET \/y HTTP\/1\.0 - HTTP\/1\.1 200 OK /, 'Anonymise zeroes the last group');
    const err = await lines(p.err, 1);
    assert.match(err[0]!, /^\(\w+\) e501 bad request "BREW \/z HTTP\/1\.0" from 127\.0\.0\.1$/);
    assert.equal(out.length, 2);
  });

  it('4.x: "pound: " prefix, built-in formats, errors logged too', async () => {
    const p = await startLevel(1, 'pound-4');
    await exchange(p.port, 'GET /m HTTP/1.0\r\n\r\n');
    await exchange(p.port, 'BREW /z HTTP/1.0\r\n\r\n');
    const out = await lines(p.out, 2);
    assert.equal(out[0], 'pound: 127.0.0.1 GET /m HTTP/1.0 - HTTP/1.1 200 OK');
    assert.equal(out[1], 'pound: 127.0.0.1 BREW /z HTTP/1.0 - HTTP/1.0 400 Bad Request');
    const p3 = await startLevel(3, 'pound-4');
    await exchange(p3.port, `GET /v HTTP/1.0\r\nHost: v.example:81\r\n\r\n`);
    assert.match((await lines(p3.out, 1))[0]!, new RegExp(`^pound: v\\.example:${p3.port} 127\\.0\\.0\\.1 - - \\[${TIME}\\] "GET /v HTTP/1\\.0" 200 8 "-" "-"$`));
  });

  it('syslog: request lines at INFO and diagnostics at NOTICE/WARNING, through logger, with the facility', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pound-syslog-'));
    const path = join(dir, 'log.sock');
    let got = '';
    // util-linux logger falls back to a stream socket when the path is not a datagram one.
    const server = net.createServer((s) => s.on('data', (d: Buffer) => { got += d.toString(); }));
    await new Promise<void>((r) => server.listen(path, () => r()));
    try {
      const cfg = config([listener([service([backend(be.port)], { match: [url('^/ok')] })], { logLevel: 1 })]);
      cfg.logging.diagnostics = { target: 'syslog', facility: 'local0', debugLevel: 0 };
      const p = await spawnProxy(cfg, { ...process.env, PENPOUND_SYSLOG_SOCKET: path });
      procs.push(p.proc);
      await exchange(p.port, 'GET /ok HTTP/1.0\r\n\r\n');
      await exchange(p.port, 'GET /nothing HTTP/1.0\r\n\r\n');
      const l = await lines(() => got, 2);
      const stamp = '[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d';
      assert.match(l[0]!, new RegExp(`^<134>${stamp} pound: 127\\.0\\.0\\.1 GET /ok HTTP/1\\.0 - HTTP/1\\.1 200 OK$`));
      assert.match(l[1]!, new RegExp(`^<133>${stamp} pound: \\(\\w+\\) e503 no service "GET /nothing HTTP/1\\.0" from 127\\.0\\.0\\.1 -$`));
      assert.equal(p.out(), '', 'nothing on stdout when logging to syslog');
    } finally {
      server.close();
    }
  });

  it('a closed stdout (EPIPE) loses log lines, never the service', async () => {
    const p = await startLevel(1);
    p.proc.stdout!.destroy();
    for (let i = 0; i < 20; i++) {
      assert.match((await exchange(p.port, `GET /e${i} HTTP/1.0\r\n\r\n`)).toString(), /^HTTP\/1\.1 200 OK/);
    }
    assert.equal(p.proc.exitCode, null);
  });
});
