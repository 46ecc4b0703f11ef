// File checks pound -c performs (error pages, included files), with the C library's
// error texts the originals print.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EMFILE: 'Too many open files',
  EIO: 'Input/output error',
  EFBIG: 'File too large',
};

/** Configuration files larger than this are refused (a config is kilobytes; /dev/zero never ends). */
export const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

/**
 * Reads a configuration or included file whole, but never more than `limit` bytes:
 * past that it throws an EFBIG error, so `Include "/dev/zero"` fails instead of eating
 * all memory. Devices that end (/dev/null) read as usual.
 */
export function readBounded(path: string, limit = MAX_CONFIG_BYTES): Buffer {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(65536);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > limit) throw Object.assign(new Error(`larger than ${limit} bytes`), { code: 'EFBIG' });
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** glibc's strerror() text for a Node error. */
export function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (code && STRERROR[code]) ?? (err as Error)?.message ?? String(err);
}

export type FileCheck =
  | { ok: true; size: number }
  | { ok: false; stage: 'stat' | 'open' | 'read' | 'not-regular' | 'empty'; reason: string };

/**
 * What happens when an error-page file is read at start-up: stat, open, read. Legacy
 * reads whatever is there (a directory fails at read); 4.x wants a non-empty regular file.
 */
export function checkReadableFile(path: string, modern: boolean): FileCheck {
  let size: number;
  let regular: boolean;
  try {
    const st = statSync(path);
    size = st.size;
    regular = st.isFile();
  } catch (err) {
    return { ok: false, stage: 'stat', reason: strerror(err) };
  }
  if (modern && !regular) return { ok: false, stage: 'not-regular', reason: 'not a regular file' };
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return { ok: false, stage: 'open', reason: strerror(err) };
  }
  try {
    readSync(fd, Buffer.alloc(1), 0, 1, 0);
  } catch (err) {
    return { ok: false, stage: 'read', reason: strerror(err) };
  } finally {
    closeSync(fd);
  }
  if (modern && size === 0) return { ok: false, stage: 'empty', reason: 'empty file' };
  return { ok: true, size };
}
