// Process bookkeeping for the benchmark: every long-running child is started in its own
// process group so one kill reaches its workers too, and every group is remembered so an
// exit — normal, error or Ctrl-C — leaves nothing behind.
import { spawn, spawnSync } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';

const groups = new Set(); // pgids we started (detached children)
const extraPids = new Set(); // pids learnt from pid files (a program that daemonised anyway)

export function killEverything() {
  for (const pgid of groups) {
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
  }
  for (const pid of extraPids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  groups.clear();
  extraPids.clear();
}

let hooked = false;
export function installCleanupHooks() {
  if (hooked) return;
  hooked = true;
  process.on('exit', killEverything);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping every process it started\n`);
      killEverything();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Remember a short-lived child (wrk) so an interrupted run kills it too. */
export function trackPid(pid) {
  if (pid > 0) extraPids.add(pid);
}

export function untrackPid(pid) {
  extraPids.delete(pid);
}

/**
 * Start a long-running program, optionally pinned with taskset, output to logFile.
 * Returns { child, pid, exited: Promise<{code, signal}>, log }.
 */
export function startDaemon(cmd, args, { cpus, logFile, env, cwd } = {}) {
  const argv = cpus ? ['taskset', ['-c', cpus, cmd, ...args]] : [cmd, args];
  const fd = openSync(logFile, 'a');
  const child = spawn(argv[0], argv[1], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...env },
    cwd,
  });
  closeSync(fd);
  const info = { child, pid: child.pid, log: logFile, exitStatus: null };
  info.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => { info.exitStatus = { code, signal }; resolve(info.exitStatus); });
    child.on('error', (err) => { info.exitStatus = { code: -1, signal: null, error: err.message }; resolve(info.exitStatus); });
  });
  if (child.pid) groups.add(child.pid);
  return info;
}

export async function stopDaemon(info, graceMs = 2000) {
  if (!info?.pid) return;
  if (info.exitStatus === null) {
    try { process.kill(-info.pid, 'SIGTERM'); } catch { /* gone */ }
    const done = await Promise.race([info.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) { try { process.kill(-info.pid, 'SIGKILL'); } catch { /* gone */ } await info.exited; }
  }
  // Workers left in the group after the leader exits.
  try { process.kill(-info.pid, 'SIGKILL'); } catch { /* gone */ }
  groups.delete(info.pid);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A port that was free a moment ago (bind port 0, read it back, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function canConnect(port, host = '127.0.0.1', timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    const t = setTimeout(() => { sock.destroy(); resolve(false); }, timeoutMs);
    sock.once('connect', () => { clearTimeout(t); sock.destroy(); resolve(true); });
    sock.once('error', () => { clearTimeout(t); sock.destroy(); resolve(false); });
  });
}

/** Wait until something accepts on port; fail early when the program exits with an error. */
export async function waitListening(info, port, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(port, '127.0.0.1', 200)) return { ok: true };
    if (info.exitStatus && (info.exitStatus.code !== 0 || info.exitStatus.signal)) {
      return { ok: false, reason: `exited (${describeExit(info.exitStatus)}): ${tail(info.log)}` };
    }
    await sleep(info.exitStatus ? 50 : 10);
  }
  return { ok: false, reason: `nothing listening on ${port} after ${timeoutMs} ms: ${tail(info.log)}` };
}

export function describeExit({ code, signal, error }) {
  if (error) return error;
  return signal ? `signal ${signal}` : `code ${code}`;
}

/** Last non-empty lines of a log file, one line, for an n/a reason. */
export function tail(file, lines = 3) {
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (!text) return '(no output)';
    return text.split('\n').slice(-lines).join(' | ').slice(0, 300);
  } catch { return '(no log)'; }
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** Every pid in a process group (the proxy and any workers it forked). */
function groupPids(pgid) {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) out.push(Number(name));
    } catch { /* raced with exit */ }
  }
  return out;
}

/** CPU seconds used so far by a process group: { user, sys }. */
export function groupCpuSeconds(pgid) {
  let user = 0;
  let sys = 0;
  for (const pid of groupPids(pgid)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      user += Number(f[11]); // utime
      sys += Number(f[12]); // stime
    } catch { /* raced with exit */ }
  }
  return { user: user / CLK_TCK, sys: sys / CLK_TCK };
}

/** Sum of a /proc status field (VmRSS, VmHWM) over a process group, in KiB. */
export function groupMemKiB(pgid, field) {
  let kib = 0;
  for (const pid of groupPids(pgid)) {
    try {
      const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
      if (m) kib += Number(m[1]);
    } catch { /* raced with exit */ }
  }
  return kib;
}

/**
 * A program that daemonised despite being told not to escapes its process group; its pid
 * file still names it. Kill that pid if it is still a `mustContain` process.
 */
export function killPidFile(file, mustContain) {
  if (!file) return;
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (!(pid > 1) || pid === process.pid) return;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes(mustContain)) process.kill(pid, 'SIGKILL');
  } catch { /* no file, no process: nothing to do */ }
}
