// State shared while turning statements into the model: the dialect, the defaults that
// apply to blocks parsed from here on (legacy semantics), resolved host names, and the
// problems found so far.
import type { Endpoint, SourceLocation } from '@penpound/engine';
import type { ConfigDialect, Problem } from '../problems.js';
import type { Span, Stmt } from '../statements.js';

export type HostResult = { ok: true; address: string; family: 4 | 6 } | { ok: false; reason: string };

/** The message of each dialect for one condition; absent = not an error in that dialect. */
export interface Texts {
  /** 2.4 and 2.8 alike (the renderer adds the location prefix). */
  legacy?: string;
  l2?: string;
  l3?: string;
  m?: string;
  modern?: string;
  hint?: string;
  /** 2.4: the OpenSSL error line; 4.x: further OpenSSL errors. */
  extraL2?: string[];
  extraM?: string[];
}

export interface Defaults {
  clientTimeout: number;
  ioTimeout: number;
  connectTimeout: number;
  wsTimeout: number;
  logLevel: number;
  ignoreCase: boolean;
  balancer: 'random' | 'iwrr';
  /** 4.x RegexType: how unflagged patterns compile. */
  regexType: 'posix' | 'pcre';
}

export class BuildContext {
  readonly legacy: boolean;
  /** 2.x minor version (4 or 8); 4.x counts as 99 so every legacy directive is "available". */
  readonly minor: number;
  readonly problems: Problem[] = [];
  /** 4.x features parsed and checked but not run by the engine yet. */
  readonly unsupported: { what: string; span: Span }[] = [];
  readonly defaults: Defaults = {
    clientTimeout: 10,
    ioTimeout: 15,
    connectTimeout: 15,
    wsTimeout: 600,
    logLevel: 1,
    ignoreCase: false,
    balancer: 'random',
    regexType: 'posix',
  };
  aliveSeconds = 30;
  /** 4.x LogFormat "name" "format" definitions. */
  readonly logFormats = new Map<string, string>();

  constructor(
    readonly dialect: ConfigDialect,
    readonly hosts: ReadonlyMap<string, HostResult>,
    readonly dns: boolean,
    /** 4.x: relative file names are looked up here (IncludeDir changes it as read). */
    public includeDir: string | undefined,
  ) {
    this.legacy = dialect !== 'pound-4';
    this.minor = dialect === 'pound-2.4' ? 4 : dialect === 'pound-2.8' ? 8 : 99;
  }

  /** Report a problem in this dialect's words; returns false if it is not one here. */
  error(code: string, span: Span | undefined, t: Texts, severity: Problem['severity'] = 'error'): boolean {
    const text =
      this.dialect === 'pound-4' ? t.m : this.dialect === 'pound-2.4' ? (t.l2 ?? t.legacy) : (t.l3 ?? t.legacy);
    if (text === undefined) return false;
    const p: Problem = { severity, code, span, text, order: span?.order ?? -1 };
    if (t.modern) p.modern = t.modern;
    if (t.hint) p.hint = t.hint;
    const extra = this.dialect === 'pound-2.4' ? t.extraL2 : this.dialect === 'pound-4' ? t.extraM : undefined;
    if (extra && extra.length) p.extra = extra;
    this.problems.push(p);
    return true;
  }

  warn(code: string, span: Span, text: string, modern?: string): void {
    const p: Problem = { severity: 'warning', code, span, text, order: span.order };
    if (modern) p.modern = modern;
    this.problems.push(p);
  }

  /** A 4.x feature the engine does not run yet: fine for -c, refused when serving. */
  notRunYet(what: string, stmt: Stmt): void {
    this.unsupported.push({ what, span: stmt.span });
  }

  /** A relative file name as the dialect opens it (4.x: against the include directory). */
  path(name: string): string {
    if (this.legacy || !this.includeDir || name.startsWith('/')) return name;
    return `${this.includeDir.replace(/\/$/, '')}/${name}`;
  }
}

export function sourceOf(span: Span): SourceLocation {
  return { file: span.file, line: span.start.line, column: span.start.col };
}

const LONG_MAX = (1n << 63n) - 1n;

/**
 * Legacy atoi: glibc's (int)strtol(text) on 64-bit Linux. Out-of-range values clamp to
 * LONG_MIN/LONG_MAX and then keep their low 32 bits (so 99999999999 becomes -1).
 */
export function atoi(text: string): number {
  const m = /^[ \t]*([+-]?\d+)/.exec(text);
  if (!m) return 0;
  let n = BigInt(m[1]!);
  if (n > LONG_MAX) n = LONG_MAX;
  if (n < -LONG_MAX - 1n) n = -LONG_MAX - 1n;
  return Number(BigInt.asIntN(32, n));
}

/** A backend or listener endpoint from a host and port. */
export function inetEndpoint(host: string, port: number, resolved?: HostResult): Endpoint {
  if (resolved && resolved.ok) return { kind: 'inet', host, port, resolved: resolved.address, family: resolved.family };
  return { kind: 'inet', host, port };
}
