// pen's command language (control port, -o/-O, -F files, include): one line, one command.
import type { CommandContext, CommandHandler } from './context.js';
import { acl, noAcl } from './acl.js';
import { close, connection, recent, socket } from './connections.js';
import { control, include, listen, log, noLog, noWebStats, status, webStats, write } from './files.js';
import { networkCommands } from './network.js';
import { server, servers } from './servers.js';
import { eventBackendCommands, flagCommands, numberCommands } from './settings.js';
import { tokenise } from './tokenise.js';
import type { PenState } from '../state.js';

export type { CommandContext, CommandHandler } from './context.js';

const exitCommand: CommandHandler = (_args, { state, reply }) => {
  if (!state.settings.allowExit) {
    reply('Exit is not enabled; restart with -X flag\n');
    return;
  }
  state.host.exit();
};

const commands: Record<string, CommandHandler> = {
  ...numberCommands,
  ...eventBackendCommands,
  ...networkCommands,
  ...Object.fromEntries(Object.entries(flagCommands).map(([name, set]) => [name, (_a: string[], c: CommandContext) => set(c.state, true)])),
  acl,
  close,
  connection,
  control,
  exit: exitCommand,
  include,
  listen,
  log,
  recent,
  server,
  servers,
  socket,
  status,
  web_stats: webStats,
  write,
};

/** `no X`: anything not listed here (`no bogus`, a bare `no`) is silently ignored. */
const noCommands: Record<string, CommandHandler> = {
  ...Object.fromEntries(Object.entries(flagCommands).map(([name, set]) => [name, (_a: string[], c: CommandContext) => set(c.state, false)])),
  acl: noAcl,
  log: noLog,
  web_stats: noWebStats,
};

export function isKnownCommand(name: string): boolean {
  return Object.hasOwn(commands, name) || name === 'no';
}

/**
 * Runs one command line. `reply` receives the exact reply text (possibly several pieces,
 * possibly none). Never throws: a failing command is reported as a debug message.
 */
export async function runCommand(state: PenState, line: string, reply: (text: string) => void): Promise<void> {
  const words = tokenise(line);
  const name = words[0];
  if (name === undefined || name.startsWith('#')) return;
  const context: CommandContext = { state, reply };
  let handler: CommandHandler | undefined;
  let args = words.slice(1);
  if (name === 'no') {
    handler = args[0] !== undefined && Object.hasOwn(noCommands, args[0]) ? noCommands[args[0]] : undefined;
    args = args.slice(1);
    if (!handler) return;
  } else {
    handler = Object.hasOwn(commands, name) ? commands[name] : undefined;
  }
  if (!handler) {
    reply(`do_cmd: ignoring command starting with '${name}'\n`);
    return;
  }
  try {
    await handler(args, context);
  } catch (error) {
    state.host.debug(`do_cmd: ${name}: ${(error as Error).message}`);
  }
}
