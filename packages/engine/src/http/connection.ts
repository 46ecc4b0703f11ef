// One client connection of an HTTP listener: reads request heads from the socket's bytes,
// checks them as pound does, picks a service and a backend, forwards the head and streams
// the body, then relays the response the same way. No node:http objects: heads are parsed
// in place (head.ts), bodies are framed (Content-Length / chunked.ts) and passed on as the
// slices they arrived in. Works on a net.Socket or a tls.TLSSocket alike.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Backend } from '../model/types.js';
import { ChunkedFramer, CHUNKED_BAD, CHUNKED_MORE } from './chunked.js';
import type { HttpContext } from './context.js';
import { cachedLookup, lookup } from './dns-cache.js';
import { LEGACY_400 } from './errors.js';
import {
  bytesEqualLower, HeadParser, latin1, valueEquals, valueHasToken,
  H_AUTHORIZATION, H_CONNECTION, H_CONTENT_LENGTH, H_CONTENT_LOCATION, H_DESTINATION, H_EXPECT, H_HOST,
  H_LOCATION, H_MALFORMED, H_REFERER, H_TRANSFER_ENCODING, H_UPGRADE, H_USER_AGENT, H_X_FORWARDED_FOR,
  H_X_FORWARDED_PORT, H_X_FORWARDED_PROTO,
  HEAD_CONTROL_CHAR, HEAD_DONE, HEAD_FIRST_LINE_TOO_LONG, HEAD_FOLDED, HEAD_HEADER_TOO_LONG, HEAD_MORE,
  HEAD_TOO_MANY_HEADERS,
} from './head.js';
import { killBackend } from './health.js';
import { coarseNow } from './clock.js';
import type { RequestLogRecord } from './log/format.js';
import { percentDecode, serviceMatches, type MatchInput } from './match.js';
import { methodLevel } from './methods.js';
import { matcherFor } from './pattern.js';
import { redirectResponse, redirectTarget } from './redirect.js';
import { chooseBackend, type Choice } from './balance.js';
import { connectOptions, type BackendState, type ServiceState } from './state.js';
import { RawSocket, rawHttpBindings, type StreamSocket } from './raw-socket.js';
import { sslHeaderLines, type TlsPeerInfo } from './tls.js';

// Connection states.
const ST_HEAD = 0; // waiting for (the rest of) a request head
const ST_CONNECTING = 1; // request head read, backend connect in progress
const ST_BODY = 2; // forwarding the request body
const ST_WAIT = 3; // request sent, relaying the response
const ST_TUNNEL = 4; // after a 101: raw bytes both ways
const ST_DISCARD = 5; // reading a request body to throw away (redirects)
const ST_CLOSED = 6;

// Body framing.
const BODY_NONE = 0;
const BODY_LENGTH = 1;
const BODY_CHUNKED = 2;
const BODY_EOF = 3;

// What the current deadline means.
const T_NONE = 0;
const T_CLIENT = 1;
const T_CONNECT = 2;
const T_BACKEND = 3;
const T_TUNNEL = 4;
const T_LINGER = 5;

/** Lingering close: how long to keep reading (and discarding) after an error response. */
const LINGER_MS = 2000;
/** Body bytes kept for a retry on a fresh connection if a pooled one turns out dead. */
const RETRY_KEEP = 65536;

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPIPE: 'Broken pipe',
  EADDRNOTAVAIL: 'Cannot assign requested address',
};

function errnoText(err: Error | undefined): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (code && ERRNO_TEXT[code]) || err?.message || 'Connection closed';
}

/** A connection to a backend; pooled between requests when both sides allow it. */
export class BackendConn {
  owner: ClientConn | null = null;
  connected = false;
  /** TCP is up (for TLS backends `connected` waits for the handshake too). */
  tcpConnected = false;
  /** Taken from the pool: a failure before any response byte may be retried. */
  reused = false;
  idleSince = 0;

  constructor(readonly sock: StreamSocket, readonly state: BackendState, secure = false) {
    sock.on('connect', () => {
      this.tcpConnected = true;
      if (secure) return;
      this.connected = true;
      this.owner?.onBackendConnect(this);
    });
    if (secure) {
      sock.on('secureConnect', () => {
        this.connected = true;
        this.owner?.onBackendConnect(this);
      });
    }
    sock.on('data', (chunk: Buffer) => {
      this.state.stats.received += chunk.length;
      if (this.owner) this.owner.onBackendData(this, chunk);
      else this.destroy(); // bytes while idle: the connection is out of step
    });
    sock.on('end', () => {
      if (this.owner) this.owner.onBackendEnd(this);
      else this.destroy();
    });
    sock.on('error', (err) => {
      if (this.owner) this.owner.onBackendError(this, err);
      else this.destroy();
    });
    sock.on('close', () => {
      this.state.stats.connections--;
      this.removeFromPool();
      if (this.owner) this.owner.onBackendError(this, undefined);
    });
    sock.on('drain', () => this.owner?.onBackendDrain());
  }

  write(data: Buffer): boolean {
    this.state.stats.sent += data.length;
    return this.sock.write(data);
  }

  removeFromPool(): void {
    const idle = this.state.idle;
    const i = idle.indexOf(this);
    if (i >= 0) idle.splice(i, 1);
  }

  destroy(): void {
    this.owner = null;
    this.removeFromPool();
    this.sock.destroy();
  }
}

/** A pooled, still open connection to this backend, if any. */
function takeIdle(b: BackendState): BackendConn | null {
  const idle = b.idle as BackendConn[];
  while (idle.length > 0) {
    const c = idle.pop()!;
    if (!c.sock.destroyed && c.sock.writable && c.sock.readable) return c;
    c.destroy();
  }
  return null;
}

export class ClientConn {
  /** Position in the listener's list of open connections. */
  listIndex = -1;
  readonly id: number;
  readonly tid: string;
  readonly clientAddress: string;
  private state = ST_HEAD;
  private readonly parser = new HeadParser();
  private acc: Buffer | null = null;
  private accLen = 0;
  /** Bytes received beyond the current request (pipelining), held until it completes. */
  private pending: Buffer | null = null;
  private clientEnded = false;
  deadline = 0;
  private timeoutKind = T_NONE;

  // The current request.
  private minor: 0 | 1 = 1;
  /** The request line as received, built on first use (logs and diagnostics only). */
  private requestLineText: string | undefined = '';
  method = '';
  private target = '';
  /** The URL as this dialect matches it (decoded in 2.6a+). */
  url = '';
  private isHead = false;
  private closeAfter = false;
  /** Header line index of a `Connection: close` not forwarded (the backend connection is kept), or -1. */
  private dropConnectionClose = -1;
  private upgrade = false;
  private bodyMode = BODY_NONE;
  private bodyRemaining = 0;
  private readonly framer = new ChunkedFramer();
  private bodyDone = true;
  private service: ServiceState | undefined;
  private choice: Choice | undefined;
  private outHead: Buffer | null = null;
  private sentBody: Buffer[] | null = null;
  private sentBodyBytes = 0;
  private startMs = 0;
  private t0 = 0;
  private lines: string[] | undefined;

  // The backend and its response.
  backend: BackendConn | null = null;
  private readonly resParser = new HeadParser();
  private resAcc: Buffer | null = null;
  private resAccLen = 0;
  private resStarted = false;
  private resHeadDone = false;
  private resMode = BODY_NONE;
  private resRemaining = 0;
  private readonly resFramer = new ChunkedFramer();
  private resBytes = 0;
  /** Response status line; undefined = read it from the response head when logging. */
  private resLine: string | undefined = '';
  private status = 0;
  private resClose = false;
  /** The response's first Connection line (-1: none) and how many there are. */
  private resConnLine = -1;
  private resConnLines = 0;
  /** We close the client after this response but the backend did not say so: we do. */
  private resSayClose = false;
  private resHttp11 = false;
  private resExtra = false;
  private resWaitingDns = false;
  private clientPaused = false;
  private backendPausedByUs = false;
  private xffLine: string | undefined;
  /** X-SSL-* lines of this TLS connection, built once. */
  private sslLines: string | undefined;

