// Summarises a V8 .cpuprofile: self time per function and per area (our code, node's own
// JavaScript, native/GC, idle). Usage: node cpuprofile-summary.mjs FILE [TOP]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = new URL('../..', import.meta.url).href;

function area(url, name) {
  if (name === '(idle)') return 'idle (waiting in epoll)';
  if (name === '(garbage collector)') return 'garbage collector';
  if (name === '(program)' || name === '(root)') return 'native (V8/libuv/syscalls, not attributed)';
  if (url.startsWith(repo) || url.includes('/packages/')) return 'our code';
  if (url.startsWith('node:')) return "node's JavaScript (net, stream, events...)";
  if (!url) return 'native builtins';
  return 'other JavaScript';
}

export function summariseProfile(file, { top = 25, requests = null } = {}) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map(); // node id -> µs
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i + 1] ?? 0; // the interval that follows this sample
    self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt);
  }
  const byFn = new Map();
  const byArea = new Map();
  let total = 0;
  let busy = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const name = functionName || '(anonymous)';
    const short = url.replace(repo, '').replace(/^file:\/\//, '');
    const key = `${name}  ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const a = area(url, name);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
    total += us;
    if (name !== '(idle)') busy += us;
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1)}%`;
  const lines = [];
  lines.push(`profile ${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy` +
    (requests ? `, ${requests} requests → ${(busy / requests).toFixed(1)} µs busy per request` : '') + '\n\n');
  lines.push('| area | self time | share |\n| --- | ---: | ---: |\n');
  for (const [a, us] of [...byArea].sort((x, y) => y[1] - x[1])) lines.push(`| ${a} | ${(us / 1000).toFixed(0)} ms | ${pct(us)} |\n`);
  lines.push(`\n| top ${top} functions by self time | self | share |${requests ? ' µs/req |' : ''}\n| --- | ---: | ---: |${requests ? ' ---: |' : ''}\n`);
  for (const [key, us] of [...byFn].sort((x, y) => y[1] - x[1]).slice(0, top)) {
    lines.push(`| \`${key}\` | ${(us / 1000).toFixed(0)} ms | ${pct(us)} |${requests ? ` ${(us / requests).toFixed(2)} |` : ''}\n`);
  }
  return `${lines.join('')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(summariseProfile(process.argv[2], { top: Number(process.argv[3]) || 25 }));
}
