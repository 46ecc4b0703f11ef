// -u USER: getpwnam, then setgid/setuid after the sockets are open (so privileged ports
// work). -j DIR: Node.js cannot chroot(2); we refuse rather than run unconfined.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

export function parsePasswdLine(line: string): PasswdEntry | undefined {
  const f = line.split(':');
  if (f.length < 4 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) return undefined;
  return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) };
}

/** getpwnam(3): through NSS (`getent`) when available, else /etc/passwd. */
export function getpwnam(name: string): PasswdEntry | undefined {
  if (name === '' || name.includes(':') || name.includes('\n')) return undefined;
  try {
    const out = execFileSync('getent', ['passwd', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const entry = parsePasswdLine(out.split('\n')[0] ?? '');
    if (entry && entry.name === name) return entry;
    return undefined;
  } catch (error) {
    // getent exits 2 for "no such user"; only fall back when it could not run at all.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  }
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const entry = parsePasswdLine(line);
      if (entry?.name === name) return entry;
    }
  } catch {
    /* no passwd file: no such user */
  }
  return undefined;
}

/** setgid then setuid (supplementary groups are kept, as pen keeps them); a fatal message on failure. */
export function dropPrivileges(user: PasswdEntry): string | undefined {
  try {
    process.setgid?.(user.gid);
  } catch {
    return `Can't setgid(${user.gid})`;
  }
  try {
    process.setuid?.(user.uid);
  } catch {
    return `Can't setuid(${user.uid})`;
  }
  return undefined;
}
