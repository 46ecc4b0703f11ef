// pen features end to end through the command line (listen forms, limits, timeouts,
// stubborn, abuse/ACLs, keep-alive -H, TLS, UDP, Unix sockets): each scenario against our
// pen and, where installed, Debian's pen, with the same expectations unless noted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { fetchBody, fetchMany, sharedBackends } from '../support/pen-http.js';
import { freePort, normaliseStderr, OURS, REAL, run, SKIP_NO_REAL, sleep, tempDir, whichSync, withPen as withAnyPen, type PenFlavour, type RunningPen } from '../support/pen-process.js';
import { blackHole, namedBackend, udpBackend, udpClient } from '../support/stream-backends.js';

const FLAVOURS: [PenFlavour, false | string][] = [[OURS, false], [REAL, SKIP_NO_REAL]];

const backends = sharedBackends(['A', 'B', 'C', 'E', 'X']);
const at = (i: number) => `127.0.0.1:${backends[i]!.port}`;

function withPen(flavour: PenFlavour, args: string[], body: (pen: RunningPen, control: string) => Promise<void>, options: { control?: string } = {}): Promise<void> {
  return withAnyPen(flavour, args, (pen, { control }) => body(pen, control), options);
}

/** A client connection kept open: its request head is never finished. */
async function hold(port: number, localAddress: string): Promise<Socket> {
  const s = connect({ port, host: '127.0.0.1', localAddress });
  s.on('error', () => {});
  await new Promise((r) => s.once('connect', r));
  s.write('GET / HTTP/1.0\r\n');
  await sleep(200);
  return s;
}

