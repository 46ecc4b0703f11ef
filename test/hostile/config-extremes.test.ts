// Configuration inputs at the extremes, which random mutation does not reach: deep nesting,
// huge lines, binary files, include loops and devices, thousands of arguments. Each goes
// through pound -c's and pen's own modules (in this process, names never resolved) and must
// get a verdict and a clear message, never an exception.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { judgePen, judgePound, type Dialect } from './fuzz/oracle.js';
import { Prng } from './fuzz/prng.js';

const dir = mkdtempSync(join(tmpdir(), 'hostile-cfg-'));
const f = (name: string): string => join(dir, name);
const LISTENER = 'ListenHTTP\n\tAddress 127.0.0.1\n\tPort 8080\n';
const BACKEND = '\t\tBackEnd\n\t\t\tAddress 127.0.0.1\n\t\t\tPort 8081\n\t\tEnd\n';
const ALL: Dialect[] = ['pound-2.4', 'pound-2.8', 'pound-4'];

interface PoundExtreme {
  id: string;
  /** The file's bytes (written under `dir`); `{DIR}` is the folder. */
  text: () => string | Buffer;
  dialects: Dialect[];
  /** Expected verdict when known. */
  verdict?: 'ok' | 'refused';
  todo?: string;
  skip?: string;
}

const POUND: PoundExtreme[] = [
  { id: 'nested-services-2000', text: () => LISTENER + 'Service\n'.repeat(2000), dialects: ALL, verdict: 'refused' },
  { id: 'nested-match-1000', text: () => LISTENER + '\tService\n' + 'Match OR\n'.repeat(1000) + 'URL "x"\n' + 'End\n'.repeat(1000) + BACKEND + '\tEnd\nEnd\n',
    dialects: ['pound-4'], verdict: 'refused' },
  { id: 'not-prefix-5000', text: () => LISTENER + '\tService\n' + 'Not '.repeat(5000) + 'URL "x"\n' + BACKEND + '\tEnd\nEnd\n',
    dialects: ['pound-4'], verdict: 'refused' },
  { id: 'line-256k', text: () => LISTENER + '\tAddress ' + 'a'.repeat(1 << 18) + '\nEnd\n', dialects: ALL, verdict: 'refused' },
  { id: 'pattern-1mb', text: () => LISTENER + '\tService\n\t\tURL "' + '(a|'.repeat(1 << 18) + '"\n' + BACKEND + '\tEnd\nEnd\n', dialects: ALL, verdict: 'refused' },
  { id: 'nul-bytes', text: () => Buffer.alloc(100_000), dialects: ALL, verdict: 'refused' },
  { id: 'random-bytes', text: () => { const r = new Prng(7); return Buffer.from(Array.from({ length: 65536 }, () => r.int(256))); }, dialects: ALL, verdict: 'refused' },
  { id: 'utf16-with-bom', text: () => Buffer.from('\ufeff' + LISTENER + 'End\n', 'utf16le'), dialects: ALL, verdict: 'refused' },
  { id: 'empty', text: () => '', dialects: ALL },
  { id: 'only-cr', text: () => '\r'.repeat(10000), dialects: ALL },
  { id: 'unterminated-quote-at-eof', text: () => LISTENER + '\tService\n\t\tURL "abc', dialects: ALL, verdict: 'refused' },
  { id: 'quotes-100000', text: () => LISTENER + '\tService\n\t\tURL "' + '\\"'.repeat(100000) + '"\n' + BACKEND + '\tEnd\nEnd\n', dialects: ALL },
  { id: 'backends-5000', text: () => LISTENER + '\tService\n' + BACKEND.repeat(5000) + '\tEnd\nEnd\n', dialects: ALL, verdict: 'ok' },
  { id: 'huge-numbers', text: () => 'Alive 99999999999999999999\nClient -99999999999999999999\nTimeOut 1e309\n' + LISTENER +
      '\tMaxRequest 99999999999999999999999\n\txHTTP 4294967297\n\tService\n\t\tSession\n\t\t\tType IP\n\t\t\tTTL 99999999999999999999\n\t\tEnd\n' +
      BACKEND.replace('Port 8081', 'Port 4294967377') + '\tEnd\nEnd\n', dialects: ALL, verdict: 'refused' },
  { id: 'include-self', text: () => `Include "${f('include-self.cfg')}"\n`, dialects: ['pound-2.8', 'pound-4'], verdict: 'refused' },
  { id: 'include-loop', text: () => { writeFileSync(f('loop-b.inc'), `Include "${f('include-loop.cfg')}"\n`); return `Include "${f('loop-b.inc')}"\n`; },
    dialects: ['pound-2.8', 'pound-4'], verdict: 'refused' },
  { id: 'include-directory', text: () => 'Include "/"\n', dialects: ['pound-2.8', 'pound-4'], verdict: 'refused' },
  { id: 'include-dev-null', text: () => 'Include "/dev/null"\n' + LISTENER + '\tService\n' + BACKEND + '\tEnd\nEnd\n', dialects: ['pound-2.8', 'pound-4'], verdict: 'ok' },
  { id: 'include-bracket', text: () => `Include "${dir}/x[a-"\n`, dialects: ['pound-4'], verdict: 'refused' },
  { id: 'include-dev-zero', text: () => 'Include "/dev/zero"\n', dialects: ['pound-2.8', 'pound-4'], verdict: 'refused' },
];

