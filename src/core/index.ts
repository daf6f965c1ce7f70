/**
 * The core layer's public surface: error codes, clock, logger type, IPv4 helpers, the egress
 * door, the capture tap, telephone numbers, the timer wheel, a lookup for IP literals. Every other layer imports the
 * core through this file.
 *
 * This file must not know any other layer: the core imports nothing of the project.
 */
export * from './errors.js';
export * from './clock.js';
export * from './logger.js';
export * from './ipv4.js';
export * from './egress.js';
export * from './phone-number.js';
export * from './capture.js';
export * from './timer-wheel.js';
export * from './literal-lookup.js';
