import { describe, expect, it } from 'vitest';
import { capture, type Captured } from '../../support/cli.js';
import { ExitCode } from '../../../src/cli/io.js';
import { LOAD_HELP, runLoadCommand } from '../../../src/cli/load-command.js';

/** `mediapath load ARGS` in-process. */
function load(argv: string[]): Promise<Captured> {
  return capture(runLoadCommand, argv);
}

describe('mediapath load: command line', () => {
  it('prints help with examples and exit codes', async () => {
    const { code, out: stdout } = await load(['--help']);
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
    const { code, err: stderr, out: stdout } = await load(argv);
    expect(code).toBe(ExitCode.USAGE);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });
});
