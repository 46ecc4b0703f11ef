// Golden files for pound -c (format: fixtures/pound/README.md). Each `.expected` file
// holds one or more runs of the real bin/pound: the arguments, the exit status, and the
// exact stdout and stderr.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const POUND = join(REPO, 'packages/pound/bin/pound');

/** A host name glibc rejects without asking a DNS server (a label over 63 bytes). */
export const UNRESOLVABLE = `${'x'.repeat(70)}.invalid`;

export interface Run {
  args: string;
  exit: number;
  stdout: string;
  stderr: string;
  /** Line of the `===` header in the .expected file, for messages. */
  line: number;
}

export function parseExpected(text: string): Run[] {
  const runs: (Run & { out: string[]; err: string[] })[] = [];
  let cur: (typeof runs)[number] | undefined;
  let section: 'out' | 'err' | undefined;
  text.split('\n').forEach((line, i) => {
    if (line.startsWith('=== ')) {
      cur = { args: line.slice(4).trim(), exit: 0, stdout: '', stderr: '', line: i + 1, out: [], err: [] };
      runs.push(cur);
      section = undefined;
    } else if (!cur) {
      // comments before the first run
    } else if (!section && line.startsWith('exit ')) {
      cur.exit = Number(line.slice(5));
    } else if (line === '--- stdout') {
      section = 'out';
    } else if (line === '--- stderr') {
      section = 'err';
    } else if (section) {
      cur[section].push(line);
    }
  });
  // Blank lines at the end of a section only separate runs.
  const joined = (lines: string[]) => {
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    return lines.length ? lines.join('\n') + '\n' : '';
  };
  return runs.map(({ out, err, ...r }) => ({ ...r, stdout: joined(out), stderr: joined(err) }));
}

/** Placeholders usable in fixtures and expected output. */
export function substitute(text: string, vars: Record<string, string>): string {
  let s = text;
  for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(v);
  return s.replace(/<CR>/g, '\r').replace(/<TAB>/g, '\t').replace(/<SP>/g, ' ');
}

/**
 * A scratch copy of a fixture folder with placeholders filled in ({DIR} is the copy,
 * {CERTS} its certs/ folder, plus `extra`), and a `pound` on PATH (bin).
 */
export function stageFixtures(fixtureDir: string, extra: Record<string, string> = {}): { dir: string; bin: string; vars: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'pound-check-'));
  cpSync(fixtureDir, dir, { recursive: true });
  const vars = { ...extra, DIR: dir, CERTS: join(dir, 'certs') };
  const fill = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) fill(p);
      else if (e.name.endsWith('.cfg') || e.name.endsWith('.inc') || e.name.endsWith('.txt')) {
        writeFileSync(p, substitute(readFileSync(p, 'latin1'), vars), 'latin1');
      }
    }
  };
  fill(dir);
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  symlinkSync(POUND, join(bin, 'pound'));
  return { dir, bin, vars };
}

export interface Result {
  exit: number | null;
  stdout: string;
  stderr: string;
}

/** Run `pound ARGS` (found on PATH, as a user would type it) in `cwd`. */
export function runPound(args: string[], cwd: string, bin: string, env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('pound', args, { cwd, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exit: code, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1') }));
  });
}

/** Run `jobs` with at most `n` at a time. */
export async function limited<T>(n: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]!();
      }
    }),
  );
  return results;
}
