// Baseline: the simplest node:http reverse proxy (keep-alive agent, round robin), what
// "naive Node HTTP" means in the table. Usage: node naive-http-proxy.mjs PORT BACKEND_PORT...
import http from 'node:http';

const [port, ...backends] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
let next = 0;
http.createServer((req, res) => {
  const upstream = http.request({
    host: '127.0.0.1', port: backends[next++ % backends.length], agent,
    method: req.method, path: req.url, headers: req.headers,
  }, (up) => {
    res.writeHead(up.statusCode, up.headers);
    up.pipe(res);
  });
  upstream.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
  req.pipe(upstream);
}).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
