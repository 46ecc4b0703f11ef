import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHUNKED_BAD, CHUNKED_MORE, ChunkedFramer } from './chunked.js';

const feedAll = (s: string, step = 0): number => {
  const f = new ChunkedFramer();
  const b = Buffer.from(s, 'latin1');
  if (step === 0) return f.feed(b, 0, b.length);
  for (let i = 0; i < b.length; i += step) {
    const r = f.feed(b, i, Math.min(b.length, i + step));
    if (r !== CHUNKED_MORE) return r;
  }
  return CHUNKED_MORE;
};

describe('chunked framer', () => {
  it('finds the end of a body, with extensions and trailers, byte by byte too', () => {
    const body = '5\r\nhello\r\na;x=y\r\n0123456789\r\n0\r\nT: v\r\n\r\n';
    assert.equal(feedAll(body + 'NEXT'), body.length);
    assert.equal(feedAll(body, 1), body.length);
    assert.equal(feedAll('0\r\n\r\n'), 5);
  });
  it('counts data bytes (MaxRequest)', () => {
    const f = new ChunkedFramer();
    const b = Buffer.from('3\r\nabc\r\n2\r\nde\r\n');
    assert.equal(f.feed(b, 0, b.length), CHUNKED_MORE);
    assert.equal(f.total, 5);
  });
  it('refuses malformed framing', () => {
    for (const bad of ['x\r\n', '\r\n', '5\nhello\r\n', '5\r\nhelloX\r\n', '1 \r\n', '-1\r\n',
      '1234567890abc\r\n', '0\r\n T: v\r\n\r\n', '0\r\nT: v\n\r\n', '5;a\0b\r\n']) {
      assert.equal(feedAll(bad), CHUNKED_BAD, JSON.stringify(bad));
    }
  });
});
