// The common model: what both front doors (pen's argv, pound.cfg) produce and what the
// engine runs. Plain, JSON-serialisable data only: no classes, sockets or functions.
// Front ends fill every default; the engine validates and never guesses.

/** Where a piece of configuration came from, so later errors can still name it. */
export interface SourceLocation {
  file: string; // "<argv>" for pen's command line
  line: number; // 1-based; for argv: the argument index
  column?: number; // 1-based
}

export type Severity = 'error' | 'warning' | 'info';

/** Errors are values: collected, never thrown across layers. */
export interface Diagnostic {
  severity: Severity;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  endColumn?: number;
  /** A stable machine-readable code, e.g. "unknown-directive". */
  code?: string;
  hint?: string;
  /** Run-time messages: the syslog priority the original used (e.g. pound's NOTICE lines). */
  priority?: 'err' | 'warning' | 'notice' | 'info' | 'debug';
}

/** A network endpoint. `host` is kept as written; `resolved` is filled once at start-up. */
export type Endpoint =
  | { kind: 'inet'; host: string; port: number; resolved?: string; family?: 4 | 6 }
  | { kind: 'unix'; path: string }
  /** A blank slot (pen's `server N` beyond the table): never usable. */
  | { kind: 'unspecified' };

export interface ProxyConfig {
  /** Which program's semantics to imitate where the originals differ. */
  dialect: Dialect;
  process: ProcessConfig;
  logging: LoggingConfig;
  control?: ControlConfig;
  listeners: Listener[];
  /** Services shared by every listener (pound's top-level Service blocks). */
  services: Service[];
  /** Numbered access lists (pen's acl 0..9); an empty list permits everyone. */
  acls: AclEntry[][];
  source?: SourceLocation;
}

export type Dialect = 'pen' | 'pound-2.4' | 'pound-2.8' | 'pound-4';

export interface ProcessConfig {
  foreground: boolean;
  pidFile?: string;
  user?: string;
  group?: string;
  chroot?: string;
  /** Seconds to keep serving in-flight requests on a graceful stop (pound's Grace). */
  graceSeconds: number;
  /** Worker count hint (pound Threads / Worker*Count); the engine may ignore it. */
  threads?: number;
  /** pound Alive: seconds between probes of dead backends and HAport checks (default 30). */
  aliveSeconds?: number;
}

export interface LoggingConfig {
  /** Diagnostics: 'stderr' in the foreground, syslog facility name otherwise. */
  diagnostics: { target: 'stderr' | 'syslog'; facility?: string; debugLevel: number };
  /** Per-connection/request log. pen: file or udp host:port; pound: per-listener level. */
  requestLog?: RequestLogConfig;
  anonymise?: boolean;
}

export type RequestLogConfig =
  | { kind: 'file'; path: string; format: string }
  | { kind: 'udp'; host: string; port: number; format: string }
  | { kind: 'syslog'; facility: string; format: string }
  | { kind: 'stdout'; format: string };

export interface ControlConfig {
  endpoint: Endpoint;
  /** The spec exactly as the user wrote it (pen's `control` command echoes it). */
  spec: string;
  protocol: 'pen' | 'pound-legacy' | 'pound-4';
  allowExit?: boolean;
  /** ACL a control client must pass (pen control_acl). */
  acl?: number;
  /** pound 4 `Control` block: socket file mode (Mode, octal in the file) and ChangeOwner. */
  mode?: number;
  changeOwner?: boolean;
  /** pound 4: the socket is listed as a listener at this index (its place among the listeners in the file). */
  listenerIndex?: number;
  source?: SourceLocation;
}

export type ListenerProtocol = 'tcp' | 'udp' | 'http' | 'https';

