// --syscalls: system calls per request for each proxy on the new-connection-per-request
// load. Each proxy starts normally and is warmed up; strace then attaches to the running
// process (all threads) only for the measured wrk run, so start-up is not counted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startDaemon, stopDaemon, freePort, waitListening, sleep, killPidFile } from './procs.mjs';
import { makeCert, startBackends } from './backends.mjs';
import { runWrk } from './wrk.mjs';
import { TARGETS } from './targets.mjs';

function parseStraceSummary(text) {
  const calls = {};
  for (const line of text.split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?(\w+)\s*$/.exec(line);
    if (m && m[3] !== 'total') calls[m[3]] = Number(m[1]);
  }
  return calls;
}

export async function syscallsPerRequest({ dir, seconds, targetIds, scenarioPath = '/100b', close = true }) {
  const cert = makeCert(dir);
  const backends = await startBackends(dir, cert, { cpus: '0' });
  const ids = targetIds ?? ['pen', 'our-pen', 'haproxy-tcp', 'haproxy-http', 'our-pound'];
  const columns = [];
  for (const id of ids) {
    const target = TARGETS.find((t) => t.id === id);
    if (!target?.plain) continue;
    const port = await freePort();
    const spec = target.plain({ port, backends, cert, dir, name: `${id}-strace` });
    if (spec.na) { columns.push({ id, label: target.label, na: spec.na }); continue; }
    const proc = startDaemon(spec.cmd, spec.args, { cpus: '1', logFile: join(dir, `${id}-strace.log`) });
    const up = await waitListening(proc, port);
    if (!up.ok) { columns.push({ id, label: target.label, na: up.reason }); await stopDaemon(proc); continue; }
    const url = `http://127.0.0.1:${port}${scenarioPath}`;
    await runWrk({ url, seconds: 1, conns: 20, close });
    const out = join(dir, `${id}.strace`);
    const strace = spawn('strace', ['-f', '-c', '-o', out, '-p', String(proc.pid)], { stdio: 'ignore' });
    await sleep(500);
    const r = await runWrk({ url, seconds, conns: 20, close });
    strace.kill('SIGINT');
    await new Promise((resolve) => strace.on('exit', resolve));
    await stopDaemon(proc);
    killPidFile(spec.pidFile, 'pound');
    const calls = parseStraceSummary(readFileSync(out, 'utf8'));
    columns.push({ id, label: target.label, requests: r.requests, calls });
    process.stderr.write(`syscalls: ${id}: ${r.requests ?? 0} requests traced\n`);
  }
  for (const b of backends) await stopDaemon(b.proc);
  return render(columns, close);
}

function render(columns, close) {
  const ok = columns.filter((c) => c.calls && c.requests);
  const names = new Set();
  for (const c of ok) for (const [n, v] of Object.entries(c.calls)) if (v / c.requests >= 0.05) names.add(n);
  const total = (c) => Object.values(c.calls).reduce((a, b) => a + b, 0) / c.requests;
  const rows = [...names].sort((a, b) => Math.max(...ok.map((c) => (c.calls[b] ?? 0) / c.requests)) - Math.max(...ok.map((c) => (c.calls[a] ?? 0) / c.requests)));
  const lines = [`### System calls per request (${close ? 'new connection per request' : 'keep-alive'}, 100 B, strace -c)\n\n`];
  lines.push(`| syscall | ${ok.map((c) => c.label).join(' | ')} |\n|---|${ok.map(() => '---:').join('|')}|\n`);
  for (const n of rows) lines.push(`| ${n} | ${ok.map((c) => ((c.calls[n] ?? 0) / c.requests).toFixed(2)).join(' | ')} |\n`);
  lines.push(`| **total** | ${ok.map((c) => total(c).toFixed(1)).join(' | ')} |\n`);
  for (const c of columns.filter((x) => x.na)) lines.push(`\n${c.label}: n/a (${c.na})\n`);
  return `${lines.join('')}\n`;
}
