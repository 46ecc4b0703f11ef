#!/usr/bin/env node
// npm run demo: three small HTTP backends on 127.0.0.1, our pen in front of them
// (round robin, X-Forwarded-For, a control port for penctl), and our pound in front of the
// same backends on fixtures/pound/demo.cfg. Runs until Ctrl-C.
//   --once         send a few requests through pen, print the answers, stop (exit 0)
//   --timeout SEC  stop by itself after SEC seconds
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, get } from 'node:http';
import { createConnection, createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const pen = join(root, 'packages/pen/bin/pen');
const penctl = join(root, 'packages/pen/bin/penctl');
const pound = join(root, 'packages/pound/bin/pound');
const args = process.argv.slice(2);
const once = args.includes('--once');
const timeoutIndex = args.indexOf('--timeout');
const timeoutSeconds = timeoutIndex === -1 ? 0 : Number(args[timeoutIndex + 1]);

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/** pen must be told its ports: take free ones from the OS. */
async function freePort() {
  const s = createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

const backends = [];
for (const name of ['one', 'two', 'three']) {
  const server = createHttpServer((req, res) => {
    const body = `backend ${name}: ${req.method} ${req.url} (X-Forwarded-For: ${req.headers['x-forwarded-for'] ?? '-'})\n`;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
    res.end(body);
  });
  backends.push({ name, server, port: await listen(server) });
}

const port = await freePort();
const controlPort = await freePort();
// As root pen refuses a control port unless told which user to run as.
const user = process.getuid?.() === 0 ? ['-u', 'root'] : [];
const penArgs = ['-f', '-r', '-H', ...user, '-C', `127.0.0.1:${controlPort}`, `127.0.0.1:${port}`, ...backends.map((b) => `127.0.0.1:${b.port}`)];
const child = spawn(pen, penArgs, { stdio: ['ignore', 'inherit', 'inherit'] });

// pound on the fixture config, with the ports filled in.
const poundPort = await freePort();
const workDir = mkdtempSync(join(tmpdir(), 'penpound-demo-'));
const poundCfg = join(workDir, 'pound.cfg');
let cfgText = readFileSync(join(root, 'fixtures/pound/demo.cfg'), 'utf8').replace('@PORT@', String(poundPort));
backends.forEach((b, i) => (cfgText = cfgText.replace(`@BACKEND${i + 1}@`, String(b.port))));
writeFileSync(poundCfg, cfgText);
const poundChild = spawn(pound, ['-f', poundCfg], { stdio: ['ignore', once ? 'ignore' : 'inherit', 'inherit'] });

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const c of [child, poundChild]) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    }
  }
  rmSync(workDir, { recursive: true, force: true });
  await Promise.all(backends.map((b) => new Promise((r) => b.server.close(r))));
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
for (const [name, c] of [['pen', child], ['pound', poundChild]]) {
  c.on('exit', (code) => {
    if (!stopping) {
      console.error(`${name} exited unexpectedly (status ${code})`);
      void stop(1);
    }
  });
}

function fetchText(path, toPort = port, headers = {}) {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: toPort, path, agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
}

async function waitUntilServing() {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const probe = spawn(penctl, [`127.0.0.1:${controlPort}`, 'pid'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      probe.stdout.on('data', (d) => (out += d));
      probe.on('close', () => resolve(/^\d+\n$/.test(out)));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('pen did not start');
}

async function waitForPort(p) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port: p }, () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${p}`);
}

await waitUntilServing();
await waitForPort(poundPort);
console.log(`pen is balancing 127.0.0.1:${port} over ${backends.map((b) => `127.0.0.1:${b.port}`).join(', ')}`);
console.log(`  ${pen} ${penArgs.join(' ')}`);
console.log(`pound is proxying 127.0.0.1:${poundPort} to the same backends (sessions by cookie "demo")`);
console.log(`  ${pound} -f ${poundCfg}   (from fixtures/pound/demo.cfg)\n`);

if (once) {
  for (let i = 1; i <= 4; i++) process.stdout.write(`request ${i} -> ${await fetchText(`/demo/${i}`)}`);
  const servers = spawn(penctl, [`127.0.0.1:${controlPort}`, 'servers'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  servers.stdout.on('data', (d) => (out += d));
  await new Promise((r) => servers.on('close', r));
  process.stdout.write(`\npenctl servers:\n${out}\n`);
  for (let i = 1; i <= 3; i++) process.stdout.write(`pound request ${i} -> ${await fetchText(`/pound/${i}`, poundPort, { Cookie: 'demo=visitor1' })}`);
  await stop(0);
} else {
  console.log('Try it:');
  console.log(`  curl http://127.0.0.1:${port}/        (again and again: round robin)`);
  console.log(`  ${penctl} 127.0.0.1:${controlPort} servers`);
  console.log(`  ${penctl} 127.0.0.1:${controlPort} mode`);
  console.log(`  ${penctl} 127.0.0.1:${controlPort} server 0 blacklist 30`);
  console.log(`  curl http://127.0.0.1:${poundPort}/    (pound; add -b demo=me to stick to one backend)`);
  console.log('Ctrl-C stops everything.');
  if (timeoutSeconds > 0) setTimeout(() => void stop(0), timeoutSeconds * 1000).unref();
}
