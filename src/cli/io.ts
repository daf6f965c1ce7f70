/**
 * What a command may touch of the outside world (its streams and environment), the exit codes
 * the CLI returns, and whether to use colour.
 *
 * This file must not know any command, nor import anything of the project: every file of
 * `src/cli` may import it.
 */
/** What a command may touch of the outside world; tests pass in-memory streams. */
export interface CliIO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Commands typed to a long-running command (`serve`); none when absent. */
  readonly stdin?: NodeJS.ReadableStream | undefined;
  /**
   * Interrupts a long command as Ctrl-C does (SIGINT and SIGTERM always do); tests and
   * embedders use it instead of signalling the process.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Exit codes, documented in README.md and `mediapath --help`. Only `src/cli` turns errors
 * into these.
 */
export const ExitCode = {
  /** Everything ran and every expectation held. */
  OK: 0,
  /** The run or explain finished but an `expect:` assertion failed. */
  EXPECTATION_FAILED: 1,
  /** Bad command line (unknown command or option, missing file argument). */
  USAGE: 2,
  /** The scenario is invalid: nothing ran. */
  INVALID_SCENARIO: 3,
  /** The run could not be carried out (bind failure, missing privilege, peer crash). */
  RUNTIME: 4,
  /** A load test or benchmark ran but missed its floor (loss, latency, calls carried). */
  LOAD_FLOOR_MISSED: 5,
  /** A cmdlet was refused by a configuration rule or denied to the role, or a script did not parse. */
  COMMAND_REFUSED: 6,
  /**
   * The run went on but was degraded: a host was lost (an agent died or left); the report
   * names it. `simulation.degradedRun: pass` leaves the exit code to the expectations.
   */
  DEGRADED: 7,
  /** Interrupted (Ctrl-C); everything created was cleaned up. */
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** True when colour may be used on this stream (a terminal, and NO_COLOR unset). */
export function useColour(stream: { isTTY?: boolean }, env: CliIO['env']): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') {
    return false;
  }
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') {
    return true;
  }
  return stream.isTTY === true;
}
