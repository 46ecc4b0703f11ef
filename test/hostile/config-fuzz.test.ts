// The configuration fuzz: mutated versions of every pound -c fixture configuration and of
// pen's fixture command lines, thousands of them, in one worker process (fuzz/worker.ts)
// that imports the parsers' compiled modules; then a sample through the real `pound -c` and
// `pen` executables for the shape of what they print and their exit status. Seeded (set
// HOSTILE_FUZZ_SEED to reproduce or explore), bounded by count and by seconds
// (HOSTILE_FUZZ_CASES, HOSTILE_FUZZ_SECONDS). Names never reach a DNS server (fuzz/no-dns.ts).
import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { makePoundCerts } from '../support/pound-certs.js';
import { REPO, UNRESOLVABLE, limited, stageFixtures } from '../support/pound-golden.js';
import type { FuzzJob, FuzzMessage } from './fuzz/worker.js';
import { KNOWN_BUGS, knownBug } from './fuzz/oracle.js';

const SEED = Number(process.env.HOSTILE_FUZZ_SEED ?? 20261122) >>> 0;
const CASES = Number(process.env.HOSTILE_FUZZ_CASES ?? 3000);
const SECONDS = Number(process.env.HOSTILE_FUZZ_SECONDS ?? 60);
/** With no case finished for this long, the worker is taken for hung. */
const WATCHDOG_MS = 20_000;
const WORKER = fileURLToPath(new URL('./fuzz/worker.js', import.meta.url));
const NO_DNS = new URL('./fuzz/no-dns.js', import.meta.url).href;
const POUND = join(REPO, 'packages/pound/bin/pound');
const PEN = join(REPO, 'packages/pen/bin/pen');
const USAGE = readFileSync(join(REPO, 'fixtures/pen/usage.txt'), 'utf8');
const STACK = /internal error|\n\s+at .+:\d+:\d+|Error: |TypeError|RangeError|heap out of memory/;

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function runBinary(bin: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd, env: { ...process.env, NODE_OPTIONS: `--import=${NO_DNS}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('latin1').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('latin1').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', (e) => { stderr += `spawn failed: ${e.message}`; });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

describe(`configuration fuzz (seed ${SEED})`, () => {
  let dir: string;
  const failures: Extract<FuzzMessage, { kind: 'failure' }>[] = [];
  const samples: Extract<FuzzMessage, { kind: 'sample' }>[] = [];
  let done: Extract<FuzzMessage, { kind: 'done' }> | undefined;
  let hung: string | undefined;

  before(() => {
    ({ dir } = stageFixtures(join(REPO, 'fixtures/pound/check'), { UNRESOLVABLE }));
    makePoundCerts(join(dir, 'certs'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const reproduce = (f: { family: string; index: number }) =>
    `(reproduce: HOSTILE_FUZZ_SEED=${SEED} HOSTILE_FUZZ_CASES=${f.index + 1}, ${f.family} case ${f.index})`;

  it(`${CASES} mutated pound.cfg files and ${CASES} mutated pen command lines: a verdict and a clear message, never an exception or a hang`, { timeout: (SECONDS + 60) * 1000 }, async (t) => {
    const job: FuzzJob = { seed: SEED, poundCases: CASES, penCases: CASES, seconds: SECONDS, penFixture: join(REPO, 'fixtures/pen/bad-input.json'), sampleEvery: Math.max(1, Math.floor(CASES / 30)) };
    const child = fork(WORKER, [], { cwd: dir, execArgv: [`--import=${NO_DNS}`], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let last: { family: string; index: number } = { family: 'pound', index: -1 };
    let lastTime = Date.now();
    const watchdog = setInterval(() => {
      if (Date.now() - lastTime > WATCHDOG_MS) {
        hung = `no progress for ${WATCHDOG_MS} ms in ${last.family} case ${last.index} ${reproduce(last)}`;
        child.kill('SIGKILL');
      }
    }, 1000);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.on('message', (m: FuzzMessage) => {
      lastTime = Date.now();
      if (m.kind === 'case') last = m;
      else if (m.kind === 'failure') failures.push(m);
      else if (m.kind === 'sample') samples.push(m);
      else done = m;
    });
    child.send(job);
    const code = await exited;
    clearInterval(watchdog);
    assert.equal(hung, undefined, hung);
    const unknown = failures.filter((f) => !knownBug(f.why));
    const shown = unknown.slice(0, 5).map((f) => `${f.family} case ${f.index} ${reproduce(f)}: ${f.why}\n--- input ---\n${f.input}`).join('\n\n');
    assert.equal(unknown.length, 0, `${unknown.length} failing cases (seed ${SEED}):\n${shown}`);
    assert.equal(code, 0, `the fuzz worker exited with ${code} (seed ${SEED}) after ${last.family} case ${last.index}`);
    assert.ok(done, 'the worker finished');
    // Bounded by time on a slow machine; on these machines the counts are reached.
    assert.ok(done.pound >= Math.min(CASES, 500) && done.pen >= Math.min(CASES, 500), JSON.stringify(done));
    t.diagnostic(`config fuzz seed ${SEED}: pound ${done.pound} cases (${done.poundOk} accepted, ${done.poundRefused} refused), ` +
      `pen ${done.pen} cases ${JSON.stringify(done.penOutcomes)}, ${done.ms} ms`);
  });

  for (const bug of KNOWN_BUGS) {
    it(`known bug ${bug.id}: never hit`, { todo: bug.note }, () => {
      const hits = failures.filter((f) => knownBug(f.why) === bug);
      assert.equal(hits.length, 0, `${hits.length} cases, e.g. ${hits[0] ? `${hits[0].family} case ${hits[0].index} ${reproduce(hits[0])}:\n${hits[0].input.slice(0, 600)}` : ''}`);
    });
  }

  it('a sample through the real executables: exit 0 or 1 as the modules said, a message, no stack trace', { timeout: 300_000 }, async () => {
    assert.ok(samples.length >= 40, `${samples.length} samples`);
    const problems: string[] = [];
    await limited(2, samples.map((s) => async () => {
      if (s.family === 'pound') {
        // 4.x looks relative names up in /etc/pound unless told otherwise; the modules ran in this folder.
        const args = ['-c', '-f', s.file, '-W', `compat=${s.dialect.slice(6)}`, ...(s.dialect === 'pound-4' ? ['-W', 'no-include-dir'] : []),
          ...(s.modern ? ['-W', 'diag=modern'] : [])];
        const r = await runBinary(POUND, args, dir);
        const what = `pound ${args.join(' ')} (seed ${SEED})`;
        if (r.code !== (s.verdict === 'ok' ? 0 : 1)) problems.push(`${what}: exit ${r.code ?? r.signal}, expected ${s.verdict === 'ok' ? 0 : 1}: ${r.stderr.slice(0, 300)}`);
        if (STACK.test(r.stderr)) problems.push(`${what}: stack trace: ${r.stderr.slice(0, 500)}`);
        if (s.verdict === 'refused' && r.stderr.replace('starting...\n', '').trim() === '') problems.push(`${what}: refused without a message`);
      } else {
        const args = ['--dump-config', ...s.argv];
        const r = await runBinary(PEN, args, dir);
        const what = `pen ${JSON.stringify(args).slice(0, 300)} (seed ${SEED})`;
        if (r.code !== 0 && r.code !== 1) problems.push(`${what}: exit ${r.code ?? r.signal}: ${r.stderr.slice(0, 300)}`);
        if (STACK.test(r.stderr)) problems.push(`${what}: stack trace: ${r.stderr.slice(0, 500)}`);
        // -o replies come first on stdout, then the usage text.
        if (s.verdict === 'usage' && (r.code !== 0 || !r.stdout.endsWith(USAGE))) problems.push(`${what}: expected the usage text and exit 0, got exit ${r.code}`);
        if (r.code === 1 && r.stderr.trim() === '') problems.push(`${what}: exit 1 without a message`);
      }
    }));
    assert.deepEqual(problems, []);
  });
});
