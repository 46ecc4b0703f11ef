// The keyword table: which directives each block accepts, in which pound versions, and
// the shape of their arguments. One table serves both grammars:
//  - legacy (2.4/2.8): every directive is a whole-line pattern, tried in table order; a
//    value outside the pattern (Port 0, Priority 10) makes the line an unknown directive;
//  - 4.x: keywords looked up per block, arguments checked by type with 4.x's messages.
// Canonical names are the 4.x spellings (Backend, not BackEnd); keywords are
// case-insensitive in every version.
import type { ArgKind, BlockKind } from './statements.js';

/** Legacy argument shapes: the regex fragment each directive's value must match. */
export const LEGACY_SHAPES = {
  /** `"(.+)"`: greedy, from the first to the last quote, no escapes, not empty. */
  Q: { re: '"([^]+)"', kind: 'string' },
  /** A bare token (Address, Session Type): quotes, if written, are part of it. */
  T: { re: '([^ \\t]+)', kind: 'literal' },
  N1: { re: '([1-9][0-9]*)', kind: 'number' },
  N0: { re: '([0-9]+)', kind: 'number' },
  D19: { re: '([1-9])', kind: 'number' },
  D05: { re: '([0-5])', kind: 'number' },
  D04: { re: '([01234])', kind: 'number' },
  D03: { re: '([0-3])', kind: 'number' },
  D02: { re: '([012])', kind: 'number' },
  B: { re: '([01])', kind: 'number' },
  TTL: { re: '([1-9-][0-9]*)', kind: 'literal' },
  FAC: { re: '([a-z0-9-]+)', kind: 'literal' },
  PROTO: { re: '(SSLv2|SSLv3|TLSv1|TLSv1_1|TLSv1_2)', kind: 'identifier' },
  CODE: { re: '(301|302|307)', kind: 'number' },
} as const satisfies Record<string, { re: string; kind: ArgKind }>;

export type LegacyShape = keyof typeof LEGACY_SHAPES;

/** A legacy directive form. Versions are 2.x minor numbers (2.5 → 5). */
export interface LegacyForm {
  name: string;
  args: LegacyShape[];
  since?: number;
  until?: number;
  opens?: BlockKind;
}

const f = (name: string, args: LegacyShape[] = [], extra: Partial<LegacyForm> = {}): LegacyForm => ({ name, args, ...extra });

const LISTENER_COMMON: LegacyForm[] = [
  f('Address', ['T']),
  f('Port', ['N1']),
  f('xHTTP', ['D04']),
  f('Client', ['N1']),
  f('CheckURL', ['Q']),
  f('Err414', ['Q']),
  f('Err500', ['Q']),
  f('Err501', ['Q']),
  f('Err503', ['Q']),
  f('MaxRequest', ['N1']),
  f('HeadRemove', ['Q']),
  f('AddHeader', ['Q']),
  f('RewriteLocation', ['D02']),
  f('RewriteDestination', ['B']),
  f('LogLevel', ['D05']),
  f('Service', [], { opens: 'service' }),
  f('Service', ['Q'], { opens: 'service' }),
];

const BACKEND: LegacyForm[] = [
  f('Address', ['T']),
  f('Port', ['N1']),
  f('Priority', ['D19']),
  f('TimeOut', ['N1']),
  f('ConnTO', ['N1'], { since: 5 }),
  f('HAport', ['N1']),
  f('HAport', ['T', 'N1']),
  f('HTTPS', [], { since: 5 }),
  f('HTTPS', ['Q'], { since: 5, until: 6 }),
  f('Cert', ['Q'], { since: 7 }),
  f('Ciphers', ['Q'], { since: 7 }),
  f('Disable', ['PROTO'], { since: 7 }),
  f('Disabled', ['B'], { since: 6 }),
];

