// pound 4's Control socket (HTTP/JSON API) and poundctl command style (spec §7.2), through
// the real executables: bin/pound -W compat=4 with a Control block, real HTTP backends,
// bin/poundctl. Expected texts were recorded from pound 4.23's poundctl.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, until } from '../support/http-backends.js';
import { get, golden, normalise, POUNDCTL, poundctl, setUp, startPound, untilAnswers, whoAnswers, type Pound, type Setup } from './harness.js';

const modernConfig = (port: number, be: Record<string, number>) => (socket: string) => `Daemon 0
LogLevel 0
Control
\tSocket "${socket}"
\tMode 660
End
ListenHTTP "web"
\tAddress 127.0.0.1
\tPort ${port}
\tService "main"
\t\tURL "^/w"
\t\tBackEnd
\t\t\tAddress 127.0.0.1
\t\t\tPort ${be.A}
\t\t\tPriority 3
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
\t\tEnd
\t\tSession
\t\t\tType IP
\t\t\tTTL 300
\t\tEnd
\tEnd
\tService
\t\tURL "^/r"
\t\tRedirect "http://example.org/"
\tEnd
End
Service "glob"
\tBackEnd
\t\tAddress 127.0.0.1
\t\tPort ${be.D}
\tEnd
\tEmergency
\t\tAddress 127.0.0.1
\t\tPort ${be.E}
\tEnd
End
`;

/** One raw request to the control socket: the whole response. */
function raw(socket: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socket);
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    s.on('error', reject);
    s.on('close', () => resolve(out));
    s.write(request);
  });
}

