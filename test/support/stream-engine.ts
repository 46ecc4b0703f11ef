// Starts the engine on a hand-built config and collects its diagnostics.
import { start, type Diagnostic, type ProxyConfig, type RuntimeHandle } from '@penpound/engine';

export interface RunningPen {
  handle: RuntimeHandle;
  port: number;
  config: ProxyConfig;
  reports: Diagnostic[];
  messages(): string[];
  stop(): Promise<void>;
}

export async function startPen(config: ProxyConfig): Promise<RunningPen> {
  const reports: Diagnostic[] = [];
  const result = await start(config, { report: (d) => reports.push(d) });
  if (!result.ok) throw new Error('start failed: ' + result.errors.map((e) => e.message).join('; ') + ' / ' + reports.map((r) => r.message).join('; '));
  const handle = result.handle;
  return {
    handle,
    port: handle.boundAddresses()[0]!.port,
    config,
    reports,
    messages: () => reports.map((r) => r.message),
    stop: () => handle.stop(),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `check` holds (polling), or give up after `ms`. */
export async function until(check: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(20);
  }
  return check();
}
