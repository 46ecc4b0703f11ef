import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadChevrotain, makeTokens, describeWord, type Chev, type Pound4Tokens } from './tokens.js';

let chev: Chev;
let t: Pound4Tokens;
let lex: (s: string) => string[];

before(async () => {
  chev = await loadChevrotain();
  t = makeTokens(chev);
  const lexer = new chev.Lexer(t.all, { positionTracking: 'full' }); // validations on
  lex = (s) => {
    const r = lexer.tokenize(s);
    assert.deepEqual(r.errors, []);
    return r.tokens.map((x) => `${x.tokenType.name}:${x.image === '\n' ? '\\n' : x.image}`);
  };
});

test('words run to whitespace: addresses, paths, negative numbers, glued #', () => {
  assert.deepEqual(lex('Address 127.0.0.1#x /tmp/a -1\n'), ['Word:Address', 'Word:127.0.0.1#x', 'Word:/tmp/a', 'Word:-1', 'Newline:\\n']);
});

test('a # where a token may start begins a comment, also after a statement', () => {
  assert.deepEqual(lex('Port 80 # web\n# whole line\n'), ['Word:Port', 'Word:80', 'Newline:\\n', 'Newline:\\n']);
});

test('End is its own token only as a whole word', () => {
  assert.deepEqual(lex('End\nend\nEndless END'), ['End:End', 'Newline:\\n', 'End:end', 'Newline:\\n', 'Word:Endless', 'End:END']);
});

test('quoted strings keep their escapes for later; an unterminated one is its own token', () => {
  assert.deepEqual(lex('URL "a\\"b" "c\nX "d'), ['Word:URL', 'Str:"a\\"b"', 'BadStr:"c', 'Newline:\\n', 'Word:X', 'BadStr:"d']);
});

test('CR is whitespace, so CRLF files tokenize like LF files', () => {
  assert.deepEqual(lex('A 1\r\n'), ['Word:A', 'Word:1', 'Newline:\\n']);
});

test('what 4.x calls each kind of word', () => {
  assert.equal(describeWord('80'), 'number');
  assert.equal(describeWord('on'), 'identifier');
  assert.equal(describeWord('-1'), 'literal');
  assert.equal(describeWord('127.0.0.1'), 'literal');
});
