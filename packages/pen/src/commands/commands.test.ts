// The command language on its own (no engine, no sockets): tokenising, dispatch, replies,
// and what commands do to the model.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPenState, penListener, penService, serviceStats, type PenState } from '../state.js';
import { configLines } from '../configfile.js';
import { configFileText } from '../write-config.js';
import { runCommand } from './index.js';
import { firstLine, tokenise } from './tokenise.js';

function penState(): { state: PenState; debug: string[] } {
  const debug: string[] = [];
  const state = createPenState({ stdout: () => {}, debug: (t) => debug.push(t), exit: () => {}, foreground: () => true });
  return { state, debug };
}

async function ask(state: PenState, line: string): Promise<string> {
  let out = '';
  await runCommand(state, line, (t) => (out += t));
  return out;
}

describe('tokenising', () => {
  it('keeps only the first line and splits on spaces only', () => {
    assert.equal(firstLine('blacklist\r\nmode\n'), 'blacklist');
    assert.deepEqual(tokenise('  server  1   port 80 \n junk'), ['server', '1', 'port', '80']);
    assert.deepEqual(tokenise('blacklist\tx'), ['blacklist\tx']);
  });
  it('config files split lines longer than pen\'s 4096-byte buffer', () => {
    const lines = configLines(`${'a'.repeat(5000)}\nmode\n`);
    assert.deepEqual(lines.map((l) => l.length), [4095, 906, 5]);
  });
});

describe('dispatch and replies', () => {
  it('unknown, case-sensitive, comments, empty lines, bare no', async () => {
    const { state } = penState();
    assert.equal(await ask(state, 'bogus 1 2'), "do_cmd: ignoring command starting with 'bogus'\n");
    assert.equal(await ask(state, 'SERVERS'), "do_cmd: ignoring command starting with 'SERVERS'\n");
    assert.equal(await ask(state, '#servers'), '');
    assert.equal(await ask(state, '   '), '');
    assert.equal(await ask(state, 'no'), '');
    assert.equal(await ask(state, 'no such thing'), '');
  });
  it('numbers use atoi and reply the value', async () => {
    const { state } = penState();
    assert.equal(await ask(state, 'blacklist 12abc'), '12\n');
    assert.equal(penService(state).balance.blacklistSeconds, 12);
    assert.equal(await ask(state, 'timeout x'), '0\n');
    assert.equal(await ask(state, 'client_acl 11'), '0\n');
    assert.equal(await ask(state, 'tarpit_acl 3'), 'tarpit_acl = 3');
  });
  it('the first clients_max / conn_max set any size, later ones only grow', async () => {
    const { state } = penState();
    assert.equal(await ask(state, 'clients_max 10'), '10\n');
    assert.equal(await ask(state, 'clients_max 5'), '10\n');
    assert.equal(await ask(state, 'conn_max 1'), '1\n');
    assert.equal(await ask(state, 'conn_max 600'), '600\n');
    assert.equal(penListener(state).limits.maxConnections, 600);
  });
  it('flags and mode', async () => {
    const { state } = penState();
    await ask(state, 'hash');
    await ask(state, 'roundrobin');
    await ask(state, 'http');
    assert.equal(await ask(state, 'mode'), 'hash roundrobin no stubborn no weight no prio\n');
    assert.equal(penListener(state).tcp!.forwardedFor, true);
    await ask(state, 'no roundrobin');
    assert.equal(penService(state).balance.clientTracking, true);
  });
  it('server grows the table with blank slots; port on a blank slot is ignored', async () => {
    const { state } = penState();
    await ask(state, 'server 2 port 7 max 3');
    const backends = penService(state).backends;
    assert.equal(backends.length, 3);
    assert.deepEqual(backends[2]!.endpoint, { kind: 'unspecified' });
    assert.equal(backends[2]!.limits.softMax, 3);
    assert.equal(serviceStats(state).backends.length, 3);
    assert.equal(await ask(state, 'servers'), [0, 1, 2].map((i) => `${i} addr (unknown address family 0 port 0 conn 0 max ${i === 2 ? 3 : 0} hard 0 weight 0 prio 0 sx 0 rx 0\n`).join(''));
  });
  it('server address keeps the port and stops the line when it does not resolve', async () => {
    const { state, debug } = penState();
    await ask(state, 'server 0 address 127.0.0.1 port 99999 weight 2');
    await ask(state, 'server 0 address nosuchhost.invalid weight 9');
    assert.equal(await ask(state, 'servers'), '0 addr 127.0.0.1 port 34463 conn 0 max 0 hard 0 weight 2 prio 0 sx 0 rx 0\n');
    assert.deepEqual(debug, ['getaddrinfo: Name or service not known']);
  });
  it('server N blacklist T: failed T - blacklist seconds from now', async () => {
    const { state } = penState();
    await ask(state, 'server 0 address 127.0.0.1 blacklist 100');
    const now = Math.floor(Date.now() / 1000);
    assert.ok(Math.abs(serviceStats(state).backends[0]!.failedAt - (now + 70)) <= 1);
  });
  it('acl entries are kept as pen prints them back', async () => {
    const { state, debug } = penState();
    await ask(state, 'acl 1 permit 127.0.0.1');
    await ask(state, 'acl 1 deny 0:0::1/64');
    await ask(state, 'acl 10 permit 1.2.3.4');
    await ask(state, 'acl 2 maybe 1.2.3.4');
    assert.deepEqual(state.config.acls[1], [
      { action: 'permit', kind: 'ipv4', address: '127.0.0.1', mask: '255.255.255.255' },
      { action: 'deny', kind: 'ipv6', address: '::1', prefixLength: 64 },
    ]);
    assert.deepEqual(debug, ['add_acl: 10 outside (0,10)', 'acl: expected permit|deny']);
    await ask(state, 'no acl 1');
    assert.deepEqual(state.config.acls[1], []);
  });
  it('log: a file, or host:port for the network log (echoed as the host only); no log forgets the name', async () => {
    const { state } = penState();
    assert.equal(await ask(state, 'log /tmp/x.log'), '/tmp/x.log\n');
    assert.deepEqual(state.config.logging.requestLog, { kind: 'file', path: '/tmp/x.log', format: 'pen' });
    assert.equal(await ask(state, 'log 127.0.0.1:5555'), '127.0.0.1\n');
    await ask(state, 'no log');
    assert.equal(await ask(state, 'log'), '');
    assert.equal(state.config.logging.requestLog?.kind, 'udp');
  });
  it('crash quirks of the original answer quietly', async () => {
    const { state } = penState();
    assert.equal(await ask(state, 'source'), '');
    assert.equal(await ask(state, 'no acl'), '');
    assert.equal(await ask(state, 'ssl_ocsp_response'), '');
    assert.equal(await ask(state, 'idlers 5'), 'Idlers: 0/0\n');
    assert.equal(await ask(state, 'source bogus..host'), "unable to set source address to 'bogus..host'");
  });
  it('exit needs -X', async () => {
    const { state } = penState();
    let exited = false;
    state.host.exit = () => (exited = true);
    assert.equal(await ask(state, 'exit'), 'Exit is not enabled; restart with -X flag\n');
    state.settings.allowExit = true;
    assert.equal(await ask(state, 'exit'), '');
    assert.equal(exited, true);
  });
});

