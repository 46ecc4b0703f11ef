// pen: the TCP/UDP load balancer's command line (see run.ts for the start-up sequence).
import { fileURLToPath } from 'node:url';
import { penMain, reportInternalError } from '../run.js';

// A proxy must outlive a bug in one connection's handling: report it and keep serving.
process.on('uncaughtException', reportInternalError);

try {
  await penMain(process.argv.slice(2), process.env, fileURLToPath(import.meta.url));
} catch (error) {
  // A failure before pen could start is fatal, as in pen.
  reportInternalError(error as Error);
  process.exit(1);
}
