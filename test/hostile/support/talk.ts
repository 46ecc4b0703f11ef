// A raw client for hostile-input cases: writes bytes (in pieces, with pauses, maybe a
// half-close or a reset), collects everything the proxy sends back until the proxy closes,
// and gives up after a bound (a hang is a result, not a stuck test).
import * as net from 'node:net';

export type Step =
  | string
  | Buffer
  /** Wait this many milliseconds before the next step. */
  | { pause: number }
  /** Half-close: no more bytes from the client. */
  | { end: true }
  /** Reset the connection (RST) and stop. */
  | { reset: true }
  /** Write these bytes one at a time, `every` ms apart, until the proxy closes (bounded). */
  | { trickle: string; every: number };

export interface Talk {
  /** Everything received from the proxy. */
  bytes: Buffer;
  /** 'closed': the proxy ended the connection; 'timeout': it was still open after the bound. */
  outcome: 'closed' | 'timeout';
  /** Bytes of `trickle` steps written before the proxy closed. */
  trickled: number;
}

export function talk(port: number, steps: Step[], boundMs = 8000): Promise<Talk> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    let closed = false;
    let trickled = 0;
    let done = false;
    const finish = (outcome: Talk['outcome']): void => {
      if (done) return;
      done = true;
      clearTimeout(bound);
      sock.destroy();
      resolve({ bytes: Buffer.concat(parts), outcome, trickled });
    };
    const bound = setTimeout(() => finish('timeout'), boundMs);
    sock.on('data', (c: Buffer) => parts.push(c));
    sock.on('error', () => {});
    sock.on('close', () => { closed = true; finish('closed'); });
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const run = async (): Promise<void> => {
      await new Promise<void>((r) => sock.once('connect', () => r()));
      for (const step of steps) {
        if (closed || done) return;
        if (typeof step === 'string') sock.write(Buffer.from(step, 'latin1'));
        else if (Buffer.isBuffer(step)) sock.write(step);
        else if ('pause' in step) await pause(step.pause);
        else if ('end' in step) sock.end();
        else if ('reset' in step) { sock.resetAndDestroy(); return; }
        else {
          for (const ch of step.trickle) {
            if (closed || done) return;
            sock.write(ch);
            trickled++;
            await pause(step.every);
          }
        }
      }
    };
    run().catch(() => finish('closed'));
  });
}