interface PenExtreme { id: string; argv: () => string[]; todo?: string }

const PEN: PenExtreme[] = [
  { id: 'args-10000', argv: () => [...Array.from({ length: 10000 }, () => '-d'), '18080', '127.0.0.1:80'] },
  { id: 'argument-1mb', argv: () => ['-f', '18080', 'h'.repeat(1 << 20)] },
  { id: 'option-value-1mb', argv: () => ['-f', '-C', 'c'.repeat(1 << 20), '18080', '127.0.0.1:80'] },
  { id: 'commands-2000', argv: () => ['-f', ...Array.from({ length: 2000 }, (_, i) => ['-o', `blacklist ${i}`]).flat(), '18080', '127.0.0.1:80'] },
  { id: 'command-1mb', argv: () => ['-f', '-o', 'x'.repeat(1 << 20), '18080', '127.0.0.1:80'] },
  { id: 'servers-5000', argv: () => ['-f', '18080', ...Array.from({ length: 5000 }, (_, i) => `127.0.0.${1 + (i % 250)}:${1000 + i}:1:2:3:4`)] },
  { id: 'server-spec-fields-1000', argv: () => ['-f', '18080', '127.0.0.1' + ':1'.repeat(1000)] },
  { id: 'config-file-directory', argv: () => ['-f', '-F', '/', '18080', '127.0.0.1:80'] },
  { id: 'config-file-binary', argv: () => { writeFileSync(f('pen-binary.cfg'), Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 131) & 255))); return ['-f', '-F', f('pen-binary.cfg'), '18080', '127.0.0.1:80']; } },
  { id: 'huge-table-sizes', argv: () => ['-f', '-c', '2147483647', '-x', '2147483647', '-q', '2147483647', '-m', '2147483647', '18080', '127.0.0.1:80'] },
];

describe('configuration inputs at the extremes', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const c of POUND) {
    for (const dialect of c.dialects) {
      const opts = c.skip ? { skip: c.skip } : c.todo ? { todo: c.todo } : {};
      it(`pound -c ${c.id} (${dialect})`, opts, async () => {
        const file = f(`${c.id}.cfg`);
        const text = c.text();
        writeFileSync(file, text);
        const j = await judgePound(file, Buffer.isBuffer(text) ? text.toString('latin1') : text, dialect, false, false);
        assert.ok(j.ok, j.ok ? '' : j.why.slice(0, 1000));
        if (c.verdict) assert.equal(j.verdict, c.verdict, j.shown.slice(0, 300));
      });
    }
  }

  for (const c of PEN) {
    it(`pen ${c.id}`, c.todo ? { todo: c.todo } : {}, async () => {
      const j = await judgePen(c.argv());
      assert.ok(j.ok, j.ok ? '' : j.why.slice(0, 1000));
    });
  }
});
