// scripts/bench, the measuring part (scripts/bench itself installs tools and builds).
// Starts two nginx back ends, every proxy under test, then runs wrk against each in
// interleaved rounds and prints medians, latency, CPU per request, memory and ratios.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cpus as osCpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  installCleanupHooks, killEverything, startDaemon, stopDaemon, freePort, waitListening, sleep,
  groupCpuSeconds, groupMemKiB, describeExit, tail, killPidFile,
} from './procs.mjs';
import { makeCert, startBackends, SMALL_SIZE, LARGE_SIZE } from './backends.mjs';
import { runWrk } from './wrk.mjs';
import { checkGet } from './check.mjs';
import { TARGETS, SCENARIOS, RATIOS, OUR_POUND, OUR_POUND_MAIN } from './targets.mjs';
import { median } from './stats.mjs';
import { timeToListening, timePoundCheck } from './startup.mjs';
import { renderReport } from './report.mjs';
import { profilePen } from './profile.mjs';
import { syscallsPerRequest } from './syscalls.mjs';

const USAGE = `usage: scripts/bench [--quick | --all] [--json FILE] [--markdown FILE] [--seconds N] [--reps N]
                     [--conns N] [--targets id,..] [--scenarios id,..] [--no-startup]
                     [--nginx-cpus LIST] [--keep] [--pound4 PATH]
       scripts/bench --profile-pen [--seconds N] [--profile-out FILE]
       scripts/bench --syscalls [--targets id,..] [--seconds N]   (needs strace)
targets:   ${TARGETS.map((t) => t.id).join(', ')}
scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}`;

function parseArgs(argv) {
  const o = { quick: false, json: null, markdown: null, seconds: null, reps: null, conns: 50, targets: null,
    scenarios: null, startup: true, nginxCpus: null, keep: false, profilePen: false, profileOut: null, syscalls: false, all: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    switch (a) {
      case '--quick': o.quick = true; break;
      case '--all': o.all = true; break;
      case '--json': o.json = val(); break;
      case '--markdown': o.markdown = val(); break;
      case '--seconds': o.seconds = Number(val()); break;
      case '--reps': o.reps = Number(val()); break;
      case '--conns': o.conns = Number(val()); break;
      case '--targets': o.targets = val().split(','); break;
      case '--scenarios': o.scenarios = val().split(','); break;
      case '--no-startup': o.startup = false; break;
      case '--nginx-cpus': o.nginxCpus = val(); break;
      case '--keep': o.keep = true; break;
      case '--profile-pen': o.profilePen = true; break;
      case '--profile-out': o.profileOut = val(); break;
      case '--syscalls': o.syscalls = true; break;
      case '--pound4': process.env.PENPOUND_BENCH_POUND4 = val(); break;
      case '-h': case '--help': console.log(USAGE); process.exit(0); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  o.seconds ??= o.quick ? 1 : 4;
  o.reps ??= o.quick ? 1 : 3;
  if (!(o.seconds >= 1) || !(o.reps >= 1) || !(o.conns >= 1)) usage('--seconds, --reps and --conns must be positive');
  return o;
}

function usage(msg) {
  console.error(`bench: ${msg}\n${USAGE}`);
  process.exit(2);
}

function pick(list, ids, { quick, all }, kind) {
  if (ids) {
    const unknown = ids.filter((id) => !list.some((x) => x.id === id));
    if (unknown.length) usage(`unknown ${kind}: ${unknown.join(', ')}`);
    return list.filter((x) => ids.includes(x.id));
  }
  if (quick) return list.filter((x) => x.quick);
  return all ? list : list.filter((x) => !x.baseline);
}

function machine() {
  const debVersion = (pkg) => spawnSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' }).stdout?.trim() || null;
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname });
  return {
    date: new Date().toISOString(),
    nproc: osCpus().length,
    cpuModel: osCpus()[0]?.model ?? 'unknown',
    node: process.version,
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    commit: git.stdout?.trim() || null,
    versions: {
      pen: debVersion('pen'),
      haproxy: debVersion('haproxy'),
      nginx: debVersion('nginx-light') ?? debVersion('nginx'),
      wrk: debVersion('wrk'),
    },
    loadAvgStart: loadavg().map((x) => +x.toFixed(2)),
  };
}

