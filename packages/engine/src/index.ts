export * from './model/index.js';
export * from './runtime/handle.js';