/** Legacy directives per block, in the order the originals tried them. */
export const LEGACY_TABLE: Partial<Record<BlockKind, LegacyForm[]>> = {
  global: [
    f('User', ['Q']),
    f('Group', ['Q']),
    f('RootJail', ['Q']),
    f('Daemon', ['B']),
    f('Threads', ['N1'], { since: 6 }),
    f('LogFacility', ['FAC']),
    f('LogLevel', ['D05']),
    f('Alive', ['N1']),
    f('Client', ['N1']),
    f('TimeOut', ['N1']),
    f('ConnTO', ['N1'], { since: 5 }),
    f('Grace', ['N0']),
    f('IgnoreCase', ['B'], { since: 5 }),
    f('SSLEngine', ['Q']),
    f('ECDHCurve', ['Q'], { since: 7 }),
    f('Control', ['Q']),
    f('Anonymise', [], { since: 7 }),
    f('DynScale', ['B'], { until: 7 }),
    f('ListenHTTP', [], { opens: 'listen-http' }),
    f('ListenHTTPS', [], { opens: 'listen-https' }),
    f('Service', [], { opens: 'service' }),
    f('Service', ['Q'], { opens: 'service' }),
  ],
  'listen-http': LISTENER_COMMON,
  'listen-https': [
    ...LISTENER_COMMON,
    f('Cert', ['Q']),
    f('ClientCert', ['D03', 'D19']),
    f('Disable', ['PROTO'], { since: 7 }),
    f('Ciphers', ['Q']),
    f('SSLHonorCipherOrder', ['B'], { since: 7 }),
    f('SSLAllowClientRenegotiation', ['D02'], { since: 7 }),
    f('CAlist', ['Q']),
    f('VerifyList', ['Q']),
    f('CRLlist', ['Q']),
    f('NoHTTPS11', ['D02']),
  ],
  service: [
    f('URL', ['Q']),
    f('HeadRequire', ['Q']),
    f('HeadDeny', ['Q']),
    f('IgnoreCase', ['B'], { since: 5 }),
    f('Disabled', ['B'], { since: 6 }),
    f('Backend', [], { opens: 'backend' }),
    f('Emergency', [], { opens: 'emergency' }),
    f('Redirect', ['Q']),
    f('Redirect', ['CODE', 'Q']),
    f('Session', [], { opens: 'session' }),
    f('DynScale', ['B'], { until: 7 }),
  ],
  backend: BACKEND,
  emergency: BACKEND,
  session: [f('Type', ['T']), f('TTL', ['TTL']), f('ID', ['Q'])],
};

/** Names the legacy messages use for blocks ("BackEnd premature EOF"). */
export const LEGACY_BLOCK_NAMES: Partial<Record<BlockKind, string>> = {
  'listen-http': 'ListenHTTP',
  'listen-https': 'ListenHTTPS',
  service: 'Service',
  backend: 'BackEnd',
  emergency: 'BackEnd',
  session: 'Session',
};

export interface CompiledLegacyForm extends LegacyForm {
  regex: RegExp;
}

const compiled = new Map<string, CompiledLegacyForm[]>();

/** The forms of `block` available in 2.`minor`, with their whole-line regexes. */
export function legacyForms(block: BlockKind, minor: number): CompiledLegacyForm[] {
  const key = `${block}/${minor}`;
  let list = compiled.get(key);
  if (!list) {
    list = (LEGACY_TABLE[block] ?? [])
      .filter((x) => (x.since ?? 0) <= minor && minor <= (x.until ?? 99))
      .map((x) => {
        const written = x.name === 'Backend' ? 'BackEnd' : x.name;
        const args = x.args.map((a) => '[ \\t]+' + LEGACY_SHAPES[a].re).join('');
        // REG_ICASE applied to the whole line, as the originals compiled them.
        return { ...x, regex: new RegExp(`^[ \\t]*${written}${args}[ \\t]*$`, 'id') };
      });
    compiled.set(key, list);
  }
  return list;
}

// ---------------------------------------------------------------------------------------
// pound 4.x

/** Argument grammar for 4.x statements. */
export type ArgPattern =
  | { t: 'string' }
  | { t: 'uint'; min?: number; max?: number }
  | { t: 'int' }
  | { t: 'bool' }
  /** An unquoted word, optionally one of a fixed set (compared case-insensitively). */
  | { t: 'word'; values?: string[] }
  /** A quoted string or an unquoted word. */
  | { t: 'any' }
  /** A port: number or service name. */
  | { t: 'port' }
  /** LogLevel: a number or a quoted format name. */
  | { t: 'uint-or-string' }
  | { t: 'opt'; p: ArgPattern[] }
  | { t: 'rest'; p: ArgPattern }
  /** Matcher options (-re, -icase, -file, -tag "T"...), any number, before the pattern. */
  | { t: 'flags' };

export interface ModernKeyword {
  name: string;
  args: ArgPattern[];
  /** Warning text for deprecated statements (without "warning: "). */
  deprecated?: string;
  /** Accepted and ignored, with a warning (4.x with OpenSSL 3). */
  ignored?: boolean;
  /** Which block this statement opens, decided from its arguments. */
  opens?: (args: { kind: ArgKind; text: string }[]) => BlockKind | undefined;
}

