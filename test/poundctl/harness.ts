// The real programs for the poundctl tests: bin/pound serving a generated configuration
// with a Control socket in a temporary directory, and bin/poundctl run as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connects, exchange, freePort, startBackend, type Backend } from '../support/http-backends.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const POUND = join(REPO, 'packages/pound/bin/pound');
export const POUNDCTL = join(REPO, 'packages/pound/bin/poundctl');
const GOLDEN = join(REPO, 'test/poundctl/golden');

export interface Pound {
  dir: string;
  socket: string;
  proc: ChildProcess;
  /** Everything pound wrote (stdout and stderr: LogFacility - splits them by priority). */
  output(): string;
  /** Signal pound, wait for its exit; reports whether the socket file outlived it. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; socketLeft: boolean }>;
}

/** Start pound with `cfg(socketPath)`; resolves once the listener answers and the socket exists. */
export async function startPound(
  cfg: (socket: string, dir: string) => string,
  args: string[],
  port: number,
  prepare?: (socket: string) => void,
): Promise<Pound> {
  const dir = mkdtempSync(join(tmpdir(), 'poundctl-'));
  const socket = join(dir, 'ctl.sock');
  writeFileSync(join(dir, 'pound.cfg'), cfg(socket, dir));
  prepare?.(socket);
  const proc = spawn(POUND, [...args, '-f', join(dir, 'pound.cfg'), '-p', join(dir, 'pound.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  // Up to ~10 s on a loaded machine; a socket file that is no socket yet is the stale one.
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null || i > 500) {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`pound did not start: ${out}`);
    }
    if (existsSync(socket) && statSync(socket).isSocket() && (await connects(port))) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    dir,
    socket,
    proc,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null) proc.kill(signal);
      const code = await exited;
      const socketLeft = existsSync(socket);
      rmSync(dir, { recursive: true, force: true });
      return { code, socketLeft };
    },
  };
}

export interface CtlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function poundctl(args: string[], env: NodeJS.ProcessEnv = {}, program = POUNDCTL): Promise<CtlResult> {
  return new Promise((resolve) => {
    const p = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, POUNDCTL_CONF: '', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One HTTP/1.0 request; the backend's answer body (`name GET /url`) or the status line. */
export async function get(port: number, url: string): Promise<string> {
  // A disabled listener closes (or resets) the connection without a word.
  const raw = (await exchange(port, `GET ${url} HTTP/1.0\r\nHost: test\r\n\r\n`).catch(() => Buffer.alloc(0))).toString('latin1');
  if (raw === '') return '(closed)';
  const status = raw.slice(0, raw.indexOf('\r\n'));
  if (!/ 200 /.test(status)) return status;
  return raw.slice(raw.indexOf('\r\n\r\n') + 4);
}

/** Which backend names answer `n` requests for `url`. */
export async function whoAnswers(port: number, url: string, n: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add((await get(port, url)).split(' ')[0]!);
  return seen;
}

/** Requests until `name` has answered (bounded: 200 tries, no timing assumptions). */
export async function untilAnswers(port: number, url: string, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) if ((await get(port, url)).startsWith(`${name} `)) return;
  throw new Error(`${name} never answered ${url}`);
}

export function golden(name: string): string {
  return readFileSync(join(GOLDEN, name), 'utf8');
}

/** Replace run-dependent figures with placeholders: `:port` by `:{NAME}`, paths, times, pid. */
export function normalise(text: string, ports: Record<string, number>, paths: Record<string, string> = {}): string {
  let s = text;
  for (const [name, path] of Object.entries(paths)) s = s.split(path).join(`{${name}}`);
  for (const [name, port] of Object.entries(ports)) s = s.replace(new RegExp(`:${port}(?!\\d)`, 'g'), `:{${name}}`);
  return s
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}/g, '{TIME}')
    .replace(/^Uptime: .*$/m, 'Uptime: {UPTIME}')
    .replace(/^PID: \d+$/m, 'PID: {PID}')
    .replace(/^ {2}Active: {2}\d+$/m, '  Active:  {ACTIVE}');
}

export interface Setup {
  /** Ports by name: the live backends, the dead ones, and PORT (pound's listener). */
  ports: Record<string, number>;
  pound: Pound;
  close(): Promise<void>;
}

/** Live backends answering their names, free ports for dead ones, pound on PORT. */
export async function setUp(
  live: string[],
  dead: string[],
  cfg: (port: number, ports: Record<string, number>) => (socket: string) => string,
  args: string[],
): Promise<Setup> {
  const backends: Backend[] = [];
  const ports: Record<string, number> = {};
  for (const name of live) {
    const b = await startBackend(name);
    backends.push(b);
    ports[name] = b.port;
  }
  for (const name of [...dead, 'PORT']) ports[name] = await freePort();
  const closeBackends = async () => {
    for (const b of backends) await b.close();
  };
  const pound = await startPound(cfg(ports.PORT!, ports), args, ports.PORT!).catch(async (e) => {
    await closeBackends();
    throw e;
  });
  return {
    ports,
    pound,
    close: async () => {
      await pound.stop();
      await closeBackends();
    },
  };
}
