// Request methods allowed by each xHTTP level (cumulative), per dialect (spec §5.2).
import type { Dialect } from '../model/types.js';

const LEVELS: string[][] = [
  ['GET', 'POST', 'HEAD'],
  ['PUT', 'PATCH', 'DELETE'],
  ['LOCK', 'UNLOCK', 'PROPFIND', 'PROPPATCH', 'SEARCH', 'MKCOL', 'MOVE', 'COPY', 'OPTIONS', 'TRACE',
    'MKACTIVITY', 'CHECKOUT', 'MERGE', 'REPORT'],
  ['SUBSCRIBE', 'UNSUBSCRIBE', 'NOTIFY', 'BPROPFIND', 'BPROPPATCH', 'POLL', 'BMOVE', 'BCOPY', 'BDELETE', 'CONNECT'],
  ['RPC_IN_DATA', 'RPC_OUT_DATA'],
];

/** Level at which a method becomes allowed in this dialect, or -1 if never. */
const levelOf = new Map<string, number>();
LEVELS.forEach((names, level) => names.forEach((m) => levelOf.set(m, level)));

export function methodLevel(dialect: Dialect, method: string): number {
  const level = levelOf.get(method);
  if (level === undefined) return -1;
  if (dialect === 'pound-2.4' && method === 'PATCH') return -1; // PATCH arrived in 2.7b
  if (dialect === 'pound-4' && level === 4) return -1; // RPC_* withdrawn in 4.5
  return level;
}
