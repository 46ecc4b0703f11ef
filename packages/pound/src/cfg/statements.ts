// The plain tree both pound.cfg grammars produce (legacy line grammar and the 4.x token
// grammar) and the model builder consumes. Every node knows where it came from, so any
// later check (an address, a certificate) can still name the file, line and column.

/** A position: 1-based line and character column (a TAB counts as one character here). */
export interface Point {
  line: number;
  col: number;
}

/**
 * A source range. `order` is the position in reading order (included files spliced in),
 * used to find the error the original would have stopped at first.
 */
export interface Span {
  file: string;
  start: Point;
  end: Point;
  /** Set when the range ends in another file (4.x ranges across an Include). */
  endFile?: string;
  order: number;
}

export type ArgKind = 'string' | 'number' | 'identifier' | 'literal';

export interface Arg {
  kind: ArgKind;
  /** The value: a quoted string without its quotes (4.x: escapes processed). */
  text: string;
  span: Span;
}

export type BlockKind =
  | 'global'
  | 'listen-http'
  | 'listen-https'
  | 'service'
  | 'backend'
  | 'emergency'
  | 'session'
  // pound 4.x only
  | 'named-backend' // top-level Backend "name" … End
  | 'use-backend' // Backend "name" … End inside a Service: Priority/Disabled only
  | 'control'
  | 'acl' // CIDR lines (ACL, TrustedIP)
  | 'strings' // quoted-string lines (CombineHeaders)
  | 'match' // Match AND|OR / Condition / Not Match
  | 'rewrite'
  | 'resolver'
  | 'text' // free text lines (ConfigText, Lua, Tunnel): tokens kept, not interpreted
  ;

export interface Stmt {
  /** The canonical keyword from the keyword table, e.g. "Backend". */
  name: string;
  /** The keyword as written ("BackEnd", "BACKEND"...). */
  keyword: string;
  args: Arg[];
  /** Keyword through the last argument. */
  span: Span;
  /** The keyword alone. */
  keywordSpan: Span;
  block?: Block;
  /** 4.x `Not <condition>`: the negated condition. */
  inner?: Stmt;
  /** Legacy grammar: the raw line (2.4 echoes it in "unknown directive"). */
  raw?: string;
}

export interface Block {
  kind: BlockKind;
  body: Stmt[];
  /** The `End` line; absent when the file ended first. */
  end?: Span;
}

/** Span from the start of `a` to the end of `b`, found when `b` was read (a block's End). */
export function joinSpans(a: Span, b: Span): Span {
  const s: Span = { file: a.file, start: a.start, end: b.end, order: b.order };
  if (b.file !== a.file) s.endFile = b.file;
  return s;
}
