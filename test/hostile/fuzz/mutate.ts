// Mutations for the configuration fuzz: pound.cfg texts (lines, words, bytes, quotes,
// blocks, includes) and pen command lines (options, clusters, values, -o commands).
import type { Prng } from './prng.js';

/** Values that break parsers: quotes, escapes, control bytes, numbers at the edges, huge text. */
export const SPECIAL_TOKENS = [
  '"', '""', '"unterminated', '\\', '\\"', '#', '\t', '\r', '\0', '\x7f', '\xff\xfe', '{', '}', ';', '=',
  '-1', '0', '-0', '+5', '2147483647', '2147483648', '4294967296', '99999999999999999999', '1e309', '0x10', '1.5', 'NaN',
  '-', '*', '^(', '[[:alpha:', '(?i)x', '\\d+', 'a{99999}', '%s%s%n', 'x'.repeat(5000), '"' + 'y'.repeat(5000) + '"',
  '127.0.0.1', '::1', '[::1]', '/dev/null', '/nonexistent/file', 'End', 'Service', 'BackEnd', 'ListenHTTP', '"SELF"',
];

/** Words taken from a corpus (keywords, values), to build plausible but wrong files. */
export function vocabulary(texts: string[]): string[] {
  const words = new Set<string>();
  for (const t of texts) for (const w of t.split(/[\s"]+/)) if (w && w.length < 40) words.add(w);
  return [...words];
}

function token(rng: Prng, vocab: string[]): string {
  return rng.chance(0.6) ? rng.pick(vocab) : rng.pick(SPECIAL_TOKENS);
}

/** One to four random edits of a configuration text; `SELF` in the result names the file itself. */
export function mutateText(rng: Prng, text: string, vocab: string[], others: string[]): string {
  let lines = text.split('\n');
  // Half the cases get one edit (most still parse far enough to reach the later checks).
  const edits = rng.chance(0.5) ? 1 : 1 + rng.int(4);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(Math.max(1, lines.length));
    const line = lines[at] ?? '';
    switch (rng.int(13)) {
      case 0: lines.splice(at, 1); break;
      case 1: lines.splice(rng.int(lines.length + 1), 0, line); break;
      case 2: { const b = rng.int(lines.length); [lines[at], lines[b]] = [lines[b] ?? '', line]; break; }
      case 3: { const all = lines.join('\n'); lines = all.slice(0, rng.int(all.length + 1)).split('\n'); break; }
      case 4: { // insert a token between words or at a random character
        const i = rng.chance(0.5) ? rng.int(line.length + 1) : line.lastIndexOf(' ') + 1;
        lines[at] = line.slice(0, i) + ' ' + token(rng, vocab) + ' ' + line.slice(i);
        break;
      }
      case 5: { // replace a word
        const words = line.split(/(\s+)/);
        const w = rng.int(words.length);
        words[w] = token(rng, vocab);
        lines[at] = words.join('');
        break;
      }
      case 6: { const i = rng.int(line.length + 1); lines[at] = line.slice(0, i) + line.slice(i + 1 + rng.int(8)); break; }
      case 7: lines.splice(at, 0, rng.pick(rng.pick(others).split('\n'))); break;
      case 8: lines[at] = rng.chance(0.5) ? line.toUpperCase() : line.toLowerCase(); break;
      case 9: { const i = rng.int(line.length + 1); lines.splice(at, 1, line.slice(0, i), line.slice(i)); break; }
      case 10: if (at + 1 < lines.length) lines.splice(at, 2, line + lines[at + 1]); break;
      case 11: lines.splice(at, 0, rng.pick(['Include "SELF"', 'Service', 'BackEnd', 'End', 'ListenHTTP', 'Session', 'Match OR', 'Emergency', '\tEnd\nEnd\nEnd'])); break;
      default: { // a random byte somewhere
        const all = lines.join('\n');
        const i = rng.int(all.length + 1);
        lines = (all.slice(0, i) + String.fromCharCode(rng.int(256)) + all.slice(i)).split('\n');
      }
    }
  }
  return lines.join('\n');
}

/** pen's options (0.34.1's getopt string) and some that are not. */
const PEN_OPTIONS = 'BCFOSTbceijlmopqtuwxDHNPQWXUadfhnrsEKGAZRL'.split('').map((c) => `-${c}`).concat(['-z', '-', '--', '--help', '--dump-config', '-fz', '-t0', '-x600', '-rH', '-Cx']);
/** pen commands for -o/-O values. */
const PEN_COMMANDS = ['server', 'server 1 port', 'server 2 max', 'server 3 weight', 'blacklist', 'timeout', 'tracking', 'debug', 'client_acl', 'control_acl', 'clients_max', 'conn_max',
  'idle_timeout', 'idlers', 'tarpit_acl', 'pending_max', 'tcp_fastclose', 'mode', 'hash', 'no hash', 'roundrobin', 'weight',
  'prio', 'http', 'acl 1 permit', 'acl 3 deny', 'no acl', 'log', 'no log', 'web_stats', 'listen', 'control', 'exit', 'kqueue',
  'select', 'source', 'ssl_option', 'ssl_ciphers', 'dsr_if', 'bogus', '#', 'no', 'include', 'write', 'status', 'recent'];

/** One to four random edits of a pen command line. */
export function mutateArgv(rng: Prng, argv: string[], vocab: string[]): string[] {
  const out = [...argv];
  const edits = rng.chance(0.5) ? 1 : 1 + rng.int(4);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(out.length + 1);
    switch (rng.int(8)) {
      case 0: out.splice(at, 1); break;
      case 1: if (out.length) out.splice(at, 0, out[rng.int(out.length)]!); break;
      case 2: { const b = rng.int(out.length); if (out[at] !== undefined && out[b] !== undefined) [out[at], out[b]] = [out[b]!, out[at]!]; break; }
      case 3: out.splice(at, 0, rng.pick(PEN_OPTIONS)); break;
      case 4: out[Math.min(at, Math.max(0, out.length - 1))] = rng.chance(0.5) ? rng.pick(SPECIAL_TOKENS) : rng.pick(vocab); break;
      case 5: { // edit characters inside one argument
        const i = rng.int(Math.max(1, out.length));
        const a = out[i] ?? '';
        const j = rng.int(a.length + 1);
        out[i] = a.slice(0, j) + (rng.chance(0.5) ? String.fromCharCode(32 + rng.int(95)) : '') + a.slice(j + rng.int(2));
        break;
      }
      case 6: out.splice(at, 0, rng.pick(['-o', '-O']), `${rng.pick(PEN_COMMANDS)} ${rng.pick(SPECIAL_TOKENS)}`.trim()); break;
      default: out.splice(at, 0, rng.pick(['127.0.0.1:8080', '8080', '[::1]:8080', '127.0.0.1:80:1:2:3:4', '/tmp/pen.sock', 'localhost:99999', ':']));
    }
  }
  // A real argv cannot hold a NUL byte.
  return out.map((a) => a.split('\0').join(''));
}
