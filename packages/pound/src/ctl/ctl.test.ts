// poundctl's pure parts: pound 4's JSON form, both command lines, telling them apart, and
// the 2.x renderings of a listing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compactJson, indentedJson } from './json.js';
import { isLegacyCommandLine, parseLegacyArgs } from './legacy-cli.js';
import { legacyText, legacyXml, type ListingJson } from './legacy-render.js';
import { parseModernArgs } from './modern-cli.js';

describe('pound 4 JSON', () => {
  it('sorts keys and separates with ", " on one line', () => {
    assert.equal(compactJson({ b: [1, 'x', null], a: { d: true, c: false } }), '{"a":{"c":false, "d":true}, "b":[1, "x", null]}');
    assert.equal(compactJson([]), '[]');
    assert.equal(compactJson({}), '{}');
  });
  it('-i N indents like JSON.stringify with sorted keys; -i 0 is the compact form', () => {
    assert.equal(indentedJson({ b: 1, a: [] }, 2), '{\n  "a": [],\n  "b": 1\n}');
    assert.equal(indentedJson({ b: 1, a: [] }, 0), '{"a":[], "b":1}');
  });
});

describe('poundctl command lines', () => {
  it('2.x is recognised by -c or its own letters; 4.x otherwise', () => {
    assert.equal(isLegacyCommandLine(['-c', '/s']), true);
    assert.equal(isLegacyCommandLine(['-c/s', '-X']), true);
    assert.equal(isLegacyCommandLine(['-b', '0', '0', '1']), true);
    assert.equal(isLegacyCommandLine(['-s', '/run/-cx.sock', 'list']), false);
    assert.equal(isLegacyCommandLine(['-j', '-i', '2', 'list', '/1']), false);
    assert.equal(isLegacyCommandLine([]), false);
    assert.equal(isLegacyCommandLine(['disable', '/-/1']), false);
  });
  it('2.x: one command with its operands (negative ones included), -X, -H', () => {
    assert.deepEqual(parseLegacyArgs(['-c', '/s', '-s', '-1', '2', '-X']), { socket: '/s', command: { letter: 's', operands: ['-1', '2'] }, xml: true, hostNames: false });
    assert.deepEqual(parseLegacyArgs(['-H', '-c/s']), { socket: '/s', command: undefined, xml: false, hostNames: true });
    assert.deepEqual(parseLegacyArgs(['-c', '/s', '-N', '0', '1', 'key', '2'])?.command, { letter: 'N', operands: ['0', '1', 'key', '2'] });
    for (const bad of [[], ['-c'], ['-L', '0'], ['-c', '/s', '-B', '0', '1'], ['-c', '/s', '-l', '0', '-L', '0'], ['-c', '/s', 'extra'], ['-c', '/s', '-q']]) {
      assert.equal(parseLegacyArgs(bad), undefined, bad.join(' '));
    }
  });
  it('4.x: getopt with permutation, -i N, -s, unknown options', () => {
    const p = parseModernArgs(['list', '-j', '/1', '-i', '4', '-s', '/x'], 'poundctl');
    assert.deepEqual(p, { ok: true, args: { configFile: '/etc/pound/pound.cfg', json: true, indent: 4, help: false, version: false, words: ['list', '/1'], socket: '/x' } });
    assert.deepEqual(parseModernArgs(['-z'], 'pc'), { ok: false, message: "pc: invalid option -- 'z'" });
    assert.deepEqual(parseModernArgs(['-s'], 'pc'), { ok: false, message: "pc: option requires an argument -- 's'" });
  });
});

describe('2.x listings', () => {
  const listing: ListingJson = {
    core: { queue_len: 3 },
    listeners: [
      {
        address: '192.0.2.1:80',
        enabled: true,
        protocol: 'http',
        services: [
          {
            name: 'www',
            enabled: true,
            backends: [
              { type: 'backend', address: '10.0.0.1:8080', alive: true, enabled: true, priority: 5, weight: 0 },
              { type: 'backend', address: '10.0.0.2:8080', alive: false, enabled: false, priority: 5, weight: 0 },
              { type: 'backend', address: '10.0.0.9:8080', alive: true, enabled: true, priority: 5, weight: 65535 },
            ],
            sessions: [{ key: '192.0.2.7', backend: 0 }],
          },
        ],
      },
      { address: '192.0.2.1:443', enabled: false, protocol: 'https', services: [] },
    ],
    services: [{ name: null, enabled: true, backends: [{ type: 'redirect', alive: true, enabled: true, priority: 1, weight: 0 }], sessions: null }],
  };

  it('text: the spec §7.1 example layout (Emergency backends are not numbered)', () => {
    assert.equal(
      legacyText(listing, { queueLine: true }),
      'Requests in queue: 3\n' +
        '  0. http Listener 192.0.2.1:80 a\n' +
        '    0. Service "www" active (5)\n' +
        '      0. Backend 10.0.0.1:8080 active (5 0.000 sec) alive\n' +
        '      1. Backend 10.0.0.2:8080 DISABLED (5 0.000 sec) DEAD\n' +
        '      0. Session 192.0.2.7 -> 0\n' +
        '  1. HTTPS Listener 192.0.2.1:443 *D\n' +
        ' -1. Global services\n' +
        '    0. Service active (1)\n' +
        '      0. Backend (UNKNOWN):0 active (1 0.000 sec) alive\n',
    );
    assert.doesNotMatch(legacyText(listing, { queueLine: false }), /queue/);
    assert.match(legacyText(listing, { queueLine: false, names: new Map([['10.0.0.1:8080', 'app1:8080']]) }), /0\. Backend app1:8080 active/);
  });

  it('XML: unnamed services carry no status unless DISABLED', () => {
    const disabled = structuredClone(listing);
    disabled.services[0]!.enabled = false;
    const xml = legacyXml(disabled, { queueLine: true });
    assert.match(xml, /^<pound>\n<queue size="3"\/>\n<listener index="0" protocol="http" address="192\.0\.2\.1:80" status="active">\n<service index="0" name="www" status="active">\n/);
    assert.match(xml, /<backend index="1" address="10\.0\.0\.2:8080" avg="0\.000" priority="5" alive="DEAD" status="DISABLED" \/>\n/);
    assert.match(xml, /<listener index="1" protocol="HTTPS" address="192\.0\.2\.1:443" status="DISABLED">\n<\/listener>\n<service index="0" DISABLED>\n/);
    assert.ok(xml.endsWith('</service>\n</pound>\n'));
  });
});
