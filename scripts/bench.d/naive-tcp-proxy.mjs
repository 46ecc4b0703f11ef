// Baseline: the simplest Node TCP proxy (net + pipe, round robin), what "naive Node TCP"
// means in the table. Usage: node naive-tcp-proxy.mjs PORT BACKEND_PORT...
import net from 'node:net';

const [port, ...backends] = process.argv.slice(2).map(Number);
let next = 0;
net.createServer((client) => {
  const upstream = net.connect({ host: '127.0.0.1', port: backends[next++ % backends.length] });
  const drop = () => { client.destroy(); upstream.destroy(); };
  client.on('error', drop);
  upstream.on('error', drop);
  client.pipe(upstream).pipe(client);
}).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
