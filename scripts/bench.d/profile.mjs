// --profile-pen: run our pen under `node --cpu-prof` through the new-connection-per-request
// load and print where its CPU time goes (self time per function).
import { existsSync, readdirSync, copyFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startDaemon, stopDaemon, freePort, waitListening, sleep, tail } from './procs.mjs';
import { makeCert, startBackends } from './backends.mjs';
import { runWrk } from './wrk.mjs';
import { OUR_PEN_MAIN, DEBIAN_PEN } from './targets.mjs';
import { summariseProfile } from './cpuprofile-summary.mjs';

const here = new URL('.', import.meta.url).pathname;

export async function profilePen({ dir, seconds, conns, out }) {
  if (!existsSync(OUR_PEN_MAIN)) throw new Error(`our pen is not built (${OUR_PEN_MAIN} missing)`);
  const cert = makeCert(dir);
  // nginx shares the load generator's core here, so the pen core runs pen alone and the
  // profiler's wall-clock samples are pen's own time, not nginx preempting it.
  const backends = await startBackends(dir, cert, { cpus: '0' });
  const port = await freePort();
  const profDir = join(dir, 'prof');
  // The exit hook turns SIGUSR2 into process.exit(), which is when --cpu-prof writes its file.
  const proc = startDaemon(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, '--import', join(here, 'profile-exit-hook.mjs'),
    OUR_PEN_MAIN, '-f', '-r', `127.0.0.1:${port}`, ...backends.map((b) => `127.0.0.1:${b.port}`)], { cpus: '1', logFile: join(dir, 'pen-prof.log') });
  const up = await waitListening(proc, port);
  if (!up.ok) throw new Error(`our pen did not start: ${up.reason}`);
  await runWrk({ url: `http://127.0.0.1:${port}/100b`, seconds: 1, conns, close: true }); // warm-up
  const r = await runWrk({ url: `http://127.0.0.1:${port}/100b`, seconds, conns, close: true });
  process.stderr.write(`profile-pen: ${r.ok ? `${Math.round(r.rps)} req/s under the profiler` : r.reason}\n`);
  process.kill(proc.pid, 'SIGUSR2');
  await Promise.race([proc.exited, sleep(10000)]);
  await stopDaemon(proc);
  const files = existsSync(profDir) ? readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')) : [];
  if (!files.length) throw new Error(`no .cpuprofile written: ${tail(proc.log)}`);
  const file = join(profDir, files[0]);
  if (out) { copyFileSync(file, out); process.stderr.write(`profile-pen: profile saved to ${out}\n`); }
  process.stdout.write(summariseProfile(file, { top: 30, requests: r.requests }));
  if (spawnSync('perf', ['--version']).status === 0) {
    // The V8 profile cannot see inside system calls; perf sees kernel and user alike.
    const runs = [];
    for (const [label, cmd, pre] of [['our pen', process.execPath, ['--perf-basic-prof', OUR_PEN_MAIN]], ['pen 0.34 (Debian)', DEBIAN_PEN, []]]) {
      runs.push(await perfProfile({ label, cmd, args: [...pre, '-f', '-r'], backends, dir, seconds, conns }));
    }
    process.stdout.write(renderPerf(runs));
  }
  for (const b of backends) await stopDaemon(b.proc);
}

const PERF_HZ = 4000;

