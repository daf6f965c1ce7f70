/**
 * `mediapath net clean`: housekeeping of the network-namespace mode (the namespaces and the
 * control socket file a killed run left behind).
 *
 * This file must not know how namespaces are named or removed (the net layer does).
 */
import { rmSync } from 'node:fs';
import { ErrorCodes, SimError } from '../core/index.js';
import { cleanNetns, NETNS_PREFIX, netnsAvailable } from '../net/index.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { ExitCode, type CliIO } from './io.js';
import { controlSocketPath } from './netns-run.js';
import { outputOf, prepareOutput, writeOutput } from './output.js';
import { count } from './text.js';
import { UsageError } from './usage.js';

export const NET_HELP = `Usage: mediapath net clean [--json FILE|-]

Removes network namespaces left behind by a mediapath run that was killed (their names are
"mp" + a 4-hex-digit run id + "-r" or "-s<n>"), and that run's control socket file; runs
still going and everything else are left alone. Needs root.

Options:
  --json FILE|-  write what was removed as JSON to FILE, or with - to standard output
  -h, --help     this help

Examples:
  sudo mediapath net clean
  sudo mediapath net clean --json -

Exit codes: 0 done (also when there was nothing to remove), 2 bad usage, 4 not permitted.
`;

/**
 * Runs `mediapath net clean`.
 *
 * @param args - The arguments after `net`.
 * @returns 0 when done (also with nothing to remove).
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line.
 * @throws {SimError} `SIM_ERR_NET_UNSUPPORTED` without root or iproute2 (exit code 4).
 */
export async function netCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { json: OUTPUT_VALUE },
  );
  if (values.help) {
    io.stdout.write(NET_HELP);
    return ExitCode.OK;
  }
  if (positionals[0] !== 'clean' || positionals.length > 1) {
    throw new UsageError('the net command takes one subcommand: clean');
  }
  const json = outputOf('--json', values.json, { notYaml: true });
  await prepareOutput(json);
  if (!(await netnsAvailable())) {
    throw new SimError(
      ErrorCodes.NET_UNSUPPORTED,
      'net clean needs Linux, root and iproute2 (ip netns)',
    );
  }
  const removed = await cleanNetns();
  // The control socket file of each run removed (left when its orchestrator was killed).
  for (const id of new Set(
    removed.map((n) => n.slice(NETNS_PREFIX.length, NETNS_PREFIX.length + 4)),
  )) {
    rmSync(controlSocketPath(id), { force: true });
  }
  if (json?.kind !== 'stdout') {
    io.stdout.write(
      removed.length
        ? `removed ${count(removed.length, 'namespace')}: ${removed.join(', ')}\n`
        : 'nothing to remove\n',
    );
  }
  if (json !== null) {
    const written = await writeOutput(json, `${JSON.stringify({ removed })}\n`, io);
    if (written !== null) {
      io.stderr.write(`wrote ${written}\n`);
    }
  }
  return ExitCode.OK;
}
