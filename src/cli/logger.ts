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
 * This file must not know which components log nor what: it makes the root and its sink
 * (`log-sink.ts`).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger } from 'pino';
import type { CliIO } from './io.js';
import { LogSink, openLogFile, stderrDescriptor, StreamLogSink } from './log-sink.js';
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
 * Makes a command's root logger. Its lines go through a bounded, lossy queue (`log-sink.ts`):
 * a log file or a standard error that blocks, fills or fails costs dropped and counted lines,
 * never a hang at start, while running or at exit; `close` prints one line on the command's
 * standard error when lines were lost.
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
  const what = o.file === null ? 'standard error' : `the log ${o.file}`;
  let sink: LogSink | StreamLogSink;
  if (o.file !== null) {
    mkdirQuietly(dirname(o.file));
    const fd = openLogFile(o.file);
    if (fd instanceof Error) {
      o.io.stderr.write(
        `mediapath: cannot write ${what}: ${fd.message} (log lines are dropped; the run goes on)\n`,
      );
    }
    sink = new LogSink(fd instanceof Error ? fd : { fd, owned: true });
  } else {
    // The process's own standard error gets a non-blocking descriptor of its own; an
    // embedder's stream (or a socket) is written with its backpressure respected.
    const own = o.io.stderr === process.stderr ? stderrDescriptor() : null;
    sink = own ? new LogSink(own) : new StreamLogSink(o.io.stderr);
  }
  const logger = pino({ level: o.level, base: o.bindings }, sink);
  return {
    logger,
    close: async () => {
      const report = await sink.close();
      if (report.dropped > 0 && o.file !== null) {
        o.io.stderr.write(
          `mediapath: ${report.dropped} log lines dropped (${what}${report.error ? `: ${report.error}` : ' did not take them'})\n`,
        );
      }
    },
  };
}

/** Creates a folder for the log file; a failure shows when the file is opened. */
function mkdirQuietly(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch {
    // Reported by openLogFile.
  }
}
