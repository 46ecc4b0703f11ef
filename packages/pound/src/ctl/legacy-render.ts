// pound 2.x poundctl listings (spec §7.1), text and XML (-X), from the control API's full
// listing. 2.x numbers regular backends only (an Emergency backend is not listed) and
// shows global services after the listeners as listener -1.
import { EMERGENCY_WEIGHT } from './listing.js';

export interface ListingJson {
  core?: { queue_len?: number };
  listeners: ListenerJson[];
  services: ServiceJson[];
}
interface ListenerJson {
  address: string;
  enabled: boolean;
  protocol: string;
  services: ServiceJson[];
}
interface ServiceJson {
  name: string | null;
  enabled: boolean;
  backends: BackendJson[];
  sessions: { key: string; backend: number }[] | null;
}
interface BackendJson {
  type: string;
  address?: string;
  alive: boolean;
  enabled: boolean;
  priority: number;
  weight: number;
}

export interface LegacyRenderOptions {
  /** 2.7+ starts with the request queue length. */
  queueLine: boolean;
  /** -H: address → host name (already resolved by the caller). */
  names?: Map<string, string>;
}

const d3 = (n: number): string => String(n).padStart(3);

function regular(svc: ServiceJson): BackendJson[] {
  return svc.backends.filter((b) => !(b.type === 'backend' && b.weight === EMERGENCY_WEIGHT));
}

/** The service's "(N)": summed priority of the backends that can take new clients. */
function usablePriority(svc: ServiceJson): number {
  let sum = 0;
  for (const b of regular(svc)) if (b.alive && b.enabled) sum += b.priority;
  return sum;
}

function addressOf(b: BackendJson, o: LegacyRenderOptions): string {
  if (b.type !== 'backend' || b.address === undefined) return '(UNKNOWN):0';
  return o.names?.get(b.address) ?? b.address;
}

export function legacyText(l: ListingJson, o: LegacyRenderOptions): string {
  const out: string[] = [];
  if (o.queueLine) out.push(`Requests in queue: ${l.core?.queue_len ?? 0}`);
  const services = (list: ServiceJson[]): void => {
    list.forEach((svc, i) => {
      const state = svc.enabled ? 'active' : 'DISABLED';
      out.push(svc.name !== null ? `  ${d3(i)}. Service "${svc.name}" ${state} (${usablePriority(svc)})` : `  ${d3(i)}. Service ${state} (${usablePriority(svc)})`);
      regular(svc).forEach((b, j) => {
        out.push(`    ${d3(j)}. Backend ${addressOf(b, o)} ${b.enabled ? 'active' : 'DISABLED'} (${b.priority} 0.000 sec) ${b.alive ? 'alive' : 'DEAD'}`);
      });
      (svc.sessions ?? []).forEach((s, j) => out.push(`    ${d3(j)}. Session ${s.key} -> ${s.backend}`));
    });
  };
  l.listeners.forEach((lst, i) => {
    out.push(`${d3(i)}. ${lst.protocol === 'https' ? 'HTTPS' : 'http'} Listener ${o.names?.get(lst.address) ?? lst.address} ${lst.enabled ? 'a' : '*D'}`);
    services(lst.services);
  });
  out.push(`${d3(-1)}. Global services`);
  services(l.services);
  return out.map((x) => x + '\n').join('');
}

const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function legacyXml(l: ListingJson, o: LegacyRenderOptions): string {
  const out: string[] = ['<pound>'];
  if (o.queueLine) out.push(`<queue size="${l.core?.queue_len ?? 0}"/>`);
  const services = (list: ServiceJson[]): void => {
    list.forEach((svc, i) => {
      const state = svc.enabled ? 'active' : 'DISABLED';
      if (svc.name !== null) out.push(`<service index="${i}" name="${attr(svc.name)}" status="${state}">`);
      else out.push(svc.enabled ? `<service index="${i}">` : `<service index="${i}" DISABLED>`);
      regular(svc).forEach((b, j) => {
        out.push(
          `<backend index="${j}" address="${attr(addressOf(b, o))}" avg="0.000" priority="${b.priority}" alive="${b.alive ? 'yes' : 'DEAD'}" status="${b.enabled ? 'active' : 'DISABLED'}" />`,
        );
      });
      (svc.sessions ?? []).forEach((s, j) => out.push(`<session index="${j}" key="${attr(s.key)}" backend="${s.backend}" />`));
      out.push('</service>');
    });
  };
  l.listeners.forEach((lst, i) => {
    const address = o.names?.get(lst.address) ?? lst.address;
    out.push(`<listener index="${i}" protocol="${lst.protocol === 'https' ? 'HTTPS' : 'http'}" address="${attr(address)}" status="${lst.enabled ? 'active' : 'DISABLED'}">`);
    services(lst.services);
    out.push('</listener>');
  });
  services(l.services);
  out.push('</pound>');
  return out.map((x) => x + '\n').join('');
}

/** Every `address:port` in a listing, for -H. */
export function listedAddresses(l: ListingJson): string[] {
  const all = new Set<string>();
  const svc = (s: ServiceJson): void => {
    for (const b of regular(s)) if (b.type === 'backend' && b.address !== undefined) all.add(b.address);
  };
  for (const lst of l.listeners) {
    all.add(lst.address);
    lst.services.forEach(svc);
  }
  l.services.forEach(svc);
  return [...all];
}
