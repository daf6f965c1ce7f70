/**
 * The root logger of a command: pino, JSON lines to a file (`--log FILE`) or to the command's
 * standard error, with the command's own bindings. Components make children of it per
 * component and per call.
 *
 * pino writes every binding of every child and every key of a line as it comes, so a key bound
 * twice appears twice in a line. Components therefore bind each key once: a component binds
 * `mod` on the logger it was given and hands that given logger (with `host` or `callId` added)
 * to the components it makes, never its own `mod` child; `test/e2e/run-output.test.ts` reads
 * every line of a debug log and fails on a repeated key.
 *
 * This file must not know which components log nor what: it makes the root and its stream.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { CliIO } from './io.js';
import { UsageError } from './usage.js';

/** The levels `--log-level` takes. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The level of `--log-level VALUE`, or `fallback` when it was not given.
 *
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` when VALUE is not a level.
 */
export function logLevelOf(value: string | undefined, fallback: LogLevel): LogLevel {
  if (value === undefined) {
    return fallback;
  }
  const level = LOG_LEVELS.find((l) => l === value);
  if (level === undefined) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return level;
}

/** A root logger and how to finish it. */
export interface RootLogger {
  readonly logger: Logger;
  /** Writes what is buffered and closes a log file; the logger must not be used after. */
  close(): Promise<void>;
}

/**
 * Makes a command's root logger.
 *
 * @param o.level - The level; `silent` writes nothing.
 * @param o.file - The log file (its folder is created), or null for the command's stderr.
 * @param o.bindings - Keys every line carries (none of them bound again by a component:
 *   `run` and `host`, for one, are).
 */
export function createRootLogger(o: {
  readonly level: LogLevel;
  readonly file: string | null;
  readonly io: CliIO;
  readonly bindings: Readonly<Record<string, unknown>> | null;
}): RootLogger {
  if (o.file === null) {
    const stderr = o.io.stderr;
    const logger = pino(
      { level: o.level, base: o.bindings },
      { write: (line: string) => stderr.write(line) },
    );
    return { logger, close: () => Promise.resolve() };
  }
  const path = o.file;
  const file = pino.destination({ dest: path, sync: false, mkdir: true });
  let failed = false;
  file.on('error', (e: Error) => {
    if (!failed) {
      failed = true;
      o.io.stderr.write(`mediapath: cannot write the log ${path}: ${e.message}\n`);
    }
  });
  const stream: DestinationStream & { flush(cb: (err?: Error) => void): void } = {
    write: (line: string) => file.write(line),
    flush: (cb) => {
      file.flush(cb);
    },
  };
  const logger = pino({ level: o.level, base: o.bindings }, stream);
  return {
    logger,
    close: () =>
      new Promise<void>((resolve) => {
        if (failed) {
          resolve();
          return;
        }
        file.once('close', () => resolve());
        file.once('error', () => resolve());
        file.end();
      }),
  };
}
