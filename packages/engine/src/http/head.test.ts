import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  H_CONTENT_LENGTH, H_HOST, H_MALFORMED, H_TRANSFER_ENCODING, HEAD_CONTROL_CHAR, HEAD_DONE, HEAD_FIRST_LINE_TOO_LONG,
  HEAD_FOLDED, HEAD_HEADER_TOO_LONG, HEAD_MORE, HEAD_TOO_MANY_HEADERS, HeadParser,
} from './head.js';

const parse = (s: string | Buffer): { r: number; p: HeadParser } => {
  const p = new HeadParser();
  return { r: p.scan(Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1')), p };
};

describe('head parser', () => {
  it('records the first line and header offsets, classifies known names', () => {
    const { r, p } = parse('GET / HTTP/1.1\r\nhOsT: a\r\nContent-Length:  5 \r\nTransfer-Encoding: chunked\r\n\r\nBODY');
    assert.equal(r, HEAD_DONE);
    assert.equal(p.firstLine(), 'GET / HTTP/1.1');
    assert.equal(p.count, 3);
    assert.equal(p.kind(0), H_HOST);
    assert.equal(p.kind(1), H_CONTENT_LENGTH);
    assert.equal(p.value(1), '5 ', 'trailing blanks are kept (2.8a)');
    assert.equal(p.kind(2), H_TRANSFER_ENCODING);
    assert.equal(p.end, p.buf.length - 4);
    assert.equal(p.verbatim, true);
  });
  it('continues across feeds', () => {
    const p = new HeadParser();
    const all = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal(p.scan(all.subarray(0, 10)), HEAD_MORE);
    assert.equal(p.scan(all.subarray(0, 20)), HEAD_MORE);
    assert.equal(p.scan(all), HEAD_DONE);
    assert.equal(p.value(0), 'a');
  });
  it('accepts bare LF lines and leading empty lines but marks the head not verbatim', () => {
    const { r, p } = parse('\r\n\nGET / HTTP/1.0\nHost: x\n\n');
    assert.equal(r, HEAD_DONE);
    assert.equal(p.firstLine(), 'GET / HTTP/1.0');
    assert.equal(p.verbatim, false);
  });
  it('malformed lines are kept as MALFORMED (pound drops them)', () => {
    const { r, p } = parse('GET / HTTP/1.1\r\nno colon here\r\nX Y: z\r\n\r\n');
    assert.equal(r, HEAD_DONE);
    assert.equal(p.kind(0), H_MALFORMED);
    assert.equal(p.kind(1), H_MALFORMED);
  });
  it('refuses folding, control characters, too many or too long lines', () => {
    assert.equal(parse('GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n').r, HEAD_FOLDED);
    assert.equal(parse('GET / HTTP/1.1\r\nA: b\0c\r\n\r\n').r, HEAD_CONTROL_CHAR);
    assert.equal(parse('GET / HTTP/1.1\r\nA: b\rc\r\n\r\n').r, HEAD_CONTROL_CHAR);
    let many = 'GET / HTTP/1.1\r\n';
    for (let i = 0; i < 127; i++) many += `H${i}: v\r\n`;
    assert.equal(parse(many + '\r\n').r, HEAD_TOO_MANY_HEADERS);
    assert.equal(parse('GET /' + 'a'.repeat(5000)).r, HEAD_FIRST_LINE_TOO_LONG);
    assert.equal(parse('GET / HTTP/1.1\r\nA: ' + 'a'.repeat(5000) + '\r\n').r, HEAD_HEADER_TOO_LONG);
    assert.equal(parse('GET /' + 'a'.repeat(4079) + ' HTTP/1.1\r\n\r\n').r, HEAD_DONE, '4093 characters still fit');
  });
  it('blank lines before the request line count towards its 4 KB (no unbounded buffering)', () => {
    assert.equal(parse('\r\n'.repeat(2047) + 'GET / HTTP/1.1\r\n\r\n').r, HEAD_DONE);
    assert.equal(parse('\r\n'.repeat(2048)).r, HEAD_FIRST_LINE_TOO_LONG);
  });
  it('a control character in the first line is flagged, not fatal', () => {
    const { r, p } = parse('GET /\x01 HTTP/1.1\r\n\r\n');
    assert.equal(r, HEAD_DONE);
    assert.equal(p.firstHasControl, true);
  });
});