  constructor(readonly sock: StreamSocket, readonly ctx: HttpContext) {
    this.id = ctx.nextId();
    this.tid = this.id.toString(16);
    this.clientAddress = sock.remoteAddress ?? '';
    sock.on('data', (chunk: Buffer) => this.onClientData(chunk));
    sock.on('end', () => this.onClientEnd());
    sock.on('error', () => { /* 'close' follows */ });
    sock.on('close', () => this.onClientClose());
    sock.on('drain', () => this.onClientDrain());
    this.armClientTimeout();
  }

  // ---------------------------------------------------------------- timeouts

  private armClientTimeout(): void {
    const s = this.ctx.listener.limits.clientTimeoutSeconds;
    this.timeoutKind = s > 0 ? T_CLIENT : T_NONE;
    this.deadline = s > 0 ? coarseNow() + s * 1000 : 0;
  }

  private armBackendTimeout(kind: number, seconds: number): void {
    this.timeoutKind = seconds > 0 ? kind : T_NONE;
    this.deadline = seconds > 0 ? coarseNow() + seconds * 1000 : 0;
  }

  private refreshDeadline(): void {
    if (this.deadline === 0) return;
    switch (this.timeoutKind) {
      case T_CLIENT: this.deadline = coarseNow() + this.ctx.listener.limits.clientTimeoutSeconds * 1000; break;
      case T_BACKEND: this.deadline = coarseNow() + this.ioSeconds() * 1000; break;
      case T_TUNNEL: this.deadline = coarseNow() + this.tunnelSeconds() * 1000; break;
      default: break;
    }
  }

  private ioSeconds(): number {
    return this.choice?.backend.backend.timeouts.ioSeconds ?? 0;
  }

  private tunnelSeconds(): number {
    return this.choice?.backend.backend.timeouts.websocketSeconds ?? 600;
  }

  /** Called by the listener's sweep once the deadline has passed. */
  onTimeout(): void {
    const kind = this.timeoutKind;
    this.deadline = 0;
    this.timeoutKind = T_NONE;
    switch (kind) {
      case T_CONNECT:
        if (this.backend?.tcpConnected) {
          // A TLS handshake that never finished: like a failed one, 503.
          this.onBackendError(this.backend, new Error('handshake timed out'));
          break;
        }
        this.report('warning', `(${this.tid}) connect_nb: poll timed out`);
        this.connectFailed(this.backend!, 'Connection timed out');
        break;
      case T_BACKEND:
        if (!this.resStarted) {
          this.report('notice', `(${this.tid}) e500 for ${this.clientAddress} response error read from ` +
            `${this.choice?.backend.label}/${this.requestLineOf()}: Connection timed out (${this.elapsed().toFixed(3)} secs)`);
          this.fail(500);
        } else this.destroyAll();
        break;
      default:
        this.destroyAll();
    }
  }

  // ---------------------------------------------------------------- client side

  private onClientData(chunk: Buffer): void {
    switch (this.state) {
      case ST_HEAD:
        // The Client timeout restarts with the first byte of a head, not with every byte:
        // a head trickled in one byte at a time (slowloris) is cut after Client seconds.
        if (this.acc === null) this.refreshDeadline();
        this.readHead(chunk);
        return;
      case ST_BODY:
        this.refreshDeadline();
        this.forwardBody(chunk, 0);
        return;
      case ST_TUNNEL:
        this.refreshDeadline();
        if (!this.backend!.write(chunk)) this.pauseClient();
        return;
      case ST_DISCARD:
        this.discardBody(chunk, 0);
        return;
      case ST_CLOSED:
        return; // lingering close: discard
      default:
        // Request complete (or backend still connecting): hold the bytes.
        this.hold(chunk);
    }
  }

  private hold(chunk: Buffer): void {
    this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pauseClient();
  }

  private pauseClient(): void {
    if (!this.clientPaused) {
      this.clientPaused = true;
      this.sock.pause();
    }
  }

  private resumeClient(): void {
    if (this.clientPaused) {
      this.clientPaused = false;
      this.sock.resume();
    }
  }

  private onClientEnd(): void {
    this.clientEnded = true;
    switch (this.state) {
      case ST_HEAD:
        if (this.pending === null) this.closeClient();
        return;
      case ST_TUNNEL:
        this.backend?.sock.end();
        return;
      case ST_WAIT:
        return; // half-close after a complete request: still deliver the response
      case ST_CONNECTING:
        if (!this.bodyDone) this.destroyAll();
        return;
      case ST_CLOSED:
        this.sock.destroy();
        return;
      default:
        this.destroyAll(); // the request body was cut short
    }
  }

  private onClientClose(): void {
    this.state = ST_CLOSED;
    this.ctx.conns.delete(this);
    const b = this.backend;
    if (b) {
      this.backend = null;
      b.destroy();
    }
  }

  private onClientDrain(): void {
    if (this.backendPausedByUs && this.backend) {
      this.backendPausedByUs = false;
      this.backend.sock.resume();
    }
    if (this.timeoutKind === T_BACKEND) this.refreshDeadline();
  }

  onBackendDrain(): void {
    if (this.timeoutKind === T_CLIENT) this.refreshDeadline();
    if (this.state === ST_BODY || this.state === ST_TUNNEL) this.resumeClient();
  }

  private closeClient(): void {
    this.state = ST_CLOSED;
    this.deadline = 0;
    this.sock.end();
  }

  private destroyAll(): void {
    this.state = ST_CLOSED;
    this.deadline = 0;
    const b = this.backend;
    this.backend = null;
    b?.destroy();
    this.sock.destroy();
  }

  // ---------------------------------------------------------------- request head

  private readHead(chunk: Buffer): void {
    let r: number;
    let buf: Buffer;
    if (this.acc === null) {
      this.parser.reset();
      r = this.parser.scan(chunk);
      buf = chunk;
      if (r === HEAD_MORE) {
        this.acc = Buffer.allocUnsafe(Math.max(8192, chunk.length * 2));
        chunk.copy(this.acc, 0);
        this.accLen = chunk.length;
        return;
      }
    } else {
      if (this.accLen + chunk.length > this.acc.length) {
        const bigger = Buffer.allocUnsafe(Math.max(this.acc.length * 2, this.accLen + chunk.length));
        this.acc.copy(bigger, 0, 0, this.accLen);
        this.acc = bigger;
      }
      chunk.copy(this.acc, this.accLen);
      this.accLen += chunk.length;
      buf = this.acc.subarray(0, this.accLen);
      r = this.parser.scan(buf);
      if (r === HEAD_MORE) return;
      this.acc = null;
    }
    if (r !== HEAD_DONE) {
      this.acc = null;
      this.headError(r);
      return;
    }
    const end = this.parser.end;
    this.startMs = coarseNow();
    this.t0 = this.ctx.formatLine ? performance.now() : 0;
    this.handleRequest(buf.length > end ? buf.subarray(end) : null);
  }

  private headError(r: number): void {
    const legacy = this.ctx.legacy;
    // Nothing of this request is known: no stale fields in the 4.x log line or page.
    this.minor = 1;
    this.requestLineText = '';
    this.method = '';
    this.target = '';
    this.service = undefined;
    this.choice = undefined;
    switch (r) {
      case HEAD_FIRST_LINE_TOO_LONG:
        if (this.ctx.dialect === 'pound-2.8') {
          this.report('warning', `(${this.tid}) e501 bad request "${latin1(this.parser.buf, 0, Math.min(64, this.parser.buf.length))}..." from ${this.clientAddress}`);
          this.fail(501);
        } else this.fail(414);
        return;
      case HEAD_HEADER_TOO_LONG:
        if (legacy) this.destroyAll();
        else this.fail(413);
        return;
      case HEAD_TOO_MANY_HEADERS:
        if (legacy) {
          this.report('notice', `(${this.tid}) e500 too many headers`);
          this.fail(500);
        } else this.fail(400);
        return;
      case HEAD_CONTROL_CHAR:
        if (legacy) this.destroyAll();
        else this.fail(400);
        return;
      case HEAD_FOLDED:
        this.fail(400, LEGACY_400.folded);
        return;
      default:
        this.destroyAll();
    }
  }

