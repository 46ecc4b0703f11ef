// The table behind scripts/migration-check: one row per configuration file (and per
// compat level asked for) with the verdict pound -c would give and its first message.
// Runs the same checker as bin/pound, in this process (no process per file); relative
// Include names resolve against the current directory, as pound 2.x's did.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let check, render;
try {
  ({ checkConfig: check } = await import(join(root, 'packages/pound/dist/check/check.js')));
  ({ renderOriginal: render } = await import(join(root, 'packages/pound/dist/render/render.js')));
} catch {
  console.error('migration-check: build first (npm run build)');
  process.exit(2);
}

const DIALECTS = { '2.4': 'pound-2.4', '2.8': 'pound-2.8', '4': 'pound-4' };
const args = process.argv.slice(2);
let dir;
let compat = ['2.4'];
let dns = true;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--compat') compat = (args[++i] ?? '').split(',');
  else if (args[i].startsWith('--compat=')) compat = args[i].slice(9).split(',');
  else if (args[i] === '--no-dns') dns = false;
  else if (args[i] === '-h' || args[i] === '--help') dir = undefined, compat = [];
  else dir = args[i];
}
if (!dir || compat.length === 0 || compat.some((c) => !DIALECTS[c])) {
  console.error('usage: scripts/migration-check DIR [--compat 2.4|2.8|4[,...]] [--no-dns]');
  process.exit(2);
}

function configs(d) {
  const out = [];
  for (const name of readdirSync(d).sort()) {
    const p = join(d, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...configs(p));
    else if (st.isFile() && /\.(cfg|conf)$/.test(name)) out.push(p);
  }
  return out;
}

const files = configs(dir);
const rows = [];
const counts = { OK: 0, WARN: 0, FAIL: 0 };
for (const file of files) {
  for (const c of compat) {
    const dialect = DIALECTS[c];
    const r = await check({ file, dialect, dns, includeDir: dialect === 'pound-4' ? resolve(dir) : undefined, warnDeprecated: true, collectAll: false });
    const lines = render(r.problems, dialect, r.sources);
    const failed = r.problems.some((p) => p.severity === 'error');
    const verdict = failed ? 'FAIL' : lines.length > 0 ? 'WARN' : 'OK';
    counts[verdict]++;
    const first = failed ? lines.find((l) => !/: warning: /.test(l)) ?? lines[0] : lines[0];
    // Control characters (2.4 echoes the raw line) shown escaped, so the table stays a table.
    const shown = (first ?? '').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
    rows.push([relative(dir, file) || file, ...(compat.length > 1 ? [c] : []), verdict, shown]);
  }
}

const head = ['FILE', ...(compat.length > 1 ? ['COMPAT'] : []), 'VERDICT', 'FIRST MESSAGE'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const fmt = (r) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]))).join('  ').trimEnd();
console.log(fmt(head));
for (const r of rows) console.log(fmt(r));
console.log(
  `\n${files.length} file${files.length === 1 ? '' : 's'}, compat ${compat.join(', ')}: ` +
    `${counts.OK} OK, ${counts.WARN} with warnings, ${counts.FAIL} failing`,
);
process.exit(counts.FAIL > 0 ? 1 : 0);
