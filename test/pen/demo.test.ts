// `npm run demo -- --once`: the demo starts, balances round robin with X-Forwarded-For, and
// cleans up after itself (exit 0, no pen left behind).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, run } from '../support/pen-process.js';

describe('scripts/demo.mjs --once', () => {
  it('serves four requests round robin and exits 0', async () => {
    const r = await run(process.execPath, [join(REPO, 'scripts/demo.mjs'), '--once'], { timeoutMs: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    const answers = r.stdout.split('\n').filter((l) => l.startsWith('request '));
    assert.deepEqual(answers.map((l) => l.replace(/^request \d -> backend (\w+):.*$/, '$1')), ['two', 'three', 'one', 'two']);
    assert.ok(answers.every((l) => l.endsWith('(X-Forwarded-For: 127.0.0.1)')));
    assert.match(r.stdout, /penctl servers:\n0 addr 127\.0\.0\.1 port \d+ conn 0/);
  });
});
