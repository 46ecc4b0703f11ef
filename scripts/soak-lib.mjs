// Shared by scripts/soak.mjs and scripts/hold-idle.mjs: start our pound and pen as real
// processes in front of a backend process, all on 127.0.0.1, and read a process's memory and
// descriptor count from /proc. Nothing here talks to anything but loopback.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const POUND = join(ROOT, 'packages/pound/bin/pound');
export const PEN = join(ROOT, 'packages/pen/bin/pen');

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** A port that was free a moment ago (pen and pound must be told theirs). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitListening(port, ms = 15000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

/** Resident memory of a process in KiB, from /proc (0 if gone). */
export function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Open file descriptors of a process (-1 if unreadable). */
export function fdCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

/**
 * The backend, in its own process (its sockets do not count against ours):
 *   /big → 1 MiB, /chunked → a chunked answer, /slow → answers after 2 s,
 *   /echo → the length of the request body, anything else → "ok". Keep-alive.
 */
const BACKEND_SOURCE = `
import { createServer } from 'node:http';
const big = Buffer.alloc(1 << 20, 97);
const server = createServer((req, res) => {
  let n = 0;
  req.on('data', (c) => { n += c.length; });
  req.on('end', () => {
    if (req.url === '/big') { res.writeHead(200, { 'Content-Length': big.length }); res.end(big); }
    else if (req.url === '/chunked') { res.writeHead(200); res.write('part one,'); setTimeout(() => res.end('part two'), 5); }
    else if (req.url === '/slow') setTimeout(() => { res.writeHead(200, { 'Content-Length': 4 }); res.end('slow'); }, 2000);
    else if (req.url === '/echo') { const t = String(n); res.writeHead(200, { 'Content-Length': t.length }); res.end(t); }
    else { res.writeHead(200, { 'Content-Length': 2 }); res.end('ok'); }
  });
  req.on('error', () => {});
});
server.keepAliveTimeout = 60000;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.maxConnections = 100000;
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
process.on('disconnect', () => process.exit(0));
`;

export async function startBackendProcess() {
  const child = spawn(process.execPath, ['--input-type=module', '-e', BACKEND_SOURCE], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`backend exited (${code})`)));
  });
  return { port, pid: child.pid, stop: () => { child.kill('SIGTERM'); } };
}

/** Our pound (2.8 dialect) on a fresh port in front of `backendPort`; `Client` seconds idle allowed. */
export async function startPound(backendPort, { client = 10, grace = 5, dialect = '2.8' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'penpound-soak-'));
  const port = await freePort();
  const cfg = join(dir, 'pound.cfg');
  writeFileSync(cfg, `Daemon 0\nLogFacility -\nLogLevel 0\nClient ${client}\nGrace ${grace}\nTimeOut 15\n` +
    `ListenHTTP\n\tAddress 127.0.0.1\n\tPort ${port}\n\tService\n\t\tBackEnd\n\t\t\tAddress 127.0.0.1\n\t\t\tPort ${backendPort}\n\t\tEnd\n\tEnd\nEnd\n`);
  const child = spawn(POUND, ['-W', `compat=${dialect}`, '-f', cfg, '-p', join(dir, 'pound.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  await waitListening(port);
  return { name: 'pound', port, pid: child.pid, child, exited, stderr: () => stderr, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Our pen (-f, round robin) on a fresh port in front of `backendPort`, room for `connections`. */
export async function startPen(backendPort, { connections = 500 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'penpound-soak-'));
  const port = await freePort();
  const child = spawn(PEN, ['-f', '-r', '-u', userInfo().username, '-x', String(connections), '-p', join(dir, 'pen.pid'),
    `127.0.0.1:${port}`, `127.0.0.1:${backendPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  await waitListening(port);
  return { name: 'pen', port, pid: child.pid, child, exited, stderr: () => stderr, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Stop a proxy started above (SIGTERM, then SIGKILL after 5 s). */
export async function stopProxy(p) {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), 5000);
  await p.exited;
  clearTimeout(t);
  p.cleanup();
}

/** One HTTP/1.0 GET on a new connection; resolves with the status code (0 = no answer). */
export function getStatus(port, path = '/', ms = 10000) {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    let got = '';
    const t = setTimeout(() => s.destroy(), ms);
    s.on('data', (d) => { got += d.toString('latin1'); });
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(t); resolve(Number(/^HTTP\/1\.\d (\d{3})/.exec(got)?.[1] ?? 0)); });
  });
}

export function mib(kib) {
  return (kib / 1024).toFixed(1);
}
