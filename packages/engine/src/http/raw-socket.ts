// The part of net.Socket the HTTP path uses, on a bare libuv stream handle (the objects
// net.Socket wraps; see tcp/raw-handles.ts). net.Socket runs every read through a Readable
// (a 64 KB allocation per read, buffering, events on the next tick) and every write
// through a Writable; for a proxy moving small requests and responses that machinery
// costs more than the parsing does. Plain HTTP listeners and plain backends use this;
// HTTPS listeners use it on Node's TLSWrap (see raw-tls.ts); TLS backends, or a Node
// without the bindings (or PENPOUND_STREAM_IO=net), use net.Socket / tls.TLSSocket.
//
// Semantics kept from net.Socket, as connection.ts relies on them: 'data' chunks belong to
// the receiver (copied out of one shared read buffer), 'end' on EOF (then end() unless
// allowHalfOpen), write() queues and returns false past 16 KB pending, 'drain' when the
// queue empties after that, cork()/uncork() send one writev, end() half-closes after the
// queued writes, the socket closes when both directions are done, 'error' then 'close'
// once, and nothing is emitted after destroy() but 'close'.
import { X509Certificate } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isIPv4, isIPv6 } from 'node:net';
import type { CipherNameAndProtocol } from 'node:tls';
import { getSystemErrorMap } from 'node:util';
import { errorName, rawBindings, type RawBindings, type RawHandle, type RawRequest } from '../tcp/raw-handles.js';

/** What the HTTP path uses of a socket: a net.Socket / tls.TLSSocket, or a RawSocket. */
export interface StreamSocket extends EventEmitter {
  readonly remoteAddress?: string | undefined;
  readonly writableLength: number;
  readonly destroyed: boolean;
  readonly writable: boolean;
  readonly readable: boolean;
  write(data: Buffer): boolean;
  end(): unknown;
  end(data: Buffer): unknown;
  destroy(): unknown;
  pause(): unknown;
  resume(): unknown;
  cork(): void;
  uncork(): void;
  setNoDelay(noDelay?: boolean): unknown;
}

const OWNER = Symbol('penpound.raw-socket');
/** net.Socket's default writableHighWaterMark. */
const HIGH_WATER = 16384;
const READ_SIZE = 65536;

let readBuffer: Buffer | undefined;
/** Set by the first RawSocket (the read callback must not look at process.env each time). */
let bindings: RawBindings;
/** A write request whose last write completed at once: reusable. */
let spareWrite: RawRequest | undefined;

/** The bindings when the raw path may be used (undefined: use net.Socket). */
export function rawHttpBindings(): RawBindings | undefined {
  return rawBindings();
}

function systemError(status: number, syscall: string, where = ''): NodeJS.ErrnoException {
  const code = errorName(status);
  let text = code;
  try {
    text = getSystemErrorMap().get(status)?.[1] ?? code;
  } catch {
    /* older Node: the code alone */
  }
  const err = new Error(`${syscall} ${code}${text !== code ? `: ${text}` : ''}${where ? ` ${where}` : ''}`) as NodeJS.ErrnoException;
  err.code = code;
  err.errno = status;
  err.syscall = syscall;
  return err;
}

export class RawSocket extends EventEmitter implements StreamSocket {
  destroyed = false;
  writableLength = 0;
  private handle: RawHandle;
  private connecting = false;
  private readEnded = false;
  private ending = false;
  private writeDone = false;
  private paused = false;
  /** The handle is reading (net.Socket keeps reading while paused, up to 16 KB). */
  private reading = false;
  /** Read while paused: delivered on resume(), as net.Socket does. */
  private buffered: Buffer[] | null = null;
  private bufferedBytes = 0;
  /** EOF read while paused with data still buffered: 'end' follows that data. */
  private eofPending = false;
  private needDrain = false;
  private corked = 0;
  private corkedChunks: Buffer[] | null = null;
  /** end() while still connecting: half-close once connected. */
  private shutdownPending = false;
  private peer: string | undefined | null = null;
  /**
   * On a TLSWrap (`tcp` set), one write at a time (a second one aborts the process): while
   * one is out, later writes wait here and leave together (writev) when it completes.
   */
  private inFlight = false;
  private waiting: Buffer[] | null = null;
  private shutdownAfterWrites = false;

