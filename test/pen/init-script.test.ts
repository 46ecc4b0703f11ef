// The user's init script from seed 000 (fixtures/pen/seed-000), run unchanged except for
// where its files live: DAEMON, PIDFILE and /etc/pen.conf point into a temp dir, and the
// pen.conf values point at local backends. start → round robin over three backends with
// X-Forwarded-For, status → running, stop → pid file removed. With Debian's pen too.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchMany, sharedBackends } from '../support/pen-http.js';
import { alive, freePort, OURS, REAL, REPO, run, SKIP_NO_REAL, sleep, tempDir, whichSync, type PenFlavour } from '../support/pen-process.js';

const SEED = join(REPO, 'fixtures/pen/seed-000');
const MISSING = !whichSync('start-stop-daemon')
  ? 'start-stop-daemon is not installed (Debian package dpkg)'
  : !existsSync('/lib/lsb/init-functions')
    ? '/lib/lsb/init-functions is missing (Debian package sysvinit-utils)'
    : false;

const backends = sharedBackends(['A', 'B', 'C']);

/** The seed's pen.conf with its values pointed at this machine; layout (and the repeated
 * SERVER2= line) unchanged. */
function localConf(dir: string, port: number): string {
  const ports = backends.map((b) => b.port);
  let n = 0;
  return readFileSync(join(SEED, 'pen.conf'), 'utf8')
    .replace('LOGFILE=/var/log/pen.log', `LOGFILE=${dir}/pen.log`)
    .replace('WEBFILE=/var/www/html/pen/webstats.html', `WEBFILE=${dir}/webstats.html`)
    .replace('PORT=80', `PORT=${port}`)
    .replace(/^(SERVER\d=)10\.0\.0\.5\d:80$/gm, (_m, key: string) => `${key}127.0.0.1:${ports[n++]}`);
}

function localScript(dir: string, daemon: string): string {
  return readFileSync(join(SEED, 'init.d-pend'), 'utf8')
    .replace('DAEMON=/usr/bin/pen', `DAEMON=${daemon}`)
    .replace('PIDFILE=/var/run/pen.pid', `PIDFILE=${dir}/pen.pid`)
    .split('/etc/pen.conf').join(`${dir}/pen.conf`);
}

for (const [flavour, skip] of [[OURS, MISSING], [REAL, MISSING || SKIP_NO_REAL]] as [PenFlavour, false | string][]) {
  describe(`seed 000 init script (${flavour.name})`, { skip }, () => {
    it('start serves round robin with X-Forwarded-For; status says running; stop removes the pid file', async () => {
      const dir = tempDir();
      const port = await freePort();
      writeFileSync(join(dir.path, 'pen.conf'), localConf(dir.path, port));
      const script = join(dir.path, 'pend');
      writeFileSync(script, localScript(dir.path, flavour.pen), { mode: 0o755 });
      const pidFile = join(dir.path, 'pen.pid');
      let pid = 0;
      try {
        const started = await run('/bin/sh', [script, 'start']);
        assert.equal(started.status, 0, started.stdout + started.stderr);
        const deadline = Date.now() + 5000;
        while (!existsSync(pidFile) && Date.now() < deadline) await sleep(25);
        pid = Number(readFileSync(pidFile, 'utf8'));
        assert.ok(alive(pid));

        const seen = backends.map((b) => b.requests.length);
        assert.deepEqual(await fetchMany(3, { port }), ['B', 'C', 'A']);
        backends.forEach((b, i) => {
          const request = b.requests[seen[i]!]!.toString('latin1');
          assert.match(request, /\r\nX-Forwarded-For: 127\.0\.0\.1\r\n\r\n$/, request);
        });

        const status = await run('/bin/sh', [script, 'status']);
        assert.equal(status.status, 0, status.stdout + status.stderr);
        assert.match(status.stdout, /Pend is running/);

        const stopped = await run('/bin/sh', [script, 'stop']);
        assert.equal(stopped.status, 0, stopped.stdout + stopped.stderr);
        const end = Date.now() + 5000;
        while ((alive(pid) || existsSync(pidFile)) && Date.now() < end) await sleep(25);
        assert.equal(alive(pid), false);
        assert.equal(existsSync(pidFile), false);
        // The request log got one line per request (flushed at the latest on TERM).
        assert.equal(readFileSync(join(dir.path, 'pen.log'), 'latin1').split('\n').filter(Boolean).length, 3);
      } finally {
        if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
        dir.remove();
      }
    });
  });
}
