import type { Problem } from './problems.js';
import type { Sources } from './sources.js';
import type { Block } from './statements.js';
export interface Parse4Options { sources: Sources; problems: Problem[]; includeDir: string | undefined; warnDeprecated: boolean }
export async function parsePound4(_file: string, _bytes: Buffer, _o: Parse4Options): Promise<Block> {
  return { kind: 'global', body: [] };
}
