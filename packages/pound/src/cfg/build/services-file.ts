// Port given as a service name (4.x: `Port http`), looked up in /etc/services like
// getservbyname() would; read once, on first use.
import { readFileSync } from 'node:fs';

let table: Map<string, number> | undefined;

function load(): Map<string, number> {
  const m = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync('/etc/services', 'utf8');
  } catch {
    /* no services database: only numbers work */
  }
  for (const line of text.split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    const pp = /^(\d+)\/tcp$/.exec(fields[1] ?? '');
    if (!pp) continue;
    for (const name of [fields[0]!, ...fields.slice(2)]) if (!m.has(name)) m.set(name, Number(pp[1]));
  }
  return m;
}

/** A port number or TCP service name → port, or undefined. */
export function servicePort(word: string): number | undefined {
  if (/^\d+$/.test(word)) {
    const n = Number(word);
    return n <= 65535 ? n : undefined;
  }
  table ??= load();
  return table.get(word);
}
