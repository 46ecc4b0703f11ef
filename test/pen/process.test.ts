// Process life (spec §2): background start, pid file, signals, privileges — each scenario run
// against our pen and, where installed, Debian's pen, comparing what an operator sees.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fetchBody, sharedBackends } from '../support/pen-http.js';
import {
  alive, freePort, normaliseStderr, OURS, REAL, run, SKIP_NO_REAL, sleep, startPen, tempDir, type PenFlavour,
} from '../support/pen-process.js';

const FLAVOURS: [PenFlavour, false | string][] = [[OURS, false], [REAL, SKIP_NO_REAL]];
const IS_ROOT = process.getuid?.() === 0;

async function waitFor(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(25);
  }
  return check();
}

function sessionOf(pid: number): number {
  // /proc/PID/stat: "pid (comm) state ppid pgrp session ..."; comm may contain spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

const backends = sharedBackends(['A', 'B']);

for (const [flavour, skip] of FLAVOURS) {
  describe(`process life (${flavour.name})`, { skip }, () => {
    it('background: parent exits 0, the daemon detaches (new session, stdio on /dev/null, same cwd), serves, TERM removes the pid file', async () => {
      const dir = tempDir();
      const pidFile = join(dir.path, 'pen.pid');
      const port = await freePort();
      try {
        const r = await run(flavour.pen, ['-p', 'pen.pid', String(port), `127.0.0.1:${backends[0]!.port}`], { cwd: dir.path });
        assert.equal(r.status, 0);
        assert.equal(r.stdout + r.stderr, '');
        assert.ok(await waitFor(() => existsSync(pidFile)), 'pid file written (relative path: cwd kept)');
        const text = readFileSync(pidFile, 'utf8');
        assert.match(text, /^\d+$/, 'decimal pid without a newline');
        const pid = Number(text);
        assert.ok(alive(pid));
        assert.equal(sessionOf(pid), pid, 'session leader');
        for (const fd of [0, 1, 2]) assert.equal(readlinkSync(`/proc/${pid}/fd/${fd}`), '/dev/null');
        assert.equal(readlinkSync(`/proc/${pid}/cwd`), dir.path);
        assert.equal(await fetchBody({ port }), 'A');
        process.kill(pid, 'SIGTERM');
        assert.ok(await waitFor(() => !alive(pid)), 'exits on TERM');
        assert.ok(await waitFor(() => !existsSync(pidFile)), 'pid file removed');
      } finally {
        dir.remove();
      }
    });

    it('foreground: pid file holds our pid; SIGTERM exits 0 and removes it', async () => {
      const dir = tempDir();
      const pidFile = join(dir.path, 'pen.pid');
      try {
        const pen = await startPen(flavour, ['-f', '-p', pidFile, String(await freePort()), `127.0.0.1:${backends[0]!.port}`], { pidFile });
        assert.equal(readFileSync(pidFile, 'utf8'), String(pen.child.pid));
        pen.child.kill('SIGTERM');
        assert.equal(await pen.exited, 0);
        assert.equal(existsSync(pidFile), false);
      } finally {
        dir.remove();
      }
    });

    it('SIGINT: default death, pid file left behind', async () => {
      const dir = tempDir();
      const pidFile = join(dir.path, 'pen.pid');
      try {
        const pen = await startPen(flavour, ['-f', '-p', pidFile, String(await freePort()), `127.0.0.1:${backends[0]!.port}`], { pidFile });
        pen.child.kill('SIGINT');
        assert.equal(await pen.exited, 130);
        assert.equal(existsSync(pidFile), true);
      } finally {
        dir.remove();
      }
    });

    it('SIGUSR2 aborts: exit status 134', async () => {
      const dir = tempDir();
      const pidFile = join(dir.path, 'pen.pid');
      try {
        // cwd in the temp dir: pen raises its core limit and dumps core there.
        const pen = await startPen(flavour, ['-f', '-p', pidFile, String(await freePort()), `127.0.0.1:${backends[0]!.port}`], { pidFile, cwd: dir.path });
        pen.child.kill('SIGUSR2');
        assert.equal(await pen.exited, 134);
      } finally {
        dir.remove();
      }
    });

    it('foreground bind failure: "can\'t bind local address", exit 1', async () => {
      const holder = createServer();
      await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
      const port = (holder.address() as { port: number }).port;
      try {
        const r = await run(flavour.pen, ['-f', `127.0.0.1:${port}`, `127.0.0.1:${backends[0]!.port}`]);
        assert.equal(r.status, 1);
        assert.ok(normaliseStderr(r.stderr).endsWith("can't bind local address\n"), r.stderr);
      } finally {
        holder.close();
      }
    });

    it('obsolete options and bumped limits: notices on stderr, pen keeps running', async () => {
      const dir = tempDir();
      const pidFile = join(dir.path, 'pen.pid');
      try {
        const pen = await startPen(flavour, ['-f', '-S', '5', '-D', '-Q', '-n', '-m', '0', '-q', '10', '-F', '/nonexistent.cfg', '-p', pidFile, String(await freePort()), `127.0.0.1:${backends[0]!.port}`], { pidFile });
        assert.equal(await pen.stop(), 0);
        assert.equal(
          normaliseStderr(pen.stderr()),
          'As of 0.28.1 the server table is expanded dynamically,\nmaking the -S option obsolete\n' +
            'Pen 0.26.0 removed the delayed forward feature,\nmaking the -D option obsolete\n' +
            'Since Pen 0.26.0, kqueue is already the default on supported systems,\nmaking the -Q option obsolete\n' +
            'Pen 0.26.0 and up uses only nonblocking sockets,\nmaking the -n option obsolete\n' +
            'multi_accept bumped to 1\nlisten_queue bumped to 50\n' +
            "T: Can't read config file '/nonexistent.cfg'\n\n",
        );
      } finally {
        dir.remove();
      }
    });

    it('root with -C and without -u: no control port, with pen\'s message', { skip: IS_ROOT ? false : 'needs root' }, async () => {
      const dir = tempDir();
      const pidFile = join(dir.path, 'pen.pid');
      const controlPort = await freePort();
      try {
        const pen = await startPen(flavour, ['-f', '-C', `127.0.0.1:${controlPort}`, '-p', pidFile, String(await freePort()), `127.0.0.1:${backends[0]!.port}`], { pidFile });
        const r = await run(flavour.penctl, [`127.0.0.1:${controlPort}`, 'servers']);
        assert.equal(r.stderr, 'error connecting to server\n');
        await pen.stop();
        assert.equal(normaliseStderr(pen.stderr()), "T: Won't open control port running as root; use -u to run as different user\n");
      } finally {
        dir.remove();
      }
    });

    it('-u nobody: runs as nobody after binding; the pid file is written as nobody', { skip: IS_ROOT ? false : 'needs root' }, async () => {
      const dir = tempDir();
      chmodSync(dir.path, 0o777);
      const pidFile = join(dir.path, 'pen.pid');
      const control = `127.0.0.1:${await freePort()}`;
      try {
        const pen = await startPen(flavour, ['-f', '-u', 'nobody', '-C', control, '-p', pidFile, String(await freePort()), `127.0.0.1:${backends[0]!.port}`], { pidFile });
        const status = readFileSync(`/proc/${pen.child.pid}/status`, 'utf8');
        assert.match(status, /^Uid:\t65534\t65534\t65534\t65534$/m);
        assert.match(status, /^Gid:\t65534\t65534\t65534\t65534$/m);
        assert.equal((await run(flavour.penctl, [control, 'blacklist'])).stdout, '30\n');
        await pen.stop();
      } finally {
        dir.remove();
      }
    });
  });
}

describe('process life: our deliberate differences', () => {
  it('background start waits for the bind: a busy port gives exit 1 with the message (pen says 0)', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as { port: number }).port;
    try {
      const r = await run(OURS.pen, [`127.0.0.1:${port}`, '127.0.0.1:9']);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, "can't bind local address\n");
    } finally {
      holder.close();
    }
  });

  it('-j is refused: Node.js cannot chroot, and running unconfined would be worse', async () => {
    const r = await run(OURS.pen, ['-f', '-j', '/tmp', String(await freePort()), '127.0.0.1:9']);
    assert.equal(r.status, 1);
    assert.ok(r.stderr.endsWith("Can't chroot(/tmp)\n"), r.stderr);
  });

  it('dsr_if is refused at start-up: no raw sockets in Node.js', async () => {
    const r = await run(OURS.pen, ['-f', '-O', 'dsr_if lo', String(await freePort()), '127.0.0.1:9']);
    assert.equal(r.status, 1);
    assert.ok(r.stderr.endsWith("Can't initialize direct server return\n"), r.stderr);
  });

  it('--dump-config prints the model as JSON and exits 0', async () => {
    const r = await run(OURS.pen, ['--dump-config', '-r', '-H', '-b', '7', '10990', 'localhost:8080:1:2:3:4', '[::1]:99999']);
    assert.equal(r.status, 0, r.stderr);
    const config = JSON.parse(r.stdout);
    const listener = config.listeners[0];
    assert.equal(listener.spec, '10990');
    assert.equal(listener.tcp.forwardedFor, true);
    const service = listener.services[0];
    assert.equal(service.balance.clientTracking, false);
    assert.equal(service.balance.blacklistSeconds, 7);
    assert.deepEqual(service.backends[0].endpoint, { kind: 'inet', host: 'localhost', port: 8080, resolved: '127.0.0.1', family: 4 });
    assert.deepEqual(service.backends[0].limits, { softMax: 1, hardMax: 2 });
    assert.equal(service.backends[0].weight, 3);
    assert.equal(service.backends[0].priority, 4);
    assert.deepEqual(service.backends[0].source, { file: '<argv>', line: 7 });
    assert.equal(service.backends[1].endpoint.port, 34463);
  });
});