  private constructor(
    private readonly raw: RawBindings,
    handle: RawHandle,
    private readonly allowHalfOpen: boolean,
    /** Under a TLSWrap: the TCP handle it reads and writes (closed, asked for the peer). */
    private readonly tcp?: RawHandle,
  ) {
    super();
    bindings = raw;
    this.handle = handle;
    handle[OWNER] = this;
    handle.onread = onRead;
    handle.useUserBuffer!((readBuffer ??= Buffer.allocUnsafeSlow(READ_SIZE)));
  }

  /** A TLSWrap around an accepted TCP handle (raw-tls.ts): reading starts the handshake. */
  static acceptedTls(raw: RawBindings, wrap: RawHandle, tcp: RawHandle): RawSocket {
    const s = new RawSocket(raw, wrap, true, tcp);
    s.reading = wrap.readStart() >= 0;
    return s;
  }

  /** An accepted connection; reading starts at once (attach 'data' before returning to the loop). */
  static accepted(raw: RawBindings, handle: RawHandle, allowHalfOpen: boolean): RawSocket {
    const s = new RawSocket(raw, handle, allowHalfOpen);
    s.reading = handle.readStart() >= 0;
    return s;
  }

  /**
   * Connect to an IP address (or a Unix socket path); undefined when the address is a
   * name (the caller then uses net.connect, which resolves it).
   */
  static connect(raw: RawBindings, opts: { host?: string; port?: number; path?: string }): RawSocket | undefined {
    let handle: RawHandle;
    let req: RawRequest;
    let err: number;
    if (opts.path !== undefined) {
      handle = new raw.Pipe(raw.PIPE_SOCKET);
      req = new raw.PipeConnectWrap();
      err = handle.connect(req, opts.path);
    } else {
      const host = opts.host ?? '';
      const v4 = isIPv4(host);
      if (!v4 && !isIPv6(host)) return undefined;
      handle = new raw.TCP(raw.TCP_SOCKET);
      req = new raw.TCPConnectWrap();
      err = v4 ? handle.connect(req, host, opts.port ?? 0) : handle.connect6!(req, host, opts.port ?? 0);
    }
    const s = new RawSocket(raw, handle, false);
    s.connecting = true;
    req.oncomplete = onConnect;
    req[OWNER] = s;
    if (err < 0) {
      // As net.Socket: the error comes as an event, after the caller attached its handlers.
      const e = systemError(err, 'connect', opts.path ?? `${opts.host}:${opts.port}`);
      process.nextTick(() => s.destroyWith(e));
      return s;
    }
    // Reading starts with the connect (one epoll registration for both events); reads
    // are delivered only once connected.
    s.reading = handle.readStart() >= 0;
    return s;
  }

  get remoteAddress(): string | undefined {
    if (this.peer === null) {
      const out: { address?: string } = {};
      const h = this.tcp ?? this.handle;
      if (!this.destroyed && h.getpeername) h.getpeername(out);
      this.peer = out.address;
    }
    return this.peer;
  }

  get readable(): boolean {
    return !this.destroyed && !this.readEnded;
  }

  get writable(): boolean {
    return !this.destroyed && !this.ending;
  }

  setNoDelay(noDelay = true): this {
    if (!this.destroyed) (this.tcp ?? this.handle).setNoDelay?.(noDelay);
    return this;
  }