  private handleRequest(rest: Buffer | null): void {
    const ctx = this.ctx;
    const p = this.parser;
    const buf = p.buf;
    const legacy = ctx.legacy;
    const http = ctx.listener.http!;
    this.lines = undefined;
    this.service = undefined;
    this.choice = undefined;
    this.resetResponse();

    // Request line: METHOD SP TARGET SP HTTP/1.[01], single spaces (spec §5.2).
    const s = p.firstStart;
    const e = p.firstEnd;
    const sp1 = buf.indexOf(32, s);
    const sp2 = sp1 < 0 || sp1 >= e ? -1 : buf.indexOf(32, sp1 + 1);
    this.requestLineText = undefined;
    const wellFormed =
      !p.firstHasControl && sp1 > s && sp2 > sp1 + 1 && sp2 < e && e - sp2 - 1 === 8 &&
      bytesEqualLower(buf, sp2 + 1, 'http/1') && (buf[e - 1] === 48 || buf[e - 1] === 49);
    this.minor = wellFormed && buf[e - 1] === 49 ? 1 : 0;
    if (!wellFormed) {
      this.report('warning', `(${this.tid}) e501 bad request "${this.requestLineOf()}" from ${this.clientAddress}`);
      this.fail(legacy ? 501 : 400);
      return;
    }
    let method = commonMethod(buf, s, sp1) ?? latin1(buf, s, sp1);
    const upper = method.toUpperCase();
    const level = methodLevel(ctx.dialect, upper);
    if (level < 0 || level > http.methodsLevel) {
      this.method = method;
      this.report('warning', `(${this.tid}) e501 bad request "${this.requestLineOf()}" from ${this.clientAddress}`);
      this.fail(legacy ? 501 : level < 0 ? 400 : 405);
      return;
    }
    method = upper;
    this.method = method;
    this.isHead = method === 'HEAD';
    this.target = latin1(buf, sp1 + 1, sp2);
    if (http.maxUriBytes && this.target.length > http.maxUriBytes) {
      this.fail(414);
      return;
    }
    this.url = ctx.decodeUrl ? percentDecode(this.target) : this.target;
    if (ctx.decodeUrl && this.url.indexOf('\0') >= 0) {
      this.report('notice', `(${this.tid}) e501 URL "${this.target}" (contains NULL) from ${this.clientAddress}`);
      this.fail(501);
      return;
    }
    if (http.checkUrl && !matcherFor(http.checkUrl).test(this.url)) {
      this.report('notice', `(${this.tid}) e501 bad URL "${this.target}" from ${this.clientAddress}`);
      this.fail(501);
      return;
    }

    // Headers (spec §5.3).
    let chunked = false;
    let length = -1;
    let teSeen = false;
    this.closeAfter = this.minor === 0;
    this.dropConnectionClose = -1;
    let connectionUpgrade = false;
    let upgradeHeader = false;
    for (let i = 0; i < p.count; i++) {
      const kind = p.kind(i);
      switch (kind) {
        case H_MALFORMED:
          if (!legacy) { this.fail(400); return; }
          if (http.logLevel > 0) this.report('notice', `(${this.tid}) bad header from ${this.clientAddress} (${p.line(i)})`);
          break;
        case H_TRANSFER_ENCODING: {
          const v = p.value(i);
          if (legacy) {
            // 2.8a accepts exactly `chunked`; a repeated header is refused here (COMPAT.md).
            if (teSeen || v.length !== 7 || v.toLowerCase() !== 'chunked') {
              this.report('notice', `(${this.tid}) e400 multiple Transfer-encoding "${this.requestLineOf()}" from ${this.clientAddress}`);
              this.fail(400, LEGACY_400.transferEncoding);
              return;
            }
          } else {
            const codings = v.toLowerCase().split(',').map((x) => x.trim());
            if (teSeen || codings[codings.length - 1] !== 'chunked' || codings.indexOf('chunked') !== codings.length - 1) {
              this.fail(400);
              return;
            }
            for (const c of codings) {
              if (!KNOWN_CODINGS.has(c)) { this.fail(501); return; }
            }
          }
          teSeen = true;
          chunked = true;
          break;
        }
        case H_CONTENT_LENGTH: {
          const vs = p.valueStart(i);
          const ve = p.lineEnd(i);
          if (length >= 0 || buf.indexOf(44, vs) >= 0 && buf.indexOf(44, vs) < ve) {
            this.report('notice', `(${this.tid}) e400 multiple Content-length "${this.requestLineOf()}" from ${this.clientAddress}`);
            this.fail(400, LEGACY_400.multipleLength);
            return;
          }
          let n = 0;
          let ok = ve > vs && ve - vs <= 15;
          for (let j = vs; ok && j < ve; j++) {
            const c = buf[j]!;
            if (c < 48 || c > 57) ok = false;
            else n = n * 10 + (c - 48);
          }
          if (!ok) {
            this.report('notice', `(${this.tid}) e400 Content-length bad value "${this.requestLineOf()}" from ${this.clientAddress}`);
            this.fail(400, LEGACY_400.badLength);
            return;
          }
          length = n;
          break;
        }
        case H_CONNECTION: {
          const vs = p.valueStart(i);
          const ve = p.lineEnd(i);
          if (valueEquals(buf, vs, ve, 'close')) {
            this.closeAfter = true;
            // HTTP/1.1: the client's close is ours to honour; the backend connection can stay.
            if (this.minor === 1 && this.dropConnectionClose === -1) this.dropConnectionClose = i;
          } else if (!legacy && valueHasToken(buf, vs, ve, 'close')) this.closeAfter = true;
          if (valueHasToken(buf, vs, ve, 'upgrade')) connectionUpgrade = true;
          break;
        }
        case H_UPGRADE:
          upgradeHeader = true;
          break;
        default:
          break;
      }
    }
    if (chunked && length >= 0) {
      this.report('notice', `(${this.tid}) e501 Transfer-encoding and Content-length "${this.requestLineOf()}" from ${this.clientAddress}`);
      this.fail(400, LEGACY_400.both);
      return;
    }
    this.upgrade = connectionUpgrade && upgradeHeader;
    const noHttps11 = ctx.listener.tls?.noHttps11 ?? 0;
    if (ctx.scheme === 'https' && (noHttps11 === 1 || (noHttps11 === 2 && /MSIE/.test(this.headerValue(H_USER_AGENT) ?? '')))) {
      this.closeAfter = true;
    }
    const max = http.maxRequestBytes ?? 0;
    if (max > 0 && length > max) {
      this.report('notice', `(${this.tid}) e501 request too large (${length}) from ${this.clientAddress}`);
      this.fail(legacy ? 501 : 413);
      return;
    }
    if (chunked) {
      this.bodyMode = BODY_CHUNKED;
      this.framer.reset();
      this.bodyDone = false;
    } else if (length > 0) {
      this.bodyMode = BODY_LENGTH;
      this.bodyRemaining = length;
      this.bodyDone = false;
    } else {
      this.bodyMode = BODY_NONE;
      this.bodyDone = true;
    }

    // Service (spec §5.5).
    const services = ctx.services();
    let svc: ServiceState | undefined;
    for (let i = 0; i < services.length; i++) {
      const candidate = services[i]!;
      if (candidate.service.disabled) continue;
      if (serviceMatches(candidate.service.match, this)) { svc = candidate; break; }
    }
    if (!svc) {
      this.report('notice', `(${this.tid}) e503 no service "${this.requestLineOf()}" from ${this.clientAddress} ${this.host() ?? '-'}`);
      this.fail(503);
      return;
    }
    this.service = svc;
    const choice = chooseBackend(svc, this, coarseNow());
    if (!choice) {
      this.report('notice', `(${this.tid}) e503 no back-end "${this.requestLineOf()}" from ${this.clientAddress} ${this.host() ?? '-'}`);
      this.fail(503);
      return;
    }
    this.choice = choice;
    choice.backend.stats.requests = (choice.backend.stats.requests ?? 0) + 1;

    if (choice.backend.backend.redirect) {
      this.startRedirect(rest);
      return;
    }
    this.outHead = this.composeHead(choice.backend.backend);
    this.sentBody = [];
    this.sentBodyBytes = 0;
    this.connectAndSend(rest);
  }

