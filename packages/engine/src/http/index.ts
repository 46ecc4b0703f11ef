import type { ListenerStarter } from '../runtime/listener.js';
import { startHttp } from './listener.js';

/** HTTP and HTTPS listeners (pound). */
export const startHttpListener: ListenerStarter = (config, index, context) => startHttp(config, index, context);

export { logSinkFor, probeNow } from './shared.js';
export { compilePattern, translateEre } from './pattern.js';
