// The seed article's three `pound -c` outputs, byte for byte, including the article's
// certificate path: a scratch directory is mounted on /usr/share in a private mount
// namespace (unshare -rm), so nothing outside the test is touched. Skipped where user
// namespaces are not available.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePoundCerts } from '../support/pound-certs.js';
import { POUND, REPO } from '../support/pound-golden.js';

const SEED = readFileSync(join(REPO, 'fixtures/pound/check/seed-nocert.cfg'), 'latin1').replace('\tCert', 'Cert');

function canUnshare(): boolean {
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount --bind /tmp /mnt 2>/dev/null || mount --bind / /mnt'], { stdio: 'ignore' });
  return r.status === 0;
}

describe('the seed article, byte for byte', () => {
  let dir = '';
  const skip = canUnshare() ? false : 'unshare -rm (user + mount namespaces) is not available here';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pound-seed-'));
    makePoundCerts(join(dir, 'certs'));
    mkdirSync(join(dir, 'share-bad/ssl/certs'), { recursive: true });
    mkdirSync(join(dir, 'share-good/ssl/certs'), { recursive: true });
    copyFileSync(join(dir, 'certs/bad64.pem'), join(dir, 'share-bad/ssl/certs/pound.pem'));
    copyFileSync(join(dir, 'certs/pound.pem'), join(dir, 'share-good/ssl/certs/pound.pem'));
    writeFileSync(join(dir, 'pound.cfg'), SEED);
    writeFileSync(join(dir, 'typo.cfg'), SEED.replace('\nListenHTTP\n', '\nListenHTTTP \n'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** pound -c -f CFG with `share` mounted on /usr/share. */
  const check = (share: string, cfg: string) =>
    spawnSync('unshare', ['-rm', 'sh', '-c', `mount --bind "$1" /usr/share && exec "$2" -c -f "$3"`, 'sh', join(dir, share), POUND, join(dir, cfg)], {
      encoding: 'latin1',
    });

  it('OK', { skip }, () => {
    const r = check('share-good', 'pound.cfg');
    assert.equal(r.stderr, 'starting...\n');
    assert.equal(r.stdout, `Config file ${join(dir, 'pound.cfg')} is OK\n`);
    assert.equal(r.status, 0);
  });

  it('unknown directive "ListenHTTTP "', { skip }, () => {
    const r = check('share-good', 'typo.cfg');
    assert.equal(r.stderr, 'starting...\nline 7: unknown directive "ListenHTTTP " - aborted\n');
    assert.equal(r.stdout, '');
    assert.equal(r.status, 1);
  });

  it('a broken certificate', { skip }, () => {
    const r = check('share-bad', 'pound.cfg');
    assert.equal(
      r.stderr,
      'starting...\n' +
        'line 17: SSL_CTX_use_certificate_chain_file "/usr/share/ssl/certs/pound.pem" failed - aborted\n' +
        'error:0906D064:PEM routines:PEM_read_bio:bad base64 decode\n',
    );
    assert.equal(r.stdout, '');
    assert.equal(r.status, 1);
  });
});