async function startInstance({ target, tls, dir, backends, cert }) {
  const name = `${target.id}${tls ? '-tls' : ''}`;
  const inst = { id: name, target: target.id, label: target.label, tls, na: null, proc: null, port: null, cpu: true };
  if (target.id === 'direct') {
    const a = backends[0];
    Object.assign(inst, { proc: a.proc, port: tls ? a.tlsPort : a.port, cpu: false });
  } else {
    const launcher = tls ? target.tls : target.plain;
    if (!launcher) return null;
    inst.port = await freePort();
    const spec = launcher({ port: inst.port, backends, cert, dir, name });
    if (spec.na) { inst.na = spec.na; return inst; }
    inst.pidFile = spec.pidFile;
    inst.proc = startDaemon(spec.cmd, spec.args, { cpus: '1', logFile: join(dir, `${name}.log`) });
    const up = await waitListening(inst.proc, inst.port);
    if (!up.ok) {
      inst.na = target.id === 'our-pound' ? `not serving yet: ${up.reason}` : up.reason;
      return inst;
    }
    await sleep(300);
    inst.idleRssKiB = groupMemKiB(inst.proc.pid, 'VmRSS');
  }
  for (const [path, size] of [['/100b', SMALL_SIZE], ['/100k', LARGE_SIZE]]) {
    const ok = await checkGet({ port: inst.port, path, expectSize: size, useTls: tls });
    if (!ok.ok) {
      inst.na = `${target.id === 'our-pound' ? 'not serving yet: ' : ''}${ok.reason}`;
      break;
    }
  }
  return inst;
}

async function runCell({ inst, scenario, seconds, conns }) {
  const scheme = scenario.tls ? 'https' : 'http';
  const cpu0 = inst.cpu ? groupCpuSeconds(inst.proc.pid) : null;
  const r = await runWrk({ url: `${scheme}://127.0.0.1:${inst.port}${scenario.path}`, seconds, conns, close: scenario.close });
  const cpu1 = inst.cpu ? groupCpuSeconds(inst.proc.pid) : null;
  return {
    ok: r.ok, reason: r.reason, rps: r.rps, requests: r.requests, p50ms: r.p50ms, p99ms: r.p99ms,
    socketErrors: r.socketErrors ?? { connect: 0, read: 0, write: 0, timeout: 0 }, non2xx: r.non2xx,
    cpuUsPerReq: inst.cpu && r.requests ? ((cpu1.user + cpu1.sys - cpu0.user - cpu0.sys) / r.requests) * 1e6 : null,
    userUsPerReq: inst.cpu && r.requests ? ((cpu1.user - cpu0.user) / r.requests) * 1e6 : null,
  };
}

function summarise(runs) {
  const good = runs.filter((r) => r.ok);
  if (!good.length) return { na: runs.at(-1)?.reason ?? 'not run' };
  const rps = good.map((r) => r.rps);
  return {
    rps: median(rps), minRps: Math.min(...rps), maxRps: Math.max(...rps), reps: good.length,
    p50ms: median(good.map((r) => r.p50ms)), p99ms: median(good.map((r) => r.p99ms)),
    cpuUsPerReq: median(good.map((r) => r.cpuUsPerReq)),
    userUsPerReq: median(good.map((r) => r.userUsPerReq)),
    errors: errorSummary(good),
    failedReps: runs.length - good.length,
  };
}