for (const [flavour, skip] of FLAVOURS) {
  describe(`features through the command line (${flavour.name})`, { skip }, () => {
    it('listen forms: ::1:port, :::port (IPv4 clients appear as ::ffff:…), a Unix path with a Unix control socket', async () => {
      const p1 = await freePort('::1');
      await withPen(flavour, [`::1:${p1}`, at(0)], async () => {
        assert.equal(await fetchBody({ port: p1, host: '::1' }), 'A');
      });
      const p2 = await freePort();
      await withPen(flavour, ['-H', `:::${p2}`, at(1)], async () => {
        const seen = backends[1]!.requests.length;
        assert.equal(await fetchBody({ port: p2 }), 'B');
        assert.match(backends[1]!.requests[seen]!.toString('latin1'), /\r\nX-Forwarded-For: ::ffff:127\.0\.0\.1\r\n/);
      });
      const dir = tempDir();
      try {
        const sock = join(dir.path, 'pen.sock');
        const ctl = join(dir.path, 'pen.ctl');
        await withPen(flavour, [sock, at(2)], async (_pen, control) => {
          const body = await new Promise<string>((resolve) => {
            const s = connect(sock);
            let data = '';
            s.on('connect', () => s.write('GET / HTTP/1.0\r\n\r\n'));
            s.on('data', (d) => (data += d.toString()));
            s.on('close', () => resolve(data.slice(data.indexOf('\r\n\r\n') + 4)));
          });
          assert.equal(body, 'C');
          assert.equal((await run(flavour.penctl, [control, 'listen'])).stdout, `${sock}\n`);
        }, { control: ctl });
      } finally {
        dir.remove();
      }
    });

    it('a server without a port uses the listen port', async () => {
      // The backend and pen share the port number on two loopback addresses.
      const server = createServer((s) => s.end('HTTP/1.0 200 OK\r\n\r\nsame-port'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as { port: number }).port;
      try {
        await withPen(flavour, [`127.0.0.2:${port}`, '127.0.0.1'], async (_pen, control) => {
          assert.equal(await fetchBody({ port, host: '127.0.0.2' }), 'same-port');
          assert.match((await run(flavour.penctl, [control, 'servers'])).stdout, new RegExp(`^0 addr 127\\.0\\.0\\.1 port ${port} `));
        });
      } finally {
        server.close();
      }
    });

    it('exit without -X is refused', async () => {
      const port = await freePort();
      await withPen(flavour, [String(port), at(0)], async (pen, control) => {
        assert.equal((await run(flavour.penctl, [control, 'exit'])).stdout, 'Exit is not enabled; restart with -X flag\n');
        assert.equal(pen.child.exitCode, null);
      });
    });

    it('soft and hard limits: a returning client may exceed max up to hard, then fails over', async () => {
      const port = await freePort();
      // Round robin spreads new clients 1, 2, 0: the third client is tracked to A (max 1 hard 2).
      await withPen(flavour, [String(port), `${at(0)}:1:2`, at(1), at(2)], async () => {
        assert.equal(await fetchBody({ port, localAddress: '127.0.0.1' }), 'B');
        assert.equal(await fetchBody({ port, localAddress: '127.0.0.2' }), 'C');
        const first = await hold(port, '127.0.0.3');
        const second = await hold(port, '127.0.0.3');
        // A now has 2 connections: a new client is failed over (max 1), and so is the
        // returning one (hard 2 reached).
        assert.equal(await fetchBody({ port, localAddress: '127.0.0.4' }), 'B');
        assert.equal(await fetchBody({ port, localAddress: '127.0.0.3' }), 'B');
        first.destroy();
        second.destroy();
      });
    });

    it('connect timeout: the server is blacklisted with pen\'s message and the client served by the next one', async () => {
      const hole = await blackHole();
      try {
        const port = await freePort();
        await withPen(flavour, ['-r', '-t', '1', String(port), `127.0.0.1:${hole.port}`, at(1), at(2)], async (pen) => {
          assert.deepEqual(await fetchMany(3, { port }), ['B', 'C', 'B']);
          assert.deepEqual(await fetchMany(2, { port }), ['B', 'C']);
          await sleep(100);
          assert.match(normaliseStderr(pen.stderr()), /^T: blacklisting server 0 because of connect timeout$/m);
        });
      } finally {
        hole.close();
      }
    });

    it('stubborn: a tracked client whose server is blacklisted is closed, not sent elsewhere', async () => {
      const port = await freePort();
      await withPen(flavour, ['-s', '-e', at(3), String(port), at(0), at(1)], async (_pen, control) => {
        assert.equal(await fetchBody({ port, localAddress: '127.0.0.1' }), 'B');
        await run(flavour.penctl, [control, 'server', '1', 'blacklist', '30']);
        assert.equal(await fetchBody({ port, localAddress: '127.0.0.1' }), '');
        assert.equal(await fetchBody({ port, localAddress: '127.0.0.2' }), 'A');
      });
    });

    it('abuse server, client_acl, per-server acl (spec §3.9 sequence)', async () => {
      const port = await freePort();
      await withPen(flavour, ['-r', '-e', at(3), '-B', at(4), String(port), at(0), at(1)], async (_pen, control) => {
        const ctl = (...words: string[]) => run(flavour.penctl, [control, ...words]);
        assert.deepEqual(await fetchMany(2, { port }), ['B', 'A']);
        await ctl('acl', '1', 'permit', '127.0.0.2');
        await ctl('client_acl', '1');
        assert.equal(await fetchBody({ port, localAddress: '127.0.0.1' }), 'X');
        assert.equal(await fetchBody({ port, localAddress: '127.0.0.2' }), 'B');
        await ctl('client_acl', '0');
        await ctl('server', '0', 'acl', '1');
        assert.deepEqual(await fetchMany(3, { port, localAddress: '127.0.0.1' }), ['B', 'B', 'B']);
        // pen compares (client & mask) with the stored address unmasked, so this entry never
        // matches and ACL 2 (ending in permit) denies; our engine masks both (COMPAT.md).
        await ctl('acl', '2', 'permit', '127.0.0.5', '255.0.0.0');
        await ctl('client_acl', '2');
        assert.equal(await fetchBody({ port, localAddress: '127.0.0.5' }), flavour.name === 'real' ? 'X' : 'B');
      });
    });

    it('-H rewrites every request that starts a chunk on a keep-alive connection', async () => {
      const keepAlive = await namedBackend('K', 'per-chunk');
      try {
        const port = await freePort();
        await withPen(flavour, ['-H', String(port), `127.0.0.1:${keepAlive.port}`], async () => {
          await new Promise<void>((resolve) => {
            const s = connect({ port, host: '127.0.0.1' });
            let answers = 0;
            s.on('connect', () => s.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\n'));
            s.on('data', () => {
              answers++;
              if (answers === 1) s.write('HEAD /2 HTTP/1.1\r\nHost: x\r\n\r\n');
              else s.end();
            });
            s.on('close', () => resolve());
          });
          assert.equal(
            keepAlive.received[0]!.toString('latin1'),
            'GET /1 HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: http\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n' +
              'HEAD /2 HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: http\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n',
          );
        });
      } finally {
        await keepAlive.close();
      }
    });

    it('-E with a combined PEM terminates TLS; -H says https', { skip: whichSync('openssl') ? false : 'openssl is not installed' }, async () => {
      const dir = tempDir();
      try {
        const key = join(dir.path, 'key.pem');
        const cert = join(dir.path, 'cert.pem');
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
        const combined = join(dir.path, 'combined.pem');
        writeFileSync(combined, readFileSync(key, 'utf8') + readFileSync(cert, 'utf8'));
        const port = await freePort();
        await withPen(flavour, ['-H', '-E', combined, String(port), at(0)], async (pen) => {
          const seen = backends[0]!.requests.length;
          const body = await new Promise<string>((resolve) => {
            const s = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
            let data = '';
            s.on('secureConnect', () => s.write('GET /tls HTTP/1.0\r\n\r\n'));
            s.on('data', (d) => (data += d.toString()));
            s.on('error', () => {});
            s.on('close', () => resolve(data.slice(data.indexOf('\r\n\r\n') + 4)));
          });
          assert.equal(body, 'A');
          assert.equal(backends[0]!.requests[seen]!.toString('latin1'), 'GET /tls HTTP/1.0\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n');
          assert.match(normaliseStderr(pen.stderr()), /^T: SSL: No verify locations, trying default$/m);
        });
      } finally {
        dir.remove();
      }
    });

    it('-E cert -K key works too; a certificate without its key is fatal', { skip: whichSync('openssl') ? false : 'openssl is not installed' }, async () => {
      const dir = tempDir();
      try {
        const key = join(dir.path, 'key.pem');
        const cert = join(dir.path, 'cert.pem');
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
        const port = await freePort();
        await withPen(flavour, ['-E', cert, '-K', key, String(port), at(1)], async () => {
          const body = await new Promise<string>((resolve) => {
            const s = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
            let data = '';
            s.on('secureConnect', () => s.write('GET / HTTP/1.0\r\n\r\n'));
            s.on('data', (d) => (data += d.toString()));
            s.on('error', () => {});
            s.on('close', () => resolve(data.slice(data.indexOf('\r\n\r\n') + 4)));
          });
          assert.equal(body, 'B');
        });
        const r = await run(flavour.pen, ['-f', '-E', cert, String(await freePort()), at(1)]);
        assert.equal(r.status, 1);
        const lines = normaliseStderr(r.stderr).split('\n');
        assert.ok(lines.some((l) => l.startsWith(`T: SSL: error reading private key from file ${cert}: `)), r.stderr);
        assert.equal(lines.at(-2), 'Unable to create default context');
      } finally {
        dir.remove();
      }
    });

    it('an IPv4 listener forwards to a [::1] backend', async () => {
      const server = createServer((s) => s.end('HTTP/1.0 200 OK\r\n\r\nsix'));
      await new Promise<void>((r) => server.listen(0, '::1', () => r()));
      const backendPort = (server.address() as { port: number }).port;
      try {
        const port = await freePort();
        await withPen(flavour, [`127.0.0.1:${port}`, `[::1]:${backendPort}`], async (_pen, control) => {
          assert.equal(await fetchBody({ port }), 'six');
          assert.match((await run(flavour.penctl, [control, 'servers'])).stdout, new RegExp(`^0 addr ::1 port ${backendPort} `));
        });
      } finally {
        server.close();
      }
    });

    it('a client refused by client_acl goes to -e when there is no -B, and is closed without -e', async () => {
      for (const [withEmergency, expected] of [[true, 'E'], [false, '']] as const) {
        const port = await freePort();
        const args = [...(withEmergency ? ['-e', at(3)] : []), String(port), at(0), at(1)];
        await withPen(flavour, args, async (_pen, control) => {
          await run(flavour.penctl, [control, 'acl', '1', 'permit', '127.0.0.2']);
          await run(flavour.penctl, [control, 'client_acl', '1']);
          assert.equal(await fetchBody({ port, localAddress: '127.0.0.1' }), expected);
          assert.equal(await fetchBody({ port, localAddress: '127.0.0.2' }), 'B');
        });
      }
    });

    it('-x 1: a second client waits until the first connection closes', async () => {
      const port = await freePort();
      await withPen(flavour, ['-x', '1', String(port), at(0)], async () => {
        const first = await hold(port, '127.0.0.1');
        const second = fetchBody({ port, localAddress: '127.0.0.2' });
        let done = false;
        void second.then(() => (done = true));
        await sleep(500);
        assert.equal(done, false, 'not served while the only slot is taken');
        first.destroy();
        assert.equal(await second, 'A');
      });
    });

    it('dummy answers every request itself with the fixed 15-byte page', async () => {
      const port = await freePort();
      await withPen(flavour, ['-O', 'dummy', String(port), at(0)], async () => {
        const raw = await new Promise<string>((resolve) => {
          const s = connect({ port, host: '127.0.0.1' });
          let data = '';
          s.on('connect', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
          s.on('data', (d) => (data += d.toString()));
          s.on('error', () => {});
          s.on('close', () => resolve(data));
        });
        assert.equal(raw, 'HTTP/1.1 200 OK\r\nContent-Length: 15\r\nContent-Type: text/html\r\n\r\nUlric was here.');
      });
    });

    it('-U: datagrams are relayed, replies come from the listen address; -r alternates per client socket', async () => {
      const u1 = await udpBackend('u1');
      const u2 = await udpBackend('u2');
      const port = await freePort();
      try {
        await withPen(flavour, ['-U', '-r', `127.0.0.1:${port}`, `127.0.0.1:${u1.port}`, `127.0.0.1:${u2.port}`], async () => {
          const c1 = await udpClient();
          const c2 = await udpClient();
          try {
            const r1 = await c1.ask(port, 'q1');
            assert.deepEqual(r1, { text: 'u2:q1', from: '127.0.0.1', port });
            assert.equal((await c1.ask(port, 'q2'))?.text, 'u2:q2', 'same session, same server');
            assert.equal((await c2.ask(port, 'q3'))?.text, 'u1:q3');
          } finally {
            c1.close();
            c2.close();
          }
        });
      } finally {
        u1.close();
        u2.close();
      }
    });
  });
}
