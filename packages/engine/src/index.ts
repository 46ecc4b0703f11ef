export * from './model/index.js';
export * from './runtime/handle.js';
export * from './runtime/listener.js';
export { start } from './start.js';
export type { StartOptions, StartResult } from './start.js';
