// Binding a listener's endpoint (TCP server or UDP socket), with pen's error text.
import { unlinkSync } from 'node:fs';
import type { Server } from 'node:net';
import type { Diagnostic, Endpoint } from '../model/types.js';

/** net.Server#listen({reusePort}) exists from Node 23.1 / 22.12; older versions ignore it. */
export function nodeSupportsReusePort(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

export function bindError(err: Error): Diagnostic {
  return { severity: 'error', message: "can't bind local address", hint: err.message, code: 'bind' };
}

export function listenTcp(server: Server, endpoint: Endpoint, backlog: number, reusePort: boolean): Promise<Diagnostic | undefined> {
  return new Promise((resolve) => {
    const onError = (err: Error) => {
      server.removeListener('listening', onListening);
      resolve(bindError(err));
    };
    const onListening = () => {
      server.removeListener('error', onError);
      resolve(undefined);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    try {
      if (endpoint.kind === 'unix') {
        try {
          unlinkSync(endpoint.path); // pen removes whatever is at the path first
        } catch {
          /* nothing there */
        }
        server.listen({ path: endpoint.path, backlog });
      } else if (endpoint.kind === 'inet') {
        const options: { host: string; port: number; backlog: number; reusePort?: boolean } = {
          host: endpoint.resolved ?? endpoint.host,
          port: endpoint.port,
          backlog,
        };
        if (reusePort && nodeSupportsReusePort()) options.reusePort = true;
        server.listen(options);
      } else {
        throw new Error('no address to listen on');
      }
    } catch (err) {
      server.removeListener('error', onError);
      server.removeListener('listening', onListening);
      resolve(bindError(err as Error));
    }
  });
}
