// The seed article's whole pound.cfg (fixtures/pound/check/seed.cfg), served end to end by
// the real bin/pound: an HTTP and an HTTPS listener, Session BASIC over two backends,
// Control, User/Group. Only addresses, ports and paths are rewritten (loopback, ports the
// OS handed out, a scratch directory), plus what cannot run here:
//  * RootJail is commented out (same line count): Node.js cannot chroot, and serving
//    refuses it — the last test checks that refusal on the unmodified line;
//  * Group "nobody" becomes the nobody user's primary group where no group "nobody" exists
//    (Debian calls it nogroup; pound would stop with "no such group nobody - aborted" —
//    checked too);
//  * User/Group are commented out when the tests do not run as root (setuid needs root).
// The certificate is made like the article's (genrsa, CSR, x509 -req, key + certificate in
// one file), signed by an intermediate that follows in the file; clients trust only the root.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, lines, startBackend, type Backend } from '../support/http-backends.js';
import { REPO } from '../support/pound-golden.js';
import {
  connects, eventually, get, groupExists, isRunning, makeSeedCert, primaryGroupOf, procInfo, readPid, runPound, waitGone, waitListening,
  waitRefused, type PoundRun,
} from './support.js';

const SEED = readFileSync(join(REPO, 'fixtures/pound/check/seed.cfg'), 'latin1');
const ROOT = process.getuid?.() === 0;
const NOBODY_UID = 65534;

