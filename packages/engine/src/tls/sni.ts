// pen `ssl_sni_path DIR`: for a client-supplied server name NAME, a context built from
// DIR/NAME.crt, DIR/NAME.key and (if present) DIR/NAME.ca, made on first use and kept —
// a failure too (the default certificate is used then), as pen does. Names that are not
// plain host names are never turned into paths.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { certificateBlocks } from './pem.js';

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

export class SniContexts {
  private readonly cache = new Map<string, SecureContext | undefined>();

  constructor(private readonly dir: string) {}

  get(name: string): SecureContext | undefined {
    if (this.cache.has(name)) return this.cache.get(name);
    let context: SecureContext | undefined;
    if (name.length <= 253 && HOST_NAME.test(name)) {
      try {
        const base = join(this.dir, name);
        const ca = existsSync(base + '.ca') ? certificateBlocks(readFileSync(base + '.ca', 'latin1')) : undefined;
        context = createSecureContext({
          cert: readFileSync(base + '.crt'),
          key: readFileSync(base + '.key'),
          ...(ca && ca.length > 0 ? { ca } : {}),
        });
      } catch {
        context = undefined;
      }
    }
    if (this.cache.size < 10000) this.cache.set(name, context);
    return context;
  }
}