describe('write layout', () => {
  it('header options in pen\'s order, then the commands', async () => {
    const { state } = penState();
    state.settings.udp = true;
    state.settings.allowExit = true;
    state.settings.emergencySpec = 'e:1';
    state.settings.abuseSpec = 'b:2';
    state.settings.controlSpec = '127.0.0.1:10999';
    state.config.process.chroot = '/';
    state.config.process.pidFile = '/run/p.pid';
    state.config.process.user = 'root';
    penListener(state).spec = '10990';
    await ask(state, 'clients_max 100');
    await ask(state, 'conn_max 600');
    await ask(state, 'server 0 address 127.0.0.1 port 10080 max 1 hard 2 weight 3 prio 4');
    await ask(state, 'weight');
    const text = configFileText(state, '/etc/pen/x.cfg', new Date(2026, 10, 22, 3, 9, 1));
    assert.equal(
      text.split('\n').slice(0, 3).join('\n'),
      "# Generated by pen 2026-11-22 03:09:01\n# pen -U -f -X -c 100 -e e:1 -B b:2 -j '/' -p '/run/p.pid' -u 'root' -x 600 -F '/etc/pen/x.cfg' -C 127.0.0.1:10999 10990\nno acl 0",
    );
    assert.match(text, /\nroundrobin|\nno roundrobin\nserver 0 acl 0 address 127\.0\.0\.1 port 10080 max 1 hard 2 weight 3\nno stubborn\ntcp_fastclose off\nno tcp_nodelay\ntimeout 3\ntracking 0\nno web_stats\nweight\nno prio\n$/);
  });
});
