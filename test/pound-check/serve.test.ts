// pound -f CFG without -c: the checked model goes to the engine and is served in the
// foreground; pid file, signals, and the start-up refusals (RootJail, no
// listeners, 4.x features not run yet) — all through the real bin/pound.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend, freePort, waitListening, type Backend } from '../support/http-backends.js';
import { POUND } from '../support/pound-golden.js';

interface Running {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
}

function startPound(args: string[], cwd: string): Running {
  const child = spawn(POUND, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => err, exited };
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function runToExit(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  const r = startPound(args, cwd);
  const code = await r.exited;
  return { code, stderr: r.stderr() };
}

describe('pound serving a pound.cfg', () => {
  let dir = '';
  let backend: Backend;
  const children: ChildProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pound-serve-'));
    backend = await startBackend('be1');
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (port: number, extra = '') =>
    `${extra}LogFacility -\nGrace 1\nListenHTTP\n\tAddress 127.0.0.1\n\tPort ${port}\n\tService\n\t\tBackEnd\n\t\t\tAddress 127.0.0.1\n\t\t\tPort ${backend.port}\n\t\tEnd\n\tEnd\nEnd\n`;

  it('serves in the foreground (-F), writes the pid file, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'a.cfg'), config(port));
    const pid = join(dir, 'a.pid');
    const running = startPound(['-F', '-f', 'a.cfg', '-p', pid], dir);
    children.push(running.child);
    await waitListening(port, () => running.child.exitCode === null, 'pound');
    const r = await get(port, '/hello');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'be1 GET /hello');
    assert.equal(readFileSync(pid, 'utf8'), `${running.child.pid}\n`);
    running.child.kill('SIGTERM');
    assert.equal(await running.exited, 0);
    assert.match(running.stderr(), /received signal 15 - exiting\.\.\./);
    // pound 2.x never removes its pid file.
    assert.ok(existsSync(pid));
  });

  it('Daemon 0 in the file means the foreground too; SIGINT stops gracefully; 4.x removes the pid file', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'b.cfg'), config(port, 'Daemon 0\n'));
    const pid = join(dir, 'b.pid');
    const running = startPound(['-f', 'b.cfg', '-p', pid, '-W', 'compat=4'], dir);
    children.push(running.child);
    await waitListening(port, () => running.child.exitCode === null, 'pound');
    assert.equal((await get(port, '/')).status, 200);
    running.child.kill('SIGINT');
    assert.equal(await running.exited, 0);
    assert.match(running.stderr(), /pound: received signal 2 - shutting down\.\.\./);
    assert.ok(!existsSync(pid));
  });

  it('refuses RootJail (Node.js cannot chroot), naming the line; daemon mode is tested in test/pound-life', async () => {
    writeFileSync(join(dir, 'd.cfg'), config(await freePort(), 'RootJail "/var/empty"\n'));
    const j = await runToExit(['-F', '-f', 'd.cfg'], dir);
    assert.equal(j.code, 1);
    assert.match(j.stderr, /^starting\.\.\.\nline 1: RootJail: penpound cannot chroot .* - aborted\n$/);
  });

  it('a real start needs a listener (-c does not)', async () => {
    writeFileSync(join(dir, 'e.cfg'), `Service\n\tBackEnd\n\t\tAddress 127.0.0.1\n\t\tPort ${backend.port}\n\tEnd\nEnd\n`);
    const r = await runToExit(['-F', '-f', 'e.cfg'], dir);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'starting...\nno listeners defined - aborted\n');
    const c = await runToExit(['-c', '-f', 'e.cfg'], dir);
    assert.equal(c.code, 0);
  });

  it('a 4.x feature that is checked but not run yet is refused at start, naming its line', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'f.cfg'), config(port).replace('\tService\n', '\tService\n\t\tACL "local"\n').replace('LogFacility -\n', 'LogFacility -\nACL "local"\n\t"127.0.0.1"\nEnd\n'));
    const r = await runToExit(['-F', '-f', 'f.cfg', '-W', 'compat=4'], dir);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'pound: f.cfg:10: ACL condition is not supported by penpound yet\n');
  });

  it('a listener that cannot bind is reported and pound exits 1', async () => {
    const blocker = await startBackend('blocker');
    writeFileSync(join(dir, 'g.cfg'), config(blocker.port));
    const r = await runToExit(['-F', '-f', 'g.cfg'], dir);
    await blocker.close();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^starting\.\.\.\n.+/);
  });
});
