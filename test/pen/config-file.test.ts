// -F files, SIGHUP and the request log (spec §2.5, §2.7, §2.8), run against our pen and,
// where installed, Debian's pen with the same expectations.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { fetchBody, sharedBackends } from '../support/pen-http.js';
import { freePort, OURS, REAL, run, SKIP_NO_REAL, sleep, startPen, tempDir, withPen, RUN_AS, type PenFlavour } from '../support/pen-process.js';

const FLAVOURS: [PenFlavour, false | string][] = [[OURS, false], [REAL, SKIP_NO_REAL]];

const backends = sharedBackends(['A', 'B', 'C']);

/** pen handles a signal at the top of its next loop turn; give it that turn. */
async function signal(pid: number, name: NodeJS.Signals, control: string, flavour: PenFlavour): Promise<void> {
  process.kill(pid, name);
  await sleep(200);
  // A control round trip makes sure the loop has turned at least once since.
  await run(flavour.penctl, [control, 'pid']);
}

for (const [flavour, skip] of FLAVOURS) {
  describe(`-F and SIGHUP (${flavour.name})`, { skip }, () => {
    it('replies go to stdout; HUP re-reads the file and the new server is used (option after the positional)', async () => {
      const dir = tempDir();
      const cfg = join(dir.path, 'pen.cfg');
      const pidFile = join(dir.path, 'pen.pid');
      const control = `127.0.0.1:${await freePort()}`;
      const port = await freePort();
      const [a, b] = backends;
      writeFileSync(cfg, `# servers\n\nserver 0 address 127.0.0.1 port ${a!.port}\nblacklist 12\nbogus line\n`);
      try {
        const pen = await startPen(flavour, ['-f', ...RUN_AS, '-C', control, '-p', pidFile, String(port), '-F', cfg], { pidFile });
        assert.equal(await fetchBody({ port }), 'A');
        writeFileSync(cfg, `server 0 address 127.0.0.1 port ${b!.port}\ntimeout 9\n`);
        await signal(pen.child.pid!, 'SIGHUP', control, flavour);
        assert.equal(await fetchBody({ port }), 'B');
        // Cumulative: what the new file does not mention keeps its value.
        assert.equal((await run(flavour.penctl, [control, 'blacklist'])).stdout, '12\n');
        assert.equal((await run(flavour.penctl, [control, 'timeout'])).stdout, '9\n');
        assert.equal(await pen.stop(), 0);
        assert.equal(pen.stdout(), "12\ndo_cmd: ignoring command starting with 'bogus'\n9\n");
      } finally {
        dir.remove();
      }
    });

    it('positional servers win at start-up, the file wins after HUP; acl lines accumulate', async () => {
      const dir = tempDir();
      const cfg = join(dir.path, 'pen.cfg');
      const pidFile = join(dir.path, 'pen.pid');
      const control = `127.0.0.1:${await freePort()}`;
      const [a, b] = backends;
      writeFileSync(cfg, `server 0 address 127.0.0.1 port ${a!.port}\nacl 1 permit 127.0.0.1\n`);
      try {
        const pen = await startPen(flavour, ['-f', ...RUN_AS, '-C', control, '-p', pidFile, '-F', cfg, String(await freePort()), `127.0.0.1:${b!.port}`], { pidFile });
        const servers = async () => (await run(flavour.penctl, [control, 'servers'])).stdout.split(' ').slice(0, 5).join(' ');
        assert.equal(await servers(), `0 addr 127.0.0.1 port ${b!.port}`);
        await signal(pen.child.pid!, 'SIGHUP', control, flavour);
        assert.equal(await servers(), `0 addr 127.0.0.1 port ${a!.port}`);
        const written = join(dir.path, 'written.cfg');
        await run(flavour.penctl, [control, 'write', written]);
        const acl1 = readFileSync(written, 'utf8').split('\n').filter((l) => l.startsWith('acl 1 '));
        assert.deepEqual(acl1, ['acl 1 permit 127.0.0.1 255.255.255.255', 'acl 1 permit 127.0.0.1 255.255.255.255']);
        await pen.stop();
      } finally {
        dir.remove();
      }
    });

    it('a listen command in the file replaces the first positional, which is still consumed', async () => {
      const dir = tempDir();
      const cfg = join(dir.path, 'pen.cfg');
      const pidFile = join(dir.path, 'pen.pid');
      const control = `127.0.0.1:${await freePort()}`;
      const ignored = await freePort();
      const used = await freePort();
      writeFileSync(cfg, `listen 127.0.0.1:${used}\n`);
      try {
        const pen = await startPen(flavour, ['-f', ...RUN_AS, '-C', control, '-p', pidFile, '-F', cfg, `127.0.0.1:${ignored}`, `127.0.0.1:${backends[2]!.port}`], { pidFile });
        assert.equal(await fetchBody({ port: used }), 'C');
        assert.equal(await fetchBody({ port: ignored, timeoutMs: 1000 }), '');
        const servers = (await run(flavour.penctl, [control, 'servers'])).stdout;
        assert.equal(servers.split('\n').length, 2, servers);
        assert.equal((await run(flavour.penctl, [control, 'listen'])).stdout, `127.0.0.1:${used}\n`);
        await pen.stop();
        assert.equal(pen.stdout(), `127.0.0.1:${used}\n`);
      } finally {
        dir.remove();
      }
    });

    it('include runs a file with replies on pen\'s stdout; write without a name writes the -F file', async () => {
      const dir = tempDir();
      const cfg = join(dir.path, 'pen.cfg');
      const extra = join(dir.path, 'extra.cfg');
      const pidFile = join(dir.path, 'pen.pid');
      const control = `127.0.0.1:${await freePort()}`;
      writeFileSync(cfg, '');
      writeFileSync(extra, 'tracking 17\nmode\n');
      try {
        const pen = await startPen(flavour, ['-f', ...RUN_AS, '-C', control, '-p', pidFile, '-F', cfg, String(await freePort()), `127.0.0.1:${backends[0]!.port}`], { pidFile });
        assert.equal((await run(flavour.penctl, [control, 'include', extra])).stdout, '');
        assert.equal((await run(flavour.penctl, [control, 'include', join(dir.path, 'missing.cfg')])).stdout, '');
        await run(flavour.penctl, [control, 'write']);
        const written = readFileSync(cfg, 'utf8');
        assert.match(written, /^# Generated by pen \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n# pen -f -p '.*pen\.pid' -u '[^']+' -F '.*pen\.cfg' -C 127\.0\.0\.1:\d+ \d+\nno acl 0\n/);
        assert.match(written, /\ntracking 17\n/);
        await pen.stop();
        assert.equal(pen.stdout(), '17\nno hash no roundrobin no stubborn no weight no prio\n');
        assert.match(pen.stderr(), /: Can't read config file '.*missing\.cfg'\n\n/);
      } finally {
        dir.remove();
      }
    });

    it('-l: one line per chunk, "client time server firstline", rotation with mv + HUP', async () => {
      const dir = tempDir();
      const log = join(dir.path, 'pen.log');
      const pidFile = join(dir.path, 'pen.pid');
      const control = `127.0.0.1:${await freePort()}`;
      const port = await freePort();
      try {
        const pen = await startPen(flavour, ['-f', ...RUN_AS, '-C', control, '-p', pidFile, '-l', log, String(port), `127.0.0.1:${backends[0]!.port}`], { pidFile });
        const long = `GET /${'x'.repeat(120)} HTTP/1.0\r\n\r\n`;
        await fetchBody({ port, request: Buffer.from('GET /a?x=\xe9\t HTTP/1.0\r\nHost: h\r\n\r\n', 'latin1') });
        await fetchBody({ port, request: long });
        await signal(pen.child.pid!, 'SIGHUP', control, flavour);
        renameSync(log, `${log}.1`);
        await signal(pen.child.pid!, 'SIGHUP', control, flavour);
        await fetchBody({ port, localAddress: '127.0.0.2' });
        assert.equal(await pen.stop(), 0);
        const first = readFileSync(`${log}.1`, 'latin1').split('\n');
        assert.match(first[0]!, /^127\.0\.0\.1 \d+ 127\.0\.0\.1 GET \/a\?x=\.\t HTTP\/1\.0$/);
        assert.match(first[1]!, new RegExp(`^127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${long.slice(0, 100).replace(/[?/.]/g, '\\$&')}$`));
        assert.equal(first.length, 3);
        assert.ok(existsSync(log));
        assert.match(readFileSync(log, 'latin1'), /^127\.0\.0\.2 \d+ 127\.0\.0\.1 GET \/ HTTP\/1\.0\n$/);
      } finally {
        dir.remove();
      }
    });

    it('-l host:port sends "+ client server firstline" datagrams (the log command shows the host only)', async () => {
      const sink = createSocket('udp4');
      const datagrams: string[] = [];
      sink.on('message', (m) => datagrams.push(m.toString('latin1')));
      await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
      const port = await freePort();
      try {
        await withPen(flavour, ['-l', `127.0.0.1:${sink.address().port}`, String(port), `127.0.0.1:${backends[0]!.port}`], async (_pen, { control }) => {
          await fetchBody({ port, request: 'GET /hello HTTP/1.1\r\nHost: h\r\n\r\n' });
          const end = Date.now() + 3000;
          while (datagrams.length === 0 && Date.now() < end) await sleep(25);
          assert.deepEqual(datagrams, ['+ 127.0.0.1 127.0.0.1 GET /hello HTTP/1.1\n']);
          assert.equal((await run(flavour.penctl, [control, 'log'])).stdout, '127.0.0.1\n');
        });
      } finally {
        sink.close();
      }
    });
  });
}
