import { PassThrough } from 'node:stream';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

/** What a command printed and returned. */
export interface Captured {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs a CLI command in-process with captured, non-TTY output. */
export async function capture(
  command: (args: string[], io: CliIO) => Promise<number>,
  args: string[],
  env: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Captured> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await command(args, { stdout, stderr, env, signal });
  return { code, out, err };
}

/**
 * `mediapath ARGS` in-process; `signal` interrupts it as Ctrl-C does.
 */
export function cli(
  args: string[],
  env: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Captured> {
  return capture(main, args, env, signal);
}