export interface Listener {
  name?: string;
  protocol: ListenerProtocol;
  endpoint: Endpoint;
  /** The listen spec exactly as written (pen's `listen` command echoes it). */
  spec: string;
  backlog: number;
  reusePort: boolean;
  tls?: TlsServerConfig;
  limits: ListenerLimits;
  /** L7 options (pound); absent for pen's TCP/UDP listeners. */
  http?: HttpListenerOptions;
  /** L4 options (pen); absent for pound's HTTP listeners. */
  tcp?: TcpListenerOptions;
  /** pound: disabled (poundctl -l): connections are accepted and closed at once. */
  disabled?: boolean;
  /** Services private to this listener, tried before the global ones. */
  services: Service[];
  source?: SourceLocation;
}

export interface ListenerLimits {
  /** Max simultaneous client connections (pen -x). 0 = unlimited. */
  maxConnections: number;
  /** Client idle/read timeout in seconds (pound Client). 0 = none. */
  clientTimeoutSeconds: number;
  /** Max accepts per event-loop turn (pen -m). */
  multiAccept?: number;
}

export interface TcpListenerOptions {
  /** pen -H: insert X-Forwarded-Proto/-For into HTTP requests on the byte stream. */
  forwardedFor: boolean;
  /** ACL a client must pass to use the balancer at all (pen client_acl). */
  clientAcl: number;
  /** Where clients refused by clientAcl go (pen -B). */
  abuse?: Backend;
  /** Close once one side has ended (pen tcp_fastclose). */
  fastClose: 'off' | 'up' | 'down' | 'both';
  /** Close established connections idle this long; 0 = never. */
  idleTimeoutSeconds: number;
  keepAlive: boolean;
  noDelay: boolean;
  /** Max upstream connects in progress at once. */
  pendingMax: number;
  /** Local address to bind upstream sockets to. */
  sourceAddress?: string;
  /** Answer every chunk with a fixed HTTP response instead of proxying (pen dummy). */
  dummy: boolean;
  /** pen `transparent`: bind upstream sockets to the client's IP. Node cannot (IP_TRANSPARENT);
   *  the engine reports pen's "not supported" message instead of ignoring it silently. */
  transparent?: boolean;
}

export interface TlsServerConfig {
  /** Combined PEM files (key + certificate + chain). The first is the default (SNI). */
  certificates: TlsCertificateRef[];
  ciphers?: string;
  honorCipherOrder?: boolean;
  /** Lowest protocol allowed, derived from pound's Disable / pen's -L. */
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  clientCert?: { mode: 0 | 1 | 2 | 3; depth: number };
  caFile?: string; // pen -G, pound VerifyList
  caDir?: string; // pen -A
  caList?: string; // pound CAlist
  crlFile?: string;
  requireClientCert?: boolean; // pen -R
  allowRenegotiation?: 0 | 1 | 2;
  noHttps11?: 0 | 1 | 2;
  sniPath?: string; // pen ssl_sni_path
  dhParams?: string;
  ecdhCurve?: string;
}

export interface TlsCertificateRef {
  certFile: string;
  keyFile?: string; // absent: the key is in certFile
  source?: SourceLocation;
}

export interface HttpListenerOptions {
  /** Allowed method set: pound xHTTP level. */
  methodsLevel: number;
  checkUrl?: Pattern;
  maxRequestBytes?: number;
  maxUriBytes?: number;
  rewriteLocation: 0 | 1 | 2;
  rewriteDestination: boolean;
  /** Request header passes, in order. */
  requestHeaders: HeaderRule[];
  responseHeaders: HeaderRule[];
  /** Status code → file path of the body (Err400.. / ErrorFile). */
  errorFiles: Record<number, string>;
  logLevel: number;
  logFormat?: string;
  /** Add X-Forwarded-Proto/-Port besides X-Forwarded-For (pound 4). */
  forwardedHeaders: 'legacy' | 'modern' | 'none';
}

export type HeaderRule =
  | { op: 'add'; line: string }
  | { op: 'set'; line: string }
  | { op: 'remove'; pattern: Pattern };

