// Serving a checked configuration: refuse what cannot be run faithfully, then run it in
// the foreground (-F, -e, `Daemon 0`) or detached (pound's default), alone or under a
// supervisor when graceful reload was asked for (-W reload-on=SIG). The process life
// itself (start-up order, pid file, privileges, signals, reload) is in ../life/.
import type { ProxyConfig, RuntimeHandle } from '@penpound/engine';
import type { Span } from '../cfg/statements.js';
import { CANNOT_RUN } from '../life/cannot.js';
import { detach, parentStarter, receivePlan } from '../life/daemon.js';
import type { ServePlan, Starter } from '../life/plan.js';
import { runStandalone } from '../life/standalone.js';
import { runWorker } from '../life/worker.js';
import { aborted, onTerminal } from '../life/texts.js';
import { detachedLogging } from './final-config.js';
import type { PoundOptions } from './options.js';

export async function serve(config: ProxyConfig, o: PoundOptions, unsupported: { what: string; span: Span }[], prog: string): Promise<number> {
  const dialect = config.dialect;
  const say = (msg: string): void => void process.stderr.write(onTerminal(dialect, prog, msg) + '\n');
  if (unsupported.length > 0) {
    for (const u of unsupported) {
      // Each dialect's way of naming a line: 2.4 `line N`, 2.8 `FILE line N`, 4.x `FILE:N`.
      const { file, start } = u.span;
      const where = dialect === 'pound-4' ? `${file}:${start.line}` : dialect === 'pound-2.8' ? `${file} line ${start.line}` : `line ${start.line}`;
      const why = CANNOT_RUN[u.what];
      say(why ? aborted(dialect, `${where}: ${u.what}: ${why}`) : `${where}: ${u.what} is not supported by penpound yet`);
    }
    return 1;
  }
  if (config.listeners.length === 0) {
    say(aborted(dialect, 'no listeners defined'));
    return 1;
  }
  if (config.process.chroot !== undefined) {
    // The configuration reader names the line (above); this is the backstop.
    say(aborted(dialect, `RootJail "${config.process.chroot}": ${CANNOT_RUN.RootJail}`));
    return 1;
  }

  // pound 2.x serves under umask 077: its pid file and Control socket are the owner's only.
  if (dialect !== 'pound-4') process.umask(0o077);
  const plan: ServePlan = { config, options: o, prog };
  if (config.process.foreground) return run(plan, terminalStarter(plan));
  // 4.x ignores `LogFacility -` once detached; 2.x keeps the terminal attached for it.
  detachedLogging(config);
  return detach(plan, config.logging.diagnostics.target === 'stderr', say);
}

/** The detached daemon's side: wait for the plan, serve it, report to the parent. */
export async function serveAsDaemon(): Promise<number> {
  const plan = await receivePlan();
  const starter = parentStarter(plan.config.logging.diagnostics.target === 'syslog');
  return run(plan, starter);
}

/** A supervised worker's side (-W reload-on): the supervisor sends the plan. */
export async function serveAsWorker(): Promise<number> {
  return runWorker((plan) => controlStep(plan.config));
}

/** One process, or a supervisor and its worker when graceful reload was asked for. */
async function run(plan: ServePlan, starter: Starter): Promise<number> {
  if (!plan.options.reloadOn) return runStandalone(plan, starter, controlStep(plan.config));
  const { runSupervised } = await import('../life/supervisor.js');
  return runSupervised(plan, starter, plan.options.reloadOn);
}

/** In the foreground a failure goes to the log, and on stderr too when the log is syslog. */
function terminalStarter(plan: ServePlan): Starter {
  return {
    ready: () => {},
    fatal: (message, log) => {
      log(message);
      if (plan.config.logging.diagnostics.target === 'syslog') process.stderr.write(onTerminal(plan.config.dialect, plan.prog, message) + '\n');
    },
  };
}

/** The Control socket (poundctl), after the listeners and before privileges go. */
function controlStep(config: ProxyConfig) {
  return async (handle: RuntimeHandle): Promise<{ close(): void } | { error: string }> => {
    const control = await (await import('../ctl/server.js')).startControl(config, handle);
    return control.ok ? control : { error: control.message };
  };
}
