/**
 * The logger type components are given: a pino Logger, of which they make children per
 * component and per call.
 *
 * This file must not create a logger nor know where lines go: only the CLI makes the root.
 */
import type { Logger } from 'pino';

export type { Logger };

/**
 * The subset of pino every component relies on. Components take a Logger in their
 * constructor and derive children from it; none imports a global logger.
 */
export type ComponentLogger = Pick<
  Logger,
  'child' | 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'isLevelEnabled'
>;
