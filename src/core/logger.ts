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