  /** As net.Socket: no more 'data' until resume(); reading goes on until 16 KB are held. */
  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    if (!this.paused) return this;
    this.paused = false;
    if (this.buffered !== null || this.eofPending) process.nextTick(flushBuffered, this);
    else this.readAgain();
    return this;
  }

  write(data: Buffer): boolean {
    if (this.destroyed || this.ending) return false;
    if (this.corked > 0) {
      (this.corkedChunks ??= []).push(data);
      this.writableLength += data.length;
      return this.afterQueue();
    }
    return this.send(data, null);
  }

  cork(): void {
    this.corked++;
  }

  uncork(): void {
    if (this.corked === 0 || --this.corked > 0) return;
    this.flushCorked();
  }

  end(data?: Buffer): this {
    if (data && data.length > 0) this.write(data);
    if (this.ending || this.destroyed) return this;
    this.ending = true;
    this.corked = 0;
    this.flushCorked();
    if (this.destroyed) return this;
    if (this.connecting) this.shutdownPending = true;
    else if (this.inFlight) this.shutdownAfterWrites = true;
    else this.shutdownNow();
    return this;
  }

  destroy(): this {
    this.destroyWith(undefined);
    return this;
  }

  // ---- internals ----------------------------------------------------------------------

  /** libuv half-closes once the queued writes are out. */
  private shutdownNow(): void {
    const req = new this.raw.ShutdownWrap();
    req.handle = this.handle;
    req.oncomplete = onShutdown;
    req[OWNER] = this;
    const err = this.handle.shutdown(req);
    if (err < 0) this.destroyLater(systemError(err, 'shutdown'));
  }

  private flushCorked(): void {
    const chunks = this.corkedChunks;
    if (!chunks) return;
    this.corkedChunks = null;
    let total = 0;
    for (const c of chunks) total += c.length;
    this.writableLength -= total;
    if (this.destroyed) return;
    if (chunks.length === 1) this.send(chunks[0]!, null);
    else this.send(null, chunks, total);
  }

  /** Write one buffer or several (writev); queue accounting when libuv keeps them. */
  private send(data: Buffer | null, chunks: Buffer[] | null, total = data ? data.length : 0): boolean {
    if (this.inFlight) {
      const w = (this.waiting ??= []);
      if (data) w.push(data);
      else w.push(...chunks!);
      this.writableLength += total;
      return this.afterQueue();
    }
    const raw = this.raw;
    const req = spareWrite ?? new raw.WriteWrap();
    spareWrite = undefined;
    req.handle = this.handle;
    req.oncomplete = onWritten;
    req.async = false;
    req[OWNER] = this;
    const err = data ? this.handle.writeBuffer(req, data) : (this.handle as unknown as Writev).writev(req, chunks!, true);
    if (err < 0) {
      this.destroyLater(systemError(err, 'write'));
      return false;
    }
    if (raw.state[raw.kLastWriteWasAsync]) {
      // libuv holds on to the bytes until the write completes.
      req.buffer = data ?? undefined;
      (req as WriteRequest).chunks = chunks;
      (req as WriteRequest).bytes = total;
      this.writableLength += total;
      if (this.tcp) this.inFlight = true;
      return this.afterQueue();
    }
    spareWrite = req;
    // Corked writes may have reported "full" before going out at once: 'drain' is due
    // (net.Socket emits it after the write too, on the next tick).
    if (this.needDrain && this.writableLength === 0) process.nextTick(emitDrain, this);
    return true;
  }

  private afterQueue(): boolean {
    if (this.writableLength < HIGH_WATER) return true;
    this.needDrain = true;
    return false;
  }

  written(req: WriteRequest, status: number): void {
    this.writableLength -= req.bytes ?? 0;
    this.inFlight = false;
    if (this.destroyed) return;
    if (status < 0) {
      this.destroyWith(systemError(status, 'write'));
      return;
    }
    const waiting = this.waiting;
    if (waiting !== null) {
      this.waiting = null;
      let total = 0;
      for (const c of waiting) total += c.length;
      this.writableLength -= total;
      if (waiting.length === 1) this.send(waiting[0]!, null);
      else this.send(null, waiting, total);
      if (this.destroyed || this.inFlight) return;
    }
    if (this.shutdownAfterWrites) {
      this.shutdownAfterWrites = false;
      this.shutdownNow();
    }
    this.drained();
  }

  drained(): void {
    if (this.writableLength === 0 && this.needDrain && !this.destroyed) {
      this.needDrain = false;
      this.emit('drain');
    }
  }

  connected(status: number): void {
    this.connecting = false;
    if (this.destroyed) return;
    if (status < 0) {
      this.destroyWith(systemError(status, 'connect'));
      return;
    }
    this.emit('connect');
    if (this.shutdownPending && !this.destroyed) {
      this.shutdownPending = false;
      this.shutdownNow();
    }
  }

  onData(length: number): void {
    const chunk = Buffer.allocUnsafe(length);
    readBuffer!.copy(chunk, 0, 0, length);
    if (this.paused) {
      (this.buffered ??= []).push(chunk);
      this.bufferedBytes += length;
      if (this.bufferedBytes >= HIGH_WATER && this.reading) {
        this.reading = false;
        this.handle.readStop();
      }
      return;
    }
    this.emit('data', chunk);
  }

  onEof(): void {
    // (libuv stopped reading this handle before reporting EOF.)
    this.readEnded = true;
    this.reading = false;
    if (this.buffered !== null) this.eofPending = true;
    else this.readDone();
  }

  private readDone(): void {
    this.emit('end');
    if (this.destroyed) return;
    if (this.writeDone) this.destroyWith(undefined);
    else if (!this.allowHalfOpen) this.end();
  }

  /** After resume(): what was read while paused, then the EOF behind it, then read on. */
  flushBuffered(): void {
    const chunks = this.buffered;
    while (chunks !== null && chunks.length > 0 && !this.paused && !this.destroyed) {
      const chunk = chunks.shift()!;
      this.bufferedBytes -= chunk.length;
      this.emit('data', chunk);
    }
    if (this.destroyed) return;
    if (chunks !== null && chunks.length === 0) this.buffered = null;
    if (!this.paused && this.eofPending) {
      this.eofPending = false;
      this.readDone();
      return;
    }
    // Paused again by a 'data' handler or not: below the mark reading goes on, as with
    // net.Socket (an EOF or reset must still be seen while the owner is not reading).
    if (this.bufferedBytes < HIGH_WATER) this.readAgain();
  }

  private readAgain(): void {
    if (!this.reading && !this.readEnded && !this.destroyed) this.reading = this.handle.readStart() >= 0;
  }

  shutDown(status: number): void {
    if (this.destroyed) return;
    if (status < 0) {
      this.destroyWith(systemError(status, 'shutdown'));
      return;
    }
    this.writeDone = true;
    if (this.readEnded) this.destroyWith(undefined);
  }

  private destroyLater(err: Error): void {
    process.nextTick(() => this.destroyWith(err));
  }

  destroyWith(err: Error | undefined): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.corkedChunks = null;
    this.buffered = null;
    this.waiting = null;
    if (err) this.emit('error', err);
    const tcp = this.tcp;
    if (tcp) {
      // As tls.TLSSocket: close the TCP handle, then free the TLS state (which cancels a pending write).
      const wrap = this.handle as RawHandle & { destroySSL(): void };
      tcp.close(() => {
        wrap.destroySSL();
        this.emit('close', err !== undefined);
      });
    } else {
      this.handle.close(() => this.emit('close', err !== undefined));
    }
  }

  // ---- TLS (a RawSocket on a TLSWrap), as tls.TLSSocket names them ----------------------

  getCipher(): CipherNameAndProtocol {
    return (this.handle as unknown as { getCipher(): CipherNameAndProtocol }).getCipher();
  }

  getProtocol(): string | null {
    return (this.handle as unknown as { getProtocol(): string | null }).getProtocol() ?? null;
  }

  getPeerX509Certificate(): X509Certificate | undefined {
    const peer = (this.handle as unknown as { getPeerCertificate(detailed: boolean): { raw?: Buffer } | null }).getPeerCertificate(false);
    return peer?.raw ? new X509Certificate(peer.raw) : undefined;
  }

}

