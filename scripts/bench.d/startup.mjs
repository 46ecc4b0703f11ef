// Start-up cost: time from exec to "accepting connections", and `pound -c` on the seed
// configuration. Measured with a loop and hrtime rather than hyperfine for the start-up,
// because "listening" is an event hyperfine cannot see; `pound -c` is a plain command, so
// hyperfine is used for it when installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, stopDaemon, freePort, canConnect, sleep, groupMemKiB, tail, killPidFile } from './procs.mjs';
import { median } from './stats.mjs';

const repo = new URL('../..', import.meta.url).pathname;

/** Median/min ms from spawn to the first accepted connection, over `runs` fresh starts. */
export async function timeToListening({ launcher, runs, dir, name, backends, cert, cpus }) {
  const times = [];
  let idleRssKiB = null;
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const spec = launcher({ port, backends, cert, dir, name: `${name}-startup-${i}` });
    if (spec.na) return { na: spec.na };
    const t0 = process.hrtime.bigint();
    const proc = startDaemon(spec.cmd, spec.args, { cpus, logFile: join(dir, `${name}-startup.log`) });
    let up = false;
    while (process.hrtime.bigint() - t0 < 10_000_000_000n) {
      if (await canConnect(port, '127.0.0.1', 200)) { up = true; break; }
      if (proc.exitStatus) break;
      await sleep(2);
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (up && i === runs - 1) { await sleep(300); idleRssKiB = groupMemKiB(proc.pid, 'VmRSS'); }
    await stopDaemon(proc);
    killPidFile(spec.pidFile, 'pound');
    if (!up) return { na: `never listened: ${tail(proc.log)}` };
    times.push(ms);
  }
  return { medianMs: median(times), minMs: Math.min(...times), runs, idleRssKiB };
}

/**
 * The seed's pound.cfg: the pound package's own fixture (a seed.cfg under fixtures/pound, the
 * article's config without its comment lines) when there is one, else our verbatim copy.
 */
export function findSeedPoundCfg() {
  for (const d of ['fixtures/pound', 'packages/pound/fixtures']) {
    const abs = join(repo, d);
    if (!existsSync(abs)) continue;
    const hit = walk(abs).find((f) => f.endsWith('/seed.cfg') && readFileSync(f, 'utf8').includes('192.168.0.121'));
    if (hit) return hit;
  }
  return join(repo, 'scripts/bench.d/fixtures/pound-seed-001.cfg');
}

function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p)); else out.push(p);
  }
  return out;
}

/**
 * Time `pound -c -f <seed copy>`. The seed names /usr/share/ssl/certs/pound.pem, which does
 * not exist here, so the copy points Cert at the run's generated PEM; all else is verbatim.
 */
export function timePoundCheck({ dir, cert, runs, poundBin }) {
  const seed = findSeedPoundCfg();
  const copy = join(dir, 'seed-pound.cfg');
  writeFileSync(copy, readFileSync(seed, 'utf8').replace(/^(\s*Cert\s+)"[^"]*"/m, `$1"${cert.combined}"`));
  const once = spawnSync(poundBin, ['-c', '-f', copy], { encoding: 'utf8', timeout: 20000 });
  const result = {
    seed: seed.replace(repo, ''),
    exitCode: once.status,
    output: `${once.stderr ?? ''}${once.stdout ?? ''}`.trim().split('\n').slice(0, 3).join(' | ').slice(0, 200),
  };
  const hf = spawnSync('hyperfine', ['--version'], { encoding: 'utf8' });
  if (hf.status === 0) {
    const json = join(dir, 'hyperfine-pound-c.json');
    const r = spawnSync('hyperfine', ['-N', '-i', '--style', 'none', '--warmup', '2', '--runs', String(runs),
      '--export-json', json, `${poundBin} -c -f ${copy}`], { encoding: 'utf8', timeout: 120000 });
    if (r.status === 0) {
      const res = JSON.parse(readFileSync(json, 'utf8')).results[0];
      return { ...result, tool: 'hyperfine', medianMs: res.median * 1000, minMs: res.min * 1000, runs };
    }
  }
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(poundBin, ['-c', '-f', copy], { stdio: 'ignore', timeout: 20000 });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ...result, tool: 'loop', medianMs: median(times), minMs: Math.min(...times), runs };
}
