// pen's command line, processed strictly left to right as pen does: -o/-O commands run the
// moment they are met (their replies go to stdout), -c/-x grow tables at once, and the
// obsolete options print their notices in place. Positionals (LISTEN SERVER...) are only
// collected here; run.ts turns them into the model at start-up.
import { atoi } from './atoi.js';
import { growClientTable, growConnectionTable, setConnectTimeout } from './commands/settings.js';
import { runCommand } from './commands/index.js';
import { setRequestLog } from './commands/files.js';
import { getopt } from './getopt.js';
import { penListener, penService, type PenState } from './state.js';

/** glibc's getopt string of pen 0.34.1 (the last seven letters are the TLS options). */
export const PEN_OPTSTRING = 'B:C:F:O:S:T:b:c:e:i:j:l:m:o:p:q:t:u:w:x:DHNPQWXUadfhnrsE:K:G:A:ZRL:';

/** Our own extensions: exact long options only, so `--help` keeps pen's behaviour. */
export const LONG_OPTIONS = ['--dump-config'] as const;

export interface Positional {
  value: string;
  /** Index in argv, the "line" of the model's source locations. */
  index: number;
}

export type ArgsOutcome =
  | { kind: 'run'; positionals: Positional[]; dumpConfig: boolean; emergency?: Positional; abuse?: Positional }
  /** Print the usage text on stdout and exit 0 (pen's answer to any getopt error). */
  | { kind: 'usage' }
  | { kind: 'exit'; code: number };

export interface ArgsIo {
  argv0: string;
  posixlyCorrect: boolean;
  /** Plain stderr text (glibc's messages, the obsolete notices): no timestamp. */
  stderr(text: string): void;
}

const OBSOLETE: Record<string, string> = {
  D: 'Pen 0.26.0 removed the delayed forward feature,\nmaking the -D option obsolete\n',
  Q: 'Since Pen 0.26.0, kqueue is already the default on supported systems,\nmaking the -Q option obsolete\n',
  S: 'As of 0.28.1 the server table is expanded dynamically,\nmaking the -S option obsolete\n',
  n: 'Pen 0.26.0 and up uses only nonblocking sockets,\nmaking the -n option obsolete\n',
};

const TLS_PROTOCOLS = new Set(['ssl23', 'ssl2', 'ssl3', 'tls1']);

export async function processArgs(state: PenState, args: readonly string[], io: ArgsIo): Promise<ArgsOutcome> {
  const parsed = getopt(args, PEN_OPTSTRING, { argv0: io.argv0, posixlyCorrect: io.posixlyCorrect, longOptions: LONG_OPTIONS });
  const { settings, config } = state;
  const listener = penListener(state);
  const balance = penService(state).balance;
  const tcp = listener.tcp!;
  let dumpConfig = false;
  let emergency: Positional | undefined;
  let abuse: Positional | undefined;

  for (const event of parsed.events) {
    if (event.kind === 'error') {
      io.stderr(`${event.message}\n`);
      return { kind: 'usage' };
    }
    if (event.kind === 'long') {
      if (event.name === '--dump-config') dumpConfig = true;
      continue;
    }
    const arg = event.argument ?? '';
    switch (event.letter) {
      case 'B': abuse = { value: arg, index: event.index }; settings.abuseSpec = arg; break;
      case 'C': settings.controlSpec = arg; break;
      case 'D': case 'Q': case 'S': case 'n': io.stderr(OBSOLETE[event.letter]!); break;
      case 'E': settings.tls.certFile = arg; break;
      case 'K': settings.tls.keyFile = arg; break;
      case 'G': settings.tls.caFile = arg; break;
      case 'A': settings.tls.caDir = arg; break;
      case 'Z': settings.tls.compatibility = true; break;
      case 'R': settings.tls.requireClientCert = true; break;
      case 'L':
        if (!TLS_PROTOCOLS.has(arg)) {
          io.stderr(`protocol version ${arg} not known\n`);
          return { kind: 'exit', code: 1 };
        }
        settings.tls.protocol = arg;
        break;
      case 'F': settings.configFile = arg; break;
      case 'H': tcp.forwardedFor = true; break;
      // In the option string and the usage text, but never implemented: usage, no message.
      case 'N': return { kind: 'usage' };
      case 'O': case 'o': await runCommand(state, arg, (reply) => state.host.stdout(reply)); break;
      case 'P': settings.eventBackend = 'poll'; break;
      case 'T': balance.trackingSeconds = atoi(arg); break;
      case 'U': settings.udp = true; listener.protocol = 'udp'; break;
      case 'W': balance.weight = true; break;
      case 'X': settings.allowExit = true; break;
      case 'a': settings.ascii = true; break;
      case 'b': balance.blacklistSeconds = atoi(arg); break;
      case 'c': growClientTable(state, atoi(arg)); break;
      case 'd': config.logging.diagnostics.debugLevel++; break;
      case 'e': emergency = { value: arg, index: event.index }; settings.emergencySpec = arg; break;
      case 'f': config.process.foreground = true; break;
      case 'h': balance.hash = true; break;
      case 'i': io.stderr('Windows only\n'); return { kind: 'exit', code: 0 };
      case 'j': config.process.chroot = arg; break;
      case 'l': setRequestLog(state, arg); break;
      case 'm': {
        let n = atoi(arg);
        if (n < 1) { io.stderr('multi_accept bumped to 1\n'); n = 1; }
        listener.limits.multiAccept = n;
        break;
      }
      case 'p': config.process.pidFile = arg; break;
      case 'q': {
        let n = atoi(arg);
        if (n < 50) { io.stderr('listen_queue bumped to 50\n'); n = 50; }
        listener.backlog = n;
        break;
      }
      case 'r': balance.clientTracking = false; break;
      case 's': balance.stubborn = true; break;
      case 't': {
        const n = atoi(arg);
        // pen prints the usage, without a word of explanation, for a timeout below 1.
        if (n < 1) return { kind: 'usage' };
        setConnectTimeout(state, n);
        break;
      }
      case 'u': config.process.user = arg; break;
      case 'w': settings.webStatsFile = arg; break;
      case 'x': growConnectionTable(state, atoi(arg)); break;
      default: break;
    }
  }
  return { kind: 'run', positionals: parsed.positionals, dumpConfig, ...(emergency && { emergency }), ...(abuse && { abuse }) };
}
