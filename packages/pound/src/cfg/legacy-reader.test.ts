import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fgetsLines, LegacyReader } from './legacy-reader.js';
import { Sources } from './sources.js';
import type { Problem } from './problems.js';

function lines(text: string | Buffer, minor: number): string[] {
  const r = new LegacyReader('t.cfg', Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'), minor, new Sources(), []);
  const out: string[] = [];
  for (let l = r.next(); l; l = r.next()) out.push(`${l.line}:${l.text}`);
  return out;
}

test('fgets splits lines longer than 4095 bytes, and a line of exactly 4095 leaves an empty one', () => {
  const long = 'a'.repeat(5000);
  assert.deepEqual(fgetsLines(Buffer.from(`${long}\nx\n`)).map((b) => b.length), [4095, 906, 2]);
  const exact = 'b'.repeat(4095);
  assert.deepEqual(fgetsLines(Buffer.from(`${exact}\nx`)).map((b) => b.toString()), [exact, '\n', 'x']);
});

test('2.4 keeps a CR at the end of a line; 2.5+ cuts at the first CR or LF', () => {
  assert.deepEqual(lines('A\r\nB\r\n', 4), ['1:A\r', '2:B\r']);
  assert.deepEqual(lines('A\r\nB\rC\n', 8), ['1:A', '2:B']);
});

test('line numbers count every physical line; the last line needs no newline', () => {
  assert.deepEqual(lines('# c\n\nX 1\nY', 4), ['1:# c', '2:', '3:X 1', '4:Y']);
});

test('bytes that are not UTF-8 survive as Latin-1', () => {
  assert.deepEqual(lines(Buffer.from([0x58, 0x20, 0xe9, 0x0a]), 4), ['1:X \u00e9']);
});

test('Include is spliced in only from 2.5 on', () => {
  const problems: Problem[] = [];
  const r = new LegacyReader('t.cfg', Buffer.from('Include "/nonexistent/x"\n'), 4, new Sources(), problems);
  assert.equal(r.next()?.text, 'Include "/nonexistent/x"');
  const r8 = new LegacyReader('t.cfg', Buffer.from('Include "/nonexistent/x"\nY\n'), 8, new Sources(), problems);
  assert.equal(r8.next()?.text, 'Y');
  assert.equal(problems[0]?.text, "can't open included file");
  assert.deepEqual(problems[0]?.legacyPlace, { file: '/nonexistent/x', line: 0 });
});
