// A GNU getopt(3) work-alike, as pen's users know it: clustered flags (-Ur), attached
// arguments (-b30), "--" ends options, options after positionals (permutation) unless
// POSIXLY_CORRECT is set, and glibc's exact error texts. It yields options one at a time,
// strictly left to right, because pen acts on each option as it is met (-o runs at once).

export type GetoptEvent =
  | { kind: 'option'; letter: string; argument?: string; index: number }
  /** One of the exact long options the caller declared (our own extensions). */
  | { kind: 'long'; name: string; index: number }
  /** glibc has already printed nothing; `message` is what it would print on stderr. */
  | { kind: 'error'; letter: string; message: string; index: number };

export interface GetoptResult {
  events: Iterable<GetoptEvent>;
  /** Positional arguments in their original order; complete once `events` is exhausted. */
  positionals: { value: string; index: number }[];
}

export interface GetoptOptions {
  /** The name used in error messages (glibc prints argv[0]). */
  argv0: string;
  /** Exact long options, e.g. "--dump-config"; anything else starting with "--" is a
   * cluster of short options, as in the original (so "--help" is "invalid option -- '-'"). */
  longOptions?: readonly string[];
  /** Stop at the first positional (POSIXLY_CORRECT). */
  posixlyCorrect?: boolean;
}

/** Letters that take an argument, from a getopt option string such as "b:fh". */
export function parseOptionString(optstring: string): Map<string, boolean> {
  const table = new Map<string, boolean>();
  for (let i = 0; i < optstring.length; i++) {
    const letter = optstring[i]!;
    if (letter === ':') continue;
    table.set(letter, optstring[i + 1] === ':');
  }
  return table;
}

/**
 * Walks `args` (argv without argv[0]). `index` in events and positionals is the position in
 * the full argv (argv[0] = 0), which pen's model uses as the "line" of a source location.
 */
export function getopt(args: readonly string[], optstring: string, options: GetoptOptions): GetoptResult {
  const table = parseOptionString(optstring);
  const longOptions = new Set(options.longOptions ?? []);
  const positionals: { value: string; index: number }[] = [];

  function* walk(): Generator<GetoptEvent> {
    let i = 0;
    let onlyPositionals = false;
    while (i < args.length) {
      const word = args[i]!;
      const argvIndex = i + 1;
      if (onlyPositionals || word === '-' || !word.startsWith('-')) {
        positionals.push({ value: word, index: argvIndex });
        if (options.posixlyCorrect && !onlyPositionals) onlyPositionals = true;
        i++;
        continue;
      }
      if (word === '--') {
        onlyPositionals = true;
        i++;
        continue;
      }
      if (longOptions.has(word)) {
        yield { kind: 'long', name: word, index: argvIndex };
        i++;
        continue;
      }
      // A cluster of short options: "-Urb30" is -U, -r, -b "30".
      let j = 1;
      i++;
      while (j < word.length) {
        const letter = word[j]!;
        const takesArgument = table.get(letter);
        if (takesArgument === undefined) {
          yield { kind: 'error', letter, message: `${options.argv0}: invalid option -- '${letter}'`, index: argvIndex };
          j++;
          continue;
        }
        if (!takesArgument) {
          yield { kind: 'option', letter, index: argvIndex };
          j++;
          continue;
        }
        if (j + 1 < word.length) {
          yield { kind: 'option', letter, argument: word.slice(j + 1), index: argvIndex };
        } else if (i < args.length) {
          yield { kind: 'option', letter, argument: args[i]!, index: i + 1 };
          i++;
        } else {
          yield { kind: 'error', letter, message: `${options.argv0}: option requires an argument -- '${letter}'`, index: argvIndex };
        }
        break;
      }
    }
  }

  return { events: walk(), positionals };
}
