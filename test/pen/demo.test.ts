// `npm run demo -- --once`: the demo starts, pen balances round robin with X-Forwarded-For,
// pound keeps a cookie session, and it cleans up after itself (exit 0, nothing left behind).
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
    // pound on fixtures/pound/demo.cfg: the same cookie keeps the same backend.
    const viaPound = r.stdout.split('\n').filter((l) => l.startsWith('pound request '));
    assert.equal(viaPound.length, 3);
    const names = viaPound.map((l) => l.replace(/^pound request \d -> backend (\w+):.*$/, '$1'));
    assert.ok(['one', 'two', 'three'].includes(names[0]!), viaPound[0]);
    assert.deepEqual(names, [names[0], names[0], names[0]]);
  });
});
