// The configuration fuzz, in one process (forked by config-fuzz.test.ts with no-dns.js
// loaded, its working directory a scratch copy of the pound fixtures): thousands of
// mutated pound.cfg files through pound -c's own modules, and mutated pen command lines
// through pen's argv processing and model building. Reports each case before running it (so a
// hang is pinned to a case by the parent's watchdog) and every broken oracle.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { judgePen, judgePound, type Dialect } from './oracle.js';
import { mutateArgv, mutateText, vocabulary } from './mutate.js';
import { caseSeed, Prng } from './prng.js';

export interface FuzzJob {
  seed: number;
  poundCases: number;
  penCases: number;
  /** Stop starting new cases after this many seconds (the counts are upper bounds). */
  seconds: number;
  /** fixtures/pen/bad-input.json. */
  penFixture: string;
  /** Keep every n-th case of each family as a sample for the real executables. */
  sampleEvery: number;
}

export type FuzzMessage =
  | { kind: 'case'; family: 'pound' | 'pen'; index: number }
  | { kind: 'failure'; family: 'pound' | 'pen'; index: number; why: string; input: string }
  /** A case kept for the real executables: pound's file and flags, or pen's argv, with the verdict seen here. */
  | { kind: 'sample'; family: 'pound'; file: string; dialect: string; modern: boolean; verdict: 'ok' | 'refused' }
  | { kind: 'sample'; family: 'pen'; argv: string[]; verdict: string }
  | { kind: 'done'; pound: number; pen: number; poundOk: number; poundRefused: number; penOutcomes: Record<string, number>; ms: number };

const DIALECTS: Dialect[] = ['pound-2.4', 'pound-2.8', 'pound-4'];
/** pen command lines the fuzz starts from: the bad-input fixture and real-world ones. */
function penCorpus(fixture: string): string[][] {
  // PORT in the fixture is a free port chosen by its test; here any port will do (nothing binds).
  const cases = (JSON.parse(readFileSync(fixture, 'utf8')) as { cases: { args: string[] }[] }).cases
    .map((c) => c.args.map((a) => a.split('PORT').join('18080')));
  return [
    ...cases,
    ['-f', '-r', '-H', '-x', '256', '-c', '2048', '-l', 'pen.log', '-w', 'webstats.html', '-p', 'pen.pid', '-C', '127.0.0.1:10999', '8080', '127.0.0.1:80', '127.0.0.1:81:10:20:2:3'],
    ['-f', '-U', '-t', '3', '-b', '30', '-T', '600', '127.0.0.1:5353', '127.0.0.1:53', '[::1]:53'],
    ['-f', '-E', 'cert.pem', '-K', 'key.pem', '-G', 'ca.pem', '-L', 'tls1', '-R', '8443', 'localhost:8080'],
    ['-f', '-W', '-e', '127.0.0.1:8000', '-B', '127.0.0.1:8001', '-O', 'acl 1 permit 127.0.0.1', '-O', 'client_acl 1', '80', '/tmp/backend.sock'],
    ['-F', 'pen.cfg', '-C', '/tmp/pen.ctl', '-X', '-u', 'nobody', '-j', '/var/empty', '0.0.0.0:80'],
  ];
}

function send(m: FuzzMessage): void {
  process.send!(m);
}

interface Start { name: string; text: string; dialect: Dialect }

async function poundCase(job: FuzzJob, index: number, starts: { all: Start[]; good: Start[] }, vocab: string[], texts: string[]): Promise<string> {
  const rng = new Prng(caseSeed(job.seed, index));
  // Mostly from a configuration that passes as it is: one edit away, the later checks run too.
  const { name, text: original, dialect } = rng.pick(rng.chance(0.7) && starts.good.length ? starts.good : starts.all);
  const fixture = { name, text: original };
  const file = `fuzz-${index % 8}.cfg`;
  const text = mutateText(rng, fixture.text, vocab, texts).split('SELF').join(file);
  const collectAll = rng.chance(0.3);
  writeFileSync(file, text, 'latin1');
  send({ kind: 'case', family: 'pound', index });
  const t0 = Date.now();
  const j = await judgePound(file, text, dialect, collectAll, true);
  const why = !j.ok ? j.why : Date.now() - t0 > 5000 ? `took ${Date.now() - t0} ms` : undefined;
  if (why !== undefined || !j.ok) {
    const input = `${fixture.name} as ${dialect}${collectAll ? ' (modern diagnostics)' : ''}:\n${text}`;
    send({ kind: 'failure', family: 'pound', index, why: why ?? '', input: input.slice(0, 4000) });
    return 'failed';
  }
  if (index % job.sampleEvery === 0) {
    const kept = `sample-${index}.cfg`;
    writeFileSync(kept, text.split(file).join(kept), 'latin1');
    send({ kind: 'sample', family: 'pound', file: kept, dialect, modern: collectAll, verdict: j.verdict as 'ok' | 'refused' });
  }
  return j.verdict;
}

async function penCase(job: FuzzJob, index: number, corpus: string[][], vocab: string[], outcomes: Record<string, number>): Promise<void> {
  const rng = new Prng(caseSeed(job.seed ^ 0x5eed, index));
  const argv = mutateArgv(rng, rng.pick(corpus), vocab);
  send({ kind: 'case', family: 'pen', index });
  const j = await judgePen(argv);
  if (!j.ok) {
    send({ kind: 'failure', family: 'pen', index, why: j.why, input: JSON.stringify(argv).slice(0, 4000) });
    return;
  }
  outcomes[j.verdict] = (outcomes[j.verdict] ?? 0) + 1;
  if (index % job.sampleEvery === 0) send({ kind: 'sample', family: 'pen', argv, verdict: j.verdict });
}

async function main(job: FuzzJob): Promise<void> {
  const t0 = Date.now();
  const files = readdirSync('.').filter((n) => n.endsWith('.cfg') && !n.startsWith('fuzz-'))
    .map((name) => ({ name, text: readFileSync(join('.', name), 'latin1') }));
  const texts = files.map((f) => f.text);
  const vocab = vocabulary(texts);
  const all: Start[] = files.flatMap((f) => DIALECTS.map((dialect) => ({ ...f, dialect })));
  const good: Start[] = [];
  for (const st of all) {
    const j = await judgePound(st.name, st.text, st.dialect, false, true);
    if (j.ok && j.verdict === 'ok') good.push(st);
  }
  let pound = 0;
  let poundOk = 0;
  let poundRefused = 0;
  // pound's cases get two thirds of the time, pen's the rest.
  const poundDeadline = t0 + job.seconds * 667;
  const deadline = t0 + job.seconds * 1000;
  for (; pound < job.poundCases && Date.now() < poundDeadline; pound++) {
    const r = await poundCase(job, pound, { all, good }, vocab, texts);
    if (r === 'ok') poundOk++;
    else if (r === 'refused') poundRefused++;
  }
  const corpus = penCorpus(job.penFixture);
  const penVocab = [...new Set(corpus.flat())];
  const outcomes: Record<string, number> = {};
  let pen = 0;
  for (; pen < job.penCases && Date.now() < deadline; pen++) await penCase(job, pen, corpus, penVocab, outcomes);
  send({ kind: 'done', pound, pen, poundOk, poundRefused, penOutcomes: outcomes, ms: Date.now() - t0 });
}

process.once('message', (job: FuzzJob) => {
  main(job).then(
    () => process.disconnect(),
    (e: unknown) => {
      process.send!({ kind: 'failure', family: 'pound', index: -1, why: `worker: ${(e as Error)?.stack ?? String(e)}`, input: '' });
      process.disconnect();
    },
  );
});
