import type { ListenerStarter } from '../runtime/listener.js';

/** HTTP and HTTPS listeners (pound). */
export const startHttpListener: ListenerStarter = async (config, index) => ({
  severity: 'error',
  message: `listener ${index} (${config.listeners[index]?.protocol}): not implemented yet`,
});
