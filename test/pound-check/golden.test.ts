// Every fixtures/pound/check/*.expected: run the real bin/pound with each listed command
// line in a scratch copy of the fixtures and compare exit status, stdout and stderr
// byte for byte.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makePoundCerts } from '../support/pound-certs.js';
import { REPO, UNRESOLVABLE, limited, parseExpected, runPound, stageFixtures, substitute } from '../support/pound-golden.js';

const FIXTURES = join(REPO, 'fixtures/pound/check');

describe('pound -c golden files', () => {
  let dir = '';
  let bin = '';
  let vars: Record<string, string> = {};

  before(() => {
    ({ dir, bin, vars } = stageFixtures(FIXTURES, { UNRESOLVABLE }));
    // The certificates the fixtures name as {CERTS}/... (made now, never committed).
    makePoundCerts(vars.CERTS!);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const files = readdirSync(FIXTURES).filter((n) => n.endsWith('.expected')).sort();
  for (const file of files) {
    it(file.replace(/\.expected$/, ''), async () => {
      const runs = parseExpected(readFileSync(join(FIXTURES, file), 'latin1'));
      assert.ok(runs.length > 0, `${file}: no runs`);
      const results = await limited(
        3,
        runs.map((r) => () => runPound(substitute(r.args, vars).split(' ').filter(Boolean), dir, bin)),
      );
      runs.forEach((r, i) => {
        const got = results[i]!;
        const where = `${file}:${r.line} (pound ${r.args})`;
        assert.equal(got.stderr, substitute(r.stderr, vars), `${where}: stderr`);
        assert.equal(got.stdout, substitute(r.stdout, vars), `${where}: stdout`);
        assert.equal(got.exit, r.exit, `${where}: exit status`);
      });
    });
  }
});
