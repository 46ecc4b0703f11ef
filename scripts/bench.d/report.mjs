// Turns the run's plain data into Markdown tables (readable in a terminal and pasteable
// into BENCHMARKS.md).
const k = (x) => (x >= 10000 ? `${(x / 1000).toFixed(1)}k` : x >= 1000 ? `${(x / 1000).toFixed(2)}k` : `${Math.round(x)}`);
const ms = (x) => (x === null || x === undefined ? '—' : x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(2)} ms`);
const mib = (kib) => (kib ? `${(kib / 1024).toFixed(1)} MiB` : '—');
const num = (x, d = 0) => (x === null || x === undefined ? '—' : x.toFixed(d));

function table(head, rows) {
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? ' ---: ' : ' --- ')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

export function renderReport(res) {
  const { machine: m, targets, scenarios, cells, ratios, instances, startup, poundCheck } = res;
  const out = [];
  out.push(`## penpound bench, ${m.date.slice(0, 16).replace('T', ' ')} UTC${m.commit ? `, commit ${m.commit}` : ''}\n`);
  out.push(`Machine: ${m.nproc} CPUs (${m.cpuModel}), Linux ${m.kernel}, Node ${m.node}; ` +
    `pen ${m.versions.pen}, haproxy ${m.versions.haproxy}, nginx ${m.versions.nginx}, wrk ${m.versions.wrk}. ` +
    `Load average ${m.loadAvgStart.join(' ')} at start, ${m.loadAvgEnd.join(' ')} at end.\n`);
  const me = m.method;
  out.push(`Method: wrk -t1 -c${me.conns} on CPU ${me.wrkCpus}, proxy on CPU ${me.proxyCpus}, nginx ×2 ${me.nginxCpus === 'unpinned' ? 'unpinned' : `on CPU ${me.nginxCpus}`}; ` +
    `${me.seconds} s per cell, median of ${me.reps}${me.quick ? ' (--quick: indicative only)' : ''}.\n`);

  const notes = [];
  const note = (text) => { let i = notes.indexOf(text); if (i < 0) { notes.push(text); i = notes.length - 1; } return `n/a[${i + 1}]`; };
  const shown = targets.filter((t) => scenarios.some((s) => cells[s.id]?.[t.id]));
  const ratioCols = ratios.filter(([, a, b]) => shown.some((t) => t.id === a) && shown.some((t) => t.id === b));

  out.push('\n### Requests per second (median)\n\n');
  out.push(table(['scenario', ...shown.map((t) => t.label), ...ratioCols.map(([l]) => l)], scenarios.map((s) => {
    const row = cells[s.id] ?? {};
    const cell = (id) => { const c = row[id]; if (!c) return ''; return c.na ? note(`${labelOf(targets, id)}${s.id.startsWith('tls') ? ' (TLS)' : ''}: ${c.na}`) : k(c.rps); };
    const ratio = ([, a, b]) => (row[a]?.rps && row[b]?.rps ? `${(row[a].rps / row[b].rps).toFixed(2)}` : '');
    return [s.label, ...shown.map((t) => cell(t.id)), ...ratioCols.map(ratio)];
  })));
  if (notes.length) out.push(`\n${notes.map((n, i) => `[${i + 1}] ${n}`).join('  \n')}\n`);

  out.push('\n### Latency and proxy CPU per request (median of reps)\n\n');
  const detail = [];
  for (const s of scenarios) {
    for (const t of shown) {
      const c = cells[s.id]?.[t.id];
      if (!c || c.na) continue;
      detail.push([s.id, t.label, k(c.rps), `${k(c.minRps)}–${k(c.maxRps)}`, ms(c.p50ms), ms(c.p99ms),
        num(c.cpuUsPerReq, 1), c.cpuUsPerReq ? `${Math.round((100 * c.userUsPerReq) / c.cpuUsPerReq)}%` : '—', c.errors + (c.failedReps ? ` (${c.failedReps} rep failed)` : '')]);
    }
  }
  out.push(table(['scenario', 'target', 'req/s', 'range', 'p50', 'p99', 'proxy CPU µs/req', 'of which user', 'errors'], detail));
  out.push('\n"proxy CPU µs/req" is user+system time of the proxy\'s process group during the cell divided by requests completed ("of which user": the share spent outside the kernel); it is less sensitive to other load on the machine than req/s.\n');

  out.push('\n### Memory and start-up\n\n');
  const memRows = shown.filter((t) => t.id !== 'direct').map((t) => {
    const plain = instances.find((i) => i.target === t.id && !i.tls);
    const tls = instances.find((i) => i.target === t.id && i.tls);
    const st = startup[t.id];
    return [t.label, mib(plain?.idleRssKiB), mib(plain?.peakRssKiB), tls ? mib(tls.peakRssKiB) : '—',
      st ? (st.na ? `n/a (${st.na.slice(0, 80)})` : `${st.medianMs.toFixed(1)} / ${st.minMs.toFixed(1)} ms (${st.runs} runs)`) : '—'];
  });
  out.push(table(['target', 'idle RSS', 'peak RSS (whole run)', 'peak RSS, TLS instance', 'start-up to listening, median / min'], memRows));
  if (poundCheck) {
    out.push(poundCheck.na
      ? `\n\`pound -c\` on the seed config: n/a (${poundCheck.na})\n`
      : `\n\`pound -c\` on the seed config (${poundCheck.seed}, Cert pointed at a generated PEM): ` +
        `median ${poundCheck.medianMs.toFixed(1)} ms, min ${poundCheck.minMs.toFixed(1)} ms over ${poundCheck.runs} runs (${poundCheck.tool}); ` +
        `exit ${poundCheck.exitCode}, output: \`${poundCheck.output}\`\n`);
  }
  return `${out.join('')}\n`;
}

function labelOf(targets, id) {
  return targets.find((t) => t.id === id)?.label ?? id;
}
