// pen: the TCP/UDP load balancer's command line (see run.ts for the start-up sequence).
import { fileURLToPath } from 'node:url';
import { penMain } from '../run.js';

// A proxy must outlive a bug in one connection's handling: report it and keep serving.
process.on('uncaughtException', (error) => {
  process.stderr.write(`pen: internal error: ${error.stack ?? error.message}\n`);
});

await penMain(process.argv.slice(2), process.env, fileURLToPath(import.meta.url));
