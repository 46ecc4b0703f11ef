// poundctl as pound 4 has it: `poundctl [-s SOCKET] [-f pound.cfg] [-j [-i N]] COMMAND
// [/L/S/B] [KEY]` with list, core, enable|on, disable|off, add, delete|del. The socket
// comes from -s, else ~/.poundctl's URL, else the Control statement of pound.cfg.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { DEFAULT_CONFIG } from '../cli/options.js';
import { PENPOUND_VERSION } from '../cli/version.js';
import { controlRequest } from './client.js';
import { indentedJson, type Json } from './json.js';
import type { Io } from './legacy-cli.js';
import { renderModern } from './modern-render.js';

const WITH_ARGUMENT = new Set(['C', 'f', 'i', 'K', 'S', 's', 'T', 't']);
const FLAGS = new Set(['j', 'k', 'h', 'V', 'v']);

interface ModernArgs {
  socket?: string;
  configFile: string;
  json: boolean;
  indent: number;
  help: boolean;
  version: boolean;
  words: string[];
}

type Parsed = { ok: true; args: ModernArgs } | { ok: false; message: string };

/** getopt with GNU permutation: options may follow the command words; "--" ends them. */
export function parseModernArgs(argv: readonly string[], argv0: string): Parsed {
  const a: ModernArgs = { configFile: DEFAULT_CONFIG, json: false, indent: 0, help: false, version: false, words: [] };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      a.words.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('-') || word === '-') {
      a.words.push(word);
      continue;
    }
    for (let j = 1; j < word.length; j++) {
      const letter = word[j]!;
      if (FLAGS.has(letter)) {
        if (letter === 'j') a.json = true;
        if (letter === 'h') a.help = true;
        if (letter === 'V') a.version = true;
        continue;
      }
      if (!WITH_ARGUMENT.has(letter)) return { ok: false, message: `${argv0}: invalid option -- '${letter}'` };
      let value: string;
      if (j + 1 < word.length) value = word.slice(j + 1);
      else if (i + 1 < argv.length) value = argv[++i]!;
      else return { ok: false, message: `${argv0}: option requires an argument -- '${letter}'` };
      if (letter === 's') a.socket = value;
      if (letter === 'f') a.configFile = value;
      if (letter === 'i') a.indent = Math.max(0, parseInt(value, 10) || 0);
      // -C/-K/-k (TLS to remote servers), -S (servers of ~/.poundctl), -T/-t (templates):
      // accepted and ignored (COMPAT.md).
      break;
    }
  }
  return { ok: true, args: a };
}

export function modernUsage(prog: string): string {
  return `usage: ${prog} [OPTIONS] COMMAND [/L/S/B] [ARG]
where L, S, and B stand for the numbers (or names) of listener, service and
backend.  A dash in place of L stands for the global services.

COMMANDs are:
   core              show core status
   list [/L/S/B]     list pound status; without argument, everything
   enable /L/S/B     enable listener, service, or backend (also: on)
   disable /L/S/B    disable listener, service, or backend (also: off)
   delete /L/S KEY   delete the session with the given key (also: del)
   add /L/S/B KEY    add a session with the given key

OPTIONS:
   -f FILE           location of pound configuration file
   -i N              indentation level for JSON output
   -j                JSON output format
   -s SOCKET         control socket pathname or http:// URL
   -V                print program version and exit
   -h                show this help output and exit
`;
}

export async function runModern(argv: readonly string[], argv0: string, prog: string, io: Io): Promise<number> {
  const p = parseModernArgs(argv, argv0);
  if (!p.ok) {
    io.err(`${p.message}\n`);
    return 1;
  }
  const a = p.args;
  if (a.help) {
    io.out(modernUsage(prog));
    return 0;
  }
  if (a.version) {
    io.out(`poundctl (penpound ${PENPOUND_VERSION}) 4.23\n`);
    return 0;
  }
  const fail = (m: string): number => {
    io.err(`${prog}: ${m}\n`);
    return 1;
  };
  const [verb = 'list', object, arg, ...extra] = a.words;
  let method = 'GET';
  let path: string;
  const ids = object === undefined ? [] : object.replace(/^\//, '').split('/').filter((x, i, all) => x !== '' || i < all.length - 1);
  const obj = ids.join('/');
  switch (verb) {
    case 'list':
      if (arg !== undefined) return fail('too many arguments');
      path = ids.length === 0 ? '/listener/' : `/listener/${obj}`;
      break;
    case 'core':
      if (object !== undefined) return fail('too many arguments');
      path = '/core/';
      break;
    case 'enable':
    case 'on':
    case 'disable':
    case 'off':
      if (ids.length === 0) return fail('required argument missing');
      if (arg !== undefined) return fail('too many arguments');
      method = verb === 'enable' || verb === 'on' ? 'PUT' : 'DELETE';
      path = `/listener/${obj}`;
      break;
    case 'add':
    case 'delete':
    case 'del':
      if (ids.length === 0 || arg === undefined) return fail('required argument missing');
      if (extra.length > 0) return fail('too many arguments');
      if (verb !== 'add' && ids.length > 2) return fail('bad uri: spurious backend specification');
      method = verb === 'add' ? 'PUT' : 'DELETE';
      path = `/session/${obj}?key=${encodeURIComponent(arg)}`;
      break;
    default:
      io.err(modernUsage(prog));
      return 1;
  }
  if (extra.length > 0) return fail('too many arguments');

  const socket = a.socket ?? poundctlConfUrl() ?? controlSocketOf(a.configFile);
  if (socket === undefined) return fail("can't determine control socket name; use the -s option");
  const r = await controlRequest(socket, method, path);
  if (!r.ok) return fail(r.error);
  if (r.response.status !== 200) return fail(r.response.reason);
  let value: Json;
  try {
    value = JSON.parse(r.response.body) as Json;
  } catch {
    return fail('malformed answer from the control socket');
  }
  if (a.json) io.out(indentedJson(value, a.indent));
  else if (value !== true) io.out(renderModern(value));
  return 0;
}

/** `URL "..."` of ~/.poundctl ($POUNDCTL_CONF names another file; empty disables it). */
function poundctlConfUrl(): string | undefined {
  const env = process.env.POUNDCTL_CONF;
  if (env === '') return undefined;
  const file = env === undefined ? join(homedir(), '.poundctl') : isAbsolute(env) ? env : join(homedir(), env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // Only top-level statements: a Server section is chosen with -S, which we do not offer.
  let depth = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (/^Server\s/i.test(line)) depth++;
    else if (/^End$/i.test(line)) depth = Math.max(0, depth - 1);
    const m = /^URL\s+"([^"]*)"|^URL\s+(\S+)/i.exec(line);
    if (m && depth === 0) return m[1] ?? m[2];
  }
  return undefined;
}

/** The socket named by pound.cfg's `Control "path"` or `Control ... Socket "path" ... End`. */
export function controlSocketOf(configFile: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(configFile, 'latin1');
  } catch {
    return undefined;
  }
  let inControl = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (inControl) {
      const s = /^Socket\s+"((?:[^"\\]|\\.)*)"/i.exec(line);
      if (s) return s[1]!.replace(/\\(.)/g, '$1');
      if (/^End\b/i.test(line)) inControl = false;
      continue;
    }
    const c = /^Control\s+"((?:[^"\\]|\\.)*)"/i.exec(line);
    if (c) return c[1]!.replace(/\\(.)/g, '$1');
    if (/^Control\s*(#.*)?$/i.test(line)) inControl = true;
  }
  return undefined;
}
