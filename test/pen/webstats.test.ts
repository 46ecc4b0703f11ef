// The -w status page (spec §2.6): written on SIGUSR1 and by `status`, byte for byte pen's
// template. Ours is compared with Debian's pen after the same traffic, with the values that
// legitimately differ (time, ports, ages, file descriptors) masked.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fetchBody, sharedBackends } from '../support/pen-http.js';
import { freePort, normaliseStderr, OURS, REAL, run, SKIP_NO_REAL, sleep, startPen, tempDir, RUN_AS, type PenFlavour } from '../support/pen-process.js';

const backends = sharedBackends(['A', 'B']);

/** Masks what differs between two runs; everything else must be identical. */
function maskPage(html: string, ports: number[]): string {
  let out = html.replace(/^Time \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,/m, 'Time <time>,');
  ports.forEach((p, i) => (out = out.split(`<td>${p}</td>`).join(`<td><port${i}></td>`)));
  const [head, clients = '', connections = ''] = out.split(/(?=<h2>)/);
  const maskCells = (section: string, cells: number[], label: string) =>
    section.replace(/<tr>\n((?:<td>[^<]*<\/td>\n)+)<\/tr>\n/g, (_row, row: string) => {
      const parts = row.split('\n');
      for (const cell of cells) parts[cell] = `<td>${label}</td>`;
      return `<tr>\n${parts.join('\n')}</tr>\n`;
    });
  return head + maskCells(clients, [2], '<age>') + maskCells(connections, [1, 2], '<fd>');
}

async function statusPage(flavour: PenFlavour): Promise<{ viaSignal: string; viaCommand: string; stderr: string }> {
  const dir = tempDir();
  const pidFile = join(dir.path, 'pen.pid');
  const page = join(dir.path, 'stats.html');
  const control = `127.0.0.1:${await freePort()}`;
  const port = await freePort();
  const [a, b] = backends;
  const pen = await startPen(flavour, ['-f', ...RUN_AS, '-C', control, '-p', pidFile, '-w', page, String(port), `127.0.0.1:${a!.port}:3:4:5:6`, `127.0.0.1:${b!.port}`], { pidFile });
  let held: Socket | undefined;
  try {
    await fetchBody({ port, localAddress: '127.0.0.1' });
    await fetchBody({ port, localAddress: '127.0.0.1' });
    // One connection stays open (its request is not finished), so it is listed.
    held = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
    held.on('error', () => {});
    await new Promise((r) => held!.once('connect', r));
    held.write('GET / HTTP/1.0\r\n');
    await sleep(300);
    pen.child.kill('SIGUSR1');
    const deadline = Date.now() + 3000;
    while (!existsSync(page) && Date.now() < deadline) await sleep(25);
    await run(flavour.penctl, [control, 'pid']);
    const viaSignal = maskPage(readFileSync(page, 'latin1'), [a!.port, b!.port]);
    const viaCommand = maskPage((await run(flavour.penctl, [control, 'status'])).stdout, [a!.port, b!.port]);
    return { viaSignal, viaCommand, stderr: pen.stderr() };
  } finally {
    held?.destroy();
    await pen.stop();
    dir.remove();
  }
}

describe('HTML status page', () => {
  it('ours: the template, with the figures after two requests and one open connection', async () => {
    const { viaSignal, viaCommand } = await statusPage(OURS);
    assert.equal(viaCommand, viaSignal);
    assert.ok(viaSignal.startsWith('<html>\n<head>\n<title>Pen status page</title>\n</head>\n<body bgcolor="#ffffff"><h1>Pen status page</h1>\nTime <time>, 2 servers, 0 current<p>\n<table bgcolor="#c0c0c0">\n<tr>\n<td bgcolor="#80f080">server</td>\n'), viaSignal);
    // Server 0 (3:4:5:6) holds the open connection of the second client: 16 bytes sent to it.
    assert.ok(viaSignal.includes('<tr>\n<td>0</td>\n<td>127.0.0.1</td>\n<td>0</td>\n<td><port0></td>\n<td>1</td>\n<td>3</td>\n<td>4</td>\n<td>16</td>\n<td>0</td>\n<td>5</td>\n<td>6</td>\n</tr>\n'), viaSignal);
    assert.ok(viaSignal.includes('</table>\n<h2>Active clients</h2>Max number of clients: 2048<p><table bgcolor="#c0c0c0">\n'));
    assert.ok(viaSignal.includes('<tr>\n<td>0</td>\n<td>127.0.0.1</td>\n<td><age></td>\n<td>1</td>\n<td>2</td>\n'));
    assert.match(viaSignal, /<h2>Active connections<\/h2>Number of connections: 500 max, 1 used, \d+ last<p>/);
    assert.ok(viaSignal.endsWith('</tr>\n</table>\n</body>\n</html>\n'));
  });

  it('ours and Debian pen write the same page', { skip: SKIP_NO_REAL }, async () => {
    const ours = await statusPage(OURS);
    const real = await statusPage(REAL);
    // Slot numbers ("last" and the connection's slot) are pen's allocation detail.
    const slots = (s: string) => s.replace(/used, \d+ last/, 'used, N last').replace(/(<h2>Active connections<\/h2>[^]*?<tr>\n<td>)\d+(<\/td>\n<td><fd>)/, '$1K$2');
    assert.equal(slots(ours.viaSignal), slots(real.viaSignal));
    assert.equal(slots(ours.viaCommand), slots(real.viaCommand));
  });
});

describe('SIGUSR1 without -w', () => {
  it('prints the statistics as debug messages (client blocks as pen meant them)', async () => {
    const dir = tempDir();
    const pidFile = join(dir.path, 'pen.pid');
    const port = await freePort();
    const control = `127.0.0.1:${await freePort()}`;
    const pen = await startPen(OURS, ['-f', ...RUN_AS, '-C', control, '-p', pidFile, String(port), `127.0.0.1:${backends[0]!.port}`], { pidFile });
    try {
      await fetchBody({ port });
      await sleep(300);
      pen.child.kill('SIGUSR1');
      await sleep(300);
      await run(OURS.penctl, [control, 'pid']);
      const text = normaliseStderr(pen.stderr());
      assert.match(text, /^T: Time \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, 1 servers, 0 current\n/m);
      assert.match(text, /^T: Server 0 status:\naddress 127\.0\.0\.1\n0\nport \d+\n0 connections \(0 soft, 0 hard\)\n\d+ sent, \d+ received\n\n/m);
      assert.match(text, /^T: Max number of clients: 2048\nT: Active clients:\nT: Client 0 status:\naddress 127\.0\.0\.1\nlast used \d+\nlast server 0\nconnects 1\nsent \d+\nreceived \d+\n\nT: Max number of connections: 500\nT: Active connections:\n/m);
    } finally {
      await pen.stop();
      dir.remove();
    }
  });
});