  private requestLineOf(): string {
    return (this.requestLineText ??= this.parser.firstLine());
  }

  // MatchInput / SessionSource, read lazily from the parsed head.
  headerLines(): string[] {
    if (this.lines === undefined) {
      const p = this.parser;
      const lines: string[] = new Array(p.count);
      for (let i = 0; i < p.count; i++) lines[i] = p.line(i);
      this.lines = lines;
    }
    return this.lines;
  }

  host(): string | undefined {
    const i = this.parser.find(H_HOST);
    return i < 0 ? undefined : this.parser.value(i);
  }

  get rawTarget(): string { return this.target; }

  private headerValue(kind: number): string | undefined {
    const i = this.parser.find(kind);
    return i < 0 ? undefined : this.parser.value(i);
  }

  // ---------------------------------------------------------------- forwarding the head

  /** The head sent to the backend (spec §5.8), verbatim where nothing changes. */
  private composeHead(backend: Backend): Buffer {
    const ctx = this.ctx;
    const http = ctx.listener.http!;
    const p = this.parser;
    const buf = p.buf;
    const rules = http.requestHeaders;
    const modern = http.forwardedHeaders === 'modern';
    let extra = '';
    let needRebuild = !p.verbatim;
    let setNames: string[] | undefined;
    let removes = false;
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r]!;
      if (rule.op === 'remove') removes = true;
      else {
        extra += rule.line + '\r\n';
        if (rule.op === 'set') {
          const c = rule.line.indexOf(':');
          (setNames ??= []).push((c < 0 ? rule.line : rule.line.slice(0, c)).trim().toLowerCase());
        }
      }
    }
    const https = ctx.scheme === 'https';
    if (https) {
      this.sslLines ??= sslHeaderLines(this.sock as unknown as TlsPeerInfo, (ctx.listener.tls?.clientCert?.mode ?? 0) >= 1, ctx.legacy);
      extra += this.sslLines;
    }
    if (removes || setNames || http.rewriteDestination || (https && !ctx.legacy)) needRebuild = true;
    let forwardedFor: string[] | undefined;
    for (let i = 0; i < p.count && !needRebuild; i++) {
      const k = p.kind(i);
      if (k === H_EXPECT || (modern && (k === H_X_FORWARDED_FOR || k === H_X_FORWARDED_PROTO || k === H_X_FORWARDED_PORT))) {
        needRebuild = true;
      }
    }
    let xff = '';
    if (needRebuild) {
      let out = latin1(buf, p.firstStart, p.firstEnd) + '\r\n';
      for (let i = 0; i < p.count; i++) {
        const k = p.kind(i);
        if (k === H_MALFORMED || i === this.dropConnectionClose) continue;
        if (k === H_EXPECT && valueEquals(buf, p.valueStart(i), p.lineEnd(i), '100-continue')) continue;
        if (modern && k === H_X_FORWARDED_FOR) { (forwardedFor ??= []).push(p.value(i)); continue; }
        if (modern && (k === H_X_FORWARDED_PROTO || k === H_X_FORWARDED_PORT)) continue;
        const line = p.line(i);
        if (removes && this.removedByRule(line)) continue;
        // pound 4 replaces client-supplied X-SSL-* headers (2.x passes them: forgery risk).
        if (https && !ctx.legacy && line.length > 6 && line.slice(0, 6).toLowerCase() === 'x-ssl-') continue;
        if (setNames && setNames.includes(line.slice(0, line.indexOf(':')).toLowerCase())) continue;
        if (k === H_DESTINATION && http.rewriteDestination) {
          const m = URL_RE.exec(p.value(i));
          if (m && backend.endpoint.kind === 'inet') {
            const e = backend.endpoint;
            out += `Destination: http://${e.resolved ?? e.host}:${e.port}${m[3]}\r\n`;
            continue;
          }
          this.report('notice', `(${this.tid}) Can't parse Destination ${p.value(i)}`);
          if (ctx.legacy) break; // 2.8a stops sending the remaining header lines here
          out += line + '\r\n';
          continue;
        }
        out += line + '\r\n';
      }
      xff = this.forwardedLines(forwardedFor);
      return Buffer.from(out + extra + xff + '\r\n', 'latin1');
    }
    // Fast path: the received head minus its blank line (and a dropped Connection: close),
    // then our additions.
    xff = this.forwardedLines(undefined);
    const tail = extra + xff + '\r\n';
    const drop = this.dropConnectionClose;
    const cutStart = drop >= 0 ? p.lineStart(drop) : p.end - 2;
    const cutEnd = drop >= 0 ? p.lineEnd(drop) + 2 : p.end - 2;
    const headLen = p.end - 2 - p.firstStart - (cutEnd - cutStart);
    const out = Buffer.allocUnsafe(headLen + tail.length);
    buf.copy(out, 0, p.firstStart, cutStart);
    if (cutEnd < p.end - 2) buf.copy(out, cutStart - p.firstStart, cutEnd, p.end - 2);
    out.write(tail, headLen, 'latin1');
    return out;
  }

  private removedByRule(line: string): boolean {
    const rules = this.ctx.listener.http!.requestHeaders;
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r]!;
      if (rule.op === 'remove' && matcherFor(rule.pattern, true).test(line)) return true;
    }
    return false;
  }

  private forwardedLines(existing: string[] | undefined): string {
    const mode = this.ctx.listener.http!.forwardedHeaders;
    if (mode === 'none') return '';
    if (mode === 'legacy') return (this.xffLine ??= `X-Forwarded-For: ${this.clientAddress}\r\n`);
    const xff = existing && existing.length ? `${existing.join(', ')}, ${this.clientAddress}` : this.clientAddress;
    return `X-Forwarded-For: ${xff}\r\nX-Forwarded-Proto: ${this.ctx.scheme}\r\nX-Forwarded-Port: ${this.ctx.port}\r\n`;
  }

  // ---------------------------------------------------------------- backend connection

  private connectAndSend(rest: Buffer | null): void {
    const b = this.choice!.backend;
    this.ctx.pools.add(b);
    const pooled = takeIdle(b);
    if (pooled) {
      pooled.owner = this;
      pooled.reused = true;
      this.backend = pooled;
      this.sendHead(rest);
      return;
    }
    this.openBackend(b, rest);
  }

  private openBackend(b: BackendState, rest: Buffer | null): void {
    const opts = connectOptions(b.backend.endpoint);
    if (!opts) {
      this.fail(503);
      return;
    }
    const secure = b.backend.tls?.enabled === true;
    let sock: StreamSocket;
    try {
      const raw = secure ? undefined : rawHttpBindings();
      sock = secure ? tls.connect(backendTlsOptions(b.backend, opts)) : (raw && RawSocket.connect(raw, opts)) || net.connect(opts);
    } catch (e) {
      this.report('notice', `(${this.tid}) BIO_do_handshake with ${b.label} failed: ${(e as Error).message}`);
      this.fail(503);
      return;
    }
    sock.setNoDelay(true);
    b.stats.connections++;
    const conn = new BackendConn(sock, b, secure);
    conn.owner = this;
    this.backend = conn;
    this.state = ST_CONNECTING;
    if (rest) this.hold(rest);
    else this.pauseClient();
    this.armBackendTimeout(T_CONNECT, b.backend.timeouts.connectSeconds);
  }

  onBackendConnect(conn: BackendConn): void {
    if (conn !== this.backend || this.state !== ST_CONNECTING) return;
    const rest = this.pending;
    this.pending = null;
    this.sendHead(rest);
  }

  /** Head, then whatever body bytes already arrived; then stream the rest. */
  private sendHead(rest: Buffer | null): void {
    const conn = this.backend!;
    const bsock = conn.sock;
    bsock.cork();
    this.sendHeadCorked(conn, rest);
    bsock.uncork();
  }

  private sendHeadCorked(conn: BackendConn, rest: Buffer | null): void {
    conn.write(this.outHead!);
    // Resend what a dead pooled connection may have swallowed.
    if (this.sentBody && this.sentBody.length > 0) for (const b of this.sentBody) conn.write(b);
    this.resStarted = false;
    if (this.bodyDone) {
      this.enterWait();
      if (rest) this.hold(rest);
      return;
    }
    this.state = ST_BODY;
    this.armClientTimeout();
    if (rest) this.forwardBody(rest, 0);
    if (this.state === ST_BODY && this.pending === null) this.resumeClient();
  }

  private enterWait(): void {
    this.state = ST_WAIT;
    this.armBackendTimeout(T_BACKEND, this.ioSeconds());
  }

  /** Relay request body bytes from chunk[from..]; extra bytes are the next request. */
  private forwardBody(chunk: Buffer, from: number): void {
    let end: number;
    if (this.bodyMode === BODY_LENGTH) {
      const avail = chunk.length - from;
      const take = avail < this.bodyRemaining ? avail : this.bodyRemaining;
      this.bodyRemaining -= take;
      end = from + take;
      if (this.bodyRemaining === 0) this.bodyDone = true;
    } else {
      const r = this.framer.feed(chunk, from, chunk.length);
      if (r === CHUNKED_BAD) {
        this.report('notice', `(${this.tid}) e500 for ${this.clientAddress} copy_chunks to ${this.choice?.backend.label}/${this.requestLineOf()} (${this.elapsed().toFixed(3)} sec)`);
        this.failMidRequest(this.ctx.legacy ? 500 : 400);
        return;
      }
      const max = this.ctx.listener.http!.maxRequestBytes ?? 0;
      if (max > 0 && this.framer.total > max) {
        this.failMidRequest(this.ctx.legacy ? 500 : 413);
        return;
      }
      end = r === CHUNKED_MORE ? chunk.length : r;
      if (r !== CHUNKED_MORE) this.bodyDone = true;
    }
    if (end > from) {
      const piece = from === 0 && end === chunk.length ? chunk : chunk.subarray(from, end);
      this.keepForRetry(piece);
      if (!this.backend!.write(piece)) this.pauseClient();
    }
    if (this.bodyDone) {
      if (this.state === ST_BODY) this.enterWait();
      if (end < chunk.length) this.hold(chunk.subarray(end));
      else this.pauseClient();
    }
  }

  private keepForRetry(piece: Buffer): void {
    if (this.sentBody === null) return;
    this.sentBodyBytes += piece.length;
    if (this.sentBodyBytes > RETRY_KEEP) this.sentBody = null;
    else this.sentBody.push(piece);
  }

  /** A connect failed: the backend dies (unless it has an HAport) and another is tried. */
  private connectFailed(conn: BackendConn, why: string): void {
    const choice = this.choice!;
    const svc = this.service!;
    const b = choice.backend;
    conn.owner = null;
    conn.destroy();
    this.backend = null;
    this.report('warning', `(${this.tid}) backend ${b.label} connect: ${why}`);
    if (!b.backend.healthCheck && choice.index >= 0) {
      const word = this.ctx.legacy ? 'BackEnd' : 'Backend';
      killBackend(svc, choice.index, b, `(${this.tid}) ${word} ${b.label} dead (killed)`, (d) => this.ctx.report(d));
    }
    const next = chooseBackend(svc, this, coarseNow(), choice.index);
    if (!next || next.backend === b) {
      this.report('notice', `(${this.tid}) e503 no back-end "${this.requestLineOf()}" from ${this.clientAddress} ${this.host() ?? '-'}`);
      this.fail(503);
      return;
    }
    this.choice = next;
    if (next.backend.backend.redirect) {
      const rest = this.pending;
      this.pending = null;
      this.startRedirect(rest);
      return;
    }
    this.outHead = this.composeHead(next.backend.backend);
    const rest = this.pending;
    this.pending = null;
    this.connectAndSend(rest);
  }

  onBackendError(conn: BackendConn, err: Error | undefined): void {
    if (conn !== this.backend) return;
    if (this.state === ST_CONNECTING && !conn.connected) {
      if (conn.tcpConnected) {
        // TCP worked, the TLS handshake did not: 503, the backend stays alive (spec §8).
        conn.owner = null;
        conn.destroy();
        this.backend = null;
        this.report('notice', `(${this.tid}) BIO_do_handshake with ${this.choice?.backend.label} failed: ${err?.message ?? 'connection closed'}`);
        this.fail(503);
        return;
      }
      this.connectFailed(conn, errnoText(err));
      return;
    }
    this.backendGone(conn, err);
  }

  onBackendEnd(conn: BackendConn): void {
    if (conn !== this.backend) return;
    if (this.state === ST_TUNNEL) {
      this.sock.end();
      return;
    }
    if (this.resHeadDone && this.resMode === BODY_EOF) {
      this.finishResponse();
      return;
    }
    this.backendGone(conn, undefined);
  }

  /** The backend closed or failed in the middle of an exchange. */
  private backendGone(conn: BackendConn, err: Error | undefined): void {
    conn.owner = null;
    this.backend = null;
    conn.destroy();
    if (this.state === ST_CLOSED) return;
    if (this.state === ST_TUNNEL) {
      this.sock.end();
      this.state = ST_CLOSED;
      return;
    }
    if (!this.resStarted) {
      if (conn.reused && this.sentBody !== null) {
        // A pooled connection the backend had already closed: try once on a fresh one.
        const rest = this.pending;
        this.pending = null;
        this.openBackend(this.choice!.backend, rest);
        return;
      }
      this.report('notice', `(${this.tid}) e500 for ${this.clientAddress} response error read from ` +
        `${this.choice?.backend.label}/${this.requestLineOf()}: ${errnoText(err)} (${this.elapsed().toFixed(3)} secs)`);
      this.fail(500);
      return;
    }
    this.destroyAll(); // mid-response: nothing sensible can follow
  }

  // ---------------------------------------------------------------- response

  private resetResponse(): void {
    this.resAcc = null;
    this.resStarted = false;
    this.resHeadDone = false;
    this.resBytes = 0;
    this.resLine = '';
    this.status = 0;
    this.resClose = false;
    this.resExtra = false;
    this.resParser.reset();
  }

  onBackendData(conn: BackendConn, chunk: Buffer): void {
    if (conn !== this.backend) return;
    this.resStarted = true;
    if (this.timeoutKind === T_BACKEND || this.timeoutKind === T_TUNNEL) this.refreshDeadline();
    if (this.state === ST_TUNNEL) {
      if (!this.sock.write(chunk)) this.pauseBackend();
      return;
    }
    if (this.resWaitingDns) {
      this.resAcc = concat(this.resAcc, this.resAccLen, chunk);
      this.resAccLen += chunk.length;
      return;
    }
    if (!this.resHeadDone) {
      // Head and first body bytes leave in one writev (one syscall, one packet).
      const sock = this.sock;
      sock.cork();
      this.readResponseHead(chunk);
      sock.uncork();
    } else this.forwardResponseBody(chunk, 0);
  }

  private pauseBackend(): void {
    if (!this.backendPausedByUs && this.backend) {
      this.backendPausedByUs = true;
      this.backend.sock.pause();
    }
  }

  private readResponseHead(chunk: Buffer): void {
    let buf: Buffer;
    let r: number;
    if (this.resAcc === null) {
      r = this.resParser.scan(chunk);
      buf = chunk;
      if (r === HEAD_MORE) {
        this.resAcc = Buffer.allocUnsafe(Math.max(8192, chunk.length * 2));
        chunk.copy(this.resAcc);
        this.resAccLen = chunk.length;
        return;
      }
    } else {
      this.resAcc = concat(this.resAcc, this.resAccLen, chunk);
      this.resAccLen += chunk.length;
      buf = this.resAcc.subarray(0, this.resAccLen);
      r = this.resParser.scan(buf);
      if (r === HEAD_MORE) return;
    }
    this.resAcc = null;
    if (r !== HEAD_DONE) {
      this.badResponse('response headers malformed');
      return;
    }
    this.handleResponseHead(buf);
  }

  private badResponse(why: string): void {
    this.report('notice', `(${this.tid}) e500 for ${this.clientAddress} response error read from ` +
      `${this.choice?.backend.label}/${this.requestLineOf()}: ${why} (${this.elapsed().toFixed(3)} secs)`);
    const b = this.backend;
    this.backend = null;
    b?.destroy();
    this.fail(500);
  }

  private handleResponseHead(buf: Buffer): void {
    const p = this.resParser;
    const s = p.firstStart;
    const e = p.firstEnd;
    // `HTTP/1.x NNN reason`
    if (e - s < 12 || !bytesEqualLower(buf, s, 'http/1.') || buf[s + 8] !== 32 || !isDigit(buf[s + 9]!) ||
        !isDigit(buf[s + 10]!) || !isDigit(buf[s + 11]!) || (e - s > 12 && buf[s + 12] !== 32) || p.firstHasControl) {
      this.badResponse('bad status line');
      return;
    }
    const status = (buf[s + 9]! - 48) * 100 + (buf[s + 10]! - 48) * 10 + (buf[s + 11]! - 48);
    const rest = buf.length > p.end ? buf.subarray(p.end) : null;
    if (status >= 100 && status < 200 && status !== 101) {
      // Interim responses (100 Continue …) are swallowed; the real one follows.
      this.resParser.reset();
      if (rest) this.readResponseHead(rest);
      return;
    }
    const http = this.ctx.listener.http!;
    // Location rewriting may need the resolver first (then this runs again).
    if (http.rewriteLocation > 0 && !this.rewriteReady(buf)) {
      this.resWaitingDns = true;
      this.resAcc = Buffer.from(buf);
      this.resAccLen = buf.length;
      return;
    }
    this.status = status;
    this.resLine = undefined;
    this.resHttp11 = buf[s + 7] === 49;
    let chunked = false;
    let length = -1;
    let rewrite = false;
    this.resConnLine = -1;
    this.resConnLines = 0;
    for (let i = 0; i < p.count; i++) {
      switch (p.kind(i)) {
        case H_TRANSFER_ENCODING:
          if (valueHasToken(buf, p.valueStart(i), p.lineEnd(i), 'chunked')) chunked = true;
          break;
        case H_CONTENT_LENGTH: {
          const n = digits(buf, p.valueStart(i), p.lineEnd(i));
          if (n < 0 || (length >= 0 && n !== length)) {
            this.badResponse('bad Content-Length');
            return;
          }
          length = n;
          break;
        }
        case H_CONNECTION:
          if (valueHasToken(buf, p.valueStart(i), p.lineEnd(i), 'close')) this.resClose = true;
          if (this.resConnLines++ === 0) this.resConnLine = i;
          break;
        case H_LOCATION:
        case H_CONTENT_LOCATION:
          if (http.rewriteLocation > 0 && this.rewrittenLocation(p.value(i)) !== undefined) rewrite = true;
          break;
        case H_MALFORMED:
          rewrite = true;
          break;
        default:
          break;
      }
    }
    const svc = this.service;
    const rules = svc?.rules;
    if (rules && (rules.type === 'COOKIE' || rules.type === 'HEADER') && svc.service.session!.ttlSeconds > 0) {
      const lines: string[] = [];
      for (let i = 0; i < p.count; i++) lines.push(p.line(i));
      const key = rules.responseKey(lines);
      if (key !== undefined && this.choice && this.choice.index >= 0 && !svc.table.entries.has(key)) {
        svc.table.set(key, this.choice.index, coarseNow());
      }
    }
    // The client connection ends after this response (the client's `Connection: close`, which
    // we did not forward, or an HTTP/1.0 client), but the backend's Connection line says
    // keep-alive: the client would send its next request into a closing connection. The
    // line(s) become `Connection: close`, what the backend would have said had it seen the
    // client's header. A response without a Connection line is left as it is: a client that
    // sent `close` closes anyway, and to an HTTP/1.0 client no keep-alive means the last one.
    this.resSayClose = this.closeAfter && !this.resClose && status !== 101 && this.resConnLines > 0;
    if (this.resSayClose && this.resConnLines > 1) rewrite = true;
    if (status === 101) {
      if (!this.upgrade) {
        this.badResponse('unexpected 101');
        return;
      }
      this.resHeadDone = true;
      this.writeResponseHead(buf, rewrite);
      this.startTunnel(rest);
      return;
    }
    if (this.isHead || status === 204 || status === 304) this.resMode = BODY_NONE;
    else if (chunked) { this.resMode = BODY_CHUNKED; this.resFramer.reset(); }
    else if (length >= 0) { this.resMode = length > 0 ? BODY_LENGTH : BODY_NONE; this.resRemaining = length; }
    else this.resMode = BODY_EOF;
    this.resHeadDone = true;
    const rebuild = rewrite || http.responseHeaders.length > 0;
    if (!rebuild && p.verbatim && this.resMode !== BODY_NONE && !this.resSayClose) {
      // Head and the body bytes behind it go out as one slice of what the backend sent.
      this.forwardResponseBody(buf, p.end, p.firstStart);
      return;
    }
    this.writeResponseHead(buf, rebuild);
    if (this.resMode === BODY_NONE) {
      if (rest) this.resExtra = true;
      this.finishResponse();
      return;
    }
    if (rest) this.forwardResponseBody(rest, 0);
  }

  private writeResponseHead(buf: Buffer, rebuild: boolean): void {
    const p = this.resParser;
    const sayClose = this.resSayClose;
    if (!rebuild && p.verbatim) {
      if (sayClose) {
        this.sock.write(spliceConnectionClose(buf, p, this.resConnLine));
        return;
      }
      this.sock.write(p.firstStart === 0 && p.end === buf.length ? buf : buf.subarray(p.firstStart, p.end));
      return;
    }
    const http = this.ctx.listener.http!;
    let out = latin1(buf, p.firstStart, p.firstEnd) + '\r\n';
    const removes = http.responseHeaders.filter((r) => r.op === 'remove');
    for (let i = 0; i < p.count; i++) {
      const k = p.kind(i);
      if (k === H_MALFORMED) continue;
      if (k === H_CONNECTION && sayClose) {
        if (i === this.resConnLine) out += 'Connection: close\r\n';
        continue;
      }
      const line = p.line(i);
      if (removes.length && removes.some((r) => r.op === 'remove' && matcherFor(r.pattern, true).test(line))) continue;
      if ((k === H_LOCATION || k === H_CONTENT_LOCATION) && http.rewriteLocation > 0) {
        const v = this.rewrittenLocation(p.value(i));
        if (v !== undefined) {
          out += (k === H_LOCATION ? 'Location: ' : 'Content-location: ') + v + '\r\n';
          continue;
        }
      }
      out += line + '\r\n';
    }
    for (const r of http.responseHeaders) if (r.op !== 'remove') out += r.line + '\r\n';
    this.sock.write(Buffer.from(out + '\r\n', 'latin1'));
  }

  private forwardResponseBody(chunk: Buffer, from: number, writeFrom = from): void {
    let end: number;
    let done = false;
    if (this.resMode === BODY_LENGTH) {
      const avail = chunk.length - from;
      const take = avail < this.resRemaining ? avail : this.resRemaining;
      this.resRemaining -= take;
      this.resBytes += take;
      end = from + take;
      done = this.resRemaining === 0;
    } else if (this.resMode === BODY_CHUNKED) {
      const before = this.resFramer.total;
      const r = this.resFramer.feed(chunk, from, chunk.length);
      if (r === CHUNKED_BAD) {
        this.destroyAll();
        return;
      }
      this.resBytes += this.resFramer.total - before;
      end = r === CHUNKED_MORE ? chunk.length : r;
      done = r !== CHUNKED_MORE;
    } else {
      end = chunk.length;
      this.resBytes += end - from;
    }
    if (end > writeFrom) {
      const piece = writeFrom === 0 && end === chunk.length ? chunk : chunk.subarray(writeFrom, end);
      if (!this.sock.write(piece)) this.pauseBackend();
    }
    if (done) {
      if (end < chunk.length) this.resExtra = true;
      this.finishResponse();
    }
  }

  /** The response is complete: log, recycle the backend, go on with the next request. */
  private finishResponse(): void {
    const conn = this.backend;
    this.backend = null;
    const eof = this.resMode === BODY_EOF;
    if (conn) {
      const reusable =
        !eof && !this.resClose && !this.resExtra && this.resHttp11 && this.bodyDone &&
        (!this.closeAfter || this.dropConnectionClose >= 0) && this.minor === 1 && !this.backendPausedByUs && conn.sock.writable;
      if (reusable) {
        conn.owner = null;
        conn.reused = false;
        conn.idleSince = coarseNow();
        (conn.state.idle as BackendConn[]).push(conn);
      } else {
        conn.owner = null;
        conn.destroy();
      }
    }
    this.backendPausedByUs = false;
    this.logRequest();
    // A client that half-closed still gets answers to the requests it pipelined before.
    const keepAlive = !eof && !this.resClose && !this.closeAfter && this.bodyDone && (!this.clientEnded || this.pending !== null);
    this.nextRequest(keepAlive);
  }

  private nextRequest(keepAlive: boolean): void {
    if (!keepAlive) {
      this.closeClient();
      return;
    }
    this.state = ST_HEAD;
    this.armClientTimeout();
    const pending = this.pending;
    this.pending = null;
    if (pending) {
      // Pipelined bytes: parse them on a fresh tick so long pipelines cannot recurse deeply.
      setImmediate(() => {
        if (this.state !== ST_HEAD) {
          this.hold(pending);
          return;
        }
        this.readHead(pending);
        if (this.state === ST_HEAD) this.resumeClient();
      });
      return;
    }
    this.resumeClient();
  }

  // ---------------------------------------------------------------- upgrade tunnel

  private startTunnel(rest: Buffer | null): void {
    this.state = ST_TUNNEL;
    this.armBackendTimeout(T_TUNNEL, this.tunnelSeconds());
    this.logRequest();
    if (rest) this.sock.write(rest);
    const pending = this.pending;
    this.pending = null;
    if (pending) this.backend!.write(pending);
    this.resumeClient();
  }

  // ---------------------------------------------------------------- redirects

  private startRedirect(rest: Buffer | null): void {
    if (this.bodyDone) {
      if (rest) this.hold(rest);
      this.sendRedirect();
      return;
    }
    this.state = ST_DISCARD;
    if (rest) this.discardBody(rest, 0);
    if (this.state === ST_DISCARD) this.resumeClient();
  }

  private discardBody(chunk: Buffer, from: number): void {
    let end: number;
    if (this.bodyMode === BODY_LENGTH) {
      const take = Math.min(chunk.length - from, this.bodyRemaining);
      this.bodyRemaining -= take;
      end = from + take;
      if (this.bodyRemaining === 0) this.bodyDone = true;
    } else {
      const r = this.framer.feed(chunk, from, chunk.length);
      if (r === CHUNKED_BAD) { this.destroyAll(); return; }
      end = r === CHUNKED_MORE ? chunk.length : r;
      if (r !== CHUNKED_MORE) this.bodyDone = true;
    }
    if (this.bodyDone) {
      if (end < chunk.length) this.hold(chunk.subarray(end));
      this.sendRedirect();
    }
  }

  private sendRedirect(): void {
    const r = this.choice!.backend.backend.redirect!;
    const location = redirectTarget(this.ctx.dialect, r.url, this.ctx.dialect === 'pound-2.8' ? this.url : this.target);
    this.sock.write(redirectResponse(this.ctx.dialect, r.code, location, this.minor));
    this.status = r.code;
    this.resLine = `HTTP/1.${this.ctx.legacy ? 0 : this.minor} ${r.code}`;
    this.resBytes = 0;
    this.logRequest(location);
    const modernClose = !this.ctx.legacy && this.minor === 1;
    this.nextRequest(!this.closeAfter && !modernClose && !this.clientEnded);
  }

  // ---------------------------------------------------------------- errors

  /** Send one of pound's own error responses and close (lingering, so it is read). */
  fail(status: number, legacyText?: string): void {
    const b = this.backend;
    this.backend = null;
    b?.destroy();
    if (this.state === ST_CLOSED) return;
    const page = this.ctx.errors.get(status, this.minor, this.ctx.legacy ? legacyText : undefined);
    this.status = status;
    if (!this.ctx.legacy) {
      this.resLine = page.toString('latin1', 0, page.indexOf(13));
      this.resBytes = 0;
      this.logRequest();
    }
    this.state = ST_CLOSED;
    this.pending = null;
    this.sock.end(page);
    this.resumeClient();
    this.timeoutKind = T_LINGER;
    this.deadline = coarseNow() + LINGER_MS;
  }

  /** An error after part of the request body went to the backend. */
  private failMidRequest(status: number): void {
    if (this.resStarted) this.destroyAll();
    else this.fail(status);
  }

  // ---------------------------------------------------------------- RewriteLocation (spec §5.12)

  /** True when every Location of the response can be judged without waiting for DNS. */
  private rewriteReady(buf: Buffer): boolean {
    const p = this.resParser;
    p.buf = buf;
    let waiting = false;
    for (let i = 0; i < p.count; i++) {
      const k = p.kind(i);
      if (k !== H_LOCATION && k !== H_CONTENT_LOCATION) continue;
      const m = URL_RE.exec(p.value(i));
      if (!m) continue;
      const host = splitHostPort(m[2]!).host;
      const family = this.backendFamily();
      if (cachedLookup(host, family) === undefined) {
        waiting = true;
        void lookup(host, family).then(() => this.afterDns());
      }
    }
    return !waiting;
  }

  private afterDns(): void {
    if (!this.resWaitingDns || this.state === ST_CLOSED) return;
    const p = this.resParser;
    if (p.count > 0) {
      for (let i = 0; i < p.count; i++) {
        const k = p.kind(i);
        if (k !== H_LOCATION && k !== H_CONTENT_LOCATION) continue;
        const m = URL_RE.exec(p.value(i));
        if (m && cachedLookup(splitHostPort(m[2]!).host, this.backendFamily()) === undefined) return;
      }
    }
    this.resWaitingDns = false;
    const buf = this.resAcc!.subarray(0, this.resAccLen);
    this.resAcc = null;
    p.buf = buf;
    this.handleResponseHead(buf);
  }

  private backendFamily(): 4 | 6 | 0 {
    const e = this.choice?.backend.backend.endpoint;
    if (!e || e.kind !== 'inet') return 0;
    const ip = e.resolved ?? e.host;
    return net.isIPv6(ip) ? 6 : net.isIPv4(ip) ? 4 : 0;
  }

  /** The rewritten value of a Location header, or undefined to leave it alone. */
  private rewrittenLocation(value: string): string | undefined {
    const http = this.ctx.listener.http!;
    const e = this.choice?.backend.backend.endpoint;
    const hostHeader = this.host();
    if (!e || e.kind !== 'inet' || hostHeader === undefined || hostHeader === '') return undefined;
    const m = URL_RE.exec(value);
    if (!m) return undefined;
    const scheme = m[1]!.toLowerCase();
    const { host, port: explicit } = splitHostPort(m[2]!);
    const port = explicit ?? (scheme === 'https' ? 443 : 80);
    let path = m[3]!;
    if (path.startsWith('/')) path = path.slice(1);
    const resolved = cachedLookup(host, this.backendFamily());
    if (resolved === undefined || resolved === null) return undefined;
    const backendIp = e.resolved ?? e.host;
    let rewrite = sameAddress(resolved, backendIp) && port === e.port;
    if (!rewrite && http.rewriteLocation === 1) {
      const l = this.ctx.listener.endpoint;
      const listenerIp = l.kind === 'inet' ? l.resolved ?? l.host : '';
      const sameFamily = net.isIPv6(resolved) === net.isIPv6(this.ctx.localAddress || listenerIp);
      const hostNoPort = splitHostPort(hostHeader).host;
      rewrite =
        sameFamily &&
        (sameAddress(resolved, listenerIp) || host.toLowerCase() === hostNoPort.toLowerCase()) &&
        (port !== this.ctx.port || scheme === this.ctx.scheme);
    }
    if (!rewrite) return undefined;
    return `${this.ctx.scheme}://${hostHeader}/${path}`;
  }

  // ---------------------------------------------------------------- logging

  private elapsed(): number {
    if (this.t0 === 0) return (coarseNow() - this.startMs) / 1000;
    return (performance.now() - this.t0) / 1000;
  }

  private report(priority: 'err' | 'warning' | 'notice', message: string): void {
    this.ctx.report({ severity: priority === 'err' ? 'error' : priority === 'warning' ? 'warning' : 'info', priority, message });
  }

  private logRequest(redirect?: string): void {
    const format = this.ctx.formatLine;
    if (!format) return;
    const record: RequestLogRecord = {
      clientAddress: this.clientAddress,
      requestLine: this.requestLineOf(),
      method: this.method,
      target: this.target,
      responseLine: this.resLine ?? this.resParser.firstLine(),
      status: this.status,
      host: this.host(),
      referer: this.headerValue(H_REFERER),
      userAgent: this.headerValue(H_USER_AGENT),
      user: basicUser(this.headerValue(H_AUTHORIZATION)),
      service: this.service?.service.name,
      backend: redirect !== undefined && !this.ctx.legacy ? redirect : this.choice?.backend.label,
      redirect: this.ctx.legacy ? redirect : undefined,
      bytes: this.resBytes,
      startMs: this.startMs,
      seconds: this.elapsed(),
      listenerPort: this.ctx.port,
      listenerName: this.ctx.listener.name,
      localAddress: this.ctx.localAddress,
      scheme: this.ctx.scheme,
    };
    const line = format(record);
    if (line !== undefined) this.ctx.sink.write('info', line);
  }

  /** Graceful stop: close at once if idle between requests. */
  closeIfIdle(): boolean {
    // Idle = between requests. A connection accepted before the stop that has not sent its
    // first request yet is not idle: its request may already be on the way (pound serves
    // every connection it accepted); it gets its answer, or the Client timeout, or Grace.
    if (this.state === ST_HEAD && this.acc === null && this.pending === null && this.startMs !== 0) {
      this.closeClient(); // end(), not destroy(): the last response may still be in flight
      return true;
    }
    return this.state === ST_CLOSED;
  }

  get idle(): boolean {
    return this.state === ST_HEAD && this.acc === null;
  }

  destroy(): void {
    this.destroyAll();
  }
}

