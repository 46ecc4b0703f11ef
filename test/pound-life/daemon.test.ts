// pound's process life through the real bin/pound: what the starting command returns in
// daemon mode, where messages go, the pid file per dialect, privileges, and the stop
// signals (Grace running out, TERM cutting a graceful stop short).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, lines, startBackend, type Backend } from '../support/http-backends.js';
import { eventually, get, isRunning, primaryGroupOf, procInfo, readPid, runPound, waitGone, waitListening, waitRefused, type PoundRun } from './support.js';

const ROOT = process.getuid?.() === 0;

describe('pound process life', () => {
  let dir = '';
  let backend: Backend;
  const held: ServerResponse[] = [];
  const daemons: number[] = [];
  const runs: PoundRun[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pound-life-'));
    backend = await startBackend('be', (req, res) => {
      if (req.url === '/hold') return void held.push(res);
      res.writeHead(200, { 'Content-Length': 2 });
      res.end('ok');
    });
  });
  after(async () => {
    for (const pid of daemons) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    for (const r of runs) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    for (const r of held) r.destroy();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cfg = (port: number, head = '') =>
    `${head}ListenHTTP\n\tAddress 127.0.0.1\n\tPort ${port}\nEnd\nService\n\tBackEnd\n\t\tAddress 127.0.0.1\n\t\tPort ${backend.port}\n\tEnd\nEnd\n`;

  function pound(args: string[]): PoundRun {
    const r = runPound(args, { cwd: dir });
    runs.push(r);
    return r;
  }

  /** Start a daemon; returns its pid (from the pid file) once the parent has exited 0. */
  async function daemon(name: string, text: string, extra: string[] = []): Promise<{ pid: number; run: PoundRun; pidFile: string }> {
    writeFileSync(join(dir, `${name}.cfg`), text);
    const pidFile = join(dir, `${name}.pid`);
    const run = pound(['-f', `${name}.cfg`, '-p', pidFile, ...extra]);
    assert.equal(await run.exited, 0, run.err());
    const pid = readPid(pidFile)!;
    assert.ok(pid !== undefined);
    daemons.push(pid);
    return { pid, run, pidFile };
  }

  /** Serve a configuration (global lines `head`) with ARGS and put one request in flight that its backend holds. */
  async function withHeldRequest(name: string, head: string, args: string[]): Promise<{ run: PoundRun; port: number; inFlight: Promise<string> }> {
    const port = await freePort();
    writeFileSync(join(dir, `${name}.cfg`), cfg(port, head));
    const run = pound([...args, '-f', `${name}.cfg`, '-p', join(dir, `${name}.pid`)]);
    await eventually(() => readPid(join(dir, `${name}.pid`)) === run.child.pid, 'the pid file');
    const before = held.length;
    const inFlight = get(port, '/hold').then(
      () => 'answered',
      (e: NodeJS.ErrnoException) => e.code ?? e.message,
    );
    await eventually(() => held.length === before + 1, 'the request to reach the backend');
    return { run, port, inFlight };
  }

  it('daemon: a port already in use makes the starting command exit 1 with pound\'s message; no daemon, no pid file', async () => {
    const busy = await startBackend('busy');
    try {
      writeFileSync(join(dir, 'busy.cfg'), cfg(busy.port));
      const r = pound(['-f', 'busy.cfg', '-p', join(dir, 'busy.pid')]);
      assert.equal(await r.exited, 1);
      assert.equal(r.err(), `starting...\nHTTP socket bind 127.0.0.1:${busy.port}: Address already in use - aborted\n`);
      assert.ok(!existsSync(join(dir, 'busy.pid')));
      const m = pound(['-f', 'busy.cfg', '-p', join(dir, 'busy.pid'), '-W', 'compat=4']);
      assert.equal(await m.exited, 1);
      assert.equal(m.err(), `pound: HTTP socket bind 127.0.0.1:${busy.port}: Address already in use\n`);
    } finally {
      await busy.close();
    }
  });

  it('an unknown User: exit 1, `no such user X - aborted` (2.x) / `no such user X` (4.x), before any pid file', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'user.cfg'), cfg(port, 'User "no-such-user-penpound"\n'));
    const r = pound(['-f', 'user.cfg', '-p', join(dir, 'user.pid')]);
    assert.equal(await r.exited, 1);
    assert.equal(r.err(), 'starting...\nno such user no-such-user-penpound - aborted\n');
    const m = pound(['-F', '-f', 'user.cfg', '-p', join(dir, 'user.pid'), '-W', 'compat=4']);
    assert.equal(await m.exited, 1);
    assert.equal(m.err(), 'pound: no such user no-such-user-penpound\n');
    assert.ok(!existsSync(join(dir, 'user.pid')));
  });

  it('User and Group switch the daemon\'s identity after binding (root only)', { skip: ROOT ? false : 'needs root' }, async () => {
    const port = await freePort();
    const { pid } = await daemon('ids', cfg(port, `User "nobody"\nGroup "${primaryGroupOf('nobody')}"\nLogFacility -\n`));
    const info = procInfo(pid);
    assert.equal(info.uid, 65534);
    // Supplementary groups of root do not survive the switch.
    assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`^Groups:\\s*${info.gid}\\s*$`, 'm'));
    assert.notEqual(info.gid, 0);
    assert.equal((await get(port, '/')).body, 'ok');
    process.kill(pid, 'SIGTERM');
    await waitGone(pid);
  });

  it('4.x: PIDFile names the pid file, -p overrides it, the file goes on exit; PIDFile "-" writes none', async () => {
    const port = await freePort();
    const own = join(dir, 'own.pid');
    writeFileSync(join(dir, 'p4.cfg'), cfg(port, `PIDFile "${own}"\n`));
    const a = pound(['-f', 'p4.cfg', '-W', 'compat=4']);
    assert.equal(await a.exited, 0, a.err());
    const pid = readPid(own)!;
    daemons.push(pid);
    process.kill(pid, 'SIGTERM');
    await waitGone(pid);
    assert.ok(!existsSync(own), '4.x removes its pid file');

    const other = join(dir, 'other.pid');
    const b = pound(['-F', '-f', 'p4.cfg', '-p', other, '-W', 'compat=4']);
    await eventually(() => readPid(other) !== undefined, 'the -p pid file');
    assert.equal(readPid(other), b.child.pid);
    assert.ok(!existsSync(own));
    b.child.kill('SIGTERM');
    assert.equal(await b.exited, 0);
    assert.ok(!existsSync(other));

    writeFileSync(join(dir, 'none.cfg'), cfg(port, 'PIDFile "-"\nLogFacility -\n'));
    const c = pound(['-F', '-f', 'none.cfg', '-W', 'compat=4']);
    await waitListening(port, () => c.child.exitCode === null, 'pound');
    assert.equal((await get(port, '/')).body, 'ok');
    c.child.kill('SIGTERM');
    assert.equal(await c.exited, 0);
    assert.equal(c.err(), 'pound: received signal 15 - exiting...\n', 'no complaint about a pid file');
  });

  it('an unwritable pid file is only a notice; pound serves anyway', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'np.cfg'), cfg(port, 'LogFacility -\n'));
    const bad = join(dir, 'no-such-dir', 'x.pid');
    const r = pound(['-F', '-f', 'np.cfg', '-p', bad]);
    await eventually(() => r.err().includes('Create'), 'the notice');
    assert.equal(r.err(), `starting...\nCreate "${bad}": No such file or directory\n`);
    assert.equal((await get(port, '/')).body, 'ok');
    r.child.kill('SIGTERM');
    assert.equal(await r.exited, 0);
  });

  it('4.x daemon: `LogFacility -` is ignored once detached (nothing reaches the terminal)', async () => {
    const port = await freePort();
    const { pid, run } = await daemon('lf4', cfg(port, 'LogFacility -\n'), ['-W', 'compat=4']);
    assert.equal(run.out(), '');
    assert.equal(run.err(), '');
    process.kill(pid, 'SIGTERM');
    await waitGone(pid);
  });

  it('2.x daemon with `LogFacility -`: the terminal stays attached, request lines keep coming to it', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'lf2.cfg'), cfg(port, 'LogFacility -\n'));
    const pidFile = join(dir, 'lf2.pid');
    const run = pound(['-f', 'lf2.cfg', '-p', pidFile]);
    assert.equal(await run.exited, 0);
    const pid = readPid(pidFile)!;
    daemons.push(pid);
    assert.equal((await get(port, '/logged')).body, 'ok');
    // The daemon inherited the starting command's stdout (a pipe to us).
    const out = await lines(run.out, 1);
    assert.equal(out[0], '127.0.0.1 GET /logged HTTP/1.1 - HTTP/1.1 200 OK');
    process.kill(pid, 'SIGTERM');
    await waitGone(pid);
  });

  it('HUP: Grace runs out with a request still in flight: `grace period expired - exiting...`, the connection is cut', async () => {
    const { run: r, inFlight } = await withHeldRequest('grace', 'Grace 1\n', ['-e', '-W', 'compat=4']);
    r.child.kill('SIGHUP');
    assert.equal(await r.exited, 0);
    assert.equal(await inFlight, 'ECONNRESET');
    assert.equal(
      r.err(),
      'pound: received signal 1 - shutting down...\npound: shutting down...\npound: waiting for 1 active threads to terminate\n' +
        'pound: grace period expired - exiting...\n',
    );
  });

  it('TERM during a graceful stop exits at once; INT and QUIT as HUP and TERM', async () => {
    const { run: r, port, inFlight } = await withHeldRequest('cut', 'LogFacility -\n', ['-F']);
    r.child.kill('SIGINT');
    await waitRefused(port);
    r.child.kill('SIGTERM');
    assert.equal(await r.exited, 0);
    assert.equal(await inFlight, 'ECONNRESET');
    assert.equal(r.err(), 'starting...\nreceived signal 2 - shutting down...\nshutting down...\nreceived signal 15 - exiting...\n');

    const q = pound(['-F', '-f', 'cut.cfg', '-p', join(dir, 'cut.pid')]);
    await eventually(() => readPid(join(dir, 'cut.pid')) === q.child.pid, 'the pid file');
    q.child.kill('SIGQUIT');
    assert.equal(await q.exited, 0);
    assert.equal(q.err(), 'starting...\nreceived signal 3 - exiting...\n');
  });

  it('HUP: a connection accepted before the stop that has not sent its request yet is still served', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'early.cfg'), cfg(port, 'LogFacility -\n'));
    const r = pound(['-F', '-f', 'early.cfg', '-p', join(dir, 'early.pid')]);
    await eventually(() => readPid(join(dir, 'early.pid')) === r.child.pid, 'the pid file');
    const sock = connect(port, '127.0.0.1');
    let answer = '';
    sock.on('data', (d: Buffer) => (answer += d.toString()));
    const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    r.child.kill('SIGHUP');
    await waitRefused(port);
    sock.write('GET /late HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/);
    assert.equal(await r.exited, 0);
  });

  it('-c still never starts anything (no daemon, no pid file)', async () => {
    mkdirSync(join(dir, 'c'), { recursive: true });
    writeFileSync(join(dir, 'c', 'c.cfg'), cfg(await freePort()));
    const r = runPound(['-c', '-f', 'c.cfg', '-p', 'c.pid'], { cwd: join(dir, 'c') });
    assert.equal(await r.exited, 0);
    assert.equal(r.out(), 'Config file c.cfg is OK\n');
    assert.ok(!existsSync(join(dir, 'c', 'c.pid')));
  });
});
