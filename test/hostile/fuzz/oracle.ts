// What every configuration input must get, whatever it holds: pound -c's modules give a
// verdict (accepted, or refused with at least one error and a message that is not a broken
// formatter's output), pen's argv processing gives one of its outcomes; neither throws.
import { checkConfig } from '@penpound/pound/check/check';
import { renderModern, renderOriginal } from '@penpound/pound/render/render';
import { processArgs } from '@penpound/pen/args';
import { createPenState } from '@penpound/pen/state';
import { readConfigFile } from '@penpound/pen/configfile';
import { buildListener, buildServers, defaultServerPort, serverPositionals } from '@penpound/pen/model-from-args';

export type Dialect = 'pound-2.4' | 'pound-2.8' | 'pound-4';
export type Judgement = { ok: true; verdict: string; shown: string } | { ok: false; why: string };

/**
 * Leftovers of a broken formatter: never part of a good message unless the input had them
 * (`undefined format: X` is pound 4's own message for an unknown LogFormat name).
 */
const JUNK = [/\[object Object\]/, /\bundefined\b(?! format)/, /\bNaN\b/, /TypeError/, /RangeError/];

function junkIn(text: string, input: string): string | undefined {
  for (const j of JUNK) {
    const m = j.exec(text);
    if (m && !input.includes(m[0])) return m[0];
  }
  return undefined;
}

/**
 * Failures the fuzz finds in code other helpers own, not fixed yet: reported by a todo test,
 * not hidden. Each names where the bug is.
 */
export const KNOWN_BUGS: { id: string; pattern: RegExp; note: string }[] = [
];

export function knownBug(why: string): (typeof KNOWN_BUGS)[number] | undefined {
  return KNOWN_BUGS.find((b) => b.pattern.test(why));
}

/** pound -c on `file` (text = its content, for the junk test). Verdicts: ok, refused. */
export async function judgePound(file: string, text: string, dialect: Dialect, collectAll: boolean, dns: boolean): Promise<Judgement> {
  try {
    const result = await checkConfig({ file, dialect, dns, warnDeprecated: true, collectAll });
    const shown = (collectAll ? renderModern(result.problems, result.sources) : renderOriginal(result.problems, dialect, result.sources, 'pound')).join('\n');
    const junk = junkIn(shown, text);
    if (junk) return { ok: false, why: `message contains "${junk}": ${shown.slice(0, 500)}` };
    if (result.config) {
      JSON.stringify(result.config);
      return { ok: true, verdict: 'ok', shown };
    }
    if (!result.problems.some((p) => p.severity === 'error')) return { ok: false, why: 'refused without an error' };
    if (shown.trim() === '') return { ok: false, why: 'refused with no message' };
    return { ok: true, verdict: 'refused', shown };
  } catch (e) {
    return { ok: false, why: `threw: ${(e as Error)?.stack ?? String(e)}` };
  }
}

/**
 * pen's command line up to the running model: getopt and -o commands, the -F file, the
 * listener and the servers. Verdicts: usage, exit, no listener, fatal, would run.
 */
export async function judgePen(argv: string[]): Promise<Judgement> {
  let text = '';
  const state = createPenState({
    stdout: (t) => { text += t; },
    debug: (t) => { text += t; },
    exit: () => {},
    foreground: () => true,
  });
  try {
    const outcome = await processArgs(state, argv, { argv0: 'pen', posixlyCorrect: false, stderr: (t) => { text += t; } });
    let verdict: string = outcome.kind;
    if (outcome.kind === 'exit' && outcome.code !== 0 && outcome.code !== 1) return { ok: false, why: `exit code ${outcome.code}` };
    if (outcome.kind === 'run') {
      if (state.settings.configFile !== undefined) await readConfigFile(state, state.settings.configFile);
      const listener = await buildListener(state, outcome.positionals);
      const built = await buildServers(state, serverPositionals(outcome.positionals), outcome, defaultServerPort(state), (t) => { text += t; });
      if (!built.ok && built.fatal.trim() === '') return { ok: false, why: 'fatal without a message' };
      verdict = !listener.opened ? 'no listener' : built.ok ? 'would run' : 'fatal';
    }
    const junk = junkIn(text, JSON.stringify(argv));
    if (junk) return { ok: false, why: `message contains "${junk}": ${text.slice(0, 500)}` };
    return { ok: true, verdict, shown: text };
  } catch (e) {
    return { ok: false, why: `threw: ${(e as Error)?.stack ?? String(e)}` };
  }
}