/** A regular expression as written, with how to match it. */
export interface Pattern {
  source: string;
  ignoreCase: boolean;
  /** How the original compiled it: POSIX ERE (legacy), PCRE (4.x option), or literal forms. */
  syntax: 'posix-ere' | 'pcre' | 'exact' | 'prefix' | 'suffix' | 'contains';
  location?: SourceLocation;
}

export interface Service {
  name?: string;
  disabled: boolean;
  /** All must hold for the service to be chosen. Empty = match everything. */
  match: MatchCondition[];
  balance: BalanceConfig;
  session?: SessionConfig;
  backends: Backend[];
  /** Used only when no regular backend can be used. */
  emergency: Backend[];
  source?: SourceLocation;
}

export type MatchCondition =
  | { kind: 'url'; pattern: Pattern }
  | { kind: 'path'; pattern: Pattern }
  | { kind: 'query'; pattern: Pattern }
  | { kind: 'query-param'; name: string; pattern: Pattern }
  | { kind: 'header'; pattern: Pattern; name?: string }
  | { kind: 'host'; pattern: Pattern }
  | { kind: 'method'; pattern: Pattern }
  | { kind: 'not'; condition: MatchCondition }
  | { kind: 'all'; conditions: MatchCondition[] }
  | { kind: 'any'; conditions: MatchCondition[] };

/**
 * Backend choice. pen's modes are independent flags with a fixed precedence
 * (tracking > prio > weight > hash > round robin); pound picks at random weighted by
 * priority (or interleaved weighted round robin in 4.x).
 */
export interface BalanceConfig {
  algorithm: 'pen' | 'random' | 'iwrr';
  /** pen: remember each client's last server (off with -r). */
  clientTracking: boolean;
  /** pen -T: seconds after which a client slot may be reused; 0 = never. */
  trackingSeconds: number;
  /** pen -c: size of the client table. */
  clientTableSize: number;
  hash: boolean;
  weight: boolean;
  prio: boolean;
  /** pen -s: never fail over. */
  stubborn: boolean;
  /** Seconds a failed backend is skipped (pen -b). */
  blacklistSeconds: number;
}

export interface SessionConfig {
  type: 'IP' | 'BASIC' | 'URL' | 'PARM' | 'COOKIE' | 'HEADER';
  id?: string;
  ttlSeconds: number;
  source?: SourceLocation;
}

export interface Backend {
  /** Only pound Redirect pseudo-backends; pen servers never set it. */
  redirect?: { code: number; url: string };
  endpoint: Endpoint;
  /** The spec as written (pen server string), for messages. */
  spec?: string;
  /** pen weight (0 = never chosen by -W); pound Priority. */
  weight: number;
  /** pen prio (lower preferred). */
  priority: number;
  disabled: boolean;
  limits: BackendLimits;
  timeouts: BackendTimeouts;
  /** pen per-server ACL number (0 = permit all unless ACL 0 has entries). */
  acl?: number;
  tls?: { enabled: boolean; certFile?: string; ciphers?: string; minVersion?: string; serverName?: string };
  healthCheck?: { kind: 'connect'; endpoint: Endpoint; intervalSeconds: number };
  source?: SourceLocation;
}

export interface BackendLimits {
  /** pen maxc: soft limit on concurrent connections; 0 = none. */
  softMax: number;
  /** pen hard: limit that a returning (tracked) client may use; 0 = no allowance. */
  hardMax: number;
}

export interface BackendTimeouts {
  connectSeconds: number;
  /** Backend read/write timeout (pound TimeOut). 0 = none. */
  ioSeconds: number;
  websocketSeconds?: number;
}

/** An access control list: pen's acl 0..9, pound 4's ACL blocks. */
export interface AclEntry {
  action: 'permit' | 'deny';
  kind: 'ipv4' | 'ipv6' | 'country';
  /** ipv4: dotted address and mask as given (pen stores them unmasked); ipv6: addr/len. */
  address?: string;
  mask?: string;
  prefixLength?: number;
  country?: string;
}
