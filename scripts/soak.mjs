#!/usr/bin/env node
// Soak: mixed load through our pound and our pen for a long time (default 10 minutes), their
// memory and descriptors sampled throughout, then a graceful stop of pound under load that
// must answer every request in flight. Loopback only; bounded in time. Not part of CI.
//   --minutes M        load duration (default 10)
//   --concurrency N    clients per proxy (default 12)
//   --target T         pound, pen or both (default both)
//   --sample S         seconds between memory samples (default 5)
// Prints one line per minute and a summary; exit 0 when no request hung or got a wrong
// answer, memory stayed flat and the graceful stop drained everything.
import { connect } from 'node:net';
import { fdCount, mib, rssKiB, sleep, startBackendProcess, startPen, startPound, stopProxy } from './soak-lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : args[i + 1];
};
const MINUTES = Number(opt('minutes', 10));
const CONCURRENCY = Number(opt('concurrency', 12));
const TARGET = opt('target', 'both');
const SAMPLE_S = Number(opt('sample', 5));
const OP_TIMEOUT_MS = 15000;

// Hard bound on the whole run: load, graceful stop, margin.
setTimeout(() => {
  console.error('soak: gave up (overall time bound)');
  process.exit(2);
}, (MINUTES * 60 + 120) * 1000).unref();

/** Sends `steps` (strings, or numbers = pause ms, or 'reset'), reads until the proxy closes. */
function exchange(port, steps) {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const parts = [];
    let done = false;
    const finish = (outcome) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      resolve({ outcome, text: Buffer.concat(parts).toString('latin1') });
    };
    const t = setTimeout(() => finish('timeout'), OP_TIMEOUT_MS);
    s.on('data', (d) => parts.push(d));
    s.on('error', () => {});
    s.on('close', () => finish('closed'));
    s.once('connect', async () => {
      for (const step of steps) {
        if (done) return;
        if (step === 'reset') { s.resetAndDestroy(); finish('reset'); return; }
        if (typeof step === 'number') await sleep(step);
        else s.write(step, 'latin1');
      }
    });
  });
}

const count = (text, re) => (text.match(re) ?? []).length;
const head = (lines) => lines.join('\r\n') + '\r\n\r\n';
const body64k = 'b'.repeat(65536);

/** The mix: each operation sends bytes and says whether the answer is right. */
const OPS = [
  { name: 'pipelined keep-alive x10', weight: 4,
    steps: () => [Array.from({ length: 10 }, (_, i) => head([`GET /k${i} HTTP/1.1`, 'Host: soak', ...(i === 9 ? ['Connection: close'] : [])])).join('')],
    ok: (text) => count(text, /HTTP\/1\.1 200 OK/g) === 10 },
  { name: 'GET 1 MiB', weight: 1, steps: () => [head(['GET /big HTTP/1.0'])], ok: (text) => text.startsWith('HTTP/1.1 200') && text.length > 1 << 20 },
  { name: 'POST 64 KiB', weight: 2, steps: () => [head(['POST /echo HTTP/1.0', 'Content-Length: 65536']) + body64k], ok: (text) => /^HTTP\/1\.1 200[^]*\r\n\r\n65536$/.test(text) },
  { name: 'chunked POST', weight: 2,
    steps: () => [head(['POST /echo HTTP/1.1', 'Host: soak', 'Transfer-Encoding: chunked', 'Connection: close']) + '5\r\nhello\r\n', 5, '6\r\n world\r\n0\r\n\r\n'],
    ok: (text) => /^HTTP\/1\.1 200[^]*\r\n\r\n11$/.test(text) },
  { name: 'chunked answer', weight: 1, steps: () => [head(['GET /chunked HTTP/1.1', 'Host: soak', 'Connection: close'])], ok: (text) => text.startsWith('HTTP/1.1 200') && text.includes('part two') },
  { name: 'smuggling attempt', weight: 1,
    steps: () => [head(['POST / HTTP/1.1', 'Host: soak', 'Content-Length: 4', 'Transfer-Encoding: chunked']) + '0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n'],
    ok: (text, target) => (target === 'pound' ? text.startsWith('HTTP/1.0 Bad Request') : /^HTTP\/1\.1 400/.test(text)) && !text.includes('200 OK') },
  { name: 'garbage', weight: 1, steps: () => ['\x00\xff\x16\x03\x01 garbage\r\n\r\n'], ok: (text) => /^HTTP\/1\.[01] (501|400)/.test(text) || text === '' },
  { name: 'client reset mid-body', weight: 1, steps: () => [head(['POST /echo HTTP/1.0', 'Content-Length: 100000']) + 'x'.repeat(1000), 20, 'reset'], ok: () => true },
  { name: 'slow head', weight: 1, steps: () => ['GET /slowhead HTTP/1.0\r\nHo', 200, 'st: soak\r\n\r\n'], ok: (text) => text.startsWith('HTTP/1.1 200') },
];
const WEIGHTED = OPS.flatMap((op) => Array.from({ length: op.weight }, () => op));

