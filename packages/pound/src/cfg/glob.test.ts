import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globToRegExp } from './parser4.js';

test('Include wildcards: *, ?, classes, negation', () => {
  assert.ok(globToRegExp('*.cfg').test('a.cfg'));
  assert.ok(!globToRegExp('*.cfg').test('a.cfgx'));
  assert.ok(globToRegExp('x?.inc').test('x1.inc'));
  assert.ok(globToRegExp('[ab].cfg').test('b.cfg'));
  assert.ok(!globToRegExp('[!ab].cfg').test('a.cfg'));
  assert.ok(globToRegExp('[]x].cfg').test('].cfg'));
});

test('a "[" without its "]" is an ordinary character, never an invalid RegExp', () => {
  assert.ok(globToRegExp('x[a-').test('x[a-'));
  assert.ok(!globToRegExp('[z-a]').test('z'));
});
