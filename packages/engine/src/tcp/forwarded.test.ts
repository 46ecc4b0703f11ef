import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addForwardedHeaders } from './forwarded.js';

const rw = (s: string, https = false) => addForwardedHeaders(Buffer.from(s, 'latin1'), '127.0.0.1', https).toString('latin1');

test('GET gets Proto then For in front of the blank line', () => {
  assert.equal(
    rw('GET /a HTTP/1.1\r\nHost: x\r\n\r\n'),
    'GET /a HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: http\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n',
  );
});

test('existing X-Forwarded-For is left alone; existing proto too; method is case-insensitive', () => {
  assert.equal(
    rw('GET /b HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n'),
    'GET /b HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: http\r\n\r\n',
  );
  assert.equal(
    rw('get /d HTTP/1.1\r\nx-forwarded-proto: https\r\n\r\n'),
    'get /d HTTP/1.1\r\nx-forwarded-proto: https\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n',
  );
});

test('POST body stays intact; PUT untouched; https proto', () => {
  assert.equal(
    rw('POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc'),
    'POST /p HTTP/1.1\r\nContent-Length: 3\r\nX-Forwarded-Proto: http\r\nX-Forwarded-For: 127.0.0.1\r\n\r\nabc',
  );
  assert.equal(rw('PUT /x HTTP/1.1\r\n\r\n'), 'PUT /x HTTP/1.1\r\n\r\n');
  assert.equal(rw('HEAD / HTTP/1.1\r\n\r\n', true), 'HEAD / HTTP/1.1\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n');
});

test('bare LF request gives mixed line ends exactly as pen', () => {
  assert.equal(rw('GET /g HTTP/1.0\n\n'), 'GET /g HTTP/1.0\r\nX-Forwarded-Proto: http\r\nX-Forwarded-For: 127.0.0.1\n\n');
});

test('only the first of two pipelined requests; the check covers the whole chunk', () => {
  assert.equal(
    rw('GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n'),
    'GET /1 HTTP/1.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-For: 127.0.0.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n',
  );
  assert.equal(
    rw('POST /p HTTP/1.1\r\n\r\nbody\nX-Forwarded-For: z'),
    'POST /p HTTP/1.1\r\nX-Forwarded-Proto: http\r\n\r\nbody\nX-Forwarded-For: z',
  );
});

test('no blank line, leftover body, NUL before the blank line: unchanged', () => {
  assert.equal(rw('GET /x HTTP/1.1\r\nHost: a\r\n'), 'GET /x HTTP/1.1\r\nHost: a\r\n');
  assert.equal(rw('body bytes\r\n\r\n'), 'body bytes\r\n\r\n');
  assert.equal(rw('GET /x\u0000 HTTP/1.1\r\n\r\n'), 'GET /x\u0000 HTTP/1.1\r\n\r\n');
});

test('too large a result is not rewritten', () => {
  const big = 'GET /' + 'a'.repeat(32768 - 30) + '\r\n\r\n';
  assert.equal(rw(big), big);
});

test('a header after a NUL byte is not seen (C string search)', () => {
  assert.equal(
    rw('GET / HTTP/1.1\r\n\r\n\u0000\nX-Forwarded-For: z'),
    'GET / HTTP/1.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n\u0000\nX-Forwarded-For: z',
  );
  assert.equal(rw('GET / HTTP/1.1\r\nx-FORWARDED-for: a\r\n\r\n'), 'GET / HTTP/1.1\r\nx-FORWARDED-for: a\r\nX-Forwarded-Proto: http\r\n\r\n');
});
