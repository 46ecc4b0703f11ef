import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { atoi, scanInt, toPort16 } from './atoi.js';

describe('atoi (C semantics)', () => {
  it('reads leading digits, sign and white space', () => {
    assert.equal(atoi('12abc'), 12);
    assert.equal(atoi('  \t-7'), -7);
    assert.equal(atoi('+3'), 3);
    assert.equal(atoi(' 5x'), 5);
  });
  it('gives 0 for no digits', () => {
    for (const s of ['', 'abc', '-', ' +', 'x1']) assert.equal(atoi(s), 0, s);
  });
  it('saturates like strtol then keeps the low 32 bits like an int cast', () => {
    assert.equal(atoi('4294967296'), 0);
    assert.equal(atoi('2147483648'), -2147483648);
    assert.equal(atoi('99999999999999999999999'), -1);
  });
  it('scanInt is sscanf %d: no digits is a failure, and it says where it stopped', () => {
    assert.deepEqual(scanInt(':5:x', 1), { value: 5, end: 2 });
    assert.equal(scanInt(':junk', 1), undefined);
    assert.deepEqual(scanInt(':-1', 1), { value: -1, end: 3 });
  });
  it('ports keep 16 bits', () => {
    assert.equal(toPort16(99999), 34463);
    assert.equal(toPort16(-1), 65535);
    assert.equal(toPort16(80), 80);
  });
});
