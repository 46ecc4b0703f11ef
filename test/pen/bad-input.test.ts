// Golden tests for pen's answers to bad or odd command lines (spec §1.6, §1.7): our pen
// against fixtures/pen/bad-input.json, and — where Debian's pen is installed — the real one
// against the same fixture, so the fixture itself is checked against the original.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, normaliseStderr, OURS, REAL, REPO, run, SKIP_NO_REAL, type PenFlavour } from '../support/pen-process.js';

interface Case {
  name: string;
  args: string[];
  stdout: string;
  stderr: string | string[];
  status: number;
}

const USAGE = readFileSync(join(REPO, 'fixtures/pen/usage.txt'), 'latin1');
const cases = (JSON.parse(readFileSync(join(REPO, 'fixtures/pen/bad-input.json'), 'utf8')) as { cases: Case[] }).cases;

async function check(flavour: PenFlavour, c: Case): Promise<void> {
  const port = String(await freePort());
  const args = c.args.map((a) => a.replace('PORT', port));
  const r = await run(flavour.pen, args, { timeoutMs: 8000 });
  const context = `${flavour.name} pen ${args.join(' ')}\nstderr: ${r.stderr}`;
  assert.equal(r.status, c.status, context);
  assert.equal(r.stdout, c.stdout.replace('USAGE', USAGE), context);
  const stderr = normaliseStderr(r.stderr, flavour.pen);
  if (typeof c.stderr === 'string') {
    assert.equal(stderr, c.stderr, context);
  } else {
    // pen prints uninitialised memory inside the brackets; compare around it.
    const [head, open, close] = c.stderr;
    assert.ok(stderr.startsWith(head! + open!), context);
    assert.ok(stderr.endsWith(close!), context);
  }
}

describe('pen bad input (golden)', () => {
  it('the usage fixture is pen 0.34.1 usage text (1968 bytes, ends in two newlines)', () => {
    assert.equal(Buffer.byteLength(USAGE, 'latin1'), 1968);
    assert.ok(USAGE.endsWith('mailhost3\n\n'));
    assert.ok(USAGE.includes('  -f\tstay in foregound\n'));
  });

  for (const c of cases) {
    it(`ours: ${c.name}`, () => check(OURS, c));
  }
});

describe('pen bad input (real pen agrees with the fixture)', { skip: SKIP_NO_REAL }, () => {
  for (const c of cases) {
    it(`real: ${c.name}`, () => check(REAL, c));
  }
});

describe('argv[0] in getopt messages', () => {
  it('is the name typed, or its basename when the launcher was found on PATH', async () => {
    const direct = await run(OURS.pen, ['-z']);
    assert.equal(direct.stderr, `${OURS.pen}: invalid option -- 'z'\n`);
    const dir = join(REPO, 'packages/pen/bin');
    const viaPath = await run('pen', ['-z'], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    assert.equal(viaPath.stderr, "pen: invalid option -- 'z'\n");
    assert.equal(viaPath.status, 0);
  });
});
