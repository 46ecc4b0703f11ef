// pen's request log (spec §2.5): one line per chunk read from a client.
//   file: "<client> <unixtime> <server> <first line>\n" (first line: ≤100 bytes, cut at
//         CR/LF, bytes ≥ 0x80 shown as '.'), appended; flushed at the end of the event-loop
//         turn rather than when a stdio buffer fills (COMPAT.md).
//   udp:  "+ <client> <server> <first line>\n" datagrams for penlogd (≤1023 bytes, raw).
import { closeSync, openSync, writeSync } from 'node:fs';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns';
import { isIPv4 } from 'node:net';
import type { Diagnostic, RequestLogConfig } from '../model/types.js';

const FILE_CUT = 100;
const DATAGRAM_MAX = 1023;

/** The part of a chunk pen logs: up to `max` bytes, cut at the first CR or LF. */
export function firstLineEnd(chunk: Uint8Array, max: number): number {
  const n = Math.min(chunk.length, max);
  for (let i = 0; i < n; i++) {
    const c = chunk[i]!;
    if (c === 13 || c === 10) return i;
  }
  return n;
}

export function formatFileLine(client: string, now: number, server: string, chunk: Buffer): string {
  const text = chunk.toString('latin1', 0, firstLineEnd(chunk, FILE_CUT)).replace(/[\x80-\xff]/g, '.');
  return client + ' ' + now + ' ' + server + ' ' + text + '\n';
}

export function formatDatagram(client: string, server: string, chunk: Buffer): Buffer {
  let end = firstLineEnd(chunk, chunk.length);
  const nul = chunk.indexOf(0);
  if (nul >= 0 && nul < end) end = nul; // pen builds it with C string functions
  const head = Buffer.from('+ ' + client + ' ' + server + ' ', 'latin1');
  const out = Buffer.concat([head, chunk.subarray(0, end), Buffer.from('\n')]);
  return out.length > DATAGRAM_MAX ? out.subarray(0, DATAGRAM_MAX) : out;
}

export class RequestLog {
  private config: RequestLogConfig | undefined;
  private key = '';
  private fd = -1;
  private pending: string[] = [];
  private flushScheduled = false;
  private udp: UdpSocket | undefined;
  private udpAddress: string | undefined;
  private udpPort = 0;
  private writeFailed = false;

  constructor(private readonly report: (d: Diagnostic) => void) {}

  /** Is a request log configured (and of a kind this logger writes)? Cheap; per chunk. */
  active(config: RequestLogConfig | undefined): boolean {
    if (config === undefined) {
      if (this.config !== undefined) this.close();
      this.config = undefined;
      this.key = '';
      return false;
    }
    if (config !== this.config || !this.sameTarget(config)) this.adopt(config);
    return config.kind === 'file' || config.kind === 'udp';
  }

  private sameTarget(config: RequestLogConfig): boolean {
    switch (config.kind) {
      case 'file':
        return this.key.length === config.path.length + 5 && this.key.endsWith(config.path) && this.key.startsWith('file:');
      case 'udp':
        return this.key === 'udp:' + config.host + ':' + config.port;
      default:
        return this.key === config.kind;
    }
  }

  /** Opens what `config` names. Used at start-up (errors are fatal there) and on change. */
  async open(config: RequestLogConfig | undefined): Promise<Diagnostic | undefined> {
    this.close();
    this.config = config;
    this.key = keyOf(config);
    if (!config) return undefined;
    if (config.kind === 'file') {
      try {
        this.fd = openSync(config.path, 'a');
      } catch {
        return { severity: 'error', message: `Can't open logfile ${config.path}` };
      }
    } else if (config.kind === 'udp') {
      const address = await resolve4(config.host);
      if (!address) return { severity: 'error', message: `Bogus host ${config.host}` };
      this.startUdp(address, config.port);
    }
    return undefined;
  }

  logChunk(client: string, now: number, server: string, chunk: Buffer): void {
    const config = this.config;
    if (!config) return;
    if (config.kind === 'file') {
      if (this.fd < 0) return;
      this.pending.push(formatFileLine(client, now, server, chunk));
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flushNow);
      }
    } else if (config.kind === 'udp' && this.udp && this.udpAddress) {
      this.udp.send(formatDatagram(client, server, chunk), this.udpPort, this.udpAddress);
    }
  }

  /** Close and re-open the file (log rotation). The network log has nothing to reopen. */
  reopen(): Diagnostic[] {
    const config = this.config;
    if (!config || config.kind !== 'file') return [];
    this.flushNow();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    try {
      this.fd = openSync(config.path, 'a');
    } catch {
      return [{ severity: 'error', message: `Can't open logfile ${config.path}` }];
    }
    return [];
  }

  close(): void {
    this.flushNow();
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        /* already gone */
      }
    }
    this.fd = -1;
    if (this.udp) this.udp.close();
    this.udp = undefined;
    this.udpAddress = undefined;
  }

  readonly flushNow = (): void => {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    if (this.fd < 0) return;
    try {
      writeSync(this.fd, text, null, 'latin1');
      this.writeFailed = false;
    } catch (err) {
      if (!this.writeFailed) this.report({ severity: 'warning', message: `Can't write to log: ${(err as Error).message}` });
      this.writeFailed = true;
    }
  };

  /** The front end replaced or edited the log settings at run time: follow them. */
  private adopt(config: RequestLogConfig): void {
    const key = keyOf(config);
    this.config = config;
    if (key === this.key) return;
    void this.open(config).then((d) => {
      if (d) this.report(d);
    });
  }

  private startUdp(address: string, port: number): void {
    const sock = createSocket('udp4');
    sock.on('error', () => {}); // a lost log datagram must not hurt the proxy
    sock.unref();
    this.udp = sock;
    this.udpAddress = address;
    this.udpPort = port;
  }
}

function keyOf(config: RequestLogConfig | undefined): string {
  if (!config) return '';
  switch (config.kind) {
    case 'file':
      return 'file:' + config.path;
    case 'udp':
      return 'udp:' + config.host + ':' + config.port;
    default:
      return config.kind;
  }
}

function resolve4(host: string): Promise<string | undefined> {
  if (isIPv4(host)) return Promise.resolve(host);
  return new Promise((done) => lookup(host, { family: 4 }, (err, address) => done(err ? undefined : address)));
}
