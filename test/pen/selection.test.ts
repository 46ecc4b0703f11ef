// Server choice through the whole program (argv → engine), spec §3 and §4.2: each scenario
// runs against our pen and, where installed, Debian's pen, with the same expectations.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { fetchBody, fetchMany, sharedBackends } from '../support/pen-http.js';
import { freePort, OURS, REAL, run, SKIP_NO_REAL, withPen as withAnyPen, type PenFlavour, type RunningPen } from '../support/pen-process.js';

const FLAVOURS: [PenFlavour, false | string][] = [[OURS, false], [REAL, SKIP_NO_REAL]];

const backends = sharedBackends(['A', 'B', 'C']);
const servers = () => backends.map((b) => `127.0.0.1:${b.port}`);

/** A fresh pen on a free port in front of `serverArgs`. */
async function withPen(flavour: PenFlavour, options: string[], serverArgs: string[], body: (port: number, pen: RunningPen, control: string) => Promise<void>): Promise<void> {
  const port = await freePort();
  await withAnyPen(flavour, ['-X', ...options, `127.0.0.1:${port}`, ...serverArgs], (pen, { control }) => body(port, pen, control));
}

for (const [flavour, skip] of FLAVOURS) {
  describe(`server selection (${flavour.name})`, { skip }, () => {
    it('-r: round robin per connection, starting at server 1', () =>
      withPen(flavour, ['-r'], servers(), async (port) => {
        assert.deepEqual(await fetchMany(7, { port }), ['B', 'C', 'A', 'B', 'C', 'A', 'B']);
      }));

    it('tracking: a client sticks to its server; new clients are spread 1, 2, 0', () =>
      withPen(flavour, [], servers(), async (port) => {
        assert.deepEqual(await fetchMany(3, { port, localAddress: '127.0.0.1' }), ['B', 'B', 'B']);
        assert.deepEqual(await fetchMany(2, { port, localAddress: '127.0.0.2' }), ['C', 'C']);
        assert.deepEqual(await fetchMany(2, { port, localAddress: '127.0.0.3' }), ['A', 'A']);
        assert.equal(await fetchBody({ port, localAddress: '127.0.0.1' }), 'B');
      }));

    it('-h: the client address hash picks the server (127.0.0.1→C, .2→A, .3→B, .4→C, 127.1.2.3→B)', () =>
      withPen(flavour, ['-h'], servers(), async (port) => {
        const got: string[] = [];
        for (const a of ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.1.2.3']) got.push(await fetchBody({ port, localAddress: a }));
        assert.deepEqual(got, ['C', 'A', 'B', 'C', 'B']);
      }));

    it('-h -r: the byte-swapped source port joins the hash', () =>
      withPen(flavour, ['-h', '-r'], servers(), async (port) => {
        // Source ports below the ephemeral range, fresh each run (a port in TIME_WAIT to
        // the same address cannot be bound again); retried if one is taken.
        const used: number[] = [];
        const got: string[] = [];
        for (let attempts = 0; got.length < 4 && attempts < 20; attempts++) {
          const p = 20000 + Math.floor(Math.random() * 10000);
          const body = await fetchBody({ port, localAddress: '127.0.0.1', localPort: p });
          if (body === '') continue;
          used.push(p);
          got.push(body);
        }
        // (v XOR swap(p)) mod 3 for 127.0.0.1, computed as pen does.
        const v = 127 + (1 << 24);
        const expected = used.map((p) => {
          const swapped = ((p & 0xff) << 8) | (p >> 8);
          return ['A', 'B', 'C'][((v ^ swapped) >>> 0) % 3];
        });
        assert.equal(got.length, 4);
        assert.deepEqual(got, expected);
      }));

    it('manual blacklist and failover: skipped while blacklisted, back after "blacklist 0"; -e only when all are out', () =>
      withPen(flavour, ['-r', '-e', servers()[2]!], servers().slice(0, 2), async (port, _pen, control) => {
        assert.deepEqual(await fetchMany(2, { port }), ['B', 'A']);
        await run(flavour.penctl, [control, 'server', '0', 'blacklist', '100']);
        assert.deepEqual(await fetchMany(2, { port }), ['B', 'B']);
        await run(flavour.penctl, [control, 'server', '1', 'blacklist', '100']);
        assert.deepEqual(await fetchMany(2, { port }), ['C', 'C']);
        await run(flavour.penctl, [control, 'server', '0', 'blacklist', '0']);
        assert.deepEqual(await fetchMany(2, { port }), ['A', 'A']);
        const list = (await run(flavour.penctl, [control, 'servers'])).stdout;
        assert.equal(list.split('\n').length, 3, 'the emergency server is not listed');
      }));

    it('a connection held on the emergency server reads "server = -1" in `connection N`', () =>
      withPen(flavour, ['-r', '-e', servers()[2]!], servers().slice(0, 2), async (port, _pen, control) => {
        await run(flavour.penctl, [control, 'server', '0', 'blacklist', '100']);
        await run(flavour.penctl, [control, 'server', '1', 'blacklist', '100']);
        const held = connect({ port, host: '127.0.0.1' });
        held.on('error', () => {});
        try {
          await new Promise((ok) => held.once('connect', ok));
          let reply = '';
          for (let tries = 0; tries < 50 && !/state = [1-9]/.test(reply); tries++) {
            await new Promise((ok) => setTimeout(ok, 20));
            reply = (await run(flavour.penctl, [control, 'connection', '0'])).stdout;
          }
          assert.match(reply, /state = [1-9]/);
          assert.match(reply, /server = -1\n/);
        } finally {
          held.destroy();
        }
      }));

    it('a dead server (refused) is failed over to the next one', () =>
      withPen(flavour, ['-r'], [servers()[0]!, '127.0.0.1:1', servers()[2]!], async (port) => {
        // Server 1 is 127.0.0.1:1 (nothing listens). pen 0.34.1 drops that client; HEAD
        // (and we) fail over to the next server (spec §0.2 item 1).
        const got = await fetchMany(3, { port });
        if (flavour.name === 'real') assert.deepEqual(got, ['', 'C', 'A']);
        else assert.deepEqual(got, ['C', 'C', 'A']);
      }));

    it('all servers down and no -e: the client is closed without data', () =>
      withPen(flavour, ['-r'], servers().slice(0, 2), async (port, _pen, control) => {
        await run(flavour.penctl, [control, 'server', '0', 'blacklist', '100']);
        await run(flavour.penctl, [control, 'server', '1', 'blacklist', '100']);
        assert.equal(await fetchBody({ port }), '');
      }));

    it('-H: X-Forwarded-Proto then X-Forwarded-For before the blank line, exact bytes at the backend', () =>
      withPen(flavour, ['-H', '-r'], [servers()[0]!], async (port) => {
        const a = backends[0]!;
        const before = a.requests.length;
        await fetchBody({ port, request: 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n' });
        await fetchBody({ port, request: 'GET /b HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n' });
        await fetchBody({ port, request: 'PUT /c HTTP/1.1\r\nHost: x\r\n\r\n' });
        await fetchBody({ port, request: 'GET /g HTTP/1.0\n\n' });
        assert.deepEqual(a.requests.slice(before).map((b) => b.toString('latin1')), [
          'GET /a HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: http\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n',
          'GET /b HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: http\r\n\r\n',
          'PUT /c HTTP/1.1\r\nHost: x\r\n\r\n',
          'GET /g HTTP/1.0\r\nX-Forwarded-Proto: http\r\nX-Forwarded-For: 127.0.0.1\n\n',
        ]);
      }));

    it('server limits from the spec: maxc fails new clients over', () =>
      withPen(flavour, [], [`${servers()[0]}:1`, servers()[1]!], async (port, _pen, control) => {
        const list = (await run(flavour.penctl, [control, 'servers'])).stdout;
        assert.match(list, /^0 addr 127\.0\.0\.1 port \d+ conn 0 max 1 hard 0 weight 0 prio 0 sx 0 rx 0\n1 addr 127\.0\.0\.1 port \d+ conn 0 max 0 hard 0 weight 0 prio 0 sx 0 rx 0\n$/);
        assert.equal(await fetchBody({ port }), 'B');
      }));

    it('-W without weights drops every connection; prio prefers the lowest prio', () =>
      withPen(flavour, ['-W'], servers(), async (port, _pen, control) => {
        assert.equal(await fetchBody({ port, localAddress: '127.0.0.5' }), '');
        await run(flavour.penctl, [control, 'no', 'weight']);
        await run(flavour.penctl, [control, 'prio']);
        await run(flavour.penctl, [control, 'roundrobin']);
        await run(flavour.penctl, [control, 'server', '0', 'prio', '2']);
        await run(flavour.penctl, [control, 'server', '1', 'prio', '1']);
        await run(flavour.penctl, [control, 'server', '2', 'prio', '1']);
        assert.deepEqual(await fetchMany(2, { port }), ['B', 'B']);
        await run(flavour.penctl, [control, 'server', '1', 'blacklist', '60']);
        assert.deepEqual(await fetchMany(2, { port }), ['C', 'C']);
      }));
  });
}
