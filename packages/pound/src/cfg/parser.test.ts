import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadChevrotain, makeTokens } from './tokens.js';
import { makeParser } from './parser.js';
import { StatementBuilder, type FToken } from './cst-to-statements.js';
import type { Problem } from './problems.js';

async function parse(text: string) {
  process.env.PENPOUND_VALIDATE_GRAMMAR = '1'; // the grammar is checked here, skipped at run time
  const chev = await loadChevrotain();
  const t = makeTokens(chev);
  const problems: Problem[] = [];
  const builder = new StatementBuilder(problems, true);
  const parser = makeParser(chev, t, (w, k, a) => builder.blockKindFor(w, k, a));
  const tokens = new chev.Lexer(t.all, { positionTracking: 'full' }).tokenize(text).tokens as FToken[];
  tokens.forEach((x, i) => ((x.file = 't.cfg'), (x.seq = i + 1)));
  const cst = parser.parse(tokens);
  assert.deepEqual(parser.errors, []);
  return { root: builder.config(cst), problems, unclosed: parser.unclosed };
}

test('the grammar passes chevrotain validation and nests blocks by the keyword table', async () => {
  const { root, problems } = await parse('Control\n\tSocket "/s"\nEnd\nControl "/t"\nService "x"\n\tBackend\n\t\tAddress 1.2.3.4\n\tEnd\nEnd\n');
  assert.deepEqual(problems, []);
  assert.deepEqual(root.body.map((s) => [s.name, s.block?.kind, s.block?.body.map((b) => b.name)]), [
    ['Control', 'control', ['Socket']],
    ['Control', undefined, undefined],
    ['Service', 'service', ['Backend']],
  ]);
});

test('Not Match opens the inner Match block; ACL lines are quoted CIDRs', async () => {
  const { root, problems } = await parse('ACL "n"\n\t"10.0.0.0/8"\nEnd\nService\n\tNot Match OR\n\t\tHost "a"\n\tEnd\nEnd\n');
  assert.deepEqual(problems, []);
  const not = root.body[1]!.block!.body[0]!;
  assert.equal(not.name, 'Not');
  assert.equal(not.inner?.name, 'Match');
  assert.equal(not.inner?.block?.body[0]?.name, 'Host');
});

test('a block the file ends in is recorded, and what came before is still checked', async () => {
  const { problems, unclosed } = await parse('Service\n\tBogus 1\n');
  assert.equal(problems[0]?.text, 'unrecognized keyword');
  assert.equal(unclosed[0]?.image, 'Service');
});
