// getservbyname(3) for pen's port fields: "smtp", "http", ... looked up in /etc/services
// (name or alias, for the given protocol). Read once, on first use.
import { readFileSync } from 'node:fs';

type Protocol = 'tcp' | 'udp';
let table: Map<string, number> | undefined;

export function parseServices(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const fields = line.split(/\s+/);
    const m = /^(\d+)\/(\w+)$/.exec(fields[1] ?? '');
    if (!m) continue;
    const port = Number(m[1]);
    for (const name of [fields[0]!, ...fields.slice(2)]) {
      const key = `${name}/${m[2]}`;
      if (!map.has(key)) map.set(key, port);
    }
  }
  return map;
}

/** The port for a service name, or undefined when the name is unknown. */
export function lookupService(name: string, protocol: Protocol, file = '/etc/services'): number | undefined {
  if (!table) {
    try {
      table = parseServices(readFileSync(file, 'utf8'));
    } catch {
      table = new Map();
    }
  }
  return table.get(`${name}/${protocol}`);
}
