import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/cli/io.js';
import { LOAD_HELP, runLoadCommand } from '../../../src/cli/load-command.js';

async function load(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runLoadCommand(argv, { stdout, stderr, env: {} });
  return { code, stdout: out, stderr: err };
}

describe('mediapath load: command line', () => {
  it('prints help with examples and exit codes', async () => {
    const { code, stdout } = await load(['--help']);
    expect(code).toBe(ExitCode.OK);
    expect(stdout).toBe(LOAD_HELP);
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('--max-p99-ms');
  });

  it.each([
    [['--calls', '0'], /--calls must be an integer/],
    [['--calls', 'many'], /--calls must be an integer/],
    [['--seconds', '1'], /--seconds must be an integer 2-3600/],
    [['--bind', '10.0.0.1'], /loopback/],
    [['--port-min', '20000'], /go together/],
    [['--max-loss=-1'], /--max-loss must be a number/],
    [['--frobnicate'], /Unknown option/],
    [['extra'], /unexpected argument/],
    [['--io', 'fast'], /--io must be auto, batch or dgram/],
  ])('rejects %j with exit code 2', async (argv, message) => {
    const { code, stderr, stdout } = await load(argv);
    expect(code).toBe(ExitCode.USAGE);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });
});
