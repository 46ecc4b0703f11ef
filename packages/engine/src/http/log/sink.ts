// Where pound's messages go (spec §6.1): `LogFacility -` → request lines (INFO) on stdout,
// everything else on stderr; otherwise syslog. Node has no AF_UNIX datagram sockets, so
// syslog goes through one long-lived util-linux `logger --prio-prefix` child fed over a
// pipe (see docs/design-notes.md). Terminal output uses pino's SonicBoom so a slow reader
// of our stdout never blocks the event loop (Linux pipes are synchronous for process.stdout).
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Diagnostic, Dialect, LoggingConfig } from '../../model/types.js';

export type Priority = 'err' | 'warning' | 'notice' | 'info' | 'debug';

const SEVERITY: Record<Priority, number> = { err: 3, warning: 4, notice: 5, info: 6, debug: 7 };

const FACILITY: Record<string, number> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9,
  authpriv: 10, ftp: 11, security: 4, mark: 3,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

/** Messages are cut at 4096 bytes, as pound's fixed buffer did. */
const MAX_MESSAGE = 4096;

interface Destination {
  write(s: string): unknown;
  flushSync?(): void;
  end?(): void;
}

export interface LogSink {
  /** One message with its syslog priority. */
  write(priority: Priority, message: string): void;
  /** A Diagnostic from the engine (priority from the diagnostic, else from its severity). */
  diagnostic(d: Diagnostic): void;
  /** Flush and release (stop). */
  close(): void;
}

export interface SinkOptions {
  dialect: Dialect;
  logging: LoggingConfig;
  /** Syslog socket path (default /dev/log; env PENPOUND_SYSLOG_SOCKET overrides, for tests). */
  syslogSocket?: string;
}

// pino is loaded on the first terminal line only (synchronously, it is CommonJS): loading
// it costs ~10 ms of start-up, and pound logging to syslog never needs it.
let pino: typeof import('pino').default | undefined;

function terminal(fd: 1 | 2): Destination {
  pino ??= createRequire(import.meta.url)('pino') as typeof import('pino').default;
  const d = pino.destination({ dest: fd, sync: false });
  // A closed stdout (EPIPE) must not take the proxy down: the lines are lost, not the service.
  d.on('error', () => {});
  // Lines still queued when the process exits (after close() or not) are written then.
  process.once('exit', () => {
    try {
      d.flushSync();
    } catch {
      /* ended and written already, or the reader went away */
    }
  });
  return d as unknown as Destination;
}

function priorityOf(d: Diagnostic): Priority {
  if (d.priority) return d.priority;
  return d.severity === 'error' ? 'err' : d.severity === 'warning' ? 'warning' : 'notice';
}

/** Open the sink for a configuration. */
export function openLogSink(opts: SinkOptions): LogSink {
  const modern = opts.dialect === 'pound-4';
  const prefix = modern ? 'pound: ' : '';
  const clip = (m: string): string => (m.length > MAX_MESSAGE ? m.slice(0, MAX_MESSAGE) : m);
  const toSyslog =
    opts.logging.requestLog?.kind === 'syslog' ||
    (opts.logging.requestLog === undefined && opts.logging.diagnostics.target === 'syslog');

  if (!toSyslog) {
    let out: Destination | undefined;
    let err: Destination | undefined;
    return {
      write(priority, message) {
        if (priority === 'info' || priority === 'debug') (out ??= terminal(1)).write(prefix + clip(message) + '\n');
        else (err ??= terminal(2)).write(prefix + clip(message) + '\n');
      },
      diagnostic(d) { this.write(priorityOf(d), d.message); },
      close() {
        // end(), not flushSync(): a write may still be under way, and flushSync would put
        // the lines queued behind it ahead of it (the last two lines at exit came swapped).
        for (const d of [out, err]) {
          try { d?.end?.(); } catch { /* the reader went away */ }
        }
        out = undefined;
        err = undefined;
      },
    };
  }

  const facilityName =
    (opts.logging.requestLog?.kind === 'syslog' ? opts.logging.requestLog.facility : undefined) ??
    opts.logging.diagnostics.facility ??
    'daemon';
  const facility = FACILITY[facilityName] ?? 3;
  const socket = process.env.PENPOUND_SYSLOG_SOCKET ?? opts.syslogSocket ?? '/dev/log';
  let child: ChildProcess | undefined;
  let broken = false;
  const start = (): ChildProcess | undefined => {
    if (broken) return undefined;
    const args = ['--prio-prefix', '-t', 'pound', '-u', socket];
    if (modern) args.push(`--id=${process.pid}`);
    try {
      const c = spawn('logger', args, { stdio: ['pipe', 'ignore', 'inherit'] });
      c.on('error', () => { broken = true; child = undefined; });
      c.on('exit', () => { child = undefined; });
      c.stdin!.on('error', () => { /* logger died: next message restarts it */ });
      return c;
    } catch {
      broken = true;
      return undefined;
    }
  };
  return {
    write(priority, message) {
      child ??= start();
      // One line per message: embedded newlines would split it into several.
      child?.stdin?.write(`<${facility * 8 + SEVERITY[priority]}>${clip(message).replace(/\n/g, ' ')}\n`);
    },
    diagnostic(d) { this.write(priorityOf(d), d.message); },
    close() {
      child?.stdin?.end();
      child = undefined;
    },
  };
}
