// `acl N permit|deny ADDR [MASK]`, `acl N permit|deny IPV6[/LEN]`, `acl N permit|deny
// country CC`, `no acl N`. Entries are stored as pen stores them (the IPv4 address is not
// masked), so `write` shows them back and matching keeps pen's semantics.
import type { AclEntry } from '@penpound/engine';
import { atoi } from '../atoi.js';
import { canonicalIPv6, formatIPv4, parseIPv4 } from '../inet.js';
import type { PenState } from '../state.js';
import type { CommandHandler } from './context.js';

export function parseAclEntry(action: 'permit' | 'deny', args: string[], state: PenState): AclEntry | undefined {
  const what = args[0];
  if (what === undefined) return undefined;
  if (what === 'country') {
    if (args[1] === undefined) return undefined;
    return { action, kind: 'country', country: args[1] };
  }
  if (what.includes(':')) {
    const slash = what.indexOf('/');
    const address = canonicalIPv6(slash === -1 ? what : what.slice(0, slash));
    if (!address) {
      state.host.debug(`acl: bogus address '${what}'`);
      return undefined;
    }
    const prefixLength = slash === -1 ? 128 : atoi(what.slice(slash + 1));
    return { action, kind: 'ipv6', address, prefixLength };
  }
  const address = parseIPv4(what);
  const mask = args[1] === undefined ? [255, 255, 255, 255] : parseIPv4(args[1]);
  if (!address || !mask) {
    state.host.debug(`acl: bogus address '${address ? args[1] : what}'`);
    return undefined;
  }
  return { action, kind: 'ipv4', address: formatIPv4(address), mask: formatIPv4(mask) };
}

export const acl: CommandHandler = (args, { state }) => {
  if (args[0] === undefined) return;
  const n = atoi(args[0]);
  if (n < 0 || n >= 10) {
    state.host.debug(`add_acl: ${n} outside (0,10)`);
    return;
  }
  const action = args[1];
  if (action !== 'permit' && action !== 'deny') {
    state.host.debug('acl: expected permit|deny');
    return;
  }
  const entry = parseAclEntry(action, args.slice(2), state);
  if (entry) state.config.acls[n]!.push(entry);
};

/** `no acl N`: empties ACL N (an empty ACL permits everyone). Without N: nothing (pen 0.34.1 crashes). */
export const noAcl: CommandHandler = (args, { state }) => {
  if (args[0] === undefined) return;
  const n = atoi(args[0]);
  if (n < 0 || n >= 10) {
    state.host.debug(`del_acl: ${n} outside (0,10)`);
    return;
  }
  state.config.acls[n] = [];
};

/** One ACL entry as `write` prints it (after "acl N "). */
export function aclEntryText(entry: AclEntry): string {
  switch (entry.kind) {
    case 'ipv4': return `${entry.action} ${entry.address} ${entry.mask}`;
    case 'ipv6': return `${entry.action} ${entry.address}/${entry.prefixLength}`;
    case 'country': return `${entry.action} country ${entry.country}`;
  }
}
