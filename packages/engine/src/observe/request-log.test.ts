import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDatagram, formatFileLine } from './request-log.js';

test('file line: client, time, server, first line with high bytes as dots', () => {
  const chunk = Buffer.concat([Buffer.from('GET /a?x='), Buffer.from([0xe9]), Buffer.from('\t HTTP/1.1\r\nHost: x\r\n\r\n')]);
  assert.equal(formatFileLine('127.0.0.1', 1795315483, '127.0.0.1', chunk), '127.0.0.1 1795315483 127.0.0.1 GET /a?x=.\t HTTP/1.1\n');
});

test('file line: cut at 100 bytes', () => {
  const line = 'GET /' + '0123456789'.repeat(20) + ' HTTP/1.1\r\n\r\n';
  const out = formatFileLine('c', 1, 's', Buffer.from(line));
  assert.equal(out, 'c 1 s ' + line.slice(0, 100) + '\n');
});

test('datagram: raw first line, no time', () => {
  assert.equal(formatDatagram('127.0.0.1', '127.0.0.1', Buffer.from('GET /hello HTTP/1.1\r\nHost: x\r\n\r\n')).toString(), '+ 127.0.0.1 127.0.0.1 GET /hello HTTP/1.1\n');
});
