// Helpers for the process-life tests: the real bin/pound started as a user would (in the
// foreground or as a daemon), certificates made with openssl at test time, HTTP/HTTPS
// clients, and waiting for a process that is not our child to be gone.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { join } from 'node:path';
import { POUND } from '../support/pound-golden.js';

export { POUND };

export interface PoundRun {
  child: ChildProcess;
  out(): string;
  err(): string;
  /** Exit status of the process we started (for a daemon: the parent's). */
  exited: Promise<number | null>;
}

export function runPound(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): PoundRun {
  const child = spawn(POUND, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

/** A process's state letter from /proc, or undefined once it is gone. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** A daemon is not our child: it is gone when /proc no longer lists it, or lists a zombie
 *  (its new parent, init, reaps it when it gets round to it). */
export function isRunning(pid: number): boolean {
  const s = procState(pid);
  return s !== undefined && s !== 'Z';
}

export async function waitGone(pid: number, what = `process ${pid} to exit`): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (!isRunning(pid)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Real and effective uid, session id and parent pid of a process, from /proc. */
export function procInfo(pid: number): { uid: number; gid: number; sid: number; ppid: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)![1]);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { uid: field('Uid'), gid: field('Gid'), ppid: Number(rest[1]), sid: Number(rest[3]) };
}

export { connects, waitListening, waitRefused } from '../support/http-backends.js';

export interface Reply {
  status: number;
  body: string;
}

/** One request on a new connection; `auth` = Basic user:password; `ca` makes it HTTPS (verified). */
export function get(port: number, path: string, opts: { auth?: string; ca?: string; servername?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const common = { host: '127.0.0.1', port, path, agent: false as const, ...(opts.auth ? { auth: opts.auth } : {}) };
    const onResponse = (res: http.IncomingMessage): void => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    };
    const req = opts.ca
      ? https.request({ ...common, ca: opts.ca, servername: opts.servername ?? 'www.example.com' }, onResponse)
      : http.request(common, onResponse);
    req.on('error', reject);
    req.end();
  });
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface SeedCert {
  /** key + server certificate + intermediate, as the seed's pound.pem (plus a chain). */
  pem: string;
  /** The root a client must trust: verification only works if pound sends the intermediate. */
  rootCa: string;
}

/**
 * The seed's certificate steps (genrsa, a CSR, x509 -req; key then certificate in one file),
 * except that the certificate is signed by an intermediate CA so the file carries a chain.
 */
export function makeSeedCert(dir: string): SeedCert {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'v3.cnf'), 'basicConstraints=critical,CA:TRUE\n');
  writeFileSync(join(dir, 'leaf.cnf'), 'subjectAltName=DNS:www.example.com\n');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-days', '2', '-subj', '/CN=Seed Root CA'], dir);
  openssl(['genrsa', '-out', 'int.key', '2048'], dir);
  openssl(['req', '-new', '-key', 'int.key', '-out', 'int.csr', '-subj', '/CN=Seed Intermediate CA'], dir);
  openssl(['x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.pem', '-days', '2', '-extfile', 'v3.cnf'], dir);
  openssl(['genrsa', '-out', 'server-key.pem', '2048'], dir);
  openssl(['req', '-new', '-key', 'server-key.pem', '-out', 'server-csr.pem', '-subj', '/CN=www.example.com'], dir);
  openssl(['x509', '-req', '-in', 'server-csr.pem', '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-out', 'server-crt.pem', '-days', '2', '-extfile', 'leaf.cnf'], dir);
  const pem = join(dir, 'pound.pem');
  const read = (n: string): string => readFileSync(join(dir, n), 'latin1');
  writeFileSync(pem, read('server-key.pem') + read('server-crt.pem') + read('int.pem'));
  return { pem, rootCa: read('root.pem') };
}

/** Is there a group of this name (Debian has `nogroup`, not the seed's `nobody`)? */
export function groupExists(name: string): boolean {
  try {
    execFileSync('getent', ['group', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The name of a user's primary group. */
export function primaryGroupOf(user: string): string {
  const gid = execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim();
  return execFileSync('getent', ['group', gid], { encoding: 'utf8' }).split(':')[0]!;
}

export function readPid(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  return /^\d+\n$/.test(text) ? Number(text) : undefined;
}

/** Like test/support's `until`, with room for a process to start on a loaded machine (≤ 30 s). */
export async function eventually(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
