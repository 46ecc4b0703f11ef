// Runs wrk (pinned to the load-generator core) and reads its report.
import { spawn } from 'node:child_process';
import { trackPid, untrackPid } from './procs.mjs';

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60000 };

function toMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : null;
}

export function parseWrk(out) {
  const num = (re) => { const m = re.exec(out); return m ? Number(m[1]) : null; };
  const lat = (pct) => { const m = new RegExp(`^\\s+${pct}%\\s+(\\S+)`, 'm').exec(out); return m ? toMs(m[1]) : null; };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    p50ms: lat(50),
    p99ms: lat(99),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/) ?? 0,
    socketErrors: sock ? { connect: +sock[1], read: +sock[2], write: +sock[3], timeout: +sock[4] } : null,
  };
}

/**
 * One wrk run. `close` adds "Connection: close" (a new connection per request).
 * Resolves with the parsed report plus raw output; never rejects.
 */
export function runWrk({ url, seconds, conns, close, cpus = '0', threads = 1 }) {
  const args = ['-c', cpus, 'wrk', `-t${threads}`, `-c${conns}`, `-d${seconds}s`, '--timeout', '3s', '--latency'];
  if (close) args.push('-H', 'Connection: close');
  args.push(url);
  return new Promise((resolve) => {
    const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    trackPid(child.pid);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    // wrk stops itself after -d; this is only a guard against a wedged run.
    const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 15) * 1000);
    child.on('error', (err) => { clearTimeout(guard); resolve({ ok: false, reason: `wrk: ${err.message}`, raw: out }); });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      untrackPid(child.pid);
      const r = parseWrk(out);
      if (code !== 0 || r.rps === null) {
        resolve({ ...r, ok: false, reason: `wrk ${signal ?? `exit ${code}`}: ${out.trim().split('\n').slice(-2).join(' | ')}`, raw: out });
      } else if (!r.requests) {
        resolve({ ...r, ok: false, reason: 'no request completed', raw: out });
      } else {
        resolve({ ...r, ok: true, raw: out });
      }
    });
  });
}
