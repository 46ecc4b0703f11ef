// The -w status page (SIGUSR1 and the `status` command) and, without -w, the same figures
// as debug messages. The HTML is pen 0.34.1's, byte for byte: scripts scrape it.
import { penServerNumber } from '@penpound/engine/balance/pen-balancer';
import { localTimestamp } from './clock.js';
import { addressText, portNumberOf } from './resolve.js';
import { penListener, penNow, penService, serviceStats, type PenState } from './state.js';

const HEAD = '<td bgcolor="#80f080">';

function row(cells: (string | number)[]): string {
  return `<tr>\n${cells.map((c) => `<td>${c}</td>\n`).join('')}</tr>\n`;
}

function headRow(cells: string[]): string {
  return `<tr>\n${cells.map((c) => `${HEAD}${c}</td>\n`).join('')}</tr>\n`;
}

export function statusPageHtml(state: PenState, when: Date = new Date()): string {
  const backends = penService(state).backends;
  const stats = serviceStats(state);
  const listenerStats = state.handle?.stats.listeners[0];
  const connections = state.handle?.connections(0) ?? [];
  const now = penNow(state);
  let html =
    '<html>\n<head>\n<title>Pen status page</title>\n</head>\n' +
    '<body bgcolor="#ffffff"><h1>Pen status page</h1>\n' +
    `Time ${localTimestamp(when)}, ${backends.length} servers, ${stats.current} current<p>\n` +
    '<table bgcolor="#c0c0c0">\n' +
    headRow(['server', 'address', 'status', 'port', 'connections', 'max soft', 'max hard', 'sent', 'received', 'weight', 'prio']);
  backends.forEach((b, i) => {
    const s = stats.backends[i];
    html += row([i, addressText(b.endpoint), s?.failedAt ?? 0, portNumberOf(b.endpoint), s?.connections ?? 0, b.limits.softMax, b.limits.hardMax, s?.sent ?? 0, s?.received ?? 0, b.weight, b.priority]);
  });
  html +=
    '</table>\n' +
    `<h2>Active clients</h2>Max number of clients: ${penService(state).balance.clientTableSize}<p><table bgcolor="#c0c0c0">\n` +
    headRow(['client', 'address', 'age(secs)', 'last server', 'connects', 'sent', 'received']);
  stats.clients.forEach((c, j) => {
    if (c.lastSeen === 0) return;
    html += row([j, c.address, now - c.lastSeen, penServerNumber(c.backend), c.connects, c.sent, c.received]);
  });
  html +=
    '</table>\n' +
    `<h2>Active connections</h2>Number of connections: ${penListener(state).limits.maxConnections} max, ${listenerStats?.connectionsUsed ?? 0} used, ${listenerStats?.lastSlot ?? 0} last<p><table bgcolor="#c0c0c0">\n` +
    headRow(['connection', 'downfd', 'upfd', 'pending data down', 'pending data up', 'client', 'server']);
  for (const c of connections) {
    html += row([c.slot, c.clientFd, c.serverFd, c.pendingToClient, c.pendingToServer, c.client, penServerNumber(c.backend)]);
  }
  html += '</table>\n</body>\n</html>\n';
  return html;
}

/** SIGUSR1 without -w: one debug message per block, as pen prints them (client blocks
 * with the text pen meant to print; its own are garbled by a format-string bug). */
export function statusTextBlocks(state: PenState, when: Date = new Date()): string[] {
  const backends = penService(state).backends;
  const stats = serviceStats(state);
  const now = penNow(state);
  const blocks = [`Time ${localTimestamp(when)}, ${backends.length} servers, ${stats.current} current`];
  backends.forEach((b, i) => {
    const s = stats.backends[i];
    blocks.push(
      `Server ${i} status:\naddress ${addressText(b.endpoint)}\n${s?.failedAt ?? 0}\nport ${portNumberOf(b.endpoint)}\n` +
        `${s?.connections ?? 0} connections (${b.limits.softMax} soft, ${b.limits.hardMax} hard)\n${s?.sent ?? 0} sent, ${s?.received ?? 0} received\n`,
    );
  });
  blocks.push(`Max number of clients: ${penService(state).balance.clientTableSize}`, 'Active clients:');
  stats.clients.forEach((c, j) => {
    if (c.lastSeen === 0) return;
    blocks.push(`Client ${j} status:\naddress ${c.address}\nlast used ${now - c.lastSeen}\nlast server ${penServerNumber(c.backend)}\nconnects ${c.connects}\nsent ${c.sent}\nreceived ${c.received}\n`);
  });
  blocks.push(`Max number of connections: ${penListener(state).limits.maxConnections}`, 'Active connections:');
  for (const c of state.handle?.connections(0) ?? []) {
    blocks.push(`Connection ${c.slot} status:\ndownfd = ${c.clientFd}, upfd = ${c.serverFd}\npending data ${c.pendingToClient} down, ${c.pendingToServer} up\nclient ${c.client}, server ${penServerNumber(c.backend)}\n`);
  }
  return blocks;
}
