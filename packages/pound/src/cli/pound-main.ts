// pound: check a configuration (-c) or serve it. Only what `pound -c` needs is loaded up
// front; the 4.x grammar (chevrotain) and the engine are imported when used, so checking a
// legacy configuration starts fast.
import { basename, dirname } from 'node:path';
import { checkConfig } from '../check/check.js';
import { renderModern, renderOriginal } from '../render/render.js';
import { checkOptionsOf, finalConfig } from './final-config.js';
import { parseOptions, usage } from './options.js';
import { versionText } from './version.js';
import { DAEMON_ENV, WORKER_ENV } from '../life/plan.js';

function out(lines: string[] | string): void {
  const s = Array.isArray(lines) ? lines.map((l) => l + '\n').join('') : lines;
  if (s) process.stdout.write(s);
}

function err(lines: string[] | string): void {
  const s = Array.isArray(lines) ? lines.map((l) => l + '\n').join('') : lines;
  if (s) process.stderr.write(s);
}

/** argv[0] as getopt prints it: the basename when the launcher was found on PATH. */
function typedName(): string {
  const typed = process.env.PENPOUND_ARGV0 ?? 'pound';
  const dir = dirname(typed);
  const path = (process.env.PATH ?? '').split(':');
  return typed.includes('/') && !path.includes(dir) ? typed : basename(typed);
}

async function main(): Promise<number> {
  // The detached copy of a starting pound (life/daemon.ts): it gets the checked plan from
  // its parent instead of reading the command line and the configuration again.
  if (process.env[DAEMON_ENV] === '1' && process.send) return (await import('./serve.js')).serveAsDaemon();
  // A worker of a supervisor (-W reload-on), likewise.
  if (process.env[WORKER_ENV] === '1' && process.send) return (await import('./serve.js')).serveAsWorker();
  const argv0 = typedName();
  const prog = basename(argv0);
  const parsed = parseOptions(process.argv.slice(2), argv0);
  const dialect = parsed.ok ? parsed.options.dialect : parsed.dialect;
  const legacy = dialect !== 'pound-4';
  const modernDiag = parsed.ok && parsed.options.modernDiagnostics;
  // 2.x prints this first on every invocation, before looking at its options.
  if (legacy && !modernDiag) err('starting...\n');
  if (!parsed.ok) {
    err(legacy ? parsed.legacy : parsed.modern);
    err('\n');
    return 1;
  }
  const o = parsed.options;
  if (o.help) {
    out(usage(argv0));
    return 0;
  }
  if (o.version) {
    out(versionText(o.dialect));
    return 0;
  }

  const result = await checkConfig(checkOptionsOf(o));
  if (o.modernDiagnostics) err(renderModern(result.problems, result.sources));
  else err(renderOriginal(result.problems, o.dialect, result.sources, prog));
  if (!result.config) return 1;

  if (o.dumpConfig) {
    out(JSON.stringify(finalConfig(result.config, o), null, 2) + '\n');
    return 0;
  }
  if (o.check) {
    if (legacy) out(`Config file ${o.configFile} is OK\n`);
    else if (o.verbose || o.logToTerminal || result.config.logging.diagnostics.target === 'stderr') {
      out(`${prog}: Config file ${o.configFile} is OK\n`);
    }
    return 0;
  }
  const { serve } = await import('./serve.js');
  return serve(finalConfig(result.config, o), o, result.unsupported, prog);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`pound: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
