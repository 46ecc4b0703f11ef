import type { ListenerStarter } from '../runtime/listener.js';
import { StreamListener } from './stream-listener.js';

/** TCP and UDP listeners (pen). */
export const startStreamListener: ListenerStarter = async (config, index, context) => {
  const listener = config.listeners[index];
  if (!listener) return { severity: 'error', message: `no listener ${index}` };
  // UDP (pen -U) is rare: its module (and node:dgram) is loaded only for it.
  const runtime =
    listener.protocol === 'udp'
      ? new (await import('./udp-listener.js')).UdpListener(config, index, context)
      : new StreamListener(config, index, context);
  const error = await runtime.start();
  if (error) {
    await runtime.stop(false);
    return error;
  }
  return runtime;
};
