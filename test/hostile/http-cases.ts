// The hostile HTTP table: raw bytes a client sends through pound-mode penpound, what must
// come back, and exactly what the backend may receive. Dialects follow spec §5.2–§5.4; where
// ours is stricter than the original the row names its COMPAT.md entry.
import { OK_RESPONSE as OK } from './support/recording-backend.js';
import { L400, L414, L500, L501, modernPage } from './support/pages.js';
import type { Step } from './support/talk.js';

/**
 * Proxies the table runs against: `2.8`/`2.4`/`4` are pound dialects at xHTTP 0 with a 10 s
 * Client timeout; `2.8-x2` allows xHTTP 2 methods; `2.8-slow` has `Client 1`.
 */
export type ProxyKind = '2.8' | '2.4' | '4' | '2.8-x2' | '2.8-slow';

export interface HttpCase {
  id: string;
  name: string;
  proxy: ProxyKind;
  send: Step[];
  /** Exact bytes the client receives before the proxy closes ('' = nothing at all). */
  response: string;
  /**
   * Exact bytes the backend receives (all requests concatenated; `{XFF}` = the forwarded-for
   * lines the dialect adds), or `prefixOf`: only an incomplete request, a prefix of this.
   */
  backend: string | { prefixOf: string };
  /** The COMPAT.md row that records a difference from the original. */
  compat?: string;
  /** Known failure: the reason (the case still runs, reported as todo). */
  todo?: string;
}

const CRLF = '\r\n';
/** A request: lines, blank line, body. */
export function req(lines: string[], body = ''): string {
  return lines.join(CRLF) + CRLF + CRLF + body;
}
/** What pound forwards for it: the same lines (an HTTP/1.1 `Connection: close` is ours to honour, serve-13), its own lines, the body. */
export function fwd(lines: string[], body = ''): string {
  return lines.filter((l) => l !== 'Connection: close').join(CRLF) + CRLF + '{XFF}' + CRLF + body;
}

const post = (extra: string[]): string[] => ['POST /p HTTP/1.1', 'Host: h', ...extra];
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n';
const CHUNKED = 'Transfer-Encoding: chunked';

/** A chunked POST whose body is `body`; bad framing → 500 (2.x), the head may have left. */
function badChunks(id: string, name: string, body: string, proxy: ProxyKind = '2.8'): HttpCase {
  const lines = post([CHUNKED, 'Connection: close']);
  return {
    id, name, proxy,
    send: [req(lines, body)],
    response: proxy === '4' ? modernPage(400) : L500,
    backend: { prefixOf: fwd(lines) },
    compat: 'serve-3',
  };
}

