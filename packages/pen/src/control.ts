// The control port (-C): one command per connection. pen reads once (up to 4095 bytes),
// runs the first line, writes the reply and closes. Unlike pen 0.34.1, the read does not
// block the proxy: a client that says nothing is simply dropped after a few seconds.
import { createServer, type Server, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';
import type { Endpoint } from '@penpound/engine';
// The engine's ACL test (client and server ACLs) decides for the control port too.
import { aclPermits } from '@penpound/engine/balance/acl';
import { runCommand } from './commands/index.js';
import type { PenState } from './state.js';

const READ_LIMIT = 4095;
const IDLE_CLIENT_MS = 5000;

export function handleControlClient(state: PenState, socket: Socket): void {
  socket.setTimeout(IDLE_CLIENT_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.once('data', (chunk: Buffer) => {
    socket.pause();
    socket.removeAllListeners('data');
    const permitted = aclPermits(state.config.acls[state.settings.controlAcl] ?? [], socket.remoteAddress);
    if (!permitted) {
      socket.end();
      return;
    }
    const line = chunk.subarray(0, READ_LIMIT).toString('utf8');
    const replies: string[] = [];
    runCommand(state, line, (text) => replies.push(text)).then(
      () => socket.end(Buffer.from(replies.join(''), 'utf8')),
      () => socket.destroy(),
    );
  });
  socket.on('end', () => socket.end());
}

/** Opens the control socket; a string is pen's fatal message. */
export function startControlServer(state: PenState, endpoint: Endpoint): Promise<Server | string> {
  return new Promise((resolve) => {
    const server = createServer({ allowHalfOpen: true }, (socket) => handleControlClient(state, socket));
    server.once('error', () => resolve("can't bind local address"));
    const ready = () => {
      server.removeAllListeners('error');
      server.on('error', (e) => state.host.debug(`control: ${e.message}`));
      resolve(server);
    };
    if (endpoint.kind === 'unix') {
      try { unlinkSync(endpoint.path); } catch { /* nothing to remove */ }
      server.listen(endpoint.path, ready);
    } else if (endpoint.kind === 'inet') {
      server.listen({ host: endpoint.resolved ?? endpoint.host, port: endpoint.port, backlog: 5 }, ready);
    } else {
      resolve("can't bind local address");
    }
  });
}
