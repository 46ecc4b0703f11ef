// pound 4 poundctl's default text output (its "default" template), as pound 4.23 prints
// it: the core block, then listeners (%3d), services (%6d), backends (%9d), each
// service's session type and sessions. Input: the control API's JSON objects.
type Obj = Record<string, unknown>;

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const pad = (n: number, w: number): string => String(n).padStart(w);

export function renderModern(v: unknown): string {
  const o = (v ?? {}) as Obj;
  switch (o.kind) {
    case 'pound':
      return fullText(o);
    case 'core':
      return coreText(o).join('\n') + '\n';
    case 'listener':
      return listenerLines(o).join('\n') + '\n';
    case 'service':
      return serviceLines(o).join('\n') + '\n';
    case 'backend':
      return backendLine(o) + '\n';
    default:
      return typeof v === 'object' ? '' : `${str(v)}\n`;
  }
}

function coreText(c: Obj): string[] {
  const w = (c.workers ?? {}) as Obj;
  const q = (c.queue ?? {}) as Obj;
  return [
    `Server time: ${str(c.timestamp)}`,
    `Uptime: ${uptime(Number(c.uptime ?? 0))}`,
    `Pound version: ${str(c.version)}`,
    `PID: ${str(c.pid)}`,
    'Workers:',
    `  Min:     ${str(w.min)}`,
    `  Max:     ${str(w.max)}`,
    `  Current: ${str(w.count)}`,
    `  Active:  ${str(w.active)}`,
    `Idle timeout: ${str(w.timeout)}`,
    'Queue: ',
    `  Length:  ${str(q.len ?? c.queue_len)}`,
    `  Max:     ${str(q.max)}`,
    '',
  ];
}

/** Microseconds → HH:MM:SS.uuuuuu (hours keep counting past a day). */
function uptime(us: number): string {
  const total = Math.floor(us / 1e6);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(total / 3600))}:${p(Math.floor(total / 60) % 60)}:${p(total % 60)}.${String(Math.floor(us % 1e6)).padStart(6, '0')}`;
}

function fullText(o: Obj): string {
  const lines = [...coreText((o.core ?? {}) as Obj), 'Listeners:', ''];
  ((o.listeners ?? []) as Obj[]).forEach((l, i) => {
    const [first, ...rest] = listenerLines(l);
    lines.push(`${pad(i, 3)}. ${first}`, ...rest);
  });
  const globals = (o.services ?? []) as Obj[];
  if (globals.length > 0) {
    lines.push('', 'Global services:', '');
    globals.forEach((s, i) => {
      const [first, ...rest] = serviceLines(s);
      lines.push(`${pad(i, 6)}. ${first}`, ...rest);
    });
  }
  lines.push('');
  return lines.join('\n') + '\n';
}

function listenerLines(l: Obj): string[] {
  const name = l.name !== null && l.name !== undefined ? `"${str(l.name)}" ` : '';
  const lines = [`Listener ${name}${str(l.protocol)}://${str(l.address)} ${l.enabled ? 'enabled' : 'disabled'}`];
  ((l.services ?? []) as Obj[]).forEach((s, i) => {
    const [first, ...rest] = serviceLines(s);
    lines.push(`${pad(i, 6)}. ${first}`, ...rest);
  });
  return lines;
}

function serviceLines(s: Obj): string[] {
  const name = s.name !== null && s.name !== undefined ? `"${str(s.name)}" ` : '';
  const lines = [`Service ${name}${s.enabled ? 'active' : 'disabled'}`];
  ((s.backends ?? []) as Obj[]).forEach((b, i) => lines.push(`${pad(i, 9)}. ${backendLine(b)}`));
  lines.push(`     Session type: ${str(s.session_type)}`);
  ((s.sessions ?? []) as Obj[]).forEach((x, i) => lines.push(`       ${i}. Session ${str(x.key)} ${str(x.backend)} ${str(x.expire)}`));
  return lines;
}

function backendLine(b: Obj): string {
  const state = b.enabled ? 'active' : 'disabled';
  const head = `${str(b.type)} (${str(b.weight)})`;
  switch (b.type) {
    case 'backend':
      return `${head} ${str(b.protocol)} ${str(b.address)} ${str(b.priority)} ${b.alive ? 'alive' : 'dead'} ${state}`;
    case 'redirect':
      return `${head} ${str(b.code)} ${str(b.url)} ${state}`;
    default:
      return `${head}  ${state}`;
  }
}
