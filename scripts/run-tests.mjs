#!/usr/bin/env node
// Runs every compiled test file (unit tests beside the code, end-to-end tests in test/)
// with Node's built-in runner. Node 20's --test does not expand globs, so we find them.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const roots = ['packages/engine/dist', 'packages/pen/dist', 'packages/pound/dist', 'test/dist'];
const filter = process.argv.slice(2);

function walk(dir, out) {
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let files = roots.flatMap((r) => walk(join(root, r), []));
if (filter.length) files = files.filter((f) => filter.some((w) => relative(root, f).includes(w)));
if (files.length === 0) {
  console.error('run-tests: no test files found (did the build run?)');
  process.exit(1);
}
// The tests' scratch files and directories (os.tmpdir()) go in one directory removed afterwards.
// Open to everyone like /tmp itself: some tests run the programs as `nobody`.
const scratch = mkdtempSync(join(tmpdir(), 'penpound-tests-'));
chmodSync(scratch, 0o1777);
const res = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit', cwd: root, env: { ...process.env, TMPDIR: scratch },
});
rmSync(scratch, { recursive: true, force: true });
process.exit(res.status ?? 1);