interface WriteRequest extends RawRequest {
  chunks?: Buffer[] | null;
  bytes?: number;
}

interface Writev {
  writev(req: RawRequest, chunks: Buffer[], allBuffers: boolean): number;
}

// ---- callbacks from libuv (this = the handle or the request) --------------------------------

function emitDrain(s: RawSocket): void {
  s.drained();
}

function flushBuffered(s: RawSocket): void {
  s.flushBuffered();
}

function onRead(this: RawHandle): void {
  const s = this[OWNER] as RawSocket | undefined;
  if (!s || s.destroyed) return;
  const raw = bindings;
  const nread = raw.state[raw.kReadBytesOrError]!;
  if (nread > 0) s.onData(nread);
  else if (nread === raw.UV_EOF) s.onEof();
  else if (nread < 0) s.destroyWith(systemError(nread, 'read'));
}

function onConnect(this: RawRequest, status: number): void {
  const s = this[OWNER] as RawSocket | undefined;
  if (s) s.connected(status);
}

function onWritten(this: WriteRequest, status: number): void {
  const s = this[OWNER] as RawSocket | undefined;
  this.buffer = undefined;
  this.chunks = null;
  this[OWNER] = undefined;
  if (s) s.written(this, status);
}

function onShutdown(this: RawRequest, status: number): void {
  const s = this[OWNER] as RawSocket | undefined;
  if (s) s.shutDown(status);
}
