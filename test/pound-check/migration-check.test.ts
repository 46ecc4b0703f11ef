// scripts/migration-check over a folder of configurations: one row per file, a summary,
// and exit status 1 when any file fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../support/pound-golden.js';

const SCRIPT = join(REPO, 'scripts/migration-check');

test('migration-check prints a verdict per file and compat level, and a summary', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pound-migrate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'good.cfg'), 'ListenHTTP\n\tAddress 127.0.0.1\n\tPort 8080\nEnd\n');
  writeFileSync(join(dir, 'sub/legacy.conf'), 'Service\n\tHeadRequire "^Host: a"\n\tBackEnd\n\t\tAddress 127.0.0.1\n\t\tPort 81\n\t\tHAport 82\n\tEnd\nEnd\n');
  writeFileSync(join(dir, 'notes.txt'), 'not a configuration\n');
  const r = spawnSync(SCRIPT, [dir, '--compat', '2.4,4'], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /^FILE +COMPAT +VERDICT +FIRST MESSAGE$/);
  assert.match(lines[1]!, /^good\.cfg +2\.4 +OK$/);
  assert.match(lines[2]!, /^good\.cfg +4 +OK$/);
  assert.match(lines[3]!, /^sub\/legacy\.conf +2\.4 +OK$/);
  assert.match(lines[4]!, /^sub\/legacy\.conf +4 +FAIL +pound: .*legacy\.conf:6\.17-22: unrecognized keyword$/);
  assert.equal(lines[6], '2 files, compat 2.4, 4: 3 OK, 0 with warnings, 1 failing');
  const ok = spawnSync(SCRIPT, [join(dir, 'sub')], { encoding: 'utf8' });
  assert.equal(ok.status, 0);
  assert.match(ok.stdout, /1 file, compat 2\.4: 1 OK, 0 with warnings, 0 failing/);
});
