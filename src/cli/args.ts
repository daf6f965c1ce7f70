/**
 * Argument parsing shared by every command: `node:util` parseArgs in strict mode, with its
 * errors turned into one-line {@link UsageError}s (exit code 2).
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

/** What every result option (`--json`, `-o`) takes, for messages. */
export const OUTPUT_VALUE = 'a file name, or - for standard output';

/**
 * Parses a command's arguments strictly (unknown options are errors), positionals allowed.
 *
 * @param args - The arguments after the command's name.
 * @param options - The command's options.
 * @param values - What the value of a string option is, by long name, for the message when
 *   it is missing (`{ json: OUTPUT_VALUE }`).
 * @returns The option values (typed after `options`) and the positionals.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for an unknown option, a missing value, or a value
 *   given to a boolean option.
 */
export function parseCommandArgs<const T extends OptionsConfig>(
  args: readonly string[],
  options: T,
  values?: Readonly<Partial<Record<keyof T, string>>>,
): ParsedCommandArgs<T> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // "Option '-o, --out <value>' argument missing", or "... argument is ambiguous" when the
    // next argument starts with a dash: either way the value is missing.
    const missing =
      /^Option '(?:-\w, )?--([\w-]+)(?: <value>)?' argument (?:missing|is ambiguous)/.exec(message);
    if (missing?.[1] !== undefined) {
      const name = missing[1];
      const what = (values as Readonly<Record<string, string | undefined>> | undefined)?.[name];
      throw new UsageError(`--${name} needs a value${what === undefined ? '' : `: ${what}`}`);
    }
    throw new UsageError(message.split('\n')[0] ?? message);
  }
}
