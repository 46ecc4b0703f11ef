// The `Control` socket: a UNIX stream socket answering pound 4's HTTP/JSON control API
// (api.ts), one request per connection. Created after the listeners are bound and before
// privileges are dropped, so it belongs to the user who started pound (mode 0600, or the
// 4.x block's Mode/ChangeOwner). A stale socket file is replaced; the file goes on exit.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import * as net from 'node:net';
import type { ProxyConfig, RuntimeHandle } from '@penpound/engine';
import { modernError } from '@penpound/engine/http/errors';
import { logSinkFor } from '@penpound/engine/http/shared';
import { strerror } from '../check/files.js';
import { handleRequest, type ApiContext } from './api.js';

/** Longest request head accepted (the API needs one short line and a Host header). */
const MAX_HEAD = 16 * 1024;
/** A client that sends nothing useful for this long is dropped. */
const IDLE_MS = 10_000;

export type ControlStart = { ok: true; close(): void } | { ok: false; message: string };

export async function startControl(config: ProxyConfig, handle: RuntimeHandle): Promise<ControlStart> {
  const control = config.control;
  if (!control || control.endpoint.kind !== 'unix') return { ok: true, close: () => {} };
  const path = control.endpoint.path;
  const legacy = config.dialect !== 'pound-4';
  const ctx: ApiContext = {
    handle,
    startedAt: Date.now(),
    socketPath: path,
    log: (priority, message) => logSinkFor(config).write(priority, message),
  };
  // Legacy answers carry the dialect so our poundctl prints the matching 2.x texts.
  const extraHeader = legacy ? `X-Penpound-Dialect: ${config.dialect}\r\n` : '';

  try {
    unlinkSync(path);
  } catch {
    /* no stale socket */
  }
  const clients = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    clients.add(sock);
    sock.on('close', () => clients.delete(sock));
    serveOne(sock, ctx, extraHeader);
  });
  const failure = await new Promise<Error | undefined>((resolve) => {
    server.once('error', resolve);
    // bind() creates the file: born 0600 (pound runs under umask 077), then chmod to Mode.
    const umask = process.umask(0o177);
    try {
      // exclusive: in a supervised worker (-W reload-on) the socket is this process's own,
      // not one shared through the supervisor (a reload's new worker binds a fresh one).
      server.listen({ path, backlog: 16, exclusive: true }, () => {
        server.off('error', resolve);
        resolve(undefined);
      });
    } finally {
      process.umask(umask);
    }
  });
  if (failure) {
    // libuv reports a missing directory as EACCES; bind(2) said ENOENT, and so did pound.
    const reason = (failure as NodeJS.ErrnoException).code === 'EACCES' && !existsSync(dirname(path)) ? 'No such file or directory' : strerror(failure);
    return { ok: false, message: `Control "${path}" bind: ${reason}` };
  }
  server.on('error', () => {});
  server.unref();

  try {
    chmodSync(path, control.mode ?? 0o600);
    if (control.changeOwner && (config.process.user !== undefined || config.process.group !== undefined)) {
      chownSync(path, userId(config.process.user) ?? process.getuid!(), groupId(config.process.group) ?? process.getgid!());
    }
  } catch (e) {
    server.close();
    return { ok: false, message: `Control "${path}" create: ${strerror(e)}` };
  }

  let closed = false;
  return {
    ok: true,
    close: () => {
      if (closed) return;
      closed = true;
      server.close();
      for (const c of clients) c.destroy();
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
    },
  };
}

/** Read one request head, answer it, close. */
function serveOne(sock: net.Socket, ctx: ApiContext, extraHeader: string): void {
  let head = '';
  sock.setTimeout(IDLE_MS, () => sock.destroy());
  sock.on('error', () => {});
  const onData = (chunk: Buffer): void => {
    head += chunk.toString('latin1');
    const end = head.indexOf('\r\n\r\n') >= 0 ? head.indexOf('\r\n\r\n') : head.indexOf('\n\n');
    if (end < 0) {
      if (head.length > MAX_HEAD) reply(sock, 400, 1, undefined, extraHeader);
      return;
    }
    sock.off('data', onData);
    const line = head.slice(0, head.search(/\r?\n/));
    const m = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(line);
    if (!m) return reply(sock, 400, 1, undefined, extraHeader);
    const minor = m[3] === '0' ? 0 : 1;
    let r;
    try {
      r = handleRequest(ctx, m[1]!, m[2]!);
    } catch (e) {
      ctx.log('notice', `control: ${(e as Error).message}`);
      return reply(sock, 500, minor, undefined, extraHeader);
    }
    reply(sock, r.status, minor, r.body, extraHeader);
  };
  sock.on('data', onData);
}

function reply(sock: net.Socket, status: number, minor: 0 | 1, body: string | undefined, extraHeader: string): void {
  if (status === 200 && body !== undefined) {
    const b = Buffer.from(body, 'utf8');
    sock.end(
      Buffer.concat([
        Buffer.from(`HTTP/1.${minor} 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${b.length}\r\nConnection: close\r\n${extraHeader}\r\n`, 'latin1'),
        b,
      ]),
    );
    return;
  }
  sock.end(modernError(status, minor, undefined));
}

/** A user's uid (names resolved through the system's user database, as chown(1) would). */
function userId(name: string | undefined): number | undefined {
  if (name === undefined) return undefined;
  if (/^\d+$/.test(name)) return Number(name);
  return Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
}

function groupId(name: string | undefined): number | undefined {
  if (name === undefined) return undefined;
  if (/^\d+$/.test(name)) return Number(name);
  const line = execFileSync('getent', ['group', name], { encoding: 'utf8' }).trim();
  return Number(line.split(':')[2]);
}
