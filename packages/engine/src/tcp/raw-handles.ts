// Node's own libuv stream handles (the objects net.Socket wraps), for the plain-TCP fast
// path. net.Socket costs tens of microseconds per connection (stream state, emitters,
// timers), which is most of a pen-style proxy's work for short connections; the handles
// give pen's model directly: read a chunk, write it, stop reading while a write is
// pending. Reached through process.binding (stable since Node 12, no warning unless
// --pending-deprecation); when anything is missing the engine uses net.Socket instead.
import { getSystemErrorName } from 'node:util';
import { IndexedList } from '../runtime/indexed-list.js';

/** A handle's position in the shared read buffer's list, and whether it reads a client. */
const READ_SLOT = Symbol('penpound.read-slot');
const CLIENT_SIDE = Symbol('penpound.client-side');

/** A libuv stream handle (TCPWrap / PipeWrap) as Node's JavaScript layer uses it. */
export interface RawHandle {
  onread: ((arrayBuffer: ArrayBuffer | undefined) => unknown) | null;
  onconnection?: ((status: number, client: RawHandle | undefined) => void) | null;
  readStart(): number;
  readStop(): number;
  writeBuffer(req: RawRequest, data: Uint8Array): number;
  shutdown(req: RawRequest): number;
  close(callback?: () => void): void;
  listen(backlog: number): number;
  bind(address: string, port?: number): number;
  bind6?(address: string, port: number, flags: number): number;
  connect(req: RawRequest, address: string, port?: number): number;
  connect6?(req: RawRequest, address: string, port: number): number;
  getpeername?(out: { address?: string; port?: number; family?: string }): number;
  getsockname?(out: { address?: string; port?: number; family?: string }): number;
  setNoDelay?(on: boolean): number;
  setKeepAlive?(on: boolean, delaySeconds: number): number;
  /** Read into this memory instead of a fresh allocation per read. */
  useUserBuffer?(buffer: Uint8Array): void;
  readonly writeQueueSize: number;
  [key: symbol]: unknown;
}

/** WriteWrap / ShutdownWrap / *ConnectWrap: request objects whose oncomplete libuv calls. */
export interface RawRequest {
  oncomplete: ((this: RawRequest, status: number, handle: RawHandle) => void) | null;
  handle?: RawHandle;
  buffer?: Uint8Array;
  async?: boolean;
  address?: string;
  port?: number;
  [key: symbol]: unknown;
}

type HandleClass = new (type: number) => RawHandle;
type RequestClass = new () => RawRequest;

export interface RawBindings {
  TCP: HandleClass;
  TCPConnectWrap: RequestClass;
  Pipe: HandleClass;
  PipeConnectWrap: RequestClass;
  WriteWrap: RequestClass;
  ShutdownWrap: RequestClass;
  /** Shared Int32Array: read length / error, buffer offset, last-write-was-async. */
  state: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kLastWriteWasAsync: number;
  TCP_SOCKET: number;
  TCP_SERVER: number;
  PIPE_SOCKET: number;
  PIPE_SERVER: number;
  UV_EOF: number;
}

let cached: RawBindings | null | undefined;

/** The bindings, or undefined when this Node does not offer them (or PENPOUND_STREAM_IO=net). */
export function rawBindings(): RawBindings | undefined {
  if (process.env['PENPOUND_STREAM_IO'] === 'net') return undefined;
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
    const tcp = binding('tcp_wrap') as { TCP: HandleClass; TCPConnectWrap: RequestClass; constants: Record<string, number> };
    const pipe = binding('pipe_wrap') as { Pipe: HandleClass; PipeConnectWrap: RequestClass; constants: Record<string, number> };
    const stream = binding('stream_wrap') as Record<string, unknown>;
    const uv = binding('uv') as Record<string, unknown>;
    const b: RawBindings = {
      TCP: tcp.TCP,
      TCPConnectWrap: tcp.TCPConnectWrap,
      Pipe: pipe.Pipe,
      PipeConnectWrap: pipe.PipeConnectWrap,
      WriteWrap: stream['WriteWrap'] as RequestClass,
      ShutdownWrap: stream['ShutdownWrap'] as RequestClass,
      state: stream['streamBaseState'] as Int32Array,
      kReadBytesOrError: stream['kReadBytesOrError'] as number,
      kArrayBufferOffset: stream['kArrayBufferOffset'] as number,
      kLastWriteWasAsync: stream['kLastWriteWasAsync'] as number,
      TCP_SOCKET: tcp.constants['SOCKET']!,
      TCP_SERVER: tcp.constants['SERVER']!,
      PIPE_SOCKET: pipe.constants['SOCKET']!,
      PIPE_SERVER: pipe.constants['SERVER']!,
      UV_EOF: uv['UV_EOF'] as number,
    };
    const ok =
      typeof b.TCP === 'function' &&
      typeof b.TCPConnectWrap === 'function' &&
      typeof b.Pipe === 'function' &&
      typeof b.WriteWrap === 'function' &&
      typeof b.ShutdownWrap === 'function' &&
      b.state instanceof Int32Array &&
      [b.kReadBytesOrError, b.kArrayBufferOffset, b.kLastWriteWasAsync, b.TCP_SOCKET, b.TCP_SERVER, b.PIPE_SOCKET, b.PIPE_SERVER, b.UV_EOF].every(
        (n) => typeof n === 'number',
      ) &&
      typeof b.TCP.prototype.writeBuffer === 'function' &&
      typeof b.TCP.prototype.useUserBuffer === 'function' &&
      typeof b.Pipe.prototype.useUserBuffer === 'function' &&
      typeof b.TCP.prototype.readStart === 'function';
    if (ok) cached = b;
  } catch {
    cached = null;
  }
  return cached ?? undefined;
}

/** libuv's negative error number → a Node error code name ("ECONNREFUSED"). */
export function errorName(status: number): string {
  try {
    return getSystemErrorName(status);
  } catch {
    return `E${-status}`;
  }
}

/**
 * One read buffer shared by every fast-path handle: a chunk is read into it and written
 * on at once, so nothing is allocated per read. A write the kernel could not take whole
 * keeps pointing into the buffer until it completes; then every handle is moved to a fresh
 * buffer (`rotate`) and the old one lives on with that write.
 */
export class SharedReadBuffer {
  buffer: Buffer;
  /** The first `clientSize` bytes: what client handles read into (pen reads 32 KB chunks). */
  private clientView: Buffer;
  /** Attached handles (a list, not a Map: see runtime/indexed-list.ts). */
  private readonly handles = new IndexedList<RawHandle>(READ_SLOT);

  constructor(
    private readonly size = 65536,
    private readonly clientSize = 32768,
  ) {
    this.buffer = Buffer.allocUnsafeSlow(size);
    this.clientView = this.buffer.subarray(0, clientSize);
  }

  /** `client`: reads from clients are at most 32 KB, as in pen (-H and the log work per chunk). */
  attach(handle: RawHandle, client: boolean): void {
    handle.useUserBuffer!(client ? this.clientView : this.buffer);
    handle[CLIENT_SIDE] = client;
    this.handles.add(handle);
  }

  detach(handle: RawHandle): void {
    this.handles.delete(handle);
  }

  rotate(): void {
    this.buffer = Buffer.allocUnsafeSlow(this.size);
    this.clientView = this.buffer.subarray(0, this.clientSize);
    for (const h of this.handles) h.useUserBuffer!(h[CLIENT_SIDE] ? this.clientView : this.buffer);
  }
}
