// Keeps scripts/bench from rotting: runs `scripts/bench --quick` end to end (real nginx,
// real proxies, real wrk) and checks the report is complete, never how fast anything is.
// Skipped unless PENPOUND_BENCH=1: it may apt-get install wrk/nginx/haproxy and takes ~30 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

interface Cell { rps?: number; na?: string }
interface Report {
  targets: { id: string }[];
  scenarios: { id: string }[];
  cells: Record<string, Record<string, Cell>>;
}

test('scripts/bench --quick runs and reports every cell', { skip: process.env.PENPOUND_BENCH !== '1' && 'set PENPOUND_BENCH=1 to run', timeout: 300_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-quick-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const json = join(dir, 'bench.json');
  const run = spawnSync('bash', ['scripts/bench', '--quick', '--json', json], { cwd: repo, encoding: 'utf8', timeout: 280_000 });
  assert.equal(run.status, 0, `bench exited ${run.status}: ${run.stderr.slice(-2000)}`);
  assert.match(run.stdout, /### Requests per second/);
  const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
  assert.ok(report.scenarios.length >= 3);
  for (const s of report.scenarios) {
    const direct = report.cells[s.id]?.direct;
    assert.ok(direct?.rps && direct.rps > 0, `direct nginx measured nothing in ${s.id}: ${JSON.stringify(direct)}`);
    for (const [target, cell] of Object.entries(report.cells[s.id] ?? {})) {
      // Every cell is either a measurement or says why not.
      assert.ok((cell.rps ?? 0) > 0 || (cell.na ?? '').length > 0, `${s.id}/${target}: ${JSON.stringify(cell)}`);
    }
  }
});
