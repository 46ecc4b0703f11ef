// Certificates made at test time with the openssl CLI (never committed).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  /** Server certificate + key in one PEM (pen -E alone). */
  combined: string;
  cert: string;
  key: string;
  /** A key that belongs to another certificate. */
  otherKey: string;
  /** CA that signed `clientCert`. */
  caCert: string;
  clientCert: string;
  clientKey: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'pencerts-'));
  const rsa = ['-newkey', 'rsa:2048', '-nodes'];
  openssl(['req', '-x509', ...rsa, '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=localhost'], dir);
  openssl(['req', '-x509', ...rsa, '-keyout', 'other-key.pem', '-out', 'other-cert.pem', '-days', '2', '-subj', '/CN=other'], dir);
  openssl(['req', '-x509', ...rsa, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Test CA'], dir);
  openssl(['req', ...rsa, '-keyout', 'client-key.pem', '-out', 'client.csr', '-subj', '/CN=client'], dir);
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'client.pem', '-days', '2'], dir);
  const combined = join(dir, 'combined.pem');
  writeFileSync(combined, readFileSync(join(dir, 'cert.pem'), 'latin1') + readFileSync(join(dir, 'key.pem'), 'latin1'));
  return {
    dir,
    combined,
    cert: join(dir, 'cert.pem'),
    key: join(dir, 'key.pem'),
    otherKey: join(dir, 'other-key.pem'),
    caCert: join(dir, 'ca.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client-key.pem'),
  };
}
