/**
 * Where a command's results go: every result option (`--json`, `compose -o`) takes a file
 * name, or `-` for standard output. Files are checked before the command does its work (the
 * folder is created, a folder or an unwritable place is a usage error), so that a long run is
 * not lost to a path at the end.
 *
 * This file must not know what a result contains nor which command writes it.
 */
import { constants } from 'node:fs';
import { access, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ErrorCodes, SimError } from '../core/index.js';
import { OUTPUT_VALUE } from './args.js';
import type { CliIO } from './io.js';
import { UsageError } from './usage.js';

/** A result's destination: a file, or standard output. */
export type Output =
  | { readonly option: string; readonly kind: 'stdout' }
  | { readonly option: string; readonly kind: 'file'; readonly path: string };

/**
 * The destination of a result option: `-` is standard output, anything else a file.
 *
 * @param option - The option as the user types it (`--json`, `-o`), for messages.
 * @param value - The option's value; undefined when the option was not given.
 * @param options.notYaml - Refuse a name ending in `.yaml` or `.yml`: a scenario file given
 *   after an option that now takes a value would otherwise be overwritten.
 * @returns null when the option was not given.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for an empty name, or a YAML name with `notYaml`.
 */
export function outputOf(
  option: string,
  value: string | undefined,
  options: { notYaml?: boolean } = {},
): Output | null {
  if (value === undefined) {
    return null;
  }
  if (value === '-') {
    return { option, kind: 'stdout' };
  }
  if (value === '') {
    throw new UsageError(`${option} needs a value: ${OUTPUT_VALUE}`);
  }
  if (options.notYaml === true && /\.ya?ml$/i.test(value)) {
    throw new UsageError(
      `${option} ${value}: that looks like a scenario file; ${option} takes the output file (FILE.json), or - for standard output`,
    );
  }
  return { option, kind: 'file', path: value };
}

/**
 * Checks that at most one result goes to standard output.
 *
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` when two options are `-`.
 */
export function oneOnStdout(outputs: readonly (Output | null)[]): void {
  const onStdout = outputs.filter((o) => o?.kind === 'stdout').map((o) => o?.option ?? '');
  if (onStdout.length > 1) {
    throw new UsageError(
      `${onStdout.join(' - and ')} - both write to standard output; give one of them a file`,
    );
  }
}

/**
 * Makes a file destination ready before the work starts: creates its folder and checks that
 * the file can be written there. Standard output needs nothing.
 *
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` when the path is a folder, or its folder cannot be
 *   created or written to; the message names the option, the path and the reason.
 */
export async function prepareOutput(output: Output | null): Promise<void> {
  if (output?.kind !== 'file') {
    return;
  }
  const path = resolve(output.path);
  const fail = (why: string): never => {
    throw new UsageError(`${output.option} ${output.path}: ${why}`);
  };
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory() === true) {
    fail('is a folder; give a file name');
  }
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    fail(
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'cannot create its folder: a file is in the way'
        : `cannot create its folder (${reason(e)})`,
    );
  }
  try {
    await access(existing === null ? dirname(path) : path, constants.W_OK);
  } catch (e) {
    fail(`cannot write there (${reason(e)})`);
  }
}

/**
 * Makes the destinations of a command that keeps hosts up ready before it starts: its report
 * (`--json`, `--html`) and its streams (`--calls`, `--log`, always files).
 *
 * @throws {UsageError} as {@link prepareOutput}.
 */
export async function prepareLongRunOutputs(a: {
  readonly json: Output | null;
  readonly html: Output | null;
  readonly calls: string | null;
  readonly log: string | null;
}): Promise<void> {
  for (const o of [a.json, a.html]) {
    await prepareOutput(o);
  }
  for (const [option, path] of [
    ['--calls', a.calls],
    ['--log', a.log],
  ] as const) {
    await prepareOutput(path === null ? null : { option, kind: 'file', path });
  }
}

/**
 * Writes a result to its destination.
 *
 * @returns The file written, or null for standard output.
 * @throws {SimError} `SIM_ERR_CLI_OUTPUT` when the file cannot be written (after
 *   {@link prepareOutput} checked it: a full disk, a folder removed meanwhile).
 */
export async function writeOutput(output: Output, text: string, io: CliIO): Promise<string | null> {
  if (output.kind === 'stdout') {
    io.stdout.write(text);
    return null;
  }
  try {
    await writeFile(output.path, text);
  } catch (e) {
    throw new SimError(
      ErrorCodes.CLI_OUTPUT,
      `${output.option} ${output.path}: cannot write the file (${reason(e)})`,
      { cause: e },
    );
  }
  return output.path;
}

/** A file system error in a few words: `ENOENT: no such file or directory` -> its text. */
function reason(e: unknown): string {
  if (e instanceof Error) {
    const m = /^\w+: ([^,]+)/.exec(e.message);
    return m?.[1] ?? e.message;
  }
  return String(e);
}
