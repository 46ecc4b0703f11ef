// Commands that name files or sockets: log, web_stats, status, write, include, listen, control.
import { readFile, writeFile } from 'node:fs/promises';
import { readConfigFile } from '../configfile.js';
import { listenEndpoint } from '../listen.js';
import { penListener, type PenState } from '../state.js';
import { statusPageHtml } from '../webstats.js';
import { configFileText } from '../write-config.js';
import type { CommandHandler } from './context.js';

/** `log FILE` or `log host:port` (network log for penlogd). */
export function setRequestLog(state: PenState, name: string): void {
  const logging = state.config.logging;
  const colon = name.indexOf(':');
  if (colon !== -1 && !name.startsWith('/')) {
    const host = name.slice(0, colon);
    const port = Number.parseInt(name.slice(colon + 1), 10) || 0;
    logging.requestLog = { kind: 'udp', host, port, format: 'pen' };
    // pen cuts its copy of the name at the ':' (so `log` shows the host only).
    state.settings.logName = host;
  } else {
    logging.requestLog = { kind: 'file', path: name, format: 'pen' };
    state.settings.logName = name;
  }
  // A running engine notices the change itself and opens the new target.
}

export const log: CommandHandler = (args, { state, reply }) => {
  if (args[0] !== undefined) setRequestLog(state, args[0]);
  if (state.settings.logName !== undefined) reply(`${state.settings.logName}\n`);
};

/** `no log` forgets the log's name, but only a file log stops: a network log keeps
 * sending (as in pen). */
export const noLog: CommandHandler = (_args, { state }) => {
  delete state.settings.logName;
  if (state.config.logging.requestLog?.kind === 'file') delete state.config.logging.requestLog;
};

export const webStats: CommandHandler = (args, { state, reply }) => {
  if (args[0] !== undefined) state.settings.webStatsFile = args[0];
  if (state.settings.webStatsFile !== undefined) reply(`${state.settings.webStatsFile}\n`);
};

export const noWebStats: CommandHandler = (_args, { state }) => {
  delete state.settings.webStatsFile;
};

/** Writes the -w page; false (with pen's debug message) when it cannot. */
export async function writeStatusPage(state: PenState): Promise<boolean> {
  const file = state.settings.webStatsFile;
  if (file === undefined) {
    state.host.debug("Don't know where to write web stats; see -w option");
    return false;
  }
  try {
    await writeFile(file, statusPageHtml(state));
    return true;
  } catch {
    state.host.debug(`Can't write to ${file}`);
    return false;
  }
}

export const status: CommandHandler = async (_args, { state, reply }) => {
  const file = state.settings.webStatsFile;
  if (file === undefined || !(await writeStatusPage(state))) {
    reply('Unable to create webstats\n');
    return;
  }
  try {
    reply(await readFile(file, 'utf8'));
  } catch {
    reply("Can't read webstats\n");
  }
};

export const write: CommandHandler = async (args, { state }) => {
  const file = args[0] ?? state.settings.configFile;
  if (file === undefined) {
    state.host.debug('write: no file');
    return;
  }
  try {
    await writeFile(file, configFileText(state, file));
  } catch {
    state.host.debug(`Can't write to ${file}`);
  }
};

/** Replies of included commands go to pen's stdout, even when `include` came from the control port. */
export const include: CommandHandler = async (args, { state }) => {
  if (args[0] === undefined) return;
  await readConfigFile(state, args[0]);
};

export const control: CommandHandler = (_args, { state, reply }) => {
  reply(`${state.settings.controlSpec ?? '(null)'}\n`);
};

export const listen: CommandHandler = async (args, { state, reply }) => {
  const listener = penListener(state);
  const spec = args[0];
  if (spec !== undefined) {
    const result = await listenEndpoint(spec, state.settings.udp);
    if (!result.ok) {
      for (const m of result.messages) state.host.debug(m);
      // pen 0.34.1 dies here at run time (epoll_ctl: Bad file descriptor); we keep the
      // old listener and say so.
      reply(state.handle ? `listen: keeping ${listener.spec}\n` : `${spec}\n`);
      return;
    } else if (state.handle) {
      const error = await state.handle.relisten(0, result.endpoint, spec);
      if (error) {
        state.host.debug(error.message);
        reply(`listen: keeping ${listener.spec}\n`);
        return;
      }
      listener.endpoint = result.endpoint;
      listener.spec = spec;
    } else {
      listener.endpoint = result.endpoint;
      listener.spec = spec;
      state.settings.listenerFromCommand = true;
    }
  }
  reply(`${listener.spec}\n`);
};
