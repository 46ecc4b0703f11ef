// pound 4.x grammar: a file is lines; a line is a keyword (or, in data blocks, a quoted
// string) and its arguments; some lines open a block that runs to `End`. Which lines
// open a block depends on the enclosing block and the arguments (`Control` alone opens
// one, `Control "path"` does not), so a gate asks the keyword table. The parser only
// builds structure; argument types are checked by the CST visitor.
import type * as Chevrotain from 'chevrotain';
import type { BlockKind } from './statements.js';
import type { Chev, Pound4Tokens } from './tokens.js';

export type BlockKindFor = (within: BlockKind, keyword: Chevrotain.IToken, args: Chevrotain.IToken[]) => BlockKind | undefined;

export interface Pound4Parser {
  /** Parse a token vector; returns the CST of the whole file. */
  parse(tokens: Chevrotain.IToken[]): Chevrotain.CstNode;
  errors: Chevrotain.IRecognitionException[];
  /** The innermost block the file ended in: its keyword and the last token of its line. */
  unclosed: Chevrotain.IToken[];
}

export function makeParser(chev: Chev, t: Pound4Tokens, blockKindFor: BlockKindFor): Pound4Parser {
  class Parser extends chev.CstParser {
    kinds: BlockKind[] = ['global'];
    openBlocks: Chevrotain.IToken[] = [];
    openLineEnds: Chevrotain.IToken[] = [];
    unclosed: Chevrotain.IToken[] = [];

    constructor() {
      super(t.all, { recoveryEnabled: false, nodeLocationTracking: 'none', maxLookahead: 2, skipValidations: process.env.PENPOUND_VALIDATE_GRAMMAR !== '1' });
      this.performSelfAnalysis();
    }

    config = this.RULE('config', () => {
      this.MANY(() => {
        this.OR([{ ALT: () => this.CONSUME(t.Newline) }, { ALT: () => this.SUBRULE(this.statement) }]);
      });
    });

    statement = this.RULE('statement', () => {
      const keyword = this.OR([
        { ALT: () => this.CONSUME(t.Word, { LABEL: 'keyword' }) },
        { ALT: () => this.CONSUME(t.Str, { LABEL: 'keyword' }) },
        { ALT: () => this.CONSUME(t.BadStr, { LABEL: 'keyword' }) },
      ]);
      const args: Chevrotain.IToken[] = [];
      this.MANY(() => {
        const a = this.OR2([
          { ALT: () => this.CONSUME2(t.Word, { LABEL: 'arg' }) },
          { ALT: () => this.CONSUME2(t.Str, { LABEL: 'arg' }) },
          { ALT: () => this.CONSUME2(t.BadStr, { LABEL: 'arg' }) },
        ]);
        this.ACTION(() => args.push(a));
      });
      this.OPTION(() => this.CONSUME(t.Newline, { LABEL: 'eol' }));
      let kind: BlockKind | undefined;
      this.ACTION(() => {
        kind = blockKindFor(this.kinds[this.kinds.length - 1]!, keyword, args);
        if (kind) {
          this.openBlocks.push(keyword);
          this.openLineEnds.push(args[args.length - 1] ?? keyword);
        }
      });
      this.OPTION2({ GATE: () => kind !== undefined, DEF: () => this.SUBRULE(this.block, { ARGS: [kind] }) });
    });

    block = this.RULE('block', (kind?: BlockKind) => {
      this.ACTION(() => this.kinds.push(kind!));
      this.MANY({
        GATE: () => this.LA(1).tokenType !== t.End,
        DEF: () => this.OR([{ ALT: () => this.CONSUME(t.Newline) }, { ALT: () => this.SUBRULE(this.statement) }]),
      });
      // At the end of the file the block stays open: recorded, not thrown, so that the
      // statements before it are still checked.
      this.OR3([
        {
          ALT: () => {
            this.CONSUME(t.End, { LABEL: 'end' });
            this.MANY2(() => {
              this.OR2([
                { ALT: () => this.CONSUME(t.Word, { LABEL: 'extra' }) },
                { ALT: () => this.CONSUME(t.Str, { LABEL: 'extra' }) },
                { ALT: () => this.CONSUME(t.BadStr, { LABEL: 'extra' }) },
              ]);
            });
            this.OPTION(() => this.CONSUME2(t.Newline));
          },
        },
        {
          ALT: () =>
            this.ACTION(() => {
              if (this.unclosed.length === 0) {
                this.unclosed.push(this.openBlocks[this.openBlocks.length - 1]!, this.openLineEnds[this.openLineEnds.length - 1]!);
              }
            }),
        },
      ]);
      this.ACTION(() => {
        this.kinds.pop();
        this.openBlocks.pop();
        this.openLineEnds.pop();
      });
    });
  }

  const parser = new Parser();
  return {
    parse(tokens) {
      parser.kinds = ['global'];
      parser.openBlocks = [];
      parser.openLineEnds = [];
      parser.unclosed = [];
      parser.input = tokens;
      const cst = parser.config();
      return cst;
    },
    get errors() {
      return parser.errors;
    },
    get unclosed() {
      return parser.unclosed;
    },
  };
}
