export * from './errors.js';
export * from './clock.js';
export * from './logger.js';
export * from './ipv4.js';
export * from './egress.js';
