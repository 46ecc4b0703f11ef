// penctl HOST:PORT|/PATH COMMAND [ARGS...]: sends one command line to pen's control port
// and copies the reply to stdout. Exit 0 whatever pen answered; 1 when it could not talk.
import { connect, type Socket } from 'node:net';
import { lookup } from 'node:dns';
import { lookupService } from '../services.js';

/** The whole command line, newline included, must fit penctl's 1 KB buffer. */
const MAX_COMMAND = 1021;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** gai_strerror texts for the resolver failures users meet. */
function gaiMessage(code: string | undefined): string {
  switch (code) {
    case 'EAI_AGAIN': return 'Temporary failure in name resolution';
    case 'ENODATA': case 'EAI_NODATA': return 'No address associated with hostname';
    case 'EAI_FAIL': return 'Non-recoverable failure in name resolution';
    default: return 'Name or service not known';
  }
}

function resolve(host: string): Promise<string> {
  return new Promise((ok) => {
    if (host === '') fail(`getaddrinfo: ${gaiMessage(undefined)}`);
    lookup(host, (error, address) => (error ? fail(`getaddrinfo: ${gaiMessage(error.code)}`) : ok(address)));
  });
}

async function open(target: string): Promise<Socket> {
  let options: { path: string } | { host: string; port: number };
  if (target.includes('/')) {
    options = { path: target };
  } else {
    const colon = target.lastIndexOf(':');
    if (colon === -1) fail('no port given');
    const portText = target.slice(colon + 1);
    const port = /^\d+$/.test(portText) ? Number(portText) : lookupService(portText, 'tcp');
    if (port === undefined || port > 65535) fail('getaddrinfo: Servname not supported for ai_socktype');
    options = { host: await resolve(target.slice(0, colon)), port };
  }
  return new Promise((ok) => {
    const socket = connect(options);
    socket.once('connect', () => ok(socket));
    socket.once('error', () => fail('error connecting to server'));
  });
}

async function main(args: string[]): Promise<void> {
  if (args.length < 2) {
    process.stdout.write('usage: penctl host:port command\n');
    return;
  }
  const socket = await open(args[0]!);
  socket.removeAllListeners('error');
  const command = args.slice(1).join(' ');
  if (Buffer.byteLength(command) > MAX_COMMAND) fail('Overlong argument list');
  socket.on('error', () => fail('error reading from socket'));
  socket.on('data', (chunk) => process.stdout.write(chunk));
  socket.on('end', () => socket.destroy());
  socket.write(`${command}\n`, (error) => {
    if (error) fail('error writing to socket');
  });
}

await main(process.argv.slice(2));
