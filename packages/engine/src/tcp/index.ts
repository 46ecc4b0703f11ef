import type { ListenerStarter } from '../runtime/listener.js';

/** TCP and UDP listeners (pen). */
export const startStreamListener: ListenerStarter = async (config, index) => ({
  severity: 'error',
  message: `listener ${index} (${config.listeners[index]?.protocol}): not implemented yet`,
});
