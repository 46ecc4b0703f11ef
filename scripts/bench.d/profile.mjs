// --profile-pen: run our pen under `node --cpu-prof` through the new-connection-per-request
// load and print where its CPU time goes (self time per function).
import { existsSync, readdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, stopDaemon, freePort, waitListening, sleep, tail } from './procs.mjs';
import { makeCert, startBackends } from './backends.mjs';
import { runWrk } from './wrk.mjs';
import { OUR_PEN_MAIN } from './targets.mjs';
import { summariseProfile } from './cpuprofile-summary.mjs';

const here = new URL('.', import.meta.url).pathname;

export async function profilePen({ dir, seconds, conns, out }) {
  if (!existsSync(OUR_PEN_MAIN)) throw new Error(`our pen is not built (${OUR_PEN_MAIN} missing)`);
  const cert = makeCert(dir);
  // nginx shares the load generator's core here, so the pen core runs pen alone and the
  // profiler's wall-clock samples are pen's own time, not nginx preempting it.
  const backends = await startBackends(dir, cert, { cpus: '0' });
  const port = await freePort();
  const profDir = join(dir, 'prof');
  // The exit hook turns SIGUSR2 into process.exit(), which is when --cpu-prof writes its file.
  const proc = startDaemon(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, '--import', join(here, 'profile-exit-hook.mjs'),
    OUR_PEN_MAIN, '-f', '-r', `127.0.0.1:${port}`, ...backends.map((b) => `127.0.0.1:${b.port}`)], { cpus: '1', logFile: join(dir, 'pen-prof.log') });
  const up = await waitListening(proc, port);
  if (!up.ok) throw new Error(`our pen did not start: ${up.reason}`);
  await runWrk({ url: `http://127.0.0.1:${port}/100b`, seconds: 1, conns, close: true }); // warm-up
  const r = await runWrk({ url: `http://127.0.0.1:${port}/100b`, seconds, conns, close: true });
  process.stderr.write(`profile-pen: ${r.ok ? `${Math.round(r.rps)} req/s under the profiler` : r.reason}\n`);
  process.kill(proc.pid, 'SIGUSR2');
  await Promise.race([proc.exited, sleep(10000)]);
  await stopDaemon(proc);
  const files = existsSync(profDir) ? readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')) : [];
  if (!files.length) throw new Error(`no .cpuprofile written: ${tail(proc.log)}`);
  const file = join(profDir, files[0]);
  if (out) { copyFileSync(file, out); process.stderr.write(`profile-pen: profile saved to ${out}\n`); }
  process.stdout.write(summariseProfile(file, { top: 30, requests: r.requests }));
  for (const b of backends) await stopDaemon(b.proc);
}