const S: ArgPattern = { t: 'string' };
const U: ArgPattern = { t: 'uint' };
const BOOL: ArgPattern = { t: 'bool' };
const ANY: ArgPattern = { t: 'any' };
const REST: ArgPattern = { t: 'rest', p: ANY };
const opt = (...p: ArgPattern[]): ArgPattern => ({ t: 'opt', p });
const word = (...values: string[]): ArgPattern => ({ t: 'word', values });
const range = (min: number, max?: number): ArgPattern => ({ t: 'uint', min, ...(max !== undefined ? { max } : {}) });
const k = (name: string, args: ArgPattern[] = [], extra: Partial<ModernKeyword> = {}): ModernKeyword => ({ name, args, ...extra });
const always = (kind: BlockKind) => () => kind;
const deprecatedUse = (what: string) => `deprecated statement, use "${what}" instead`;

const TLS_PROTOCOLS = ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1_1', 'TLSv1_2', 'TLSv1_3'];
const FACILITIES = [
  'auth', 'authpriv', 'cron', 'daemon', 'ftp', 'kern', 'lpr', 'mail', 'news', 'syslog', 'user', 'uucp',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
];
export const LEGACY_FACILITIES = [...FACILITIES, 'mark', 'security'];
export const MODERN_FACILITIES = FACILITIES;

const CONDITIONS: ModernKeyword[] = [
  k('URL', [{ t: 'flags' }, S]),
  k('Path', [{ t: 'flags' }, S]),
  k('Query', [{ t: 'flags' }, S]),
  k('QueryParam', [S, { t: 'flags' }, S]),
  // Header ["name"] [options] "pattern"
  k('Header', [{ t: 'flags' }, S, { t: 'flags' }, opt(S)]),
  k('Host', [{ t: 'flags' }, S]),
  k('Method', [{ t: 'flags' }, S]),
  k('StringMatch', [S, { t: 'flags' }, S]),
  k('ACL', [opt(word('-file', '-filewatch')), opt(S)], { opens: (a) => (a.length === 0 ? 'acl' : undefined) }),
  k('BasicAuth', [{ t: 'flags' }, S]),
  k('ClientCert', [S]),
  k('TBF', [S, U, U]),
  k('Eval', [S]),
  k('LuaMatch', [REST]),
  k('Match', [word('AND', 'OR')], { opens: always('match') }),
  // Not takes a whole condition as its argument: the parser re-reads it as a statement.
  k('Not', [REST]),
  k('HeadRequire', [S], { deprecated: deprecatedUse('Header') }),
  k('HeadDeny', [S], { deprecated: deprecatedUse('Not Header') }),
];

const MODIFICATIONS: ModernKeyword[] = [
  k('SetHeader', [S]),
  k('DeleteHeader', [{ t: 'flags' }, S]),
  k('SetURL', [S]),
  k('SetPath', [S]),
  k('SetQuery', [S]),
  k('SetQueryParam', [S, opt(S)]),
  k('DeleteQuery', [opt(S)]),
  k('DeleteQueryParam', [S]),
  k('LuaModify', [REST]),
  k('Rewrite', [opt(word('request', 'response'))], { opens: always('rewrite') }),
  k('AddHeader', [S], { deprecated: deprecatedUse('SetHeader') }),
  k('HeaderAdd', [S], { deprecated: deprecatedUse('SetHeader') }),
  k('HeadRemove', [S], { deprecated: deprecatedUse('DeleteHeader') }),
  k('HeaderRemove', [S], { deprecated: deprecatedUse('DeleteHeader') }),
];

/** 4.x request/response modification statements the engine does not run yet. */
export const MODIFICATIONS_NOT_RUN = new Set(['SetURL', 'SetPath', 'SetQuery', 'SetQueryParam', 'DeleteQuery', 'DeleteQueryParam', 'LuaModify', 'Rewrite']);