/** perf record (cpu-clock, all threads) of one proxy during the measured wrk run. */
async function perfProfile({ label, cmd, args, backends, dir, seconds, conns }) {
  const port = await freePort();
  const name = label.replace(/\W+/g, '-');
  const proc = startDaemon(cmd, [...args, `127.0.0.1:${port}`, ...backends.map((b) => `127.0.0.1:${b.port}`)], { cpus: '1', logFile: join(dir, `${name}-perf.log`) });
  const up = await waitListening(proc, port);
  if (!up.ok) { await stopDaemon(proc); return { label, na: up.reason }; }
  const url = `http://127.0.0.1:${port}/100b`;
  await runWrk({ url, seconds: 1, conns, close: true });
  const data = join(dir, `${name}.perf`);
  const rec = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', String(PERF_HZ), '-g', '-p', String(proc.pid), '-o', data], { stdio: 'ignore' });
  await sleep(300);
  const r = await runWrk({ url, seconds, conns, close: true });
  rec.kill('SIGINT');
  await new Promise((resolve) => rec.on('exit', resolve));
  await stopDaemon(proc);
  if (!r.requests) return { label, na: r.reason };
  // µs of CPU per request for each row: samples × sample period ÷ requests.
  const report = (args) => spawnSync('perf', ['report', '-i', data, '--stdio', '-n', '-g', 'none', '--percent-limit', '0', ...args],
    { encoding: 'utf8', maxBuffer: 256 << 20 }).stdout.split('\n');
  const perReq = (samples) => (samples * 1e6) / PERF_HZ / r.requests;
  const rows = (sort) => {
    const out = new Map();
    for (const line of report(['--no-children', '--sort', sort])) {
      const m = /^\s+[\d.]+%\s+(\d+)\s+(.*?)\s*$/.exec(line);
      if (!m) continue;
      const name = m[2].replace(/^\[JIT\] tid \d+$/, '[JIT] (JavaScript)').replace(/\s+/g, ' ');
      out.set(name, (out.get(name) ?? 0) + perReq(Number(m[1])));
    }
    return out;
  };
  const dso = rows('dso');
  const totalSamples = ([...dso.values()].reduce((a, b) => a + b, 0) * PERF_HZ * r.requests) / 1e6;
  // Inclusive ("children") time of each system call's kernel entry point.
  const syscalls = new Map();
  for (const line of report(['--children', '--sort', 'sym'])) {
    const m = /^\s+([\d.]+)%\s+[\d.]+%\s+\d+\s+\[k\] (?:__x64_sys_|ksys_)(\w+)\s*$/.exec(line);
    if (m) syscalls.set(m[2], Math.max(syscalls.get(m[2]) ?? 0, perReq((Number(m[1]) / 100) * totalSamples)));
  }
  return { label, requests: r.requests, rps: r.rps, dso, sym: rows('sym'), syscalls };
}

function renderPerf(runs) {
  const ok = runs.filter((x) => !x.na);
  const lines = ['\n### perf (kernel and user), new connection per request: CPU µs per request\n\n'];
  for (const x of runs.filter((y) => y.na)) lines.push(`${x.label}: n/a (${x.na})\n\n`);
  if (!ok.length) return lines.join('');
  const table = (key, top) => {
    const names = new Set(ok.flatMap((x) => [...x[key].keys()]));
    const sorted = [...names].map((n) => [n, ok.map((x) => x[key].get(n) ?? 0)])
      .sort((a, b) => Math.max(...b[1]) - Math.max(...a[1])).slice(0, top);
    lines.push(`| ${{ dso: 'where', syscalls: 'system call', sym: 'symbol (self)' }[key]} | ${ok.map((x) => x.label).join(' | ')} |\n|---|${ok.map(() => '---:').join('|')}|\n`);
    if (key === 'dso') {
      lines.push(`| **total** | ${ok.map((x) => [...x.dso.values()].reduce((a, b) => a + b, 0).toFixed(1)).join(' | ')} |\n`);
    }
    for (const [n, v] of sorted) lines.push(`| \`${n}\` | ${v.map((u) => u.toFixed(2)).join(' | ')} |\n`);
    lines.push('\n');
  };
  lines.push(`requests under perf: ${ok.map((x) => `${x.label} ${x.requests} (${Math.round(x.rps)} req/s)`).join(', ')}\n\n`);
  table('dso', 8);
  lines.push('Kernel time per system call (inclusive, includes the loopback peer\'s softirq work done in our context):\n\n');
  table('syscalls', 16);
  table('sym', 40);
  return lines.join('');
}
