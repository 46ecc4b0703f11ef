// pound 2.x's Control socket and poundctl (spec §7.1, checklist 112–113), through the real
// executables: bin/pound with a legacy configuration, real HTTP backends, bin/poundctl.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, until } from '../support/http-backends.js';
import { get, golden, normalise, POUND, poundctl, setUp, startPound, untilAnswers, whoAnswers, type Pound, type Setup } from './harness.js';

const legacyConfig = (port: number, be: Record<string, number>) => (socket: string) => `Daemon 0
LogFacility -
LogLevel 0
Control "${socket}"
ListenHTTP
\tAddress 127.0.0.1
\tPort ${port}
\tService "www"
\t\tURL "^/w"
\t\tBackEnd
\t\t\tAddress 127.0.0.1
\t\t\tPort ${be.A}
\t\tEnd
\t\tBackEnd
\t\t\tAddress 127.0.0.1
\t\t\tPort ${be.B}
\t\tEnd
\tEnd
\tService "sticky"
\t\tURL "^/s"
\t\tBackEnd
\t\t\tAddress 127.0.0.1
\t\t\tPort ${be.C}
\t\t\tPriority 7
\t\tEnd
\t\tSession
\t\t\tType IP
\t\t\tTTL 300
\t\tEnd
\tEnd
\tService
\t\tURL "^/d"
\t\tBackEnd
\t\t\tAddress 127.0.0.1
\t\t\tPort ${be.DEAD}
\t\tEnd
\tEnd
End
Service "fallback"
\tBackEnd
\t\tAddress 127.0.0.1
\t\tPort ${be.D}
\tEnd
End
`;

