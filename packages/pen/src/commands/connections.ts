// Looking at live traffic: `recent`, `connection N`, `close N`, `socket FD`.
import { penServerNumber } from '@penpound/engine/balance/pen-balancer';
import type { ConnectionEntry } from '@penpound/engine';
import { atoi } from '../atoi.js';
import { penListener, penNow, serviceStats, type PenState } from '../state.js';
import type { CommandHandler } from './context.js';

function liveConnections(state: PenState): ConnectionEntry[] {
  return state.handle?.connections(0) ?? [];
}

function inRange(state: PenState, slot: number): boolean {
  return slot >= 0 && slot < penListener(state).limits.maxConnections;
}

export const recent: CommandHandler = (args, { state, reply }) => {
  const seconds = args[0] === undefined ? 300 : atoi(args[0]);
  const now = penNow(state);
  let text = '';
  for (const client of serviceStats(state).clients) {
    if (client.lastSeen === 0 || now - client.lastSeen > seconds) continue;
    text += `${client.address} connects ${client.connects} sx ${client.sent} rx ${client.received}\n`;
  }
  reply(text);
};

export const connection: CommandHandler = (args, { state, reply }) => {
  const slot = args[0] === undefined ? 0 : atoi(args[0]);
  if (!inRange(state, slot)) {
    reply(`Connection ${slot} out of range\n`);
    return;
  }
  const c = liveConnections(state).find((e) => e.slot === slot);
  const pending = c && c.state & 1 ? 1 : 0;
  reply(
    `Connection ${slot}:\nstate = ${c?.state ?? 0}\ndownfd = ${c?.clientFd ?? -1}, upfd = ${c?.serverFd ?? -1}\n` +
      `client = ${c?.client ?? 0}, server = ${penServerNumber(c?.backend ?? 0)}\npend = ${pending}\n`,
  );
};

export const close: CommandHandler = (args, { state, reply }) => {
  const slot = args[0] === undefined ? 0 : atoi(args[0]);
  if (!inRange(state, slot)) {
    reply(`Connection ${slot} out of range\n`);
    return;
  }
  reply(`Forcibly closing connection ${slot}\n`);
  state.handle?.closeConnection(0, slot);
};

export const socket: CommandHandler = (args, { state, reply }) => {
  const fd = args[0] === undefined ? 0 : atoi(args[0]);
  const owner = liveConnections(state).find((e) => e.clientFd === fd || e.serverFd === fd);
  reply(`Socket ${fd} belongs to connection ${owner ? owner.slot : -1}\n`);
};
