// Serving a checked configuration: hand the model to the engine, write the pid file, drop
// privileges, and stop cleanly on signals. Daemon mode and RootJail come later; until
// then they are refused with a clear message rather than silently ignored.
import { unlinkSync, writeFileSync } from 'node:fs';
import type { Diagnostic, ProxyConfig } from '@penpound/engine';
import type { Span } from '../cfg/statements.js';
import { strerror } from '../check/files.js';
import type { PoundOptions } from './options.js';

const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGTERM: 15 } as const;

export async function serve(config: ProxyConfig, o: PoundOptions, unsupported: { what: string; span: Span }[], prog: string): Promise<number> {
  const legacy = config.dialect !== 'pound-4';
  const say = (msg: string) => process.stderr.write(`${legacy ? '' : `${prog}: `}${msg}\n`);
  if (unsupported.length > 0) {
    for (const u of unsupported) say(`${u.span.file}:${u.span.start.line}: ${u.what} is not supported by penpound yet`);
    return 1;
  }
  if (config.listeners.length === 0) {
    say(legacy ? 'no listeners defined - aborted' : 'no listeners defined');
    return 1;
  }
  if (config.process.chroot !== undefined) {
    say(`RootJail "${config.process.chroot}" is not supported yet - aborted (remove it from the configuration)`);
    return 1;
  }
  if (!config.process.foreground) {
    say('daemon mode is not supported yet - aborted (run in the foreground: -F, or Daemon 0)');
    return 1;
  }

  const { start } = await import('@penpound/engine');
  // Run-time diagnostics go where the configuration says (syslog, or the terminal with
  // LogFacility - / -e), through the engine's log sink for this configuration.
  const { logSinkFor } = await import('@penpound/engine/http/shared');
  const report = (d: Diagnostic) => logSinkFor(config).diagnostic(d);
  const started = await start(config, { report });
  if (!started.ok) {
    for (const e of started.errors) say(e.message);
    return 1;
  }
  const handle = started.handle;
  // The Control socket (poundctl), before privileges go so it belongs to the starting user.
  const control = await (await import('../ctl/server.js')).startControl(config, handle);
  if (!control.ok) {
    say(control.message);
    await handle.stop();
    return 1;
  }

  // Privileges go after the sockets are bound (group first, while still allowed).
  try {
    if (config.process.group !== undefined) {
      try {
        process.setgid!(config.process.group);
      } catch (e) {
        throw /does not exist/.test((e as Error).message) ? `no such group ${config.process.group}` : `setgid: ${strerror(e)}`;
      }
    }
    if (config.process.user !== undefined) {
      try {
        process.setuid!(config.process.user);
      } catch (e) {
        throw /does not exist/.test((e as Error).message) ? `no such user ${config.process.user}` : `setuid: ${strerror(e)}`;
      }
    }
  } catch (why) {
    say(legacy ? `${why as string} - aborted` : (why as string));
    control.close();
    await handle.stop();
    return 1;
  }

  const pidFile = config.process.pidFile;
  if (pidFile) {
    try {
      writeFileSync(pidFile, `${process.pid}\n`);
    } catch (e) {
      say(`Create "${pidFile}": ${strerror(e)}`);
    }
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const finish = () => {
      control.close();
      // 4.x removes its pid file on exit; 2.x leaves it.
      if (!legacy && pidFile) {
        try {
          unlinkSync(pidFile);
        } catch {
          /* already gone */
        }
      }
      resolve(0);
      // Nothing else should keep the process: exit even if a stray timer remains.
      setImmediate(() => process.exit(0));
    };
    for (const [name, num] of Object.entries(SIGNALS)) {
      process.on(name, () => {
        if (stopping) return;
        stopping = true;
        const graceful = name === 'SIGHUP' || name === 'SIGINT';
        logSinkFor(config).write('notice', `received signal ${num} - ${graceful ? 'shutting down' : 'exiting'}...`);
        handle.stop({ graceful }).then(finish, finish);
      });
    }
  });
}
