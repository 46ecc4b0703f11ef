// pound 4's control API (spec §7.2), as observed from pound 4.23 and its poundctl:
//   GET  /  /listener  /listener/           full listing
//   GET  /core                              core statistics
//   GET|PUT|DELETE /listener/L[/S[/B]]      show, enable, disable (answer: true)
//   PUT /session/L/S/B?key=K, DELETE /session/L/S?key=K   add / delete a session (answer: the service)
// L is a number, a listener name, or "-" (global services); S a number or a service name.
// Both dialects serve it: our legacy poundctl renders 2.x texts from the same JSON.
import { compactJson, type Json } from './json.js';
import {
  backendAddress,
  backendObject,
  backendRefs,
  controlBackendObject,
  controlServiceObject,
  fullListing,
  coreObject,
  listenerObject,
  listenerRefs,
  serviceObject,
  serviceRefs,
  type ControlState,
  type ServiceRef,
} from './listing.js';

export interface ApiResponse {
  status: number;
  /** JSON text for 200 answers. */
  body?: string;
}

export interface ApiContext extends ControlState {
  /** Run-time log line (the daemon's syslog or terminal). */
  log(priority: 'notice' | 'info', message: string): void;
}

const ok = (v: Json): ApiResponse => ({ status: 200, body: compactJson(v) });
const status = (code: number): ApiResponse => ({ status: code });

export function handleRequest(ctx: ApiContext, method: string, target: string): ApiResponse {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
  const parts = path.split('/').slice(1);
  const head = parts[0];
  if (path === '/' || (head === 'listener' && parts.length === 1) || (head === 'listener' && parts.length === 2 && parts[1] === '')) {
    return method === 'GET' ? ok(fullListing(ctx)) : status(405);
  }
  if (head === 'core' && (parts.length === 1 || (parts.length === 2 && parts[1] === ''))) {
    return method === 'GET' ? ok(coreObject(ctx)) : status(405);
  }
  if (head === 'listener') return listenerRequest(ctx, method, parts.slice(1));
  if (head === 'session') return sessionRequest(ctx, method, parts.slice(1), query);
  return status(404);
}

type Resolved =
  | { kind: 'control-listener' | 'control-service' | 'control-backend' | 'global' }
  | { kind: 'listener'; index: number }
  | { kind: 'service'; ref: ServiceRef }
  | { kind: 'backend'; service: ServiceRef; index: number };

function listenerRequest(ctx: ApiContext, method: string, ids: string[]): ApiResponse {
  if (method !== 'GET' && method !== 'PUT' && method !== 'DELETE') return status(405);
  const r = resolve(ctx, ids);
  if ('status' in r) return r;
  if (method === 'GET') return ok(show(ctx, r));
  const enable = method === 'PUT';
  switch (r.kind) {
    case 'global':
      return status(400);
    case 'control-listener':
    case 'control-service':
    case 'control-backend':
      // Turning off the socket we are talking through is refused.
      return enable ? ok(true) : status(400);
    case 'listener':
      ctx.handle.config.listeners[r.index]!.disabled = !enable;
      return ok(true);
    case 'service':
      r.ref.service.disabled = !enable;
      return ok(true);
    case 'backend': {
      const b = backendRefs(r.service)[r.index]!;
      b.backend.disabled = !enable;
      if (ctx.handle.config.dialect === 'pound-4') ctx.log('notice', `Backend ${backendAddress(b.backend)} ${enable ? 'enabled' : 'disabled'}`);
      return ok(true);
    }
  }
}

function sessionRequest(ctx: ApiContext, method: string, ids: string[], query: URLSearchParams): ApiResponse {
  if (method !== 'PUT' && method !== 'DELETE') return status(404);
  const key = query.get('key');
  // PUT names the backend the session goes to; DELETE names none.
  if (key === null || (method === 'PUT' ? ids.length !== 3 : ids.length !== 2)) return status(400);
  const r = resolve(ctx, ids);
  if ('status' in r) return r;
  if (r.kind === 'control-service' || r.kind === 'control-backend') return status(400);
  const svcRef = r.kind === 'backend' ? r.service : r.kind === 'service' ? r.ref : undefined;
  if (!svcRef) return status(400);
  const table = svcRef.stats?.sessions;
  if (table) {
    if (r.kind === 'backend') {
      if (r.index < svcRef.service.backends.length) table.add(key, r.index);
    } else table.delete(key);
  }
  return ok(serviceObject(ctx, svcRef));
}

function show(ctx: ApiContext, r: Resolved): Json {
  switch (r.kind) {
    case 'global':
      return fullListing(ctx);
    case 'control-listener':
      return listenerObject(ctx, { control: true });
    case 'control-service':
      return controlServiceObject();
    case 'control-backend':
      return controlBackendObject();
    case 'listener':
      return listenerObject(ctx, { control: false, index: r.index, listener: ctx.handle.config.listeners[r.index]! });
    case 'service':
      return serviceObject(ctx, r.ref);
    case 'backend':
      return backendObject(backendRefs(r.service)[r.index]!);
  }
}

/** /L[/S[/B]] → the object, or 404 (with the 2.x daemon's log line in legacy mode). */
function resolve(ctx: ApiContext, ids: string[]): Resolved | ApiResponse {
  const legacy = ctx.handle.config.dialect !== 'pound-4';
  const bad = (what: string, id: string): ApiResponse => {
    if (legacy) ctx.log('info', `thr_control() bad ${what} ${id}`);
    return status(404);
  };
  if (ids.length === 0 || ids.length > 3 || ids.some((x) => x === '')) return status(404);
  const [lid, sid, bid] = ids as [string, string | undefined, string | undefined];

  let services: ServiceRef[];
  if (lid === '-') {
    if (sid === undefined) return { kind: 'global' };
    services = serviceRefs(ctx, undefined);
  } else {
    const refs = listenerRefs(ctx);
    const n = number(lid);
    const l = n !== undefined ? refs[n] : refs.find((x) => !x.control && x.listener.name === lid);
    if (!l) return bad('listener', lid);
    if (l.control) {
      if (sid === undefined) return { kind: 'control-listener' };
      if (number(sid) !== 0) return bad('service', sid);
      if (bid === undefined) return { kind: 'control-service' };
      return number(bid) === 0 ? { kind: 'control-backend' } : bad('backend', bid);
    }
    if (sid === undefined) return { kind: 'listener', index: l.index };
    services = serviceRefs(ctx, l.index);
  }
  const sn = number(sid!);
  const svc = sn !== undefined ? services[sn] : services.find((x) => x.service.name === sid);
  if (!svc) return bad('service', sid!);
  if (bid === undefined) return { kind: 'service', ref: svc };
  const bn = number(bid);
  if (bn === undefined || bn < 0 || bn >= backendRefs(svc).length) return bad('backend', bid);
  return { kind: 'backend', service: svc, index: bn };
}

/** A decimal index as strtol reads it ("+3", "03"); anything else is a name. */
function number(id: string): number | undefined {
  return /^[+-]?\d+$/.test(id) ? parseInt(id, 10) : undefined;
}
