// poundctl as pound 2.x had it: `poundctl -c /control/socket [-X] [-H] [cmd]`, one command
// of -L/-l n, -S/-s n m, -B/-b n m r, -N n m k r, -n n m k; no command lists. Indices are
// 0-based and -1 names the global services. Commands print nothing when they work.
import { lookupService } from 'node:dns/promises';
import { controlRequest } from './client.js';
import { legacyText, legacyXml, listedAddresses, type ListingJson } from './legacy-render.js';

export interface Io {
  out(s: string): void;
  err(s: string): void;
}

/** Operand count of each command letter. */
const COMMANDS: Record<string, number> = { L: 1, l: 1, S: 2, s: 2, B: 3, b: 3, N: 4, n: 3 };

interface LegacyArgs {
  socket: string;
  command?: { letter: string; operands: string[] };
  xml: boolean;
  hostNames: boolean;
}

export function legacyUsage(prog: string): string {
  return `Usage: ${prog} -c /control/socket [-X] [-H] [cmd]
  without cmd, lists listeners, services, back-ends and sessions; cmd is one of:
    -L n        enable listener n
    -l n        disable listener n
    -S n m      enable service m of listener n (n = -1: the global services)
    -s n m      disable service m of listener n
    -B n m r    enable back-end r of service m of listener n
    -b n m r    disable back-end r of service m of listener n
    -N n m k r  add a session with key k going to back-end r
    -n n m k    remove the session with key k
  -X  XML output
  -H  show host names instead of addresses
`;
}

export function parseLegacyArgs(args: readonly string[]): LegacyArgs | undefined {
  let socket: string | undefined;
  let command: LegacyArgs['command'];
  let xml = false;
  let hostNames = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (!word.startsWith('-') || word.length < 2) return undefined;
    for (let j = 1; j < word.length; j++) {
      const letter = word[j]!;
      if (letter === 'X') xml = true;
      else if (letter === 'H') hostNames = true;
      else if (letter === 'c') {
        socket = j + 1 < word.length ? word.slice(j + 1) : args[++i];
        if (socket === undefined) return undefined;
        break;
      } else if (letter in COMMANDS) {
        // The operands follow the option; -1 is an operand here, not an option.
        const n = COMMANDS[letter]!;
        if (command || j + 1 < word.length || i + n >= args.length) return undefined;
        command = { letter, operands: args.slice(i + 1, i + 1 + n) };
        i += n;
        break;
      } else return undefined;
    }
  }
  if (socket === undefined) return undefined;
  return { socket, command, xml, hostNames };
}

/** True for a 2.x command line: an option cluster holding one of 2.x's own letters. */
export function isLegacyCommandLine(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return false;
    if (!a.startsWith('-') || a.length < 2 || /^-\d+$/.test(a)) continue;
    // pound 4 options that take a value: skip the value.
    if (/^-[CfiKSsTt]$/.test(a) && !/[cLlBbNnXH]/.test(a)) {
      i++;
      continue;
    }
    if (/[cLlBbNnXH]/.test(a.slice(1))) return true;
  }
  return false;
}

/** C's atoi: leading digits, 0 when there are none. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? parseInt(m[1]!, 10) : 0;
}

const scope = (n: string): string => (atoi(n) === -1 ? '-' : String(atoi(n)));

/** The API request a command makes. */
function requestOf(c: NonNullable<LegacyArgs['command']>): { method: string; path: string } {
  const o = c.operands;
  const method = c.letter === c.letter.toUpperCase() ? 'PUT' : 'DELETE';
  switch (c.letter) {
    case 'L':
    case 'l':
      return { method, path: `/listener/${atoi(o[0]!)}` };
    case 'S':
    case 's':
      return { method, path: `/listener/${scope(o[0]!)}/${atoi(o[1]!)}` };
    case 'B':
    case 'b':
      return { method, path: `/listener/${scope(o[0]!)}/${atoi(o[1]!)}/${atoi(o[2]!)}` };
    case 'N':
      return { method, path: `/session/${scope(o[0]!)}/${atoi(o[1]!)}/${atoi(o[3]!)}?key=${encodeURIComponent(o[2]!)}` };
    default:
      return { method, path: `/session/${scope(o[0]!)}/${atoi(o[1]!)}?key=${encodeURIComponent(o[2]!)}` };
  }
}

export async function runLegacy(args: readonly string[], prog: string, io: Io): Promise<number> {
  const a = parseLegacyArgs(args);
  if (!a) {
    io.err(legacyUsage(prog));
    return 1;
  }
  const req = a.command ? requestOf(a.command) : { method: 'GET', path: '/listener/' };
  const r = await controlRequest(a.socket, req.method, req.path);
  if (!r.ok) {
    io.err(`${r.error}\n`);
    return 1;
  }
  const res = r.response;
  if (a.command) {
    // 2.x's daemon only logged bad indices; poundctl still succeeded. We say so on stderr.
    if (res.status !== 200) io.err(`${prog}: -${a.command.letter} ${a.command.operands.join(' ')}: ${res.reason}\n`);
    return 0;
  }
  if (res.status !== 200) {
    io.err(`${prog}: ${res.reason}\n`);
    return 1;
  }
  let listing: ListingJson;
  try {
    listing = JSON.parse(res.body) as ListingJson;
  } catch {
    io.err(`${prog}: malformed answer from the control socket\n`);
    return 1;
  }
  const names = a.hostNames ? await hostNames(listedAddresses(listing)) : undefined;
  const options = { queueLine: res.headers.get('x-penpound-dialect') !== 'pound-2.4', names };
  io.out(a.xml ? legacyXml(listing, options) : legacyText(listing, options));
  return 0;
}

/** -H: `ip:port` → `name:port` through the system resolver (hosts file, then DNS). */
async function hostNames(addresses: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  await Promise.all(
    addresses.map(async (a) => {
      const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(a);
      if (!m) return;
      try {
        const { hostname } = await lookupService(m[1]!, Number(m[2]));
        names.set(a, `${hostname}:${m[2]}`);
      } catch {
        /* keep the address */
      }
    }),
  );
  return names;
}