describe('poundctl (pound 4): command style against the control API', () => {
  let ports: Record<string, number>;
  let pound: Pound;
  let setup: Setup | undefined;
  before(async () => {
    setup = await setUp(['A', 'B', 'C', 'D'], ['E'], modernConfig, ['-W', 'compat=4', '-e']);
    ({ ports, pound } = setup);
  });
  after(() => setup?.close());

  const ctl = (...args: string[]) => poundctl(['-s', pound.socket, ...args]);
  const text = async (...args: string[]) => {
    const r = await ctl(...args);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    return normalise(r.stdout, ports, { SOCK: pound.socket });
  };

  it('creates the socket with the Mode of the Control block', async () => {
    // Born 0600 at bind(), then given its Mode.
    await until(() => (statSync(pound.socket).mode & 0o777) === 0o660, 'mode 0660');
  });

  it('list: core, the control socket as listener 0, listeners, global services, sessions', async () => {
    assert.equal(await get(ports.PORT, '/s'), 'C GET /s');
    assert.equal(await text('list'), golden('modern-list.txt'));
    // No command is list; the socket can also come from pound.cfg's Control block.
    assert.equal(normalise((await poundctl(['-f', join(pound.dir, 'pound.cfg')])).stdout, ports, { SOCK: pound.socket }), golden('modern-list.txt'));
  });

  it('list /L, /L/S, /L/S/B by number or name; core', async () => {
    assert.equal(await text('list', '/1/1'), 'Service "sticky" active\n        0. backend (0) http 127.0.0.1:{C} 5 alive active\n     Session type: IP\n       0. Session 127.0.0.1 0 {TIME}\n');
    assert.equal(await text('list', 'web/main/1'), 'backend (0) http 127.0.0.1:{B} 5 alive active\n');
    assert.equal(await text('list', '/-/glob'), 'Service "glob" active\n        0. backend (0) http 127.0.0.1:{D} 5 alive active\n        1. backend (65535) http 127.0.0.1:{E} 5 alive active\n     Session type: NONE\n');
    assert.equal(await text('list', '/0'), 'Listener http://{SOCK} enabled\n     0. Service active\n        0. control (0)  active\n     Session type: NONE\n');
    assert.match(await text('core'), /^Server time: \{TIME\}\nUptime: \{UPTIME\}\nPound version: 4\.23\nPID: \{PID\}\n/);
  });

  it('disable /L/S/B: traffic moves to the other backend; enable brings it back', async () => {
    assert.deepEqual(await ctl('disable', '/1/0/1'), { code: 0, stdout: '', stderr: '' });
    assert.equal(await text('list', '/1/0/1'), 'backend (0) http 127.0.0.1:{B} 5 alive disabled\n');
    assert.deepEqual([...(await whoAnswers(ports.PORT, '/w', 20))], ['A']);
    assert.deepEqual(await ctl('on', '/1/0/1'), { code: 0, stdout: '', stderr: '' });
    await untilAnswers(ports.PORT, '/w', 'B');
    assert.match(pound.output(), /Backend 127\.0\.0\.1:\d+ disabled\n/);
  });

  it('off /L/S by name: the next matching service answers; both off: 503', async () => {
    assert.equal((await ctl('off', '/web/main')).code, 0);
    assert.match(await text('list', '/1/0'), /^Service "main" disabled\n/);
    assert.equal(await get(ports.PORT, '/w1'), 'D GET /w1');
    assert.equal((await ctl('off', '/-/0')).code, 0);
    assert.match(await get(ports.PORT, '/w2'), /^HTTP\/1\.0 503 /);
    await ctl('on', '/-/0');
    await ctl('enable', '/1/0');
    assert.match(await get(ports.PORT, '/w3'), /^[AB] GET \/w3$/);
  });

  it('add and delete sessions print the service', async () => {
    const added = await text('add', '/1/1/0', '192.0.2.9');
    assert.match(added, /^Service "sticky" active\n(.*\n)*       1\. Session 192\.0\.2\.9 0 \{TIME\}\n$/);
    const deleted = await text('delete', '/1/1', '192.0.2.9');
    assert.doesNotMatch(deleted, /192\.0\.2\.9/);
    assert.equal((await text('del', '/1/1', '127.0.0.1')).includes('Session 127.0.0.1'), false);
  });

  it('-j prints the daemon JSON (sorted keys, one line, no newline); -i N indents', async () => {
    const r = await ctl('-j', 'list');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\{"core":\{"kind":"core", "pid":\d+, "queue":\{"len":0, "max":0\}, "queue_len":0, "timestamp":"[^"]+", "uptime":\d+, "version":"4\.23", /);
    assert.ok(!r.stdout.endsWith('\n'));
    const v = JSON.parse(r.stdout);
    assert.equal(v.kind, 'pound');
    assert.equal(v.listeners[0].services[0].backends[0].type, 'control');
    assert.equal(v.listeners[1].name, 'web');
    assert.deepEqual(v.services[0].backends[1], {
      address: `127.0.0.1:${ports.E}`, alive: true, conn_to: 120, enabled: true, io_to: 120, kind: 'backend',
      priority: 5, protocol: 'http', servername: null, type: 'backend', weight: 65535, ws_to: 120,
    });
    const redirect = (await ctl('-j', 'list', '/1/2/0')).stdout;
    assert.equal(redirect, '{"alive":true, "code":302, "enabled":true, "has_uri":true, "kind":"backend", "priority":1, "type":"redirect", "url":"http://example.org", "weight":0}');
    const i2 = await ctl('-j', '-i', '2', 'list', '/1/0');
    assert.equal(i2.stdout, JSON.stringify(JSON.parse(i2.stdout), null, 2));
    assert.match(i2.stdout, /^\{\n {2}"backends": \[\n {4}\{\n {6}"address": /);
  });

  it('errors: messages and exit status as pound 4.23 poundctl', async () => {
    const cases: [string[], string][] = [
      [['list', '/9'], 'poundctl: Not Found\n'],
      [['disable', '/1/0/9'], 'poundctl: Not Found\n'],
      [['disable', '/0'], 'poundctl: Bad Request\n'],
      [['delete', '/1/1/0', 'k'], 'poundctl: bad uri: spurious backend specification\n'],
      [['add', '/1/1/0'], 'poundctl: required argument missing\n'],
      [['enable'], 'poundctl: required argument missing\n'],
      [['list', '/1', 'x'], 'poundctl: too many arguments\n'],
    ];
    for (const [args, stderr] of cases) assert.deepEqual(await ctl(...args), { code: 1, stdout: '', stderr }, args.join(' '));
    const none = await poundctl(['-s', join(pound.dir, 'nosuch'), 'list']);
    assert.deepEqual(none, { code: 1, stdout: '', stderr: 'poundctl: connect: No such file or directory\n' });
    writeFileSync(join(pound.dir, 'noctl.cfg'), 'ListenHTTP\n\tAddress 127.0.0.1\n\tPort 1\nEnd\n');
    const noSocket = await poundctl(['-f', join(pound.dir, 'noctl.cfg'), 'list']);
    assert.deepEqual(noSocket, { code: 1, stdout: '', stderr: "poundctl: can't determine control socket name; use the -s option\n" });
    const usage = await ctl('frobnicate');
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /^usage: poundctl \[OPTIONS\] COMMAND \[\/L\/S\/B\] \[ARG\]\n/);
    // getopt names the program as typed (here a path that is not on PATH).
    assert.deepEqual(await ctl('-x'), { code: 1, stdout: '', stderr: `${POUNDCTL}: invalid option -- 'x'\n` });
  });

  // pound 4.23's own poundctl, built from source, is the oracle when POUND4_POUNDCTL names it:
  // it must print exactly what ours prints against our socket.
  const oracle = process.env.POUND4_POUNDCTL;
  it('pound 4.23 poundctl prints the same as ours against our socket', { skip: !oracle && 'set POUND4_POUNDCTL to a pound 4.23 poundctl' }, async () => {
    const commands = [
      ['list'], ['list', '/1'], ['list', '/1/1'], ['list', '/1/0/1'], ['list', '/-/0'], ['core'], ['-j', 'list'], ['-j', '-i', '3', 'list', '/1'],
      ['list', '/9'], ['disable', '/0'], ['delete', '/1/1/0', 'k'], ['add', '/1/1/0'], ['list', '/1', 'x'],
      ['disable', '/1/0/1'], ['list', '/1/0'], ['enable', '/1/0/1'], ['add', '/1/1/0', 'k1'], ['delete', '/1/1', 'k1'],
    ];
    const norm = (t: string) => normalise(t, ports, { SOCK: pound.socket }).replace(/"(timestamp|expire)":"[^"]*"|"uptime":\d+/g, '"$1":X');
    for (const args of commands) {
      const theirs = await poundctl(['-s', pound.socket, ...args], {}, oracle);
      const ours = await ctl(...args);
      assert.deepEqual(
        { code: ours.code, stdout: norm(ours.stdout), stderr: ours.stderr },
        { code: theirs.code, stdout: norm(theirs.stdout), stderr: theirs.stderr.replace(oracle!, POUNDCTL) },
        args.join(' '),
      );
    }
  });

  it('the API answers HTTP: JSON for objects, pound 4 error pages otherwise', async () => {
    const ok = await raw(pound.socket, 'GET /listener/1/0/0 HTTP/1.1\r\nHost: x\r\n\r\n');
    const body = `{"address":"127.0.0.1:${ports.A}", "alive":true, "conn_to":15, "enabled":true, "io_to":15, "kind":"backend", "priority":3, "protocol":"http", "servername":null, "type":"backend", "weight":0, "ws_to":600}`;
    assert.equal(ok, `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    assert.equal(
      await raw(pound.socket, 'PUT /core HTTP/1.1\r\n\r\n'),
      'HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 223\r\nConnection: close\r\nContent-Type: text/html\r\nExpires: now\r\nPragma: no-cache\r\n' +
        'Cache-control: no-cache,no-store\r\n\r\n<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN"><html><head><title>405 Method Not Allowed</title></head>' +
        '<body><h1>Method Not Allowed</h1><p>The request method is not supported for the requested resource.</p></body></html>',
    );
    assert.match(await raw(pound.socket, 'GET /listener/1/0/ HTTP/1.1\r\n\r\n'), /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.match(await raw(pound.socket, 'DELETE /listener/- HTTP/1.1\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(await raw(pound.socket, 'PUT /session/1/1/0 HTTP/1.1\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(await raw(pound.socket, 'garbage\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n/);
    // The daemon is still there.
    assert.match(await raw(pound.socket, 'GET /core HTTP/1.0\r\n\r\n'), /^HTTP\/1\.0 200 OK\r\n/);
  });
});

describe('Control block ChangeOwner', () => {
  const root = process.getuid?.() === 0;
  it('gives the socket to User/Group before pound drops to them', { skip: !root && 'needs root (to change owners)' }, async () => {
    const port = await freePort();
    const pound = await startPound(
      (socket) =>
        `User "nobody"\nGroup "nogroup"\nDaemon 0\nControl\n\tSocket "${socket}"\n\tMode 0660\n\tChangeOwner true\nEnd\n` +
        `ListenHTTP\n\tAddress 127.0.0.1\n\tPort ${port}\n\tService\n\t\tRedirect "http://example.org"\n\tEnd\nEnd\n`,
      ['-W', 'compat=4', '-e'],
      port,
      (socket) => chmodSync(dirname(socket), 0o755),
    );
    try {
      const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }));
      // The file exists from bind(); its owner changes right after.
      await until(() => statSync(pound.socket).uid === nobody, 'the socket owner');
      const st = statSync(pound.socket);
      assert.equal(st.gid, Number(execFileSync('getent', ['group', 'nogroup'], { encoding: 'utf8' }).split(':')[2]));
      assert.equal(st.mode & 0o777, 0o660);
      // root (the test) can still use it; the listing works after pound dropped privileges.
      const r = await poundctl(['-s', pound.socket, 'list', '/1/0/0']);
      assert.deepEqual(r, { code: 0, stdout: 'redirect (0) 302 http://example.org active\n', stderr: '' });
    } finally {
      await pound.stop();
    }
  });
});