/** HTTPS backends' client certificates, read once as pound does at start: removing the file later changes nothing. */
const backendCerts = new WeakMap<Backend, string>();

/** Reads a backend's client certificate now (at start); a failure shows at its first connect. */
export function preloadBackendCert(b: Backend): void {
  try {
    if (b.tls?.certFile && !backendCerts.has(b)) backendCerts.set(b, readFileSync(b.tls.certFile, 'latin1'));
  } catch { /* reported when a request needs it */ }
}

/** TLS to a backend (`HTTPS` in BackEnd): no verification, optional client certificate. */
function backendTlsOptions(b: Backend, base: net.NetConnectOpts): tls.ConnectionOptions {
  const t = b.tls!;
  const o: tls.ConnectionOptions = { ...(base as tls.ConnectionOptions), rejectUnauthorized: false };
  if (t.serverName) o.servername = t.serverName;
  if (t.ciphers) o.ciphers = t.ciphers;
  if (t.minVersion) o.minVersion = t.minVersion as tls.SecureVersion;
  if (t.certFile) {
    preloadBackendCert(b);
    const pem = backendCerts.get(b) ?? readFileSync(t.certFile, 'latin1');
    o.cert = pem;
    o.key = pem;
  }
  return o;
}

const KNOWN_CODINGS = new Set(['chunked', 'gzip', 'x-gzip', 'deflate', 'compress', 'x-compress', 'identity', 'br', 'zstd']);

