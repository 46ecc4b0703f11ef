import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atoi } from './context.js';

test('atoi as pound 2.x read numbers: (int)strtol on 64-bit Linux', () => {
  assert.equal(atoi('80'), 80);
  assert.equal(atoi('-1'), -1);
  assert.equal(atoi('-'), 0);
  assert.equal(atoi('70000'), 70000); // Port then keeps the low 16 bits (4464)
  assert.equal(atoi('4294967297'), 1);
  assert.equal(atoi('99999999999999999999'), -1); // clamped to LONG_MAX, low 32 bits
});
