import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

// A child process logs a few lines to stderr, then closes the sink (as pound does at
// exit). Its threadpool is kept busy first, so the asynchronous write of the first lines is
// still waiting when the sink closes: every line must still come out once, in order.
test('closing the terminal sink while a write is under way keeps the lines in order', async () => {
  const sink = new URL('./sink.js', import.meta.url).href;
  const script = `
    import { pbkdf2 } from 'node:crypto';
    const { openLogSink } = await import(${JSON.stringify(sink)});
    const s = openLogSink({ dialect: 'pound-2.8', logging: { diagnostics: { target: 'stderr' } } });
    for (let i = 0; i < 4; i++) pbkdf2('x', 'y', 200000, 32, 'sha256', () => {});
    s.write('notice', 'shutting down...');
    s.write('notice', 'received signal 15 - exiting...');
    s.close();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stderr.on('data', (d: Buffer) => chunks.push(d));
  await new Promise((r) => child.on('close', r));
  assert.equal(Buffer.concat(chunks).toString(), 'shutting down...\nreceived signal 15 - exiting...\n');
});
