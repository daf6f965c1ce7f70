/**
 * The usage error of every command: a bad command line (an unknown option, a missing or extra
 * argument, a value out of range). Commands throw it; the dispatcher prints it with a pointer
 * to the command's help and returns exit code 2.
 *
 * This file must not know the commands, their options or how the dispatcher picks one.
 */
import { ErrorCodes, SimError } from '../core/index.js';

/**
 * A bad command line, with the code `SIM_ERR_CLI_USAGE`. The message says what is wrong in
 * one line, without the command's name (the dispatcher adds it).
 */
export class UsageError extends SimError {
  constructor(message: string) {
    super(ErrorCodes.CLI_USAGE, message);
    this.name = 'UsageError';
  }
}

/**
 * The lines printed for a usage error: what is wrong, then where the help is.
 *
 * @param command - The command as typed (`run`, `load`), or '' when there was none.
 * @param message - What is wrong, in one line.
 */
export function formatUsageError(command: string, message: string): string {
  return `mediapath ${command}: ${message}\nTry: mediapath help ${command}\n`;
}
