// Our pen as a real process for the hostile tests: a foreground pen with a control port in
// a scratch directory (files that absurd commands create land there), its heap bounded so a
// runaway allocation fails fast instead of eating the machine.
import { join } from 'node:path';
import { freePort, OURS, RUN_AS, startPen, tempDir, type RunningPen } from '../../support/pen-process.js';
import { talk, type Step, type Talk } from './talk.js';

export interface PenUnderTest {
  pen: RunningPen;
  port: number;
  controlPort: number;
  dir: string;
  /** One control-port exchange (pen closes after its reply). */
  ctl(...steps: Step[]): Promise<Talk>;
  /** The reply to one command line. */
  command(line: string): Promise<string>;
  alive(): boolean;
  stop(): Promise<void>;
}

/** Heap limit for pen under test: far above what it needs, far below the machine. */
export const PEN_HEAP_MB = 192;

export async function startOurPen(servers: string[], extraArgs: string[] = []): Promise<PenUnderTest> {
  const dir = tempDir('pen-hostile-');
  const port = await freePort();
  const controlPort = await freePort();
  const pidFile = join(dir.path, 'pen.pid');
  const env = { ...process.env, NODE_OPTIONS: `--max-old-space-size=${PEN_HEAP_MB}` };
  const pen = await startPen(
    OURS,
    ['-f', ...RUN_AS, '-C', `127.0.0.1:${controlPort}`, '-p', pidFile, ...extraArgs, `127.0.0.1:${port}`, ...servers],
    { pidFile, cwd: dir.path, env },
  );
  let exited = false;
  void pen.exited.then(() => (exited = true));
  const ctl = (...steps: Step[]): Promise<Talk> => talk(controlPort, steps, 8000);
  return {
    pen,
    port,
    controlPort,
    dir: dir.path,
    ctl,
    command: async (line) => (await ctl(line + '\n')).bytes.toString('latin1'),
    alive: () => !exited,
    stop: async () => {
      await pen.stop();
      dir.remove();
    },
  };
}
