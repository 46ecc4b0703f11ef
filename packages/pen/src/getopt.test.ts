import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getopt, type GetoptEvent } from './getopt.js';
import { PEN_OPTSTRING } from './args.js';

function parse(args: string[], posixlyCorrect = false) {
  const r = getopt(args, PEN_OPTSTRING, { argv0: 'pen', posixlyCorrect, longOptions: ['--dump-config'] });
  const events: GetoptEvent[] = [...r.events];
  return { events, positionals: r.positionals.map((p) => p.value) };
}

const short = (events: GetoptEvent[]) =>
  events.map((e) => (e.kind === 'option' ? (e.argument === undefined ? e.letter : `${e.letter}=${e.argument}`) : e.kind === 'long' ? e.name : `!${e.message}`));

describe('getopt (GNU semantics with pen option string)', () => {
  it('clusters flags and attaches arguments', () => {
    assert.deepEqual(short(parse(['-Ur', '-dd', '-b30', '-fb', '7']).events), ['U', 'r', 'd', 'd', 'b=30', 'f', 'b=7']);
  });
  it('takes the next word as the argument, even one starting with a dash', () => {
    assert.deepEqual(short(parse(['-b', '-f', '-C', '--']).events), ['b=-f', 'C=--']);
  });
  it('permutes: options after positionals are processed, positionals keep their order', () => {
    const r = parse(['10990', '-f', 'a:1', '-F', 'cfg', 'b:2']);
    assert.deepEqual(short(r.events), ['f', 'F=cfg']);
    assert.deepEqual(r.positionals, ['10990', 'a:1', 'b:2']);
  });
  it('-- ends the options', () => {
    const r = parse(['-f', '--', '10990', '-r']);
    assert.deepEqual(short(r.events), ['f']);
    assert.deepEqual(r.positionals, ['10990', '-r']);
  });
  it('a lone dash is a positional', () => {
    assert.deepEqual(parse(['-', '-f']).positionals, ['-']);
  });
  it('POSIXLY_CORRECT stops at the first positional', () => {
    const r = parse(['-r', '10990', '-f'], true);
    assert.deepEqual(short(r.events), ['r']);
    assert.deepEqual(r.positionals, ['10990', '-f']);
  });
  it('uses glibc messages', () => {
    assert.deepEqual(short(parse(['-z']).events), ["!pen: invalid option -- 'z'"]);
    assert.deepEqual(short(parse(['-fC']).events), ['f', "!pen: option requires an argument -- 'C'"]);
    assert.deepEqual(short(parse(['--help']).events).slice(0, 1), ["!pen: invalid option -- '-'"]);
  });
  it('recognises exact long options only', () => {
    assert.deepEqual(short(parse(['--dump-config', '-f']).events), ['--dump-config', 'f']);
    assert.deepEqual(short(parse(['--dump-configX']).events).slice(0, 1), ["!pen: invalid option -- '-'"]);
  });
  it('reports argv indices (argv[0] = 0) for source locations', () => {
    const r = getopt(['-b', '5', '10990', 'h'], PEN_OPTSTRING, { argv0: 'pen' });
    const events = [...r.events];
    assert.equal(events[0]!.index, 2);
    assert.deepEqual(r.positionals.map((p) => p.index), [3, 4]);
  });
});
