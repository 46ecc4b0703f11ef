// -p FILE: the decimal pid, no trailing newline; removed on a clean exit (TERM, `exit`).
import { unlinkSync, writeFileSync } from 'node:fs';

export function writePidFile(path: string): boolean {
  try {
    writeFileSync(path, String(process.pid));
    return true;
  } catch {
    return false;
  }
}

export function removePidFile(path: string | undefined): void {
  if (path === undefined) return;
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}
