// penctl (spec §5.5): usage, error messages, exit codes, and what goes over the wire —
// ours checked against the expected texts and, where installed, against Debian's penctl.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { freePort, OURS, REAL, run, SKIP_NO_REAL, type PenFlavour } from '../support/pen-process.js';

/** A fake pen control port: records each command and answers a fixed reply (no newline). */
async function fakeControl(reply: string): Promise<{ port: number; received: string[]; server: Server }> {
  const received: string[] = [];
  const server = createServer((s) => {
    let data = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      data += d;
      if (data.includes('\n')) {
        received.push(data);
        s.end(reply);
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, received, server };
}

interface Case {
  name: string;
  args: (port: number, closed: number) => string[];
  stdout: string;
  stderr: string;
  status: number;
}

const cases: Case[] = [
  { name: 'no arguments', args: () => [], stdout: 'usage: penctl host:port command\n', stderr: '', status: 0 },
  { name: 'one argument', args: () => ['127.0.0.1:1'], stdout: 'usage: penctl host:port command\n', stderr: '', status: 0 },
  { name: 'no port', args: () => ['localhost', 'servers'], stdout: '', stderr: 'no port given\n', status: 1 },
  { name: 'unknown service', args: () => ['localhost:nosuchservice', 'servers'], stdout: '', stderr: 'getaddrinfo: Servname not supported for ai_socktype\n', status: 1 },
  { name: 'unknown host', args: () => ['nosuchhost.invalid:80', 'servers'], stdout: '', stderr: 'getaddrinfo: Name or service not known\n', status: 1 },
  { name: 'empty host', args: (p) => [`:${p}`, 'servers'], stdout: '', stderr: 'getaddrinfo: Name or service not known\n', status: 1 },
  { name: 'refused', args: (_p, closed) => [`127.0.0.1:${closed}`, 'servers'], stdout: '', stderr: 'error connecting to server\n', status: 1 },
  { name: 'no such unix socket', args: () => ['/nonexistent/pen.ctl', 'servers'], stdout: '', stderr: 'error connecting to server\n', status: 1 },
  { name: 'reply copied verbatim, exit 0', args: (p) => [`127.0.0.1:${p}`, 'tarpit_acl'], stdout: 'tarpit_acl = -1', stderr: '', status: 0 },
  { name: 'overlong command', args: (p) => [`127.0.0.1:${p}`, 'a'.repeat(1022)], stdout: '', stderr: 'Overlong argument list\n', status: 1 },
];

async function check(flavour: PenFlavour, c: Case, port: number, closed: number): Promise<void> {
  const r = await run(flavour.penctl, c.args(port, closed));
  assert.equal(r.stdout, c.stdout, `${flavour.name}: ${c.name}`);
  assert.equal(r.stderr, c.stderr, `${flavour.name}: ${c.name}`);
  assert.equal(r.status, c.status, `${flavour.name}: ${c.name}`);
}

for (const flavour of [OURS, REAL]) {
  describe(`penctl (${flavour.name})`, { skip: flavour === REAL ? SKIP_NO_REAL : false }, () => {
    let fake: Awaited<ReturnType<typeof fakeControl>>;
    let closed = 0;
    before(async () => {
      fake = await fakeControl('tarpit_acl = -1');
      closed = await freePort();
    });
    after(() => fake.server.close());

    for (const c of cases) it(c.name, () => check(flavour, c, fake.port, closed));

    it('joins its arguments with single spaces and ends the line', async () => {
      fake.received.length = 0;
      await run(flavour.penctl, [`127.0.0.1:${fake.port}`, 'server', '1', 'address', '127.0.0.1']);
      await run(flavour.penctl, [`localhost:${fake.port}`, 'a'.repeat(1021)]);
      assert.deepEqual(fake.received, ['server 1 address 127.0.0.1\n', `${'a'.repeat(1021)}\n`]);
    });
  });
}
