import type { PenState } from '../state.js';

/** What a command sees: the state it works on and where its reply goes. */
export interface CommandContext {
  state: PenState;
  /** The reply: to the control client, or to pen's stdout for -o / -F / include. */
  reply(text: string): void;
}

/** A command gets its arguments (the words after its name) and may be asynchronous
 * (name resolution, files). Replies are exact texts, newlines included. */
export type CommandHandler = (args: string[], context: CommandContext) => void | Promise<void>;
