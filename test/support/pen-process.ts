// Running pen and penctl as real processes — ours (packages/pen/bin) and, for differential
// tests, Debian's /usr/bin/pen — and normalising what they print so the two compare.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const OUR_PEN = join(REPO, 'packages/pen/bin/pen');
export const OUR_PENCTL = join(REPO, 'packages/pen/bin/penctl');
export const REAL_PEN = '/usr/bin/pen';
export const REAL_PENCTL = '/usr/bin/penctl';
export const HAVE_REAL_PEN = existsSync(REAL_PEN) && existsSync(REAL_PENCTL);
export const SKIP_NO_REAL = HAVE_REAL_PEN ? false : 'Debian pen (/usr/bin/pen) is not installed';

export interface PenFlavour {
  name: 'ours' | 'real';
  pen: string;
  penctl: string;
}

export const OURS: PenFlavour = { name: 'ours', pen: OUR_PEN, penctl: OUR_PENCTL };
export const REAL: PenFlavour = { name: 'real', pen: REAL_PEN, penctl: REAL_PENCTL };

export interface RunResult {
  stdout: string;
  stderr: string;
  status: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs a command to completion (bounded in time). */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((done) => {
    const stdin = options.input === undefined ? 'ignore' : 'pipe';
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: [stdin, 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('latin1').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('latin1').on('data', (d: string) => (stderr += d));
    if (child.stdin) {
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10_000);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      done({ stdout, stderr, status, signal });
    });
  });
}

/** A port that was free a moment ago (for CLIs that must be told a port). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolveP, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolveP(port));
    });
  });
}

export function tempDir(prefix = 'pen-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d: /;

/**
 * What a user compares between two pens' stderr: timestamps dropped, the Before/After
 * table lines (pointer values) dropped, the program name replaced by "pen".
 */
export function normaliseStderr(text: string, programPath?: string): string {
  let out = text;
  if (programPath) out = out.split(programPath).join('pen');
  return out
    .split('\n')
    .map((line) => line.replace(TIMESTAMP, 'T: '))
    .filter((line) => !/^T: (Before|After): conns = /.test(line))
    .join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface RunningPen {
  flavour: PenFlavour;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit status (or 128+signal). */
  exited: Promise<number>;
  penctl(...command: string[]): Promise<string>;
  stop(): Promise<number>;
}

/**
 * Starts a pen in the foreground (add -f yourself) and waits until it serves: until its pid
 * file exists (pass `pidFile`, which must also be in `args`), else until the control port
 * answers `pid`.
 */
export async function startPen(
  flavour: PenFlavour,
  args: string[],
  options: { pidFile?: string; control?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningPen> {
  // A pid file left by an earlier run must not pass for this pen being ready.
  if (options.pidFile) rmSync(options.pidFile, { force: true });
  const child = spawn(flavour.pen, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('latin1').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('latin1').on('data', (d: string) => (err += d));
  const exited = new Promise<number>((r) => child.on('exit', (code, signal) => r(code ?? 128 + (signal ? signalNumber(signal) : 0))));
  let gone = false;
  void exited.then(() => (gone = true));
  const pen: RunningPen = {
    flavour,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    penctl: async (...command) => (await run(flavour.penctl, [options.control ?? '', ...command])).stdout,
    stop: async () => {
      if (!gone) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline && !gone) {
    if (options.pidFile) {
      if (existsSync(options.pidFile) && readFileSync(options.pidFile, 'utf8') === String(child.pid)) return pen;
    } else if (options.control) {
      const r = await run(flavour.penctl, [options.control, 'pid'], { timeoutMs: 2000 });
      if (/^\d+\n$/.test(r.stdout)) return pen;
    } else {
      throw new Error('startPen needs pidFile or control to know when pen is ready');
    }
    await sleep(50);
  }
  if (!gone) child.kill('SIGKILL');
  throw new Error(`${flavour.name} pen did not start: ${err}`);
}

function signalNumber(signal: NodeJS.Signals): number {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 };
  return table[signal] ?? 0;
}

/** Runs penctl once. */
export function penctl(flavour: PenFlavour, target: string, ...command: string[]): Promise<RunResult> {
  return run(flavour.penctl, [target, ...command]);
}

/** Whether a process id is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function whichSync(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** `-u USER` for the user running the tests: pen refuses a control port to root without -u. */
export const RUN_AS = ['-u', userInfo().username];

export interface PenContext {
  control: string;
  dir: string;
  pidFile: string;
}

/**
 * Runs `body` against a fresh foreground pen with a control port and a pid file in a temp
 * dir (`<dir>` in `args` is replaced by it); stops the pen and removes the dir afterwards.
 */
export async function withPen(
  flavour: PenFlavour,
  args: string[],
  body: (pen: RunningPen, context: PenContext) => Promise<void>,
  options: { control?: string; cwd?: string } = {},
): Promise<void> {
  const dir = tempDir();
  const pidFile = join(dir.path, 'pen.pid');
  const control = options.control?.replace('<dir>', dir.path) ?? `127.0.0.1:${await freePort()}`;
  const full = ['-f', ...RUN_AS, '-C', control, '-p', pidFile, ...args.map((a) => a.split('<dir>').join(dir.path))];
  try {
    const pen = await startPen(flavour, full, { pidFile, ...(options.cwd && { cwd: options.cwd }) });
    try {
      await body(pen, { control, dir: dir.path, pidFile });
    } finally {
      await pen.stop();
    }
  } finally {
    dir.remove();
  }
}

/** What penctl does, without starting a process: send one command line, read until close. */
export function controlCommand(target: string, words: string[]): Promise<string> {
  return new Promise((resolve) => {
    const colon = target.lastIndexOf(':');
    const socket = target.includes('/') ? connect(target) : connect({ host: target.slice(0, colon), port: Number(target.slice(colon + 1)) });
    let out = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${words.join(' ')}\n`));
    socket.on('data', (d: string) => (out += d));
    socket.on('error', () => {});
    socket.on('close', () => resolve(out));
  });
}
