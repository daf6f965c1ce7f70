export * from './errors.js';
export * from './clock.js';
export * from './logger.js';
