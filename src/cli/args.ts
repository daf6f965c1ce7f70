/**
 * Argument parsing shared by every command: `node:util` parseArgs in strict mode, with its
 * errors turned into {@link UsageError} (exit code 2).
 *
 * This file must not know any command or option: each command declares its own.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage.js';

/** The option declarations of a command, as `node:util` parseArgs takes them. */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** What {@link parseCommandArgs} returns: typed option values and the positionals. */
export type ParsedCommandArgs<T extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
>;

/**
 * Parses a command's arguments strictly (unknown options are errors), positionals allowed.
 *
 * @param args - The arguments after the command's name.
 * @param options - The command's options.
 * @returns The option values (typed after `options`) and the positionals.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for an unknown option, a missing value, or a value
 *   given to a boolean option.
 */
export function parseCommandArgs<const T extends OptionsConfig>(
  args: readonly string[],
  options: T,
): ParsedCommandArgs<T> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}
