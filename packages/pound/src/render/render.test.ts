import { test } from 'node:test';
import assert from 'node:assert/strict';
import { location4 } from './render.js';
import { Sources } from '../cfg/sources.js';

const sources = new Sources();
sources.set('p.cfg', ['ListenHTTTP', '\tCert "/x.pem"', 'Service']);

const span = (l1: number, c1: number, l2: number, c2: number, file = 'p.cfg') => ({ file, start: { line: l1, col: c1 }, end: { line: l2, col: c2 }, order: 1 });

test('pound 4 locations: ranges on one line, TAB counted as 8 columns', () => {
  assert.equal(location4(span(1, 1, 1, 11), sources), 'p.cfg:1.1-11');
  // "\tCert" : the TAB takes columns 1-8, so Cert starts at 9 and the string at 14.
  assert.equal(location4(span(2, 7, 2, 13), sources), 'p.cfg:2.14-20');
});

test('a single column, a range over lines, and a column 0 that is left out', () => {
  assert.equal(location4(span(3, 7, 3, 7), sources), 'p.cfg:3.7');
  assert.equal(location4(span(1, 1, 3, 7), sources), 'p.cfg:1.1-3.7');
  assert.equal(location4(span(3, 8, 4, 0), sources), 'p.cfg:3.8-4');
});
