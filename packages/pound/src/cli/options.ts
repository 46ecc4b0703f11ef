// pound's command line: getopt-style short options (pound 2.x's `f:cvVp:`, 4.x's
// `ceFf:hp:VvW:`), plus our extensions as -W features and long options only.
import type { ConfigDialect } from '../cfg/problems.js';

export const DEFAULT_CONFIG = '/etc/pound/pound.cfg';
export const DEFAULT_PID_FILE = '/var/run/pound.pid';
/** 4.x resolves relative Include/Err/Cert names here unless -W include-dir says otherwise. */
export const DEFAULT_INCLUDE_DIR = '/etc/pound';

export interface PoundOptions {
  dialect: ConfigDialect;
  configFile: string;
  pidFile?: string;
  check: boolean;
  verbose: boolean;
  version: boolean;
  help: boolean;
  foreground: boolean;
  logToTerminal: boolean;
  dns: boolean;
  modernDiagnostics: boolean;
  includeDir: string | undefined;
  warnDeprecated: boolean;
  dumpConfig: boolean;
  /** -W reload-on=SIG (our extension): this signal re-reads the configuration without dropping requests. */
  reloadOn?: 'SIGHUP' | 'SIGUSR1' | 'SIGUSR2';
}

export type OptionsResult =
  | { ok: true; options: PoundOptions }
  /** `legacy` is 2.x's message, `modern` the getopt-style one 4.x prints. */
  | { ok: false; dialect: ConfigDialect; legacy: string; modern: string };

const WITH_ARGUMENT = new Set(['f', 'p', 'W']);
const FLAGS = new Set(['c', 'e', 'F', 'h', 'V', 'v']);
const LONG = new Set(['--dump-config', '--help', '--version']);

const COMPAT: Record<string, ConfigDialect> = {
  '2.4': 'pound-2.4',
  '2': 'pound-2.4',
  '2.8': 'pound-2.8',
  '2.5': 'pound-2.8',
  '2.6': 'pound-2.8',
  '2.7': 'pound-2.8',
  '4': 'pound-4',
};

/** The dialect asked for anywhere on the command line (needed before anything is printed). */
export function dialectOf(args: readonly string[]): ConfigDialect {
  let d: ConfigDialect = 'pound-2.4';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const w = a === '-W' ? args[i + 1] : a.startsWith('-W') ? a.slice(2) : undefined;
    const m = w !== undefined ? /^compat=(.*)$/.exec(w) : null;
    if (m && COMPAT[m[1]!]) d = COMPAT[m[1]!]!;
  }
  return d;
}

export function parseOptions(args: readonly string[], argv0: string): OptionsResult {
  const dialect = dialectOf(args);
  const o: PoundOptions = {
    dialect,
    configFile: DEFAULT_CONFIG,
    check: false,
    verbose: false,
    version: false,
    help: false,
    foreground: false,
    logToTerminal: false,
    dns: true,
    modernDiagnostics: false,
    includeDir: DEFAULT_INCLUDE_DIR,
    warnDeprecated: true,
    dumpConfig: false,
  };
  const fail = (letter: string, modern: string): OptionsResult => ({ ok: false, dialect, legacy: `bad flag -${letter}`, modern: `${argv0}: ${modern}` });
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (LONG.has(word)) {
      if (word === '--dump-config') o.dumpConfig = true;
      if (word === '--help') o.help = true;
      if (word === '--version') o.version = true;
      continue;
    }
    if (!word.startsWith('-') || word === '-') {
      operands.push(word);
      continue;
    }
    for (let j = 1; j < word.length; j++) {
      const letter = word[j]!;
      if (FLAGS.has(letter)) {
        if (letter === 'c') o.check = true;
        if (letter === 'e') o.logToTerminal = o.foreground = true;
        if (letter === 'F') o.foreground = true;
        if (letter === 'h') o.help = true;
        if (letter === 'V') o.version = true;
        if (letter === 'v') o.verbose = true;
        continue;
      }
      if (!WITH_ARGUMENT.has(letter)) return fail(letter, `invalid option -- '${letter}'`);
      let value: string;
      if (j + 1 < word.length) value = word.slice(j + 1);
      else if (i + 1 < args.length) value = args[++i]!;
      else return fail(letter, `option requires an argument -- '${letter}'`);
      if (letter === 'f') o.configFile = value;
      if (letter === 'p') o.pidFile = value;
      if (letter === 'W') {
        const err = feature(o, value);
        if (err) return { ok: false, dialect, legacy: err, modern: `${argv0}: ${err}` };
      }
      break;
    }
  }
  if (operands.length > 0) {
    const msg = `unknown extra arguments (${operands[0]}...)`;
    return { ok: false, dialect, legacy: msg, modern: `${argv0}: ${msg}` };
  }
  return { ok: true, options: o };
}

/** One -W feature; returns an error text for an unknown one. */
function feature(o: PoundOptions, spec: string): string | undefined {
  const [name, value] = spec.includes('=') ? [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)] : [spec, undefined];
  switch (name) {
    case 'compat':
      if (value === undefined || !COMPAT[value]) return `invalid compat value: ${value ?? ''} (use 2.4, 2.8 or 4)`;
      return undefined;
    case 'dns':
    case 'no-dns':
      o.dns = name === 'dns';
      return undefined;
    case 'diag':
      if (value !== 'modern' && value !== 'original') return `invalid diag value: ${value ?? ''} (use modern or original)`;
      o.modernDiagnostics = value === 'modern';
      return undefined;
    case 'include-dir':
      o.includeDir = value;
      return undefined;
    case 'no-include-dir':
      o.includeDir = undefined;
      return undefined;
    case 'warn-deprecated':
    case 'no-warn-deprecated':
      o.warnDeprecated = name === 'warn-deprecated';
      return undefined;
    case 'reload-on': {
      const sig = `SIG${(value ?? '').toUpperCase().replace(/^SIG/, '')}`;
      if (sig !== 'SIGHUP' && sig !== 'SIGUSR1' && sig !== 'SIGUSR2') return `invalid reload-on value: ${value ?? ''} (use USR2, USR1 or HUP)`;
      o.reloadOn = sig;
      return undefined;
    }
    case 'close-extra-fds':
    case 'no-close-extra-fds':
      return undefined; // Node opens no stray descriptors to close
    default:
      return `invalid feature name: ${spec}`;
  }
}

export function usage(argv0: string): string {
  return `Usage: ${argv0} [-cehFvV] [-f CONFIG] [-p PIDFILE] [-W [no-]FEATURE] [--dump-config]
HTTP/HTTPS reverse proxy and load balancer (penpound).

  -c            check the configuration file and exit
  -e            log to the terminal (implies -F)
  -F            stay in the foreground
  -f FILE       configuration file (default ${DEFAULT_CONFIG})
  -h, --help    show this help and exit
  -p FILE       pid file (default ${DEFAULT_PID_FILE})
  -V            print the version and exit
  -v            verbose start-up
  -W FEATURE    compat=2.4|2.8|4   which pound to imitate (default 2.4)
                diag=modern        every problem, with file:line:col and the source line
                no-dns             do not resolve host names while checking
                include-dir=DIR, no-include-dir, no-warn-deprecated (pound 4)
                reload-on=USR2     this signal re-reads the configuration and replaces
                                   the worker without dropping a request (USR1, HUP too)
  --dump-config print the configuration as JSON (the common model) and exit
`;
}
