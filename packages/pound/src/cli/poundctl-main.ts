// poundctl: both generations in one program. pound 2.x's always names its socket with -c
// and uses the letters -L/-l/-B/-b/-N/-n/-X/-H, which pound 4's does not have; anything
// else is pound 4's command style (list, enable, disable, add, delete, core).
import { basename, dirname } from 'node:path';
import { isLegacyCommandLine, runLegacy, type Io } from '../ctl/legacy-cli.js';
import { runModern } from '../ctl/modern-cli.js';

/** argv[0] as getopt prints it: the basename when the launcher was found on PATH. */
function typedName(): string {
  const typed = process.env.PENPOUND_ARGV0 ?? 'poundctl';
  const path = (process.env.PATH ?? '').split(':');
  return typed.includes('/') && !path.includes(dirname(typed)) ? typed : basename(typed);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const argv0 = typedName();
  const prog = basename(argv0);
  const io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };
  return isLegacyCommandLine(args) ? runLegacy(args, prog, io) : runModern(args, argv0, prog, io);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`poundctl: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