const MODERN_LISTENER: ModernKeyword[] = [
  k('Address', [ANY]),
  k('Port', [{ t: 'port' }]),
  k('SocketFrom', [S]),
  k('xHTTP', [range(0, 3)]),
  k('Client', [U]),
  k('CheckURL', [S]),
  k('ErrorFile', [U, S]),
  ...[400, 401, 403, 404, 413, 414, 500, 501, 503].map((c) => k(`Err${c}`, [S], { deprecated: `deprecated statement, use "ErrorFile ${c}" instead` })),
  k('MaxRequest', [U]),
  k('MaxURI', [U]),
  k('RewriteLocation', [range(0, 2)]),
  k('RewriteDestination', [BOOL]),
  k('RewriteErrors', [BOOL]),
  k('LogLevel', [{ t: 'uint-or-string' }]),
  k('ACME', [S]),
  k('HeaderOption', [{ t: 'rest', p: { t: 'word' } }]),
  k('ForwardedHeader', [S]),
  k('TrustedIP', [opt(word('-file', '-filewatch')), opt(S)], { opens: (a) => (a.length === 0 ? 'acl' : undefined) }),
  k('LineBufferSize', [U]),
  k('Constant', [S, S]),
  ...MODIFICATIONS,
  k('Service', [opt(S)], { opens: always('service') }),
];

const MODERN_BACKEND: ModernKeyword[] = [
  k('Address', [ANY]),
  k('Port', [{ t: 'port' }]),
  k('Priority', [range(1, 65535)]),
  k('TimeOut', [U]),
  k('ConnTO', [U]),
  k('WSTimeOut', [U]),
  k('HTTPS', []),
  k('Cert', [S]),
  k('Ciphers', [S]),
  k('Disable', [word(...TLS_PROTOCOLS)]),
  k('Disabled', [BOOL]),
  k('ServerName', [S]),
  k('Resolve', [word('immediate', 'first', 'all', 'srv')]),
  k('Family', [word('any', 'inet', 'inet6', 'unix')]),
  k('RetryInterval', [U]),
  k('OverrideTTL', [U]),
  k('IgnoreSRVWeight', [BOOL]),
  k('Use', [S]),
];