/** "0", or e.g. "5221 (read 5200, non-2xx 21)" summed over the reps. */
function errorSummary(runs) {
  const sum = { connect: 0, read: 0, write: 0, timeout: 0, 'non-2xx': 0 };
  for (const r of runs) {
    for (const k of ['connect', 'read', 'write', 'timeout']) sum[k] += r.socketErrors[k];
    sum['non-2xx'] += r.non2xx;
  }
  const parts = Object.entries(sum).filter(([, v]) => v > 0);
  const total = parts.reduce((a, [, v]) => a + v, 0);
  return total ? `${total} (${parts.map(([k, v]) => `${k} ${v}`).join(', ')})` : '0';
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  installCleanupHooks();
  const dir = mkdtempSync('/tmp/penpound-bench-');
  process.on('exit', () => { if (!opt.keep) rmSync(dir, { recursive: true, force: true }); });
  if (opt.profilePen) {
    await profilePen({ dir, seconds: opt.seconds, conns: opt.conns, out: opt.profileOut });
    killEverything();
    return;
  }
  if (opt.syscalls) {
    process.stdout.write(await syscallsPerRequest({ dir, seconds: opt.seconds, targetIds: opt.targets }));
    killEverything();
    return;
  }
  const targets = pick(TARGETS, opt.targets, opt, 'target');
  const scenarios = pick(SCENARIOS, opt.scenarios, opt, 'scenario');
  const info = machine();
  info.method = { seconds: opt.seconds, reps: opt.reps, conns: opt.conns, wrkThreads: 1, wrkCpus: '0', proxyCpus: '1',
    nginxCpus: opt.nginxCpus ?? 'unpinned', quick: opt.quick };
  log(`bench: ${targets.length} targets × ${scenarios.length} scenarios × ${opt.reps} rep(s) × ${opt.seconds} s, temp dir ${dir}`);

  const cert = makeCert(dir);
  const backends = await startBackends(dir, cert, { cpus: opt.nginxCpus ?? undefined });
  log(`bench: nginx back ends on ${backends.map((b) => b.port).join(', ')} (TLS ${backends[0].tlsPort})`);

  const needTls = scenarios.some((s) => s.tls);
  const needPlain = scenarios.some((s) => !s.tls);
  const instances = [];
  for (const target of targets) {
    for (const tls of [false, true]) {
      if ((tls && !needTls) || (!tls && !needPlain)) continue;
      const inst = await startInstance({ target, tls, dir, backends, cert });
      if (!inst) continue;
      instances.push(inst);
      log(`bench: ${inst.id}: ${inst.na ? `n/a (${inst.na})` : `ready on ${inst.port}`}`);
    }
  }
  // The direct target must work, or nothing measured means anything.
  const direct = instances.find((i) => i.target === 'direct' && !i.tls);
  if (direct?.na) throw new Error(`the nginx back end does not answer: ${direct.na}`);

  const cellsFor = (scenario) => instances.filter((i) => i.tls === scenario.tls);
  const runs = new Map(); // `${scenario}|${instance}` -> [run]
  if (!opt.quick) {
    log('bench: warm-up, 1 s per target');
    for (const inst of instances.filter((i) => !i.na)) {
      const scenario = scenarios.find((s) => s.tls === inst.tls);
      await runWrk({ url: `${inst.tls ? 'https' : 'http'}://127.0.0.1:${inst.port}${scenario.path}`, seconds: 1, conns: opt.conns, close: false });
    }
  }
  for (let rep = 0; rep < opt.reps; rep++) {
    for (const scenario of scenarios) {
      const list = cellsFor(scenario);
      // Rotate the order each round so no target always runs right after the same neighbour.
      const order = list.map((_, k) => list[(k + rep) % list.length]);
      for (const inst of order) {
        if (inst.na) continue;
        const r = await runCell({ inst, scenario, seconds: opt.seconds, conns: opt.conns });
        const key = `${scenario.id}|${inst.id}`;
        if (!runs.has(key)) runs.set(key, []);
        runs.get(key).push(r);
        log(`bench: rep ${rep + 1}/${opt.reps} ${scenario.id.padEnd(14)} ${inst.id.padEnd(16)} ${r.ok ? `${Math.round(r.rps)} req/s` : `failed: ${r.reason}`}`);
        if (inst.proc.exitStatus) {
          inst.na = `exited during ${scenario.id} (${describeExit(inst.proc.exitStatus)}): ${tail(inst.proc.log)}`;
        }
        await sleep(200);
      }
    }
  }
  for (const inst of instances) {
    if (inst.proc && !inst.proc.exitStatus && inst.cpu) inst.peakRssKiB = groupMemKiB(inst.proc.pid, 'VmHWM');
  }

  const cells = {};
  for (const scenario of scenarios) {
    cells[scenario.id] = {};
    for (const inst of cellsFor(scenario)) {
      const key = `${scenario.id}|${inst.id}`;
      cells[scenario.id][inst.target] = runs.has(key) ? summarise(runs.get(key)) : { na: inst.na ?? 'not run' };
    }
  }

  // Start-up cost: processes under test are stopped first so the loop has the CPU.
  for (const inst of instances) {
    if (inst.proc && inst.target !== 'direct') { await stopDaemon(inst.proc); killPidFile(inst.pidFile, 'pound'); }
  }
  const startup = {};
  let poundCheck = null;
  if (opt.startup) {
    const startupRuns = opt.quick ? 3 : 10;
    for (const target of targets.filter((t) => t.plain)) {
      log(`bench: start-up time of ${target.id}`);
      startup[target.id] = await timeToListening({ launcher: target.plain, runs: startupRuns, dir, name: target.id, backends, cert, cpus: '1' });
    }
    if (targets.some((t) => t.id === 'our-pound')) {
      log('bench: pound -c on the seed configuration');
      try {
        readFileSync(OUR_POUND_MAIN);
        poundCheck = timePoundCheck({ dir, cert, runs: opt.quick ? 5 : 20, poundBin: OUR_POUND });
      } catch (err) {
        poundCheck = { na: `not built (${err.code === 'ENOENT' ? 'packages/pound/dist/cli/pound-main.js missing' : err.message})` };
      }
    }
  }
  info.loadAvgEnd = loadavg().map((x) => +x.toFixed(2));

  const result = { machine: info, targets: targets.map(({ id, label, ours }) => ({ id, label, ours: !!ours })),
    scenarios: scenarios.map(({ id, label }) => ({ id, label })), ratios: RATIOS, cells,
    instances: instances.map(({ id, target, tls, na, idleRssKiB, peakRssKiB }) => ({ id, target, tls, na, idleRssKiB, peakRssKiB })),
    startup, poundCheck };
  const text = renderReport(result);
  process.stdout.write(text);
  if (opt.markdown) writeFileSync(opt.markdown, text);
  if (opt.json) writeFileSync(opt.json, `${JSON.stringify(result, null, 2)}\n`);
  for (const b of backends) await stopDaemon(b.proc);
}

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

main().then(() => process.exit(0), (err) => {
  console.error(`bench: harness failure: ${err.stack || err}`);
  killEverything();
  process.exit(2);
});
