// engine.start(): runs a ProxyConfig and returns the live handle.
import type { Diagnostic, ProxyConfig } from './model/types.js';
import type { RuntimeHandle } from './runtime/handle.js';
import type { EngineContext, ListenerRuntime, ListenerStarter } from './runtime/listener.js';

// The listener modules are loaded on first use: pen never needs the HTTP path (nor pino
// behind it), pound with only HTTP listeners never needs the stream path. Start-up time
// is mostly module loading (tens of ms each way), so this is worth the indirection.
let streamStarter: Promise<ListenerStarter> | undefined;
let httpStarter: Promise<ListenerStarter> | undefined;

function starterFor(protocol: string): Promise<ListenerStarter> {
  if (protocol === 'http' || protocol === 'https') {
    return (httpStarter ??= import('./http/index.js').then((m) => m.startHttpListener));
  }
  return (streamStarter ??= import('./tcp/index.js').then((m) => m.startStreamListener));
}

export interface StartOptions {
  /** Where engine diagnostics go; the front end formats them in its program's style. */
  report?: (diagnostic: Diagnostic) => void;
}

export type StartResult = { ok: true; handle: RuntimeHandle } | { ok: false; errors: Diagnostic[] };

export async function start(config: ProxyConfig, options: StartOptions = {}): Promise<StartResult> {
  let clock = Math.floor(Date.now() / 1000);
  // One clock read per second is enough: pen's semantics are in whole seconds.
  const ticker = setInterval(() => { clock = Math.floor(Date.now() / 1000); }, 250);
  ticker.unref();
  const context: EngineContext = {
    now: () => clock,
    report: options.report ?? (() => {}),
  };
  const runtimes: ListenerRuntime[] = [];
  for (let i = 0; i < config.listeners.length; i++) {
    const listener = config.listeners[i]!;
    const starter = await starterFor(listener.protocol);
    const result = await starter(config, i, context);
    if ('severity' in result) {
      await Promise.all(runtimes.map((r) => r.stop(false)));
      clearInterval(ticker);
      return { ok: false, errors: [result] };
    }
    runtimes.push(result);
  }
  const handle: RuntimeHandle = {
    config,
    stats: { startedAt: clock, listeners: runtimes.map((r) => r.stats) },
    boundAddresses: () => runtimes.map((r, listener) => ({ listener, ...r.bound() })),
    now: () => clock,
    connections: (i) => runtimes[i]?.connections() ?? [],
    closeConnection: (i, slot) => runtimes[i]?.closeConnection(slot) ?? false,
    relisten: async (i, endpoint, spec) => {
      const r = runtimes[i];
      if (!r) return { severity: 'error', message: `no listener ${i}` };
      return r.relisten(endpoint, spec);
    },
    reopenLogs: () => runtimes.flatMap((r) => r.reopenLogs()),
    stop: async (opts = {}) => {
      await Promise.all(runtimes.map((r) => r.stop(opts.graceful ?? false)));
      clearInterval(ticker);
    },
  };
  return { ok: true, handle };
}
