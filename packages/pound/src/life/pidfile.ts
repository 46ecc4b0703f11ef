// The pid file (`-p`, 4.x `PIDFile`): `%d\n`, written by the process that stays running,
// before privileges are dropped. Failing to write it is only a NOTICE, as in pound.
// pound 2.x never removes it; 4.x does on exit (spec §4.3).
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Dialect } from '@penpound/engine';
import { strerror } from '../check/files.js';

/** 4.x: `PIDFile "-"` (and `-p -`) means no pid file. */
export function pidFileWanted(path: string | undefined, dialect: Dialect): path is string {
  return path !== undefined && path !== '' && !(dialect === 'pound-4' && path === '-');
}

/** Writes the pid; returns pound's NOTICE text on failure. */
export function writePidFile(path: string, pid = process.pid): string | undefined {
  try {
    writeFileSync(path, `${pid}\n`);
    return undefined;
  } catch (e) {
    return `Create "${path}": ${strerror(e)}`;
  }
}

/**
 * Removes it if it still holds our pid. After `User` dropped privileges this can fail (a
 * root-owned /var/run): then the file stays, as pound 2.x's always does.
 */
export function removePidFile(path: string, pid = process.pid): void {
  try {
    // Another pound started since may have written its own pid there: leave that one.
    if (readFileSync(path, 'utf8').trim() !== String(pid)) return;
    unlinkSync(path);
  } catch {
    /* gone already, or not ours to remove any more */
  }
}