function newStats(name) {
  return { name, ops: 0, wrong: 0, hung: 0, byOp: {}, samples: [], firstWrong: undefined };
}

async function worker(proxy, stats, until) {
  while (Date.now() < until) {
    const op = WEIGHTED[Math.floor(Math.random() * WEIGHTED.length)];
    const r = await exchange(proxy.port, op.steps());
    stats.ops++;
    const k = (stats.byOp[op.name] ??= { n: 0, wrong: 0 });
    k.n++;
    if (r.outcome === 'timeout') stats.hung++;
    else if (r.outcome !== 'reset' && !op.ok(r.text, proxy.name)) {
      stats.wrong++;
      k.wrong++;
      stats.firstWrong ??= `${op.name}: ${JSON.stringify(r.text.slice(0, 200))}`;
    }
  }
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) { num += (x - mx) * (y - my); den += (x - mx) ** 2; }
  return den === 0 ? 0 : num / den;
}

function memoryVerdict(stats) {
  const s = stats.samples;
  const tail = s.filter((p) => p.t >= s[s.length - 1].t - 60);
  const secondHalf = s.filter((p) => p.t >= s[s.length - 1].t / 2);
  const warm = s.filter((p) => p.t >= 60 && p.t < 120);
  const avg = (xs) => xs.reduce((a, p) => a + p.rss, 0) / Math.max(1, xs.length);
  const base = warm.length ? avg(warm) : avg(s.slice(0, Math.max(1, Math.floor(s.length / 4))));
  const last = avg(tail);
  const perMinute = slope(secondHalf.map((p) => [p.t / 60, p.rss / 1024]));
  const max = Math.max(...s.map((p) => p.rss));
  const growth = last - base;
  const flat = growth < Math.max(5 * 1024, base * 0.1) && perMinute < 2;
  return { base, last, max, perMinute, flat, fdFirst: s[0]?.fd, fdLast: s[s.length - 1]?.fd };
}

async function gracefulStop(pound) {
  // Requests the backend answers after 2 s are in flight when pound is told to stop (SIGINT,
  // graceful, Grace 5): each must still get its answer, and pound must then exit 0.
  const inFlight = Array.from({ length: 20 }, () => exchange(pound.port, [head(['GET /slow HTTP/1.0'])]));
  await sleep(300);
  const t0 = Date.now();
  pound.child.kill('SIGINT');
  const results = await Promise.all(inFlight);
  const code = await pound.exited;
  const answered = results.filter((r) => r.text.startsWith('HTTP/1.1 200')).length;
  const refused = await new Promise((resolve) => {
    const s = connect(pound.port, '127.0.0.1');
    s.on('connect', () => { s.destroy(); resolve(false); });
    s.on('error', () => resolve(true));
  });
  return { answered, of: results.length, code, seconds: (Date.now() - t0) / 1000, refused };
}