const URL_RE = /^(https?):\/\/([^/]+)(.*)$/is;

/** A decimal number in buf[s..e) (trailing blanks allowed), or -1. */
function digits(buf: Buffer, s: number, e: number): number {
  while (e > s && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
  if (e === s || e - s > 15) return -1;
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** The usual methods as constant strings (no allocation per request). */
function commonMethod(buf: Buffer, s: number, e: number): string | undefined {
  const n = e - s;
  if (n === 3 && buf[s] === 71 && buf[s + 1] === 69 && buf[s + 2] === 84) return 'GET';
  if (n === 4 && buf[s + 1] === 79 && buf[s] === 80 && buf[s + 2] === 83 && buf[s + 3] === 84) return 'POST';
  if (n === 4 && buf[s] === 72 && buf[s + 1] === 69 && buf[s + 2] === 65 && buf[s + 3] === 68) return 'HEAD';
  return undefined;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function concat(acc: Buffer | null, len: number, chunk: Buffer): Buffer {
  if (acc === null) return Buffer.from(chunk);
  if (len + chunk.length <= acc.length) {
    chunk.copy(acc, len);
    return acc;
  }
  const bigger = Buffer.allocUnsafe(Math.max(acc.length * 2, len + chunk.length));
  acc.copy(bigger, 0, 0, len);
  chunk.copy(bigger, len);
  return bigger;
}

function splitHostPort(hp: string): { host: string; port: number | undefined } {
  if (hp.startsWith('[')) {
    const e = hp.indexOf(']');
    const host = hp.slice(1, e < 0 ? undefined : e);
    const rest = e < 0 ? '' : hp.slice(e + 1);
    return { host, port: rest.startsWith(':') ? Number(rest.slice(1)) || undefined : undefined };
  }
  const c = hp.lastIndexOf(':');
  if (c < 0) return { host: hp, port: undefined };
  return { host: hp.slice(0, c), port: Number(hp.slice(c + 1)) || undefined };
}

function sameAddress(a: string, b: string): boolean {
  const strip = (x: string): string => (x.startsWith('::ffff:') ? x.slice(7) : x).toLowerCase();
  return strip(a) === strip(b);
}

/** `Authorization: Basic <b64>` → the user name (text before ':'), for logs. */
function basicUser(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = /^Basic[ \t]+"?([A-Za-z0-9+/=]+)"?/i.exec(value);
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('latin1');
  const c = text.indexOf(':');
  return c < 0 ? text : text.slice(0, c);
}

const CONNECTION_CLOSE = Buffer.from('Connection: close\r\n', 'latin1');

/** A verbatim response head with its one Connection line replaced by `Connection: close`. */
function spliceConnectionClose(buf: Buffer, p: HeadParser, line: number): Buffer {
  const cutStart = p.lineStart(line);
  const cutEnd = p.lineEnd(line) + 2;
  const out = Buffer.allocUnsafe(cutStart - p.firstStart + CONNECTION_CLOSE.length + p.end - cutEnd);
  let n = buf.copy(out, 0, p.firstStart, cutStart);
  n += CONNECTION_CLOSE.copy(out, n);
  buf.copy(out, n, cutEnd, p.end);
  return out;
}
