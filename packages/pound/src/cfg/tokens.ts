// pound 4.x's tokens. One `Word` token and a keyword table (keywords.ts) rather than a
// token type per keyword: keywords are case-insensitive, valid per block, and a keyword
// in one block is an ordinary value in another. `End` alone gets a type of its own (it
// closes every block), as a Word category so it can still be a value.
//
// Chevrotain is loaded from its single-file bundle: importing the package entry pulls in
// some 600 small modules and costs half a second at start-up.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';

export type Chev = typeof Chevrotain;

let loaded: Promise<Chev> | undefined;

export function loadChevrotain(): Promise<Chev> {
  loaded ??= (async () => {
    try {
      const entry = createRequire(import.meta.url).resolve('chevrotain');
      return (await import(pathToFileURL(join(dirname(entry), '..', 'chevrotain.mjs')).href)) as Chev;
    } catch {
      return import('chevrotain');
    }
  })();
  return loaded;
}

export interface Pound4Tokens {
  all: Chevrotain.TokenType[];
  Newline: Chevrotain.TokenType;
  WhiteSpace: Chevrotain.TokenType;
  Comment: Chevrotain.TokenType;
  /** A complete quoted string; escapes are processed later (with warnings). */
  Str: Chevrotain.TokenType;
  /** A quoted string the line or the file ends inside. */
  BadStr: Chevrotain.TokenType;
  Word: Chevrotain.TokenType;
  End: Chevrotain.TokenType;
}

export function makeTokens(chev: Chev): Pound4Tokens {
  const { createToken, Lexer } = chev;
  const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true });
  const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
  // A '#' where a token may start begins a comment; glued to a word it is part of the word.
  const Comment = createToken({ name: 'Comment', pattern: /#[^\n]*/, group: Lexer.SKIPPED });
  const Str = createToken({ name: 'Str', pattern: /"(?:[^"\\\n]|\\[^\n])*"/ });
  const BadStr = createToken({ name: 'BadStr', pattern: /"(?:[^"\\\n]|\\[^\n])*\\?/ });
  // Everything up to whitespace is one word: identifiers, numbers, 127.0.0.1, /tmp/x, -1.
  const Word = createToken({ name: 'Word', pattern: /[^\s"#][^\s]*/ });
  const End = createToken({ name: 'End', pattern: /[Ee][Nn][Dd]/, longer_alt: Word, categories: [Word] });
  return {
    all: [Newline, WhiteSpace, Comment, Str, BadStr, End, Word],
    Newline,
    WhiteSpace,
    Comment,
    Str,
    BadStr,
    Word,
    End,
  };
}

/** How 4.x names a token in "expected X, but found Y". */
export function describeWord(image: string): 'number' | 'identifier' | 'literal' {
  if (/^[0-9]+$/.test(image)) return 'number';
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(image)) return 'identifier';
  return 'literal';
}
