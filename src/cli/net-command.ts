/**
 * `mediapath net clean`: housekeeping of the network-namespace mode (the namespaces and the
 * control socket file a killed run left behind).
 *
 * This file must not know how namespaces are named or removed (the net layer does).
 */
import { rmSync } from 'node:fs';
import { cleanNetns, NETNS_PREFIX, netnsAvailable } from '../net/index.js';
import { parseCommandArgs } from './args.js';
import { ExitCode, type CliIO } from './io.js';
import { controlSocketPath } from './netns-run.js';
import { UsageError } from './usage.js';

export const NET_HELP = `Usage: mediapath net clean [--json]

Removes network namespaces left behind by a mediapath run that was killed (their names are
"mp" + a 4-hex-digit run id + "-r" or "-s<n>"), and that run's control socket file; runs
still going and everything else are left alone. Needs root.

Examples:
  sudo mediapath net clean
  mediapath net clean --json

Exit codes: 0 done (also when there was nothing to remove), 2 bad usage, 4 not permitted.
`;

/** `mediapath net ...`: housekeeping of the network-namespace mode. */
export async function netCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(NET_HELP);
    return ExitCode.OK;
  }
  if (positionals[0] !== 'clean' || positionals.length > 1) {
    throw new UsageError('the net command takes one subcommand: clean');
  }
  if (!(await netnsAvailable())) {
    io.stderr.write('mediapath net clean: needs root and iproute2 (ip netns)\n');
    return ExitCode.RUNTIME;
  }
  const removed = await cleanNetns();
  // The control socket file of each run removed (left when its orchestrator was killed).
  for (const id of new Set(
    removed.map((n) => n.slice(NETNS_PREFIX.length, NETNS_PREFIX.length + 4)),
  )) {
    rmSync(controlSocketPath(id), { force: true });
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ removed })}\n`);
  } else {
    io.stdout.write(
      removed.length
        ? `removed ${removed.length} namespace(s): ${removed.join(', ')}\n`
        : 'nothing to remove\n',
    );
  }
  return ExitCode.OK;
}
