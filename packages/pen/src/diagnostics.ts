// Where pen's messages go. Debug messages: `YYYY-MM-DD HH:MM:SS: text` on stderr in the
// foreground, syslog (user.debug, ident "pen") in the background. Fatal messages: the bare
// text on stderr, then exit 1 (abort() with abort_on_error).
import { spawn, type ChildProcess } from 'node:child_process';
import { localTimestamp } from './clock.js';

export type DiagnosticsTarget = 'stderr' | 'syslog' | 'discard';

export interface Diagnostics {
  target: DiagnosticsTarget;
  debugLevel(): number;
  debug(text: string, level?: number): void;
  /** Plain stderr text (getopt messages, notices, fatal texts). */
  stderr(text: string): void;
}

export function createDiagnostics(target: DiagnosticsTarget, debugLevel: () => number): Diagnostics {
  const syslog = target === 'syslog' ? createSyslogWriter() : undefined;
  return {
    target,
    debugLevel,
    debug(text, level = 0) {
      if (level > debugLevel()) return;
      if (target === 'stderr') process.stderr.write(`${localTimestamp()}: ${text}\n`);
      else syslog?.write(15, text);
    },
    stderr(text) {
      if (target === 'stderr') process.stderr.write(text);
      else syslog?.write(11, text.replace(/\n$/, ''));
    },
  };
}

/**
 * Node has no AF_UNIX datagram sockets, so syslog(3) is out of reach; util-linux's
 * `logger` reads lines on stdin and sends each to /dev/log. One child for the process's
 * life, started on the first message; if it cannot run, messages are dropped.
 */
function createSyslogWriter(): { write(priority: number, text: string): void } {
  let child: ChildProcess | undefined;
  let broken = false;
  return {
    write(priority, text) {
      if (broken) return;
      if (!child) {
        child = spawn('logger', ['--prio-prefix', '-t', 'pen'], { stdio: ['pipe', 'ignore', 'ignore'] });
        child.on('error', () => { broken = true; });
        child.on('exit', () => { broken = true; });
        child.stdin?.on('error', () => { broken = true; });
      }
      for (const line of text.split('\n')) {
        if (line) child.stdin?.write(`<${priority}>${line}\n`);
      }
    },
  };
}
