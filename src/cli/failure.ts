/**
 * How an error that stopped a command is printed, and the exit code it gives: a usage error
 * with a pointer to the help (2), an invalid scenario by its summary line (3), any other error
 * as `mediapath <command>: <CODE>: <message>` (4), with the stack trace when it is not a
 * deliberate error (a bug).
 *
 * This file must not know the commands: it matches on error codes only.
 */
import { ErrorCodes, hasCode, SimError } from '../core/index.js';
import { ExitCode, type CliIO } from './io.js';
import { formatUsageError } from './usage.js';

/**
 * Prints an error that stopped a command on its stderr.
 *
 * @param command - The command as typed (`run`), or '' when there was none.
 * @returns The exit code for the error.
 */
export function reportFailure(command: string, e: unknown, io: CliIO): number {
  if (hasCode(e, ErrorCodes.CLI_USAGE)) {
    io.stderr.write(formatUsageError(command, e.message));
    return ExitCode.USAGE;
  }
  if (hasCode(e, ErrorCodes.SCENARIO_INVALID)) {
    // The problems are printed already; the message is the summary line.
    io.stderr.write(`${e.message}\n`);
    return ExitCode.INVALID_SCENARIO;
  }
  const code = e instanceof SimError ? e.code : ErrorCodes.INTERNAL;
  const message = e instanceof Error ? e.message : String(e);
  io.stderr.write(`mediapath ${command}: ${code}: ${message}\n`);
  if (!(e instanceof SimError) && e instanceof Error && e.stack) {
    io.stderr.write(`${e.stack}\n`);
  }
  return ExitCode.RUNTIME;
}
