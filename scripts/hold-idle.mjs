#!/usr/bin/env node
// Holds many idle client connections open through our pound and our pen (loopback only),
// checks that none is dropped while held and that the proxy still answers a request, then
// closes them and checks that the proxy gives its descriptors back. Run it through
// scripts/hold-idle, which raises the open-file limit first. Not part of CI.
//   --count N        idle connections per proxy (default 10000)
//   --hold SECONDS   how long to hold them (default 10)
//   --target T       pound, pen or both (default both)
//   --timeout S      give up after S seconds in all (default 300)
// pen opens a backend connection for each client, so it needs two descriptors per client:
// under a hard limit below 2×N+200 its count is lowered to fit, and the output says so.
import { connect } from 'node:net';
import { fdCount, getStatus, mib, rssKiB, sleep, startBackendProcess, startPen, startPound, stopProxy } from './soak-lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : args[i + 1];
};
const COUNT = Number(opt('count', 10000));
const HOLD = Number(opt('hold', 10));
const TARGET = opt('target', 'both');
const FD_LIMIT = Number(opt('fd-limit', 1024));
const TIMEOUT = Number(opt('timeout', 300));

setTimeout(() => {
  console.error(`hold-idle: gave up after ${TIMEOUT} s`);
  process.exit(2);
}, TIMEOUT * 1000).unref();

/** Opens `n` connections, at most `parallel` connecting at a time. */
async function openMany(port, n, parallel = 256) {
  const sockets = [];
  let failed = 0;
  let closedEarly = 0;
  let next = 0;
  const one = () => new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.on('close', () => { if (!s.ours) closedEarly++; });
      sockets.push(s);
      resolve();
    });
    s.once('error', () => { failed++; resolve(); });
  });
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < n) {
      next++;
      await one();
    }
  }));
  return { sockets, failed, closedEarly: () => closedEarly };
}

async function holdThrough(proxy, count) {
  await sleep(500);
  const rss0 = rssKiB(proxy.pid);
  const fd0 = fdCount(proxy.pid);
  const t0 = Date.now();
  const held = await openMany(proxy.port, count);
  const openMs = Date.now() - t0;
  await sleep(1000);
  const rss1 = rssKiB(proxy.pid);
  const fd1 = fdCount(proxy.pid);
  const probe = await getStatus(proxy.port, '/');
  for (let i = 0; i < HOLD; i++) await sleep(1000);
  const stillOpen = held.sockets.filter((s) => !s.destroyed).length;
  const probeEnd = await getStatus(proxy.port, '/');
  const rss2 = rssKiB(proxy.pid);
  for (const s of held.sockets) { s.ours = true; s.destroy(); }
  let fd2 = fdCount(proxy.pid);
  for (let i = 0; i < 100 && fd2 > fd0 + 5; i++) { await sleep(200); fd2 = fdCount(proxy.pid); }
  const ok = stillOpen === count && held.failed === 0 && probe === 200 && probeEnd === 200 && fd2 <= fd0 + 5;
  console.log(`${proxy.name}: ${stillOpen}/${count} idle connections held for ${HOLD} s (opened in ${(openMs / 1000).toFixed(1)} s, ` +
    `${held.failed} refused, ${held.closedEarly()} closed early); request while held: ${probe}, after: ${probeEnd}; ` +
    `proxy RSS ${mib(rss0)} → ${mib(rss1)} → ${mib(rss2)} MiB (${(((rss1 - rss0) * 1024) / Math.max(1, count)).toFixed(0)} bytes per connection); ` +
    `descriptors ${fd0} → ${fd1} → ${fd2} after closing — ${ok ? 'OK' : 'FAILED'}`);
  return ok;
}

async function main() {
  console.log(`hold-idle: open-file limit ${FD_LIMIT}, ${COUNT} connections per proxy, loopback only`);
  const backend = await startBackendProcess();
  let ok = true;
  try {
    if (TARGET === 'pound' || TARGET === 'both') {
      const pound = await startPound(backend.port, { client: 3600 });
      try { ok = (await holdThrough(pound, COUNT)) && ok; } finally { await stopProxy(pound); }
    }
    if (TARGET === 'pen' || TARGET === 'both') {
      const fit = Math.min(COUNT, Math.floor((FD_LIMIT - 200) / 2));
      if (fit < COUNT) console.log(`pen: needs 2 descriptors per client (client + backend side): ${fit} connections fit under the limit of ${FD_LIMIT}`);
      const pen = await startPen(backend.port, { connections: fit + 50 });
      try { ok = (await holdThrough(pen, fit)) && ok; } finally { await stopProxy(pen); }
    }
  } finally {
    backend.stop();
  }
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