export const HTTP_CASES: HttpCase[] = [
  // ------------------------------------------------------------ framing (CVE-2016-10711 and kin)
  { id: 'cl-te', name: 'Content-Length and chunked: 400, nothing forwarded', proxy: '2.8',
    send: [req(post(['Content-Length: 4', CHUNKED]), '0\r\n\r\n' + SMUGGLED)], response: L400.both, backend: '' },
  { id: 'te-cl', name: 'chunked then Content-Length (other order): 400', proxy: '2.8',
    send: [req(post([CHUNKED, 'Content-Length: 4']), '0\r\n\r\n' + SMUGGLED)], response: L400.both, backend: '' },
  { id: 'cl-te-4', name: 'Content-Length and chunked (4.x): 400', proxy: '4',
    send: [req(post(['Content-Length: 4', CHUNKED]), '0\r\n\r\n' + SMUGGLED)], response: modernPage(400), backend: '' },
  { id: 'cl-cl-equal', name: 'two equal Content-Length headers: 400', proxy: '2.8',
    send: [req(post(['Content-Length: 3', 'Content-Length: 3']), 'abc')], response: L400.multiple, backend: '' },
  { id: 'cl-cl-differ', name: 'two different Content-Length headers: 400', proxy: '2.8',
    send: [req(post(['Content-Length: 3', 'Content-Length: 40']), 'abc' + SMUGGLED)], response: L400.multiple, backend: '' },
  { id: 'cl-list', name: 'Content-Length: 3, 3 (a list): 400', proxy: '2.8',
    send: [req(post(['Content-Length: 3, 3']), 'abc')], response: L400.multiple, backend: '' },
  { id: 'cl-plus', name: 'Content-Length: +3: 400', proxy: '2.8',
    send: [req(post(['Content-Length: +3']), 'abc')], response: L400.badLength, backend: '' },
  { id: 'cl-hex', name: 'Content-Length: 0x3: 400', proxy: '2.8',
    send: [req(post(['Content-Length: 0x3']), 'abc')], response: L400.badLength, backend: '' },
  { id: 'cl-huge', name: 'Content-Length of 16 digits: 400', proxy: '2.8',
    send: [req(post(['Content-Length: 1000000000000003']), 'abc')], response: L400.badLength, backend: '', compat: 'serve-4' },
  { id: 'cl-trailing-blank', name: 'Content-Length: "3 " (trailing blank): 400 as in 2.8a', proxy: '2.8',
    send: [req(post(['Content-Length: 3 ']), 'abc')], response: L400.badLength, backend: '' },
  { id: 'cl-4-twice', name: 'two Content-Length headers (4.x): 400', proxy: '4',
    send: [req(post(['Content-Length: 3', 'Content-Length: 3']), 'abc')], response: modernPage(400), backend: '' },
  { id: 'cl-leading-zeros', name: 'Content-Length: 005 is 5: forwarded as is', proxy: '2.8',
    send: [req(post(['Content-Length: 005', 'Connection: close']), 'hello')], response: OK,
    backend: fwd(post(['Content-Length: 005', 'Connection: close']), 'hello') },
  { id: 'te-gzip-chunked', name: 'Transfer-Encoding: gzip, chunked (2.x accepts only "chunked"): 400', proxy: '2.8',
    send: [req(post(['Transfer-Encoding: gzip, chunked']), '0\r\n\r\n')], response: L400.te, backend: '' },
  { id: 'te-gzip-chunked-4', name: 'Transfer-Encoding: gzip, chunked (4.x: chunked last): forwarded, framed as chunked', proxy: '4',
    send: [req(post(['Transfer-Encoding: gzip, chunked', 'Connection: close']), '5\r\nhello\r\n0\r\n\r\n')], response: OK,
    backend: fwd(post(['Transfer-Encoding: gzip, chunked', 'Connection: close']), '5\r\nhello\r\n0\r\n\r\n') },
  { id: 'te-twice', name: 'chunked in two headers: 400', proxy: '2.8',
    send: [req(post([CHUNKED, CHUNKED]), '0\r\n\r\n' + SMUGGLED)], response: L400.te, backend: '', compat: 'serve-1' },
  { id: 'te-twice-4', name: 'chunked in two headers (4.x): 400', proxy: '4',
    send: [req(post([CHUNKED, CHUNKED]), '0\r\n\r\n')], response: modernPage(400), backend: '' },
  { id: 'te-chunked-chunked', name: 'Transfer-Encoding: chunked, chunked: 400', proxy: '2.8',
    send: [req(post(['Transfer-Encoding: chunked, chunked']), '0\r\n\r\n')], response: L400.te, backend: '' },
  { id: 'te-chunked-gzip-4', name: 'Transfer-Encoding: chunked, gzip (chunked not last, 4.x): 400', proxy: '4',
    send: [req(post(['Transfer-Encoding: chunked, gzip']), '0\r\n\r\n')], response: modernPage(400), backend: '' },
  { id: 'te-unknown-4', name: 'Transfer-Encoding: foo, chunked (unknown coding, 4.x): 501', proxy: '4',
    send: [req(post(['Transfer-Encoding: foo, chunked']), '0\r\n\r\n')], response: modernPage(501), backend: '' },
  { id: 'te-space-colon', name: '"Transfer-Encoding : chunked" is no header: dropped, Content-Length frames the body', proxy: '2.8',
    send: [req(post(['Content-Length: 5', 'Transfer-Encoding : chunked', 'Connection: close']), '0\r\n\r\n')], response: OK,
    backend: fwd(post(['Content-Length: 5', 'Connection: close']), '0\r\n\r\n') },
  { id: 'te-space-colon-4', name: '"Transfer-Encoding : chunked" (4.x): 400', proxy: '4',
    send: [req(post(['Content-Length: 5', 'Transfer-Encoding : chunked']), '0\r\n\r\n')], response: modernPage(400), backend: '' },
  { id: 'te-case-tab', name: 'Transfer-Encoding:<TAB>Chunked is chunked (case and blank as in 2.8a): forwarded verbatim', proxy: '2.8',
    send: [req(post(['Transfer-Encoding:\tChunked', 'Connection: close']), '5\r\nhello\r\n0\r\n\r\n')], response: OK,
    backend: fwd(post(['Transfer-Encoding:\tChunked', 'Connection: close']), '5\r\nhello\r\n0\r\n\r\n') },
  { id: 'te-vertical-tab', name: 'Transfer-Encoding:<VT>chunked (a control character): connection dropped', proxy: '2.8',
    send: [req(post(['Transfer-Encoding:\x0bchunked']), '0\r\n\r\n')], response: '', backend: '' },

  // ------------------------------------------------------------ chunk framing
  badChunks('chunk-size-letters', 'chunk size "zz": 500', 'zz\r\nhello\r\n0\r\n\r\n'),
  badChunks('chunk-size-space', 'chunk size " 5" (leading blank): 500', ' 5\r\nhello\r\n0\r\n\r\n'),
  badChunks('chunk-size-trailing-space', 'chunk size "5 " (trailing blank): 500', '5 \r\nhello\r\n0\r\n\r\n'),
  badChunks('chunk-size-13-digits', 'chunk size of 13 hex digits: 500', '1000000000005\r\nhello\r\n0\r\n\r\n'),
  badChunks('chunk-size-negative', 'chunk size "-5": 500', '-5\r\nhello\r\n0\r\n\r\n'),
  badChunks('chunk-size-0x', 'chunk size "0x5": 500', '0x5\r\nhello\r\n0\r\n\r\n'),
  badChunks('chunk-size-bare-lf', 'chunk size line ended by a bare LF: 500', '5\nhello\r\n0\r\n\r\n'),
  badChunks('chunk-data-overrun', 'chunk data longer than its size: 500', '5\r\nhello!!\r\n0\r\n\r\n' + SMUGGLED),
  badChunks('chunk-ext-control', 'chunk extension with a control character: 500', '5;a\x01b\r\nhello\r\n0\r\n\r\n'),
  badChunks('chunk-ext-bare-lf', 'chunk extension ended by a bare LF: 500', '5;ext\nhello\r\n0\r\n\r\n'),
  badChunks('chunk-trailer-folded', 'folded trailer line: 500', '5\r\nhello\r\n0\r\nX-T: a\r\n b\r\n\r\n'),
  badChunks('chunk-size-letters-4', 'chunk size "zz" (4.x): 400', 'zz\r\nhello\r\n0\r\n\r\n', '4'),
  { id: 'chunk-ext-ok', name: 'chunk extensions and trailers are relayed verbatim', proxy: '2.8',
    send: [req(post([CHUNKED, 'Connection: close']), '5;name=value;x="y"\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n')], response: OK,
    backend: fwd(post([CHUNKED, 'Connection: close']), '5;name=value;x="y"\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n') },
  { id: 'chunk-upper-hex', name: 'upper- and lower-case hex sizes', proxy: '2.8',
    send: [req(post([CHUNKED, 'Connection: close']), 'A\r\n0123456789\r\nb\r\n0123456789a\r\n0\r\n\r\n')], response: OK,
    backend: fwd(post([CHUNKED, 'Connection: close']), 'A\r\n0123456789\r\nb\r\n0123456789a\r\n0\r\n\r\n') },

  // ------------------------------------------------------------ header syntax
  { id: 'obs-fold', name: 'obsolete line folding: 400', proxy: '2.8',
    send: [req(['GET / HTTP/1.1', 'Host: h', 'X-A: 1', ' Transfer-Encoding: chunked'], '0\r\n\r\n')], response: L400.folded, backend: '', compat: 'serve-2' },
  { id: 'obs-fold-tab-4', name: 'obsolete line folding with a TAB (4.x): 400', proxy: '4',
    send: [req(['GET / HTTP/1.1', 'Host: h', 'X-A: 1', '\tmore'])], response: modernPage(400), backend: '', compat: 'serve-2' },
  { id: 'nul-value', name: 'NUL in a header value: connection dropped (2.x)', proxy: '2.8',
    send: [req(['GET / HTTP/1.1', 'Host: h', 'X-A: a\0b'])], response: '', backend: '' },
  { id: 'nul-value-4', name: 'NUL in a header value (4.x): 400', proxy: '4',
    send: [req(['GET / HTTP/1.1', 'Host: h', 'X-A: a\0b'])], response: modernPage(400), backend: '' },
  { id: 'nul-name', name: 'NUL in a header name: connection dropped', proxy: '2.8',
    send: [req(['GET / HTTP/1.1', 'Host: h', 'Content\0-Length: 5'], 'hello')], response: '', backend: '' },
  { id: 'cr-value', name: 'bare CR in a header value: connection dropped', proxy: '2.8',
    send: [req(['GET / HTTP/1.1', 'Host: h', 'X-A: a\rContent-Length: 5'], 'hello')], response: '', backend: '' },
  { id: 'cr-name', name: 'bare CR in a header name: connection dropped', proxy: '2.8',
    send: [req(['GET / HTTP/1.1', 'Host: h', 'X\rA: b'])], response: '', backend: '' },
  { id: 'del-value', name: 'DEL (0x7f) in a header value: connection dropped', proxy: '2.8',
    send: [req(['GET / HTTP/1.1', 'Host: h', 'X-A: a\x7fb'])], response: '', backend: '' },
  { id: 'lf-only', name: 'LF-only line ends are read (2.8a) and forwarded as CRLF', proxy: '2.8',
    send: ['GET /lf HTTP/1.0\nHost: h\nX-A: 1\n\n'], response: OK, backend: fwd(['GET /lf HTTP/1.0', 'Host: h', 'X-A: 1']) },
  { id: 'lf-in-body-position', name: 'an LF-only blank line ends the head: the body bytes after it are the body', proxy: '2.8',
    send: ['POST /p HTTP/1.0\r\nContent-Length: 5\r\n\nhello'], response: OK, backend: fwd(['POST /p HTTP/1.0', 'Content-Length: 5'], 'hello') },
  { id: 'space-before-colon', name: '"Host : h" is no header: dropped, the rest forwarded (2.x)', proxy: '2.8',
    send: [req(['GET /s HTTP/1.0', 'Host : evil', 'X-A: 1'])], response: OK, backend: fwd(['GET /s HTTP/1.0', 'X-A: 1']) },
  { id: 'space-before-colon-4', name: '"Host : h" (4.x): 400', proxy: '4',
    send: [req(['GET /s HTTP/1.1', 'Host : evil'])], response: modernPage(400), backend: '' },
  { id: 'no-colon', name: 'a line without a colon or with an empty name is dropped (2.x)', proxy: '2.8',
    send: [req(['GET /n HTTP/1.0', 'Just words', ': empty name', 'X-A: 1'])], response: OK, backend: fwd(['GET /n HTTP/1.0', 'X-A: 1']) },
  { id: 'obs-text', name: 'bytes 0x80-0xFF in a value are passed verbatim', proxy: '2.8',
    send: [req(['GET /o HTTP/1.0', 'X-A: caf\xe9 \xff'])], response: OK, backend: fwd(['GET /o HTTP/1.0', 'X-A: caf\xe9 \xff']) },
  { id: 'too-many-headers', name: '127 header lines: 500 (2.x)', proxy: '2.8',
    send: [req(['GET / HTTP/1.1', ...Array.from({ length: 127 }, (_, i) => `X-H${i}: v`)])], response: L500, backend: '' },
  { id: 'too-many-headers-4', name: '127 header lines (4.x): 400', proxy: '4',
    send: [req(['GET / HTTP/1.1', ...Array.from({ length: 127 }, (_, i) => `X-H${i}: v`)])], response: modernPage(400), backend: '', compat: 'hostile-5' },
  { id: 'long-header', name: 'a 5000-byte header line: connection dropped (2.x)', proxy: '2.8',
    send: [req(['GET / HTTP/1.1', 'X-Big: ' + 'b'.repeat(5000)])], response: '', backend: '' },
  { id: 'long-header-4', name: 'a 5000-byte header line (4.x): 413', proxy: '4',
    send: [req(['GET / HTTP/1.1', 'X-Big: ' + 'b'.repeat(5000)])], response: modernPage(413), backend: '' },
  { id: 'long-header-unterminated-4', name: '64 KB without a line end in the headers (4.x): 413 at 4 KB', proxy: '4',
    send: ['GET / HTTP/1.1\r\nX-Big: ' + 'b'.repeat(65536)], response: modernPage(413), backend: '' },

  // ------------------------------------------------------------ request line
  { id: 'absolute-form', name: 'absolute-form target: forwarded verbatim (pound does not rewrite it)', proxy: '2.8',
    send: [req(['GET http://elsewhere.example/x HTTP/1.0', 'Host: h'])], response: OK,
    backend: fwd(['GET http://elsewhere.example/x HTTP/1.0', 'Host: h']) },
  { id: 'asterisk-form-x0', name: 'OPTIONS * at xHTTP 0: 501', proxy: '2.8',
    send: [req(['OPTIONS * HTTP/1.1', 'Host: h'])], response: L501, backend: '' },
  { id: 'asterisk-form-x2', name: 'OPTIONS * at xHTTP 2: forwarded', proxy: '2.8-x2',
    send: [req(['OPTIONS * HTTP/1.0', 'Host: h'])], response: OK, backend: fwd(['OPTIONS * HTTP/1.0', 'Host: h']) },
  { id: 'connect-x0', name: 'CONNECT host:443 at xHTTP 0: 501', proxy: '2.8',
    send: [req(['CONNECT example.com:443 HTTP/1.1', 'Host: example.com:443'])], response: L501, backend: '' },
  { id: 'long-request-line-28', name: 'request line over 4 KB: 501 (2.8)', proxy: '2.8',
    send: [req(['GET /' + 'a'.repeat(5000) + ' HTTP/1.1', 'Host: h'])], response: L501, backend: '' },
  { id: 'long-request-line-24', name: 'request line over 4 KB: 414 (2.4)', proxy: '2.4',
    send: [req(['GET /' + 'a'.repeat(5000) + ' HTTP/1.1', 'Host: h'])], response: L414, backend: '' },
  { id: 'long-request-line-4', name: 'request line over 4 KB: 414 (4.x)', proxy: '4',
    send: [req(['GET /' + 'a'.repeat(5000) + ' HTTP/1.1', 'Host: h'])], response: modernPage(414), backend: '' },
  { id: 'endless-request-line-4', name: '1 MB request line without a line end (4.x): 414 after 4 KB', proxy: '4',
    send: ['GET /' + 'a'.repeat(1 << 20)], response: modernPage(414), backend: '' },
  { id: 'version-1.2', name: 'HTTP/1.2: 501', proxy: '2.8', send: [req(['GET / HTTP/1.2', 'Host: h'])], response: L501, backend: '' },
  { id: 'version-2.0', name: 'HTTP/2.0: 501', proxy: '2.8', send: [req(['GET / HTTP/2.0', 'Host: h'])], response: L501, backend: '' },
  { id: 'version-extra', name: 'HTTP/1.10: 501', proxy: '2.8', send: [req(['GET / HTTP/1.10', 'Host: h'])], response: L501, backend: '' },
  { id: 'version-missing', name: 'no version (HTTP/0.9 style): 501', proxy: '2.8', send: ['GET /\r\n\r\n'], response: L501, backend: '' },
  { id: 'version-4', name: 'HTTP/1.2 (4.x): 400 in HTTP/1.0', proxy: '4', send: [req(['GET / HTTP/1.2', 'Host: h'])], response: modernPage(400, 0), backend: '' },
  { id: 'h2-preface', name: 'an HTTP/2 connection preface: 501', proxy: '2.8',
    send: ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'], response: L501, backend: '' },
  { id: 'tab-separators', name: 'TABs between method, target and version: 501', proxy: '2.8',
    send: [req(['GET\t/\tHTTP/1.1', 'Host: h'])], response: L501, backend: '' },
  { id: 'double-space', name: 'two spaces after the method: 501', proxy: '2.8',
    send: [req(['GET  / HTTP/1.1', 'Host: h'])], response: L501, backend: '' },
  { id: 'nul-request-line', name: 'NUL in the request line: 501', proxy: '2.8',
    send: [req(['GET /a\0b HTTP/1.1', 'Host: h'])], response: L501, backend: '', compat: 'serve-5' },
  { id: 'cr-request-line', name: 'bare CR in the request line: 501', proxy: '2.8',
    send: [req(['GET /a\rb HTTP/1.1', 'Host: h'])], response: L501, backend: '', compat: 'serve-5' },
  { id: 'pct00', name: '%00 in the URL: 501 (2.8)', proxy: '2.8',
    send: [req(['GET /a%00b HTTP/1.1', 'Host: h'])], response: L501, backend: '' },
  { id: 'blank-lines-first', name: 'blank lines before the request line are skipped', proxy: '2.8',
    send: ['\r\n\r\n\n' + req(['GET /b HTTP/1.0', 'Host: h'])], response: OK, backend: fwd(['GET /b HTTP/1.0', 'Host: h']) },
  { id: 'blank-lines-flood', name: '1 MB of blank lines before any request line: closed after 4 KB (501), never buffered', proxy: '2.8',
    send: ['\r\n'.repeat(1 << 19)], response: L501, backend: '', compat: 'hostile-1' },

  // ------------------------------------------------------------ pipelining
  { id: 'pipeline-two', name: 'two pipelined requests: two answers, in order', proxy: '2.8',
    send: [req(['GET /1 HTTP/1.1', 'Host: h']) + req(['GET /2 HTTP/1.1', 'Host: h', 'Connection: close'])], response: OK + OK,
    backend: fwd(['GET /1 HTTP/1.1', 'Host: h']) + fwd(['GET /2 HTTP/1.1', 'Host: h', 'Connection: close']) },
  { id: 'pipeline-then-garbage', name: 'a good request, then garbage: answer, then 501 and close', proxy: '2.8',
    send: [req(['GET /1 HTTP/1.1', 'Host: h']) + 'NONSENSE\r\n\r\n' + req(['GET /3 HTTP/1.1', 'Host: h'])], response: OK + L501,
    backend: fwd(['GET /1 HTTP/1.1', 'Host: h']) },
  { id: 'pipeline-after-error', name: 'nothing after a refused request is read', proxy: '2.8',
    send: [req(post(['Content-Length: 4', CHUNKED]), '0\r\n\r\n') + req(['GET /after HTTP/1.1', 'Host: h'])], response: L400.both, backend: '' },
  { id: 'pipeline-after-501', name: 'nothing after a 501 is read', proxy: '2.8',
    send: [req(['GET /a%00 HTTP/1.1', 'Host: h']) + req(['GET /after HTTP/1.1', 'Host: h'])], response: L501, backend: '' },
  { id: 'request-in-body', name: 'a request inside a Content-Length body stays body', proxy: '2.8',
    send: [req(post([`Content-Length: ${SMUGGLED.length}`, 'Connection: close']), SMUGGLED)], response: OK,
    backend: fwd(post([`Content-Length: ${SMUGGLED.length}`, 'Connection: close']), SMUGGLED) },
  { id: 'request-after-chunked', name: 'a request after a chunked body is the next request', proxy: '2.8',
    send: [req(post([CHUNKED]), '0\r\n\r\n') + req(['GET /next HTTP/1.1', 'Host: h', 'Connection: close'])], response: OK + OK,
    backend: fwd(post([CHUNKED]), '0\r\n\r\n') + fwd(['GET /next HTTP/1.1', 'Host: h', 'Connection: close']) },
  { id: 'pipeline-50', name: '50 pipelined requests in one write: 50 answers', proxy: '2.8',
    send: [Array.from({ length: 50 }, (_, i) => req([`GET /${i} HTTP/1.1`, 'Host: h', ...(i === 49 ? ['Connection: close'] : [])])).join('')],
    response: OK.repeat(50),
    backend: Array.from({ length: 50 }, (_, i) => fwd([`GET /${i} HTTP/1.1`, 'Host: h', ...(i === 49 ? ['Connection: close'] : [])])).join('') },

  { id: 'upgrade-refused', name: 'an Upgrade the backend does not accept (200): the next pipelined request is still read as HTTP', proxy: '2.8',
    send: [req(['GET /ws HTTP/1.1', 'Host: h', 'Connection: Upgrade', 'Upgrade: websocket']) + req(['GET /next HTTP/1.1', 'Host: h', 'Connection: close'])],
    response: OK + OK,
    backend: fwd(['GET /ws HTTP/1.1', 'Host: h', 'Connection: Upgrade', 'Upgrade: websocket']) + fwd(['GET /next HTTP/1.1', 'Host: h', 'Connection: close']) },
  { id: 'non-token-name', name: 'a header name with a non-token byte ("C\xf6ntent-Length") is dropped: its "body" is read as the next request', proxy: '2.8',
    send: [req(['POST /p HTTP/1.1', 'Host: h', 'C\xf6ntent-Length: 5']) + 'hello\r\n\r\n'], response: OK + L501,
    backend: fwd(['POST /p HTTP/1.1', 'Host: h']) },

  // ------------------------------------------------------------ bodies on GET / HEAD
  { id: 'get-with-body', name: 'GET with a Content-Length body: forwarded with it', proxy: '2.8',
    send: [req(['GET /g HTTP/1.1', 'Host: h', 'Content-Length: 5', 'Connection: close'], 'hello')], response: OK,
    backend: fwd(['GET /g HTTP/1.1', 'Host: h', 'Content-Length: 5', 'Connection: close'], 'hello') },
  { id: 'get-with-chunked-body', name: 'GET with a chunked body: forwarded with it', proxy: '2.8',
    send: [req(['GET /g HTTP/1.1', 'Host: h', CHUNKED, 'Connection: close'], '5\r\nhello\r\n0\r\n\r\n')], response: OK,
    backend: fwd(['GET /g HTTP/1.1', 'Host: h', CHUNKED, 'Connection: close'], '5\r\nhello\r\n0\r\n\r\n') },
  { id: 'head-with-body', name: 'HEAD with a body; the backend wrongly answers with a body: the client gets only the head', proxy: '2.8', compat: 'hostile-4',
    send: [req(['HEAD /h HTTP/1.1', 'Host: h', 'Content-Length: 5', 'Connection: close'], 'hello')],
    response: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n',
    backend: fwd(['HEAD /h HTTP/1.1', 'Host: h', 'Content-Length: 5', 'Connection: close'], 'hello') },
  { id: 'body-cut-short', name: 'a body cut short by the client: closed, the backend never gets a whole request', proxy: '2.8',
    send: [req(post(['Content-Length: 10']), 'abc'), { pause: 100 }, { end: true }], response: '',
    backend: { prefixOf: fwd(post(['Content-Length: 10']), 'abc') } },

  // ------------------------------------------------------------ Expect
  { id: 'expect-100', name: 'Expect: 100-continue is removed and never answered by the proxy', proxy: '2.8',
    send: [req(post(['Content-Length: 5', 'Expect: 100-continue', 'Connection: close'])), { pause: 100 }, 'hello'], response: OK,
    backend: fwd(post(['Content-Length: 5', 'Connection: close']), 'hello') },
  { id: 'expect-100-no-body', name: 'Expect: 100-continue and the body never comes: cut by the Client timeout', proxy: '2.8-slow',
    send: [req(post(['Content-Length: 5', 'Expect: 100-continue']))], response: '',
    backend: { prefixOf: fwd(post(['Content-Length: 5'])) } },
  { id: 'expect-other', name: 'any other Expect value is passed on', proxy: '2.8',
    send: [req(['GET /e HTTP/1.0', 'Expect: 100-continue, 200-ok', 'Expect: x'])], response: OK,
    backend: fwd(['GET /e HTTP/1.0', 'Expect: 100-continue, 200-ok', 'Expect: x']) },
  { id: 'backend-100', name: 'a backend\'s 100 Continue is swallowed; the client sees one response', proxy: '2.8',
    send: [req(['GET /send-100 HTTP/1.0', 'Host: h'])], response: OK, backend: fwd(['GET /send-100 HTTP/1.0', 'Host: h']) },

  // ------------------------------------------------------------ slow clients (Client 1)
  { id: 'slowloris', name: 'a head sent one byte every 250 ms: cut by the Client timeout, never forwarded', proxy: '2.8-slow',
    send: [{ trickle: req(['GET /slow HTTP/1.1', 'Host: h', 'X-A: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']), every: 250 }], response: '', backend: '', compat: 'hostile-2' },
  { id: 'idle-connect', name: 'a connection that never sends: closed by the Client timeout', proxy: '2.8-slow',
    send: [], response: '', backend: '' },
  { id: 'slow-body', name: 'a body that stops half way: cut by the Client timeout', proxy: '2.8-slow',
    send: [req(post(['Content-Length: 10']), 'abc')], response: '', backend: { prefixOf: fwd(post(['Content-Length: 10']), 'abc') } },
  { id: 'idle-keepalive', name: 'an idle keep-alive connection after a response: closed by the Client timeout', proxy: '2.8-slow',
    send: [req(['GET /k HTTP/1.1', 'Host: h'])], response: OK, backend: fwd(['GET /k HTTP/1.1', 'Host: h']) },
];
