// User/Group: looked up after the listeners are bound, applied after the pid file is
// written (spec §4.2 steps 5, 7, 8). Names go through NSS (`getent`), as getpwnam(3) would,
// so LDAP/sssd users work; /etc/passwd and /etc/group are the fallback without getent.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { strerror } from '../check/files.js';

export interface Identity {
  uid?: number;
  gid?: number;
}

type Db = 'passwd' | 'group';

/** The numeric id of NAME in the passwd (uid) or group (gid) database, or undefined. */
export function lookupId(db: Db, name: string): number | undefined {
  if (name === '' || /[:\n]/.test(name)) return undefined;
  const field = (line: string): number | undefined => {
    const f = line.split(':');
    return f[0] === name && /^\d+$/.test(f[2] ?? '') ? Number(f[2]) : undefined;
  };
  try {
    const out = execFileSync('getent', [db, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return field(out.split('\n')[0] ?? '');
  } catch (e) {
    // getent exits 2 for "not found"; fall back only when it could not run at all.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  }
  try {
    for (const line of readFileSync(`/etc/${db}`, 'utf8').split('\n')) {
      const id = field(line);
      if (id !== undefined) return id;
    }
  } catch {
    /* no database file: unknown name */
  }
  return undefined;
}

/** Resolve User/Group; the message names the first one that does not exist. */
export function resolveIdentity(user: string | undefined, group: string | undefined): Identity | { error: string } {
  const id: Identity = {};
  if (user !== undefined) {
    id.uid = lookupId('passwd', user);
    if (id.uid === undefined) return { error: `no such user ${user}` };
  }
  if (group !== undefined) {
    id.gid = lookupId('group', group);
    if (id.gid === undefined) return { error: `no such group ${group}` };
  }
  return id;
}

/**
 * setgid, then setuid (the group first, while still allowed). When root gives up its
 * identity the supplementary groups go too (root's would otherwise survive the switch).
 * Returns pound's message on failure (`setgid: Operation not permitted`).
 */
export function dropPrivileges(id: Identity): string | undefined {
  if (id.uid === undefined && id.gid === undefined) return undefined;
  try {
    if (process.getuid?.() === 0) process.setgroups?.([id.gid ?? process.getgid!()]);
  } catch (e) {
    return `setgroups: ${strerror(e)}`;
  }
  if (id.gid !== undefined) {
    try {
      process.setgid!(id.gid);
    } catch (e) {
      return `setgid: ${strerror(e)}`;
    }
  }
  if (id.uid !== undefined) {
    try {
      process.setuid!(id.uid);
    } catch (e) {
      return `setuid: ${strerror(e)}`;
    }
  }
  return undefined;
}