describe('the seed pound.cfg, served', () => {
  let dir = '';
  let rootCa = '';
  let pem = '';
  const backends: Backend[] = [];
  /** Responses a backend holds back (path /hold) until the test releases them. */
  const held: ServerResponse[] = [];
  let syslog = '';
  let syslogServer: net.Server;
  const daemons: number[] = [];
  const children: PoundRun[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pound-life-seed-'));
    // Once pound is `nobody` its logger must still reach the (test's) syslog socket.
    chmodSync(dir, 0o755);
    ({ pem, rootCa } = makeSeedCert(join(dir, 'certs')));
    for (const name of ['be1', 'be2']) {
      backends.push(
        await startBackend(name, (req, res) => {
          if (req.url === '/hold') return void held.push(res);
          const text = `${name} ${req.method} ${req.url}`;
          res.writeHead(200, { 'Content-Length': Buffer.byteLength(text) });
          res.end(text);
        }),
      );
    }
    // util-linux logger falls back to a stream socket when the path is not a datagram one.
    syslogServer = net.createServer((s) => s.on('data', (d: Buffer) => (syslog += d.toString())));
    await new Promise<void>((r) => syslogServer.listen(join(dir, 'log.sock'), () => r()));
    chmodSync(join(dir, 'log.sock'), 0o666);
  });

  after(async () => {
    for (const pid of daemons) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    for (const r of held) r.destroy();
    for (const b of backends) await b.close();
    syslogServer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The seed with loopback addresses, our ports and paths, and what cannot run here left out. */
  function seedConfig(httpPort: number, httpsPort: number, name: string): string {
    let backend = 0;
    let block = '';
    const out = SEED.split('\n').map((line) => {
      const word = line.trim().split(/\s+/)[0] ?? '';
      if (['ListenHTTP', 'ListenHTTPS', 'BackEnd', 'Session'].includes(word)) block = word;
      if (word === 'BackEnd') backend++;
      if (line === 'Address 192.168.0.4') return 'Address 127.0.0.1';
      if (/^Address 192\.168\.0\.12[01]$/.test(line)) return 'Address 127.0.0.1';
      if (line === 'Port 80' && block === 'ListenHTTP') return `Port ${httpPort}`;
      if (line === 'Port 443') return `Port ${httpsPort}`;
      if (line === 'Port 80' && block === 'BackEnd') return `Port ${backends[backend - 1]!.port}`;
      if (line.startsWith('Cert ')) return `Cert "${pem}"`;
      if (line.startsWith('Control ')) return `Control "${join(dir, `${name}.ctl`)}"`;
      if (line.startsWith('RootJail ')) return `# ${line}  (penpound cannot chroot)`;
      if (line.startsWith('User ') || line.startsWith('Group ')) {
        if (!ROOT) return `# ${line}  (setuid needs root)`;
        if (line === 'Group "nobody"' && !groupExists('nobody')) return `Group "${primaryGroupOf('nobody')}"`;
      }
      return line;
    });
    assert.equal(out.length, SEED.split('\n').length);
    return out.join('\n');
  }

  const env = () => ({ ...process.env, PENPOUND_SYSLOG_SOCKET: join(dir, 'log.sock') });

  interface Served {
    pid: number;
    httpPort: number;
    httpsPort: number;
    pidFile: string;
    ctl: string;
  }

  async function serveSeed(mode: 'daemon' | 'foreground', name: string): Promise<Served> {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, `${name}.cfg`), seedConfig(httpPort, httpsPort, name));
    const pidFile = join(dir, `${name}.pid`);
    const args = [...(mode === 'foreground' ? ['-F'] : []), '-f', `${name}.cfg`, '-p', pidFile];
    const run = runPound(args, { cwd: dir, env: env() });
    children.push(run);
    let pid: number;
    if (mode === 'daemon') {
      // The parent exits only once the daemon has bound its listeners: no waiting needed.
      assert.equal(await run.exited, 0, run.err());
      assert.equal(run.err(), 'starting...\n');
      pid = readPid(pidFile)!;
      assert.ok(pid !== undefined && pid !== run.child.pid, 'the pid file holds the daemon, not the parent');
      daemons.push(pid);
      const info = procInfo(pid);
      assert.equal(info.sid, pid, 'the daemon leads a new session');
      assert.notEqual(info.ppid, process.pid);
    } else {
      await waitListening(httpsPort, () => run.child.exitCode === null, 'pound -F');
      await eventually(() => readPid(pidFile) !== undefined, 'the pid file');
      pid = readPid(pidFile)!;
      assert.equal(pid, run.child.pid);
    }
    if (ROOT) {
      // In the foreground nothing tells us start-up is over: the pid file comes just before the switch.
      await eventually(() => procInfo(pid).uid !== 0, 'the switch to User "nobody"');
      const info = procInfo(pid);
      assert.equal(info.uid, NOBODY_UID, 'User "nobody" after binding');
      assert.equal(info.gid, NOBODY_UID, 'the Group after binding');
    }
    assert.ok(statSync(join(dir, `${name}.ctl`)).isSocket(), 'the Control socket');
    return { pid, httpPort, httpsPort, pidFile, ctl: join(dir, `${name}.ctl`) };
  }

  for (const mode of ['daemon', 'foreground'] as const) {
    it(`${mode}: HTTP and HTTPS reach both backends, Session BASIC sticks each user to one, TERM stops it`, async () => {
      const s = await serveSeed(mode, `serve-${mode}`);
      const seen = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const r = await get(s.httpPort, `/plain${i}`);
        assert.equal(r.status, 200);
        assert.match(r.body, new RegExp(`^be[12] GET /plain${i}$`));
        seen.add(r.body.slice(0, 3));
      }
      assert.deepEqual([...seen].sort(), ['be1', 'be2'], 'no session: both backends serve');
      for (let i = 0; i < 6; i++) {
        const r = await get(s.httpsPort, `/tls${i}`, { ca: rootCa });
        assert.equal(r.status, 200);
        assert.match(r.body, new RegExp(`^be[12] GET /tls${i}$`), 'HTTPS, verified against the root: the chain was sent');
      }
      for (const user of ['joe', 'ann', 'kim']) {
        const owners = new Set<string>();
        for (let i = 0; i < 10; i++) {
          const port = i % 2 ? s.httpsPort : s.httpPort;
          const r = await get(port, `/u/${user}/${i}`, { auth: `${user}:secret`, ...(i % 2 ? { ca: rootCa } : {}) });
          assert.equal(r.status, 200);
          owners.add(r.body.slice(0, 3));
        }
        assert.equal(owners.size, 1, `${user} stays on one backend over HTTP and HTTPS (the key is the Basic credentials)`);
      }

      const before = syslog.length;
      process.kill(s.pid, 'SIGTERM');
      await waitGone(s.pid);
      await eventually(() => syslog.slice(before).includes('received signal 15 - exiting...'), 'the TERM notice in syslog');
      // daemon.notice, ident "pound" without a pid (2.x).
      assert.match(syslog.slice(before), /<29>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d pound: received signal 15 - exiting\.\.\.\n/);
      assert.ok(existsSync(s.pidFile), 'pound 2.x leaves its pid file');
      assert.equal(statSync(s.pidFile).mode & 0o777, 0o600, 'written under umask 077, as 2.x');
      await waitRefused(s.httpPort);
    });
  }

  it('daemon: HUP stops accepting at once, lets the request in flight finish, then exits', async () => {
    const s = await serveSeed('daemon', 'hup');
    const before = syslog.length;
    const inFlight = get(s.httpsPort, '/hold', { ca: rootCa });
    await eventually(() => held.length === 1, 'the request to reach a backend');
    process.kill(s.pid, 'SIGHUP');
    await waitRefused(s.httpPort);
    await waitRefused(s.httpsPort);
    assert.ok(isRunning(s.pid), 'still running while a request is in flight (Grace is 30 s)');
    const owner = backends.find((b) => b.seen.some((r) => r.url === '/hold'))!.name;
    const res = held.shift()!;
    res.writeHead(200, { 'Content-Length': 8 });
    res.end('finished');
    assert.deepEqual(await inFlight, { status: 200, body: 'finished' });
    await waitGone(s.pid);
    const log = await lines(() => syslog.slice(before), 2);
    assert.match(log[0]!, /<29>.* pound: received signal 1 - shutting down\.\.\.$/);
    assert.match(log[1]!, /<29>.* pound: shutting down\.\.\.$/);
    assert.ok(owner === 'be1' || owner === 'be2');
  });

  it('the unmodified seed: RootJail is refused, naming its line; Group "nobody" where there is none', async () => {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const withJail = seedConfig(httpPort, httpsPort, 'jail').replace(/^# (RootJail .*?)  \(penpound cannot chroot\)$/m, '$1');
    writeFileSync(join(dir, 'jail.cfg'), withJail);
    const r = runPound(['-f', 'jail.cfg', '-p', join(dir, 'jail.pid')], { cwd: dir, env: env() });
    assert.equal(await r.exited, 1);
    assert.match(r.err(), /^starting\.\.\.\nline 3: RootJail: penpound cannot chroot .* - aborted\n$/);
    assert.ok(!existsSync(join(dir, 'jail.pid')));
    assert.equal(await connects(httpPort), false);

    if (ROOT && !groupExists('nobody')) {
      writeFileSync(join(dir, 'group.cfg'), seedConfig(httpPort, httpsPort, 'group').replace(/^Group ".*"$/m, 'Group "nobody"'));
      const g = runPound(['-f', 'group.cfg', '-p', join(dir, 'group.pid')], { cwd: dir, env: env() });
      assert.equal(await g.exited, 1);
      assert.equal(g.err(), 'starting...\nno such group nobody - aborted\n');
      assert.ok(!existsSync(join(dir, 'group.pid')));
    }
  });
});