/** 4.x statements per block. */
export const MODERN_TABLE: Record<BlockKind, ModernKeyword[]> = {
  global: [
    k('User', [S]),
    k('Group', [S]),
    k('RootJail', [S]),
    k('Daemon', [BOOL]),
    k('Supervisor', [BOOL]),
    k('PIDFile', [S]),
    k('Threads', [U]),
    k('WorkerMinCount', [U]),
    k('WorkerMaxCount', [U]),
    k('WorkerIdleTimeout', [U]),
    k('WorkerStackSize', [U]),
    k('ConnectionQueueSize', [U]),
    k('ReserveFD', [opt(word('-worker')), U]),
    k('LogFacility', [ANY]),
    k('LogLevel', [{ t: 'uint-or-string' }]),
    k('LogFormat', [S, S]),
    k('LogTag', [S]),
    k('Alive', [U]),
    k('Client', [U]),
    k('TimeOut', [U]),
    k('ConnTO', [U]),
    k('WSTimeOut', [U]),
    k('Grace', [U]),
    k('IgnoreCase', [BOOL], { deprecated: 'deprecated statement, use the -icase matching directive flag to request case-insensitive comparison' }),
    k('SSLEngine', [S], { ignored: true }),
    k('ECDHCurve', [S], { deprecated: 'deprecated statement, this setting is no longer used', ignored: true }),
    k('Control', [opt(S)], { opens: (a) => (a.length === 0 ? 'control' : undefined) }),
    k('Anonymise', []),
    k('Anonymize', []),
    k('IncludeDir', [S]),
    k('Balancer', [word('random', 'iwrr')]),
    k('HeaderOption', [{ t: 'rest', p: { t: 'word' } }]),
    k('ForwardedHeader', [S]),
    k('TrustedIP', [opt(word('-file', '-filewatch')), opt(S)], { opens: (a) => (a.length === 0 ? 'acl' : undefined) }),
    k('ACL', [S, opt(word('-file', '-filewatch'), S)], { opens: (a) => (a.length === 1 ? 'acl' : undefined) }),
    k('Condition', [S], { opens: always('match') }),
    k('Backend', [S], { opens: always('named-backend') }),
    k('CombineHeaders', [], { opens: always('strings') }),
    k('RegexType', [word('posix', 'pcre', 'perl')]),
    k('Resolver', [], { opens: always('resolver') }),
    k('BackendStats', [BOOL]),
    k('WatcherTTL', [U]),
    k('LineBufferSize', [U]),
    k('Lua', [], { opens: always('text') }),
    k('Constant', [S, S]),
    k('Tunnel', [opt(S)], { opens: always('text') }),
    k('ListenHTTP', [opt(S)], { opens: always('listen-http') }),
    k('ListenHTTPS', [opt(S)], { opens: always('listen-https') }),
    k('Service', [opt(S)], { opens: always('service') }),
  ],
  'listen-http': MODERN_LISTENER,
  'listen-https': [
    ...MODERN_LISTENER,
    k('Cert', [S]),
    k('ClientCert', [range(0, 3), opt({ t: 'int' })]),
    k('Disable', [word(...TLS_PROTOCOLS)]),
    k('Ciphers', [opt(word('-ciphersuites')), S]),
    k('SSLHonorCipherOrder', [BOOL]),
    k('SSLAllowClientRenegotiation', [range(0, 2)]),
    k('CAlist', [S]),
    k('VerifyList', [S]),
    k('CRLlist', [S]),
    k('NoHTTPS11', [range(0, 2)]),
  ],
  service: [
    ...CONDITIONS,
    ...MODIFICATIONS,
    k('IgnoreCase', [BOOL], { deprecated: 'deprecated statement, use the -icase matching directive flag to request case-insensitive comparison' }),
    k('Disabled', [BOOL]),
    k('Backend', [opt(S)], { opens: (a) => (a.length === 0 ? 'backend' : 'use-backend') }),
    k('UseBackend', [S]),
    k('Emergency', [], { opens: always('emergency') }),
    k('Redirect', [opt(U), S]),
    k('Error', [U, opt(S)]),
    k('Metrics', []),
    k('Control', []),
    k('SendFile', [S]),
    k('Success', []),
    k('LuaBackend', [REST]),
    k('ACME', [S]),
    k('Session', [], { opens: always('session') }),
    k('Balancer', [word('random', 'iwrr')]),
    k('LogSuppress', [{ t: 'rest', p: { t: 'any' } }]),
    k('RewriteErrors', [BOOL]),
    k('ContentCapture', [U]),
    k('ForwardedHeader', [S]),
    k('TrustedIP', [opt(word('-file', '-filewatch')), opt(S)], { opens: (a) => (a.length === 0 ? 'acl' : undefined) }),
    k('Constant', [S, S]),
    k('FallThrough', [opt(BOOL)]),
  ],
  backend: MODERN_BACKEND,
  emergency: MODERN_BACKEND,
  'named-backend': MODERN_BACKEND,
  'use-backend': [k('Priority', [range(1, 65535)]), k('Disabled', [BOOL])],
  session: [k('Type', [{ t: 'word' }]), k('TTL', [U]), k('ID', [S])],
  control: [k('Socket', [S]), k('Mode', [U]), k('ChangeOwner', [BOOL])],
  match: CONDITIONS,
  rewrite: [...CONDITIONS, ...MODIFICATIONS, k('Else', [])],
  resolver: [
    k('CNAMEChain', [U]),
    k('ConfigFile', [S]),
    k('ConfigText', [], { opens: always('text') }),
    k('Debug', [BOOL]),
    k('RetryInterval', [U]),
  ],
  // Blocks whose lines are data, not statements: checked by the parser itself.
  acl: [],
  strings: [],
  text: [],
};

const modernIndex = new Map<string, Map<string, ModernKeyword>>();

/** The 4.x keyword of `block` named `word` (case-insensitive), if any. */
export function modernKeyword(block: BlockKind, word: string): ModernKeyword | undefined {
  let idx = modernIndex.get(block);
  if (!idx) {
    idx = new Map(MODERN_TABLE[block].map((x) => [x.name.toLowerCase(), x]));
    modernIndex.set(block, idx);
  }
  return idx.get(word.toLowerCase());
}

/** Every keyword name known in a block for a dialect: for "did you mean". */
export function keywordNames(block: BlockKind, dialect: 'pound-2.4' | 'pound-2.8' | 'pound-4'): string[] {
  if (dialect === 'pound-4') return MODERN_TABLE[block].map((x) => x.name);
  const names = legacyForms(block, dialect === 'pound-2.4' ? 4 : 8).map((x) => (x.name === 'Backend' ? 'BackEnd' : x.name));
  return [...new Set([...names, ...(block === 'global' ? [] : ['End'])])];
}

/** Blocks (other than `block`) where a keyword is valid: "Cert belongs in ListenHTTPS". */
export function blocksAccepting(name: string, dialect: 'pound-2.4' | 'pound-2.8' | 'pound-4'): BlockKind[] {
  const lower = name.toLowerCase();
  const kinds = Object.keys(MODERN_TABLE) as BlockKind[];
  return kinds.filter((b) => keywordNames(b, dialect).some((n) => n.toLowerCase() === lower));
}
