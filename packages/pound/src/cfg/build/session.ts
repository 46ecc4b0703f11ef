// Session blocks → SessionConfig. Legacy keeps one session state per service, shared by
// every Session block in it, and insists on Type before ID.
import type { SessionConfig } from '@penpound/engine';
import type { Stmt } from '../statements.js';
import { joinSpans } from '../statements.js';
import { sourceOf, type BuildContext } from './context.js';
import { int, text } from './values.js';

const TYPES = ['IP', 'BASIC', 'URL', 'PARM', 'COOKIE', 'HEADER'] as const;
const NEEDS_ID = new Set(['URL', 'COOKIE', 'HEADER']);

/** What a service knows about its session so far. */
export interface SessionState {
  type?: SessionConfig['type'];
  ttl: number;
  id?: string;
}

/** Returns false when the block produced an error. */
export function buildSession(ctx: BuildContext, stmt: Stmt, state: SessionState): boolean {
  for (const s of stmt.block?.body ?? []) {
    switch (s.name) {
      case 'Type': {
        const t = text(s).toUpperCase();
        const type = TYPES.find((x) => x === t);
        if (!type) {
          ctx.error('session-unknown-type', s.span, {
            l2: `Unknown Session type "${text(s)}" - aborted`,
            l3: 'Unknown Session type',
            m: 'Unknown Session type',
            modern: `Session Type "${text(s)}" is not one of ${TYPES.join(', ')}`,
          });
          return false;
        }
        if (state.type !== undefined && ctx.legacy) {
          ctx.error('session-multiple-types', s.span, { legacy: 'Multiple Session types in one Service - aborted' });
          return false;
        }
        state.type = type;
        break;
      }
      case 'TTL':
        state.ttl = int(ctx, s);
        break;
      case 'ID':
        if (ctx.legacy && (state.type === undefined || !NEEDS_ID.has(state.type))) {
          ctx.error('session-id-not-permitted', s.span, {
            legacy: 'no ID permitted unless COOKIE/URL/HEADER Session - aborted',
            modern: state.type === undefined ? 'Session ID must come after Type in pound 2.x' : `Session Type ${state.type} takes no ID`,
          });
          return false;
        }
        state.id = text(s);
        break;
      default:
        break;
    }
  }
  const end = stmt.block?.end;
  if (!end) return true;
  const where = ctx.legacy ? end : joinSpans(stmt.span, end);
  const missing = (what: string, code: string) => {
    ctx.error(code, where, { legacy: `Session ${what} not defined - aborted`, m: `Session ${what} not defined` });
    return false;
  };
  if (state.type === undefined) return missing('type', 'session-type-undefined');
  if (state.ttl === 0) return missing('TTL', 'session-ttl-undefined');
  if (NEEDS_ID.has(state.type) && state.id === undefined) return missing('ID', 'session-id-undefined');
  return true;
}

export function sessionConfig(state: SessionState, stmt: Stmt): SessionConfig | undefined {
  if (state.type === undefined) return undefined;
  const s: SessionConfig = { type: state.type, ttlSeconds: state.ttl, source: sourceOf(stmt.span) };
  if (state.id !== undefined && NEEDS_ID.has(state.type)) s.id = state.id;
  return s;
}
