// pound -c: read, parse and check a configuration, and build the model. Parsing, the
// model and every check produce problems as values; what is printed, and how, is the
// renderer's business (render/).
import { statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { ProxyConfig } from '@penpound/engine';
import { LegacyParser } from '../cfg/legacy-parser.js';
import { LegacyReader } from '../cfg/legacy-reader.js';
import { firstError, problem, type ConfigDialect, type Problem } from '../cfg/problems.js';
import { Sources } from '../cfg/sources.js';
import type { Block, Span } from '../cfg/statements.js';
import { toModel } from '../cfg/to-model.js';
import { readBounded, strerror } from './files.js';
import { hostsToResolve, resolveHosts } from './resolve.js';
import { CANNOT_RUN } from '../life/cannot.js';

export interface CheckOptions {
  file: string;
  dialect: ConfigDialect;
  /** -W no-dns: keep host names as written. */
  dns: boolean;
  /** 4.x include directory; undefined = current directory. */
  includeDir?: string;
  /** 4.x -W no-warn-deprecated. */
  warnDeprecated: boolean;
  /** Keep going after the first error (modern diagnostics). */
  collectAll: boolean;
}

export interface CheckResult {
  config?: ProxyConfig;
  problems: Problem[];
  unsupported: { what: string; span: Span }[];
  sources: Sources;
}

export async function checkConfig(opts: CheckOptions): Promise<CheckResult> {
  const sources = new Sources();
  const problems: Problem[] = [];
  const result: CheckResult = { problems, unsupported: [], sources };

  let bytes: Buffer;
  try {
    if (opts.dialect === 'pound-4') statSync(opts.file);
    bytes = readBounded(opts.file);
  } catch (err) {
    const why = strerror(err);
    const shown = opts.dialect === 'pound-4' ? resolvePath(opts.file) : opts.file;
    problems.push(
      problem('config-open', undefined, openMessage(opts.dialect, opts.file, shown, why), {
        modern: `can't open configuration file "${opts.file}": ${why}`,
      }),
    );
    return result;
  }

  try {
    return await checkParsed(opts, bytes, result);
  } catch (err) {
    // Hundreds of nested blocks (or `Not` prefixes) overflow the recursive parser: a clear
    // refusal instead of a stack trace. No real configuration nests this deep.
    if (!(err instanceof RangeError)) throw err;
    problems.push(problem('nesting', undefined, `${opts.file}: configuration nested too deeply`));
    return result;
  }
}

async function checkParsed(opts: CheckOptions, bytes: Buffer, result: CheckResult): Promise<CheckResult> {
  const { sources, problems } = result;
  let root: Block;
  if (opts.dialect === 'pound-4') {
    const { parsePound4 } = await import('../cfg/parser4.js');
    root = await parsePound4(opts.file, bytes, {
      sources,
      problems,
      includeDir: opts.includeDir,
      warnDeprecated: opts.warnDeprecated,
      recover: opts.collectAll,
    });
  } else {
    const minor = opts.dialect === 'pound-2.4' ? 4 : 8;
    const reader = new LegacyReader(opts.file, bytes, minor, sources, problems);
    root = new LegacyParser(reader, minor, problems, opts.collectAll).parse();
  }

  // The original stops at its first error: nothing after it is resolved or checked.
  const stop = opts.collectAll ? Infinity : (firstError(problems)?.order ?? Infinity);
  const names = opts.dns ? hostsToResolve(root, stop, opts.dialect !== 'pound-4') : [];
  const hosts = names.length ? await resolveHosts(names) : new Map();
  const built = toModel(opts.collectAll ? root : truncate(root, stop), {
    dialect: opts.dialect,
    hosts,
    dns: opts.dns,
    includeDir: opts.includeDir,
    file: opts.file,
  });
  problems.push(...built.problems);
  result.unsupported = built.unsupported;
  if (opts.collectAll) {
    for (const u of built.unsupported) {
      problems.push({
        severity: 'warning',
        code: 'not-run-yet',
        span: u.span,
        order: u.span.order,
        text: '',
        modern: CANNOT_RUN[u.what] ? `${u.what}: ${CANNOT_RUN[u.what]} (serving refuses this configuration)` : `${u.what}: checked, but penpound does not run it yet (serving refuses this configuration)`,
        modernOnly: true,
      });
    }
  }
  if (!problems.some((p) => p.severity === 'error')) result.config = built.config;
  return result;
}

function openMessage(dialect: ConfigDialect, file: string, shown: string, why: string): string {
  if (dialect === 'pound-2.4') return `can't open configuration file "${file}" (${why}) - aborted`;
  if (dialect === 'pound-2.8') return `can't open open ${file}`;
  return `can't stat ${shown}: ${why}`;
}

/** The statements read before `stop` (blocks cut there stay unclosed). */
function truncate(block: Block, stop: number): Block {
  if (stop === Infinity) return block;
  const body = [];
  for (const s of block.body) {
    if (s.span.order >= stop) return { kind: block.kind, body };
    body.push(s.block ? { ...s, block: truncate(s.block, stop) } : s);
  }
  const out: Block = { kind: block.kind, body };
  if (block.end && block.end.order < stop) out.end = block.end;
  return out;
}