async function main() {
  const backend = await startBackendProcess();
  const proxies = [];
  if (TARGET === 'pound' || TARGET === 'both') proxies.push(await startPound(backend.port, { client: 10, grace: 5 }));
  if (TARGET === 'pen' || TARGET === 'both') proxies.push(await startPen(backend.port, { connections: 2000 }));
  const stats = new Map(proxies.map((p) => [p, newStats(p.name)]));
  const t0 = Date.now();
  const until = t0 + MINUTES * 60 * 1000;
  console.log(`soak: ${MINUTES} min of mixed load, ${CONCURRENCY} clients per proxy (${proxies.map((p) => p.name).join(', ')}), loopback only`);
  const sampler = setInterval(() => {
    const t = (Date.now() - t0) / 1000;
    for (const [p, s] of stats) s.samples.push({ t, rss: rssKiB(p.pid), fd: fdCount(p.pid) });
  }, SAMPLE_S * 1000);
  let minute = 0;
  const reporter = setInterval(() => {
    minute++;
    console.log(`  ${minute} min: ` + [...stats.values()].map((s) => {
      const last = s.samples[s.samples.length - 1] ?? { rss: 0, fd: 0 };
      return `${s.name} ${s.ops} exchanges, RSS ${mib(last.rss)} MiB, ${last.fd} fds, ${s.wrong} wrong, ${s.hung} hung`;
    }).join('; '));
  }, 60_000);
  await Promise.all(proxies.flatMap((p) => Array.from({ length: CONCURRENCY }, () => worker(p, stats.get(p), until))));
  clearInterval(sampler);
  clearInterval(reporter);

  let ok = true;
  console.log(`soak: ran ${((Date.now() - t0) / 60000).toFixed(1)} min`);
  for (const [p, s] of stats) {
    const m = memoryVerdict(s);
    const alive = p.child.exitCode === null && p.child.signalCode === null;
    const requests = s.ops + 9 * (s.byOp['pipelined keep-alive x10']?.n ?? 0);
    console.log(`${s.name}: ${s.ops} exchanges, ${requests} HTTP requests (${Object.entries(s.byOp).map(([k, v]) => `${k} ${v.n}`).join(', ')}); ${s.wrong} wrong answers, ${s.hung} hung; ` +
      `RSS after warm-up ${mib(m.base)} MiB, last minute ${mib(m.last)} MiB, max ${mib(m.max)} MiB, trend over the second half ${m.perMinute.toFixed(2)} MiB/min → ${m.flat ? 'flat' : 'GROWING'}; ` +
      `descriptors ${m.fdFirst} → ${m.fdLast}; ${alive ? 'still running' : 'DIED'}`);
    if (s.firstWrong) console.log(`  first wrong answer: ${s.firstWrong}`);
    ok = ok && s.wrong === 0 && s.hung === 0 && m.flat && alive;
  }

  // Graceful stop of pound under load: clients keep going while it drains.
  const pound = proxies.find((p) => p.name === 'pound');
  if (pound) {
    const loadUntil = Date.now() + 4000;
    const load = Array.from({ length: CONCURRENCY }, () => worker(pound, newStats('pound-stop'), loadUntil));
    const g = await gracefulStop(pound);
    await Promise.all(load);
    const drained = g.answered === g.of && g.code === 0 && g.refused;
    console.log(`pound graceful stop under load (SIGINT, Grace 5): ${g.answered}/${g.of} requests in flight answered, exit ${g.code} after ${g.seconds.toFixed(1)} s, ` +
      `new connections ${g.refused ? 'refused' : 'STILL ACCEPTED'} → ${drained ? 'drained' : 'NOT DRAINED'}`);
    ok = ok && drained;
  }
  for (const p of proxies) await stopProxy(p);
  backend.stop();
  console.log(ok ? 'soak: OK' : 'soak: FAILED');
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
