// Serving a plan in this process, in pound's start-up order (spec §4.2): bind every
// listener, open the Control socket, look up User/Group, write the pid file, drop
// privileges, then tell the starter we run. Whoever started us (the terminal, a daemon
// parent, a supervisor) hears of a failure through `starter.fatal` with pound's text.
import type { Diagnostic, RuntimeHandle } from '@penpound/engine';
import type { ServePlan, Starter } from './plan.js';
import { dropPrivileges, resolveIdentity } from './privileges.js';
import { pidFileWanted, writePidFile } from './pidfile.js';
import { aborted, startFailure } from './texts.js';

export interface Running {
  handle: RuntimeHandle;
  /** Log one message where this configuration's diagnostics go. */
  log(priority: 'err' | 'warning' | 'notice' | 'info', message: string): void;
  /** Close what the engine does not own (the Control socket). */
  closeExtras(): void;
  /** Flush and close the log (last thing before exit). */
  closeLog(): void;
}

export interface RunOptions {
  /** Write the configuration's pid file (false: someone else does, e.g. the supervisor). */
  writePid: boolean;
  /** Extra start-up step after the listeners are bound (the Control socket); a message on failure. */
  afterBind?: (handle: RuntimeHandle) => Promise<{ close(): void } | { error: string }>;
}

/** Start serving; undefined when start-up failed (already reported to the starter). */
export async function startServing(plan: ServePlan, starter: Starter, opts: RunOptions): Promise<Running | undefined> {
  const { config } = plan;
  const dialect = config.dialect;
  const { start } = await import('@penpound/engine');
  const { logSinkFor } = await import('@penpound/engine/http/shared');
  const sink = logSinkFor(config);
  const log: Running['log'] = (priority, message) => sink.write(priority, message);
  // Run-time diagnostics go where the configuration says (syslog, or the terminal with
  // LogFacility - / -e), through the engine's log sink for this configuration.
  const report = (d: Diagnostic): void => sink.diagnostic(d);
  const logError = (message: string): void => sink.write('err', message);

  const started = await start(config, { report });
  if (!started.ok) {
    await starter.fatal(aborted(dialect, startFailure(started.errors[0]!)), logError);
    sink.close();
    return undefined;
  }
  const handle = started.handle;
  let extras: { close(): void } | undefined;
  const fail = async (message: string): Promise<undefined> => {
    extras?.close();
    await starter.fatal(message, logError);
    await handle.stop();
    // Last: the engine's stop may have closed the sink already; a message after that would
    // open a new syslog child that nothing closes.
    sink.close();
    return undefined;
  };

  if (opts.afterBind) {
    const r = await opts.afterBind(handle);
    if ('error' in r) return fail(r.error);
    extras = r;
  }

  const identity = resolveIdentity(config.process.user, config.process.group);
  if ('error' in identity) return fail(aborted(dialect, identity.error));

  const pidFile = config.process.pidFile;
  if (opts.writePid && pidFileWanted(pidFile, dialect)) {
    const problem = writePidFile(pidFile);
    if (problem) log('notice', problem);
  }

  const dropped = dropPrivileges(identity);
  if (dropped) return fail(aborted(dialect, dropped));

  await starter.ready();
  return { handle, log, closeExtras: () => extras?.close(), closeLog: () => sink.close() };
}
