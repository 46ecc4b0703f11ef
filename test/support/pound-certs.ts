// Test certificates for pound's Cert/CAlist/VerifyList/CRLlist checks, made at test time
// with the openssl command (never committed): a good combined PEM and every broken kind
// pound -c reports differently. EC keys: quick to generate.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

/**
 * Writes into `dir`: pound.pem (key + certificate, CN=www.example.com), chain.pem (leaf,
 * intermediate, key), certonly.pem, mismatch.pem, encrypted.pem, bad64.pem, badend.pem,
 * nocn.pem (SAN only), empty.pem, text.pem, ca.pem (a CA certificate), crl.pem (an empty CRL).
 */
export function makePoundCerts(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const w = (name: string, text: string) => writeFileSync(join(dir, name), text);
  const r = (name: string) => readFileSync(join(dir, name), 'latin1');
  openssl(['req', '-x509', ...EC, '-nodes', '-keyout', 'k1.key', '-out', 'c1.crt', '-days', '30', '-subj', '/CN=www.example.com'], dir);
  openssl(['req', '-x509', ...EC, '-nodes', '-keyout', 'k2.key', '-out', 'c2.crt', '-days', '30', '-subj', '/CN=other.example.com'], dir);
  openssl(['req', '-x509', ...EC, '-nodes', '-keyout', 'k3.key', '-out', 'c3.crt', '-days', '30', '-subj', '/O=No Common Name', '-addext', 'subjectAltName=DNS:nocn.example.com'], dir);
  openssl(['ec', '-in', 'k1.key', '-out', 'k1enc.key', '-aes128', '-passout', 'pass:secret'], dir);
  // A CA and an (empty) CRL signed by it.
  openssl(['req', '-x509', ...EC, '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Test CA'], dir);
  w('ca.cnf', `[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha256\ndefault_crl_days=30\n`);
  w('index.txt', '');
  w('crlnumber', '01\n');
  openssl(['ca', '-config', 'ca.cnf', '-gencrl', '-keyfile', 'ca.key', '-cert', 'ca.pem', '-out', 'crl.pem'], dir);

  const key1 = r('k1.key');
  const cert1 = r('c1.crt');
  w('pound.pem', key1 + cert1);
  w('chain.pem', cert1 + r('ca.pem') + key1);
  w('certonly.pem', cert1);
  w('mismatch.pem', cert1 + r('k2.key'));
  w('encrypted.pem', r('k1enc.key') + cert1);
  w('nocn.pem', r('k3.key') + r('c3.crt'));
  // One character of the certificate's base64 replaced by one that is not base64.
  const lines = cert1.split('\n');
  lines[3] = lines[3]!.slice(0, 10) + '!' + lines[3]!.slice(11);
  w('bad64.pem', key1 + lines.join('\n'));
  w('badend.pem', key1 + cert1.replace('-----END CERTIFICATE-----', '-----END CERTIFICATES-----'));
  w('empty.pem', '');
  w('text.pem', 'this is not a certificate\n');
}
