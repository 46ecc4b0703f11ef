// -F files and `include`: one control command per line, replies to pen's stdout. Nothing
// in a file can stop pen: unknown lines are reported (to stdout, as pen does) and skipped.
import { readFile } from 'node:fs/promises';
import { runCommand } from './commands/index.js';
import type { PenState } from './state.js';

/** pen reads lines with a 4096-byte buffer: a longer line becomes several commands. */
const LINE_BUFFER = 4095;

export function configLines(text: string): string[] {
  const out: string[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const withNewline = line + '\n';
    for (let i = 0; i < withNewline.length; i += LINE_BUFFER) out.push(withNewline.slice(i, i + LINE_BUFFER));
  }
  return out;
}

/** Runs every command of `path`; false when the file cannot be read. */
export async function readConfigFile(state: PenState, path: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    // pen prints this with an extra empty line.
    state.host.debug(`Can't read config file '${path}'\n`);
    return false;
  }
  for (const line of configLines(text)) {
    await runCommand(state, line, (reply) => state.host.stdout(reply));
  }
  return true;
}