describe('poundctl (pound 2.x): listing and control through the Control socket', () => {
  let ports: Record<string, number>;
  let pound: Pound;
  let setup: Setup | undefined;
  before(async () => {
    setup = await setUp(['A', 'B', 'C', 'D'], ['DEAD'], legacyConfig, ['-W', 'compat=2.8']);
    ({ ports, pound } = setup);
  });
  after(() => setup?.close());

  const ctl = (...args: string[]) => poundctl(['-c', pound.socket, ...args]);
  const list = async (...args: string[]) => {
    const r = await ctl(...args);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    return normalise(r.stdout, ports, { SOCK: pound.socket });
  };

  it('creates the socket with mode 0600', () => {
    assert.equal(statSync(pound.socket).mode & 0o777, 0o600);
    assert.ok(statSync(pound.socket).isSocket());
  });

  it('lists listeners, services, backends (alive/DEAD) and sessions byte for byte', async () => {
    assert.equal(await get(ports.PORT, '/s1'), 'C GET /s1');
    assert.match(await get(ports.PORT, '/d'), /503/);
    assert.equal(await list(), golden('legacy-list.txt'));
  });

  it('-X lists the same in XML', async () => {
    assert.equal(await list('-X'), golden('legacy-list.xml'));
  });

  it('-b disables a backend: its traffic moves to the other one; -B brings it back', async () => {
    assert.deepEqual(await whoAnswers(ports.PORT, '/w', 2).then((s) => s.size > 0), true);
    let r = await ctl('-b', '0', '0', '1');
    assert.deepEqual(r, { code: 0, stdout: '', stderr: '' });
    assert.match(await list(), /1\. Backend 127\.0\.0\.1:\{B\} DISABLED \(5 0\.000 sec\) alive\n/);
    assert.match(await list(), /0\. Service "www" active \(5\)\n/);
    assert.deepEqual([...(await whoAnswers(ports.PORT, '/w', 20))], ['A']);
    r = await ctl('-B', '0', '0', '1');
    assert.deepEqual(r, { code: 0, stdout: '', stderr: '' });
    await untilAnswers(ports.PORT, '/w', 'B');
  });

  it('-s disables a service: requests go to the next one that matches; -S restores it', async () => {
    assert.equal((await ctl('-s', '0', '0')).code, 0);
    assert.match(await list(), /0\. Service "www" DISABLED \(10\)\n/);
    assert.equal(await get(ports.PORT, '/w1'), 'D GET /w1');
    // With the global service off too, nothing matches: 503.
    assert.equal((await ctl('-s', '-1', '0')).code, 0);
    assert.match(await list(), /0\. Service "fallback" DISABLED \(5\)\n/);
    assert.match(await get(ports.PORT, '/w2'), /^HTTP\/1\.0 503 /);
    await ctl('-S', '-1', '0');
    await ctl('-S', '0', '0');
    assert.match(await get(ports.PORT, '/w3'), /^[AB] GET \/w3$/);
  });

  it('-n deletes a session and -N adds one', async () => {
    assert.equal((await ctl('-n', '0', '1', '127.0.0.1')).code, 0);
    assert.doesNotMatch(await list(), /Session/);
    assert.equal((await ctl('-N', '0', '1', '192.0.2.7', '0')).code, 0);
    assert.match(await list(), /\n {6}0\. Session 192\.0\.2\.7 -> 0\n/);
    await ctl('-n', '0', '1', '192.0.2.7');
  });

  it('-l disables a listener (connections are closed at once); -L enables it', async () => {
    assert.equal((await ctl('-l', '0')).code, 0);
    assert.match(await list(), /^ {2}0\. http Listener 127\.0\.0\.1:\{PORT\} \*D$/m);
    assert.equal(await get(ports.PORT, '/w'), '(closed)');
    assert.equal((await ctl('-L', '0')).code, 0);
    assert.match(await get(ports.PORT, '/w'), /^[AB] GET \/w$/);
  });

  it('a bad index changes nothing: the daemon logs it, poundctl still exits 0', async () => {
    const r = await ctl('-b', '0', '0', '9');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'poundctl: -b 0 0 9: Not Found\n');
    await until(() => pound.output().includes('thr_control() bad backend 9\n'), 'the daemon log line');
    const l = await ctl('-s', '4', '0');
    assert.equal(l.code, 0);
    await until(() => pound.output().includes('thr_control() bad listener 4\n'), 'the daemon log line');
    assert.equal(await list(), golden('legacy-list.txt').replace(/ {6}0\. Session 127\.0\.0\.1 -> 0\n/, ''));
  });

  it('-H shows host names (the hosts file names 127.0.0.1)', async () => {
    const r = await list('-H');
    assert.match(r, /^ {2}0\. http Listener [^ ]+:\{PORT\} a$/m);
    assert.doesNotMatch(r, /127\.0\.0\.1:\{PORT\}/);
  });

  it('bad usage prints the usage text on stderr and exits 1', async () => {
    for (const args of [['-c'], ['-b', '0', '0'], ['-L', '0'], ['-c', pound.socket, '-Q'], ['-c', pound.socket, '-L', '0', '-l', '0']]) {
      const r = await poundctl(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^Usage: poundctl -c \/control\/socket \[-X\] \[-H\] \[cmd\]\n/);
    }
  });

  it('an unreachable socket: "connect: <strerror>" and exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poundctl-none-'));
    try {
      let r = await poundctl(['-c', join(dir, 'nosuch')]);
      assert.deepEqual(r, { code: 1, stdout: '', stderr: 'connect: No such file or directory\n' });
      writeFileSync(join(dir, 'plain'), '');
      r = await poundctl(['-c', join(dir, 'plain')]);
      assert.deepEqual(r, { code: 1, stdout: '', stderr: 'connect: Connection refused\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('poundctl (pound 2.4): no queue line; socket replaced and removed', () => {
  it('lists without "Requests in queue", replaces a stale file and removes the socket on SIGTERM', async () => {
    const port = await freePort();
    let sock = '';
    const pound = await startPound(
      (socket) => `Daemon 0\nLogFacility -\nControl "${socket}"\nListenHTTPS\n\tAddress 127.0.0.1\n\tPort ${port}\n\tCert "${certFile()}"\nEnd\nService\n\tRedirect 301 "http://example.org/x"\nEnd\n`,
      [],
      port,
      (socket) => writeFileSync((sock = socket), 'stale'),
    );
    try {
      const r = await poundctl(['-c', sock]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        normalise(r.stdout, { PORT: port }),
        '  0. HTTPS Listener 127.0.0.1:{PORT} a\n -1. Global services\n    0. Service active (1)\n      0. Backend (UNKNOWN):0 active (1 0.000 sec) alive\n',
      );
    } finally {
      assert.deepEqual(await pound.stop('SIGTERM'), { code: 0, socketLeft: false });
    }
  });
});

describe('Control socket that cannot be created', () => {
  it('2.x: `Control "PATH" bind: REASON` on stderr, exit 1, nothing left listening', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'poundctl-bad-'));
    try {
      const sock = join(dir, 'missing-dir', 'ctl.sock');
      writeFileSync(join(dir, 'pound.cfg'), `Daemon 0\nLogFacility -\nControl "${sock}"\nListenHTTP\n\tAddress 127.0.0.1\n\tPort ${port}\nEnd\n`);
      const r = spawnSync(POUND, ['-f', join(dir, 'pound.cfg'), '-p', join(dir, 'pound.pid')], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 1);
      assert.equal(r.stderr, `starting...\nControl "${sock}" bind: No such file or directory\n`);
      assert.equal(await freePortIsFree(port), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The listener was closed again: the port can be bound. */
function freePortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

let certPath: string | undefined;
/** A combined PEM (key + self-signed certificate) for the HTTPS listener, made once. */
function certFile(): string {
  if (!certPath) {
    const dir = mkdtempSync(join(tmpdir(), 'poundctl-cert-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '2', '-subj', '/CN=localhost'], { cwd: dir, stdio: 'ignore' });
    certPath = join(dir, 'server.pem');
    writeFileSync(certPath, readFileSync(join(dir, 'k.pem'), 'latin1') + readFileSync(join(dir, 'c.pem'), 'latin1'));
  }
  return certPath;
}
