// Graceful reload, our extension (-W reload-on=SIG): a supervisor keeps the listening
// sockets, a new worker starts on the re-read configuration, the old one finishes what it
// has. Checked with real traffic: no request fails across a reload, a request in flight on
// the old worker completes, a configuration that does not check changes nothing, a killed
// worker is replaced, and without the option nothing of this runs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startBackend, type Backend } from '../support/http-backends.js';
import { eventually, get, isRunning, readPid, runPound, waitGone, waitListening, type PoundRun } from './support.js';

/** The node processes a supervisor started (its workers), from /proc. */
function workersOf(pid: number): number[] {
  let text = '';
  try {
    text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    return [];
  }
  return text
    .split(' ')
    .filter(Boolean)
    .map(Number)
    .filter((child) => {
      try {
        return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('pound-main.js') && isRunning(child);
      } catch {
        return false;
      }
    });
}

describe('graceful reload (-W reload-on)', () => {
  let dir = '';
  const backends: Record<string, Backend> = {};
  const held: ServerResponse[] = [];
  const runs: PoundRun[] = [];
  const daemons: number[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pound-reload-'));
    for (const name of ['old', 'new']) {
      backends[name] = await startBackend(name, (req, res) => {
        if (req.url === '/hold') return void held.push(res);
        res.writeHead(200, { 'Content-Length': Buffer.byteLength(name) });
        res.end(name);
      });
    }
  });
  after(async () => {
    for (const pid of daemons) {
      for (const w of workersOf(pid)) process.kill(w, 'SIGKILL');
      if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    }
    for (const r of runs) r.child.exitCode === null && r.child.kill('SIGKILL');
    for (const r of held) r.destroy();
    for (const b of Object.values(backends)) await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cfg = (port: number, backend: string, extra = '') =>
    `LogFacility -\n${extra}ListenHTTP\n\tAddress 127.0.0.1\n\tPort ${port}\nEnd\nService\n\tBackEnd\n\t\tAddress 127.0.0.1\n\t\tPort ${backends[backend]!.port}\n\tEnd\nEnd\n`;

  async function start(name: string, text: string, args: string[]): Promise<{ run: PoundRun; pid: number; pidFile: string }> {
    writeFileSync(join(dir, `${name}.cfg`), text);
    const pidFile = join(dir, `${name}.pid`);
    const run = runPound([...args, '-f', `${name}.cfg`, '-p', pidFile], { cwd: dir });
    runs.push(run);
    if (!args.includes('-F')) assert.equal(await run.exited, 0, run.err());
    await eventually(() => readPid(pidFile) !== undefined, 'the pid file');
    const pid = readPid(pidFile)!;
    daemons.push(pid);
    return { run, pid, pidFile };
  }

  for (const mode of ['foreground', 'daemon'] as const) {
    it(`${mode}: USR2 moves traffic to the new configuration; no request fails; the one in flight finishes`, async () => {
      const port = await freePort();
      const args = mode === 'foreground' ? ['-F', '-W', 'reload-on=USR2'] : ['-W', 'reload-on=USR2'];
      const { run, pid, pidFile } = await start(`r-${mode}`, cfg(port, 'old'), args);
      await waitListening(port, () => isRunning(pid), 'pound');
      if (mode === 'foreground') assert.equal(pid, run.child.pid, 'the pid file holds the supervisor');
      const [oldWorker] = workersOf(pid);
      assert.ok(oldWorker !== undefined);
      assert.equal((await get(port, '/')).body, 'old');

      const before = held.length;
      const inFlight = get(port, '/hold');
      await eventually(() => held.length === before + 1, 'the held request');

      // Steady traffic on new connections through the whole reload: every one must succeed.
      const bodies: string[] = [];
      const failures: string[] = [];
      let traffic = true;
      const loop = (async () => {
        for (let i = 0; traffic && i < 5000; i++) {
          try {
            bodies.push((await get(port, `/n${i}`)).body);
          } catch (e) {
            failures.push((e as Error).message);
          }
        }
      })();
      writeFileSync(join(dir, `r-${mode}.cfg`), cfg(port, 'new'));
      process.kill(pid, 'SIGUSR2');
      await eventually(() => bodies.slice(-20).length === 20 && bodies.slice(-20).every((b) => b === 'new'), 'traffic on the new backend');
      traffic = false;
      await loop;
      assert.deepEqual(failures, []);

      // The old worker is still finishing the request it had; then it goes.
      assert.ok(isRunning(oldWorker), 'the old worker waits for its request');
      held.shift()!.end('done');
      assert.deepEqual(await inFlight, { status: 200, body: 'done' });
      await waitGone(oldWorker, 'the old worker');
      assert.equal(workersOf(pid).length, 1);
      assert.equal(readPid(pidFile), pid);

      const workers = workersOf(pid);
      process.kill(pid, 'SIGTERM');
      await waitGone(pid);
      for (const w of workers) await waitGone(w, 'the worker');
      if (mode === 'foreground') {
        assert.equal(await run.exited, 0);
        assert.match(run.err(), /^starting\.\.\.\nreceived signal 12 - reloading r-foreground\.cfg\.\.\.\nreload done\nreceived signal 15 - exiting\.\.\.\n$/);
      }
    });
  }

  it('a configuration that does not check changes nothing; the reason is logged', async () => {
    const port = await freePort();
    const { run, pid } = await start('bad', cfg(port, 'old'), ['-F', '-W', 'reload-on=USR2']);
    await waitListening(port, () => isRunning(pid), 'pound');
    const [worker] = workersOf(pid);
    writeFileSync(join(dir, 'bad.cfg'), cfg(port, 'new').replace('ListenHTTP\n', 'ListenHTTTP\n'));
    process.kill(pid, 'SIGUSR2');
    await eventually(() => run.err().includes('reload failed'), 'the failure');
    assert.equal(
      run.err(),
      'starting...\nreceived signal 12 - reloading bad.cfg...\nline 2: unknown directive "ListenHTTTP" - aborted\nreload failed: the running configuration stays\n',
    );
    assert.equal((await get(port, '/')).body, 'old');
    assert.deepEqual(workersOf(pid), [worker]);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  });

  it('a new worker that cannot start (port taken) leaves the running one serving', async () => {
    const port = await freePort();
    const busy = await startBackend('busy');
    try {
      const { run, pid } = await start('busy', cfg(port, 'old'), ['-F', '-W', 'reload-on=USR2']);
      await waitListening(port, () => isRunning(pid), 'pound');
      writeFileSync(join(dir, 'busy.cfg'), cfg(port, 'new') + `ListenHTTP\n\tAddress 127.0.0.1\n\tPort ${busy.port}\nEnd\n`);
      process.kill(pid, 'SIGUSR2');
      await eventually(() => run.err().includes('reload failed'), 'the failure');
      assert.match(run.err(), new RegExp(`\nHTTP socket bind 127\\.0\\.0\\.1:${busy.port}: Address already in use - aborted\nreload failed: the running configuration stays\n$`));
      assert.equal((await get(port, '/')).body, 'old');
      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0);
    } finally {
      await busy.close();
    }
  });

  it('a worker killed unasked is replaced (pound 4 supervisor message)', async () => {
    const port = await freePort();
    const { run, pid } = await start('kill', cfg(port, 'old'), ['-F', '-W', 'reload-on=USR2']);
    await waitListening(port, () => isRunning(pid), 'pound');
    const [worker] = workersOf(pid);
    process.kill(worker!, 'SIGKILL');
    await eventually(() => workersOf(pid).some((w) => w !== worker), 'a new worker');
    await waitListening(port, () => isRunning(pid), 'pound');
    assert.equal((await get(port, '/')).body, 'old');
    assert.match(run.err(), /\nMONITOR: worker exited on signal 9, restarting\.\.\.\n/);
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0);
  });

  it('reload-on=HUP makes HUP a reload; without the option HUP still stops (legacy unchanged)', async () => {
    const port = await freePort();
    const { run, pid } = await start('hup', cfg(port, 'old'), ['-F', '-W', 'reload-on=HUP']);
    await waitListening(port, () => isRunning(pid), 'pound');
    writeFileSync(join(dir, 'hup.cfg'), cfg(port, 'new'));
    process.kill(pid, 'SIGHUP');
    await eventually(() => run.err().includes('reload done'), 'the reload');
    await eventually(() => workersOf(pid).length === 1, 'the old worker to go');
    assert.equal((await get(port, '/')).body, 'new');
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);

    const plain = runPound(['-F', '-f', 'hup.cfg', '-p', join(dir, 'plain.pid')], { cwd: dir });
    runs.push(plain);
    await waitListening(port, () => plain.child.exitCode === null, 'pound');
    plain.child.kill('SIGHUP');
    assert.equal(await plain.exited, 0);
    assert.equal(plain.err(), 'starting...\nreceived signal 1 - shutting down...\nshutting down...\n');
  });

  it('an unknown reload signal is refused', async () => {
    const r = runPound(['-c', '-f', 'x.cfg', '-W', 'reload-on=TERM'], { cwd: dir });
    assert.equal(await r.exited, 1);
    assert.equal(r.err(), 'starting...\ninvalid reload-on value: TERM (use USR2, USR1 or HUP)\n');
  });
});
