/**
 * `mediapath export FILE --powershell`: the Skype for Business Server cmdlets that would
 * configure a real deployment like the scenario, in the order of the deployment process.
 *
 * This file must not know how the script is made (the admin layer does); it reads the
 * arguments and the scenario and writes the result where asked.
 */
import { readFile } from 'node:fs/promises';
import { exportPowerShell } from '../admin/index.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { ExitCode, type CliIO } from './io.js';
import { loadForCommand } from './load-scenario.js';
import { outputOf, prepareOutput, writeOutput } from './output.js';
import { displayPath } from './paths.js';
import { UsageError } from './usage.js';

export const EXPORT_HELP = `Usage: mediapath export FILE --powershell [-o OUT|-]

Writes the Skype for Business Server cmdlets that would configure a real deployment like the
scenario, in the order of the media bypass deployment process: trunk configurations, media
bypass globally (and media configurations), then the bandwidth profiles, network regions,
sites and subnets, region links, routes and inter-site policies that site and region mode and
call admission control need, voice policies with their PSTN usages and routes, and call
admission control last (enabling it checks the whole configuration). An administrator can run
it in the Management Shell as a starting point; mediapath import reads it back.

What Topology Builder configures (Mediation Servers, gateways and their trunks) and what the
simulator alone has (clients, calls, link impairments, simulation settings) is not a cmdlet:
the header lists the gateways and the settings that differ from the defaults.

Options:
  --powershell   the format (the only one)
  -o OUT|-       write to OUT (its folder is created) instead of standard output
  -h, --help     this help

Examples:
  mediapath export scenarios/litware.yaml --powershell -o out/litware.ps1
  mediapath export mylab/scenario.yaml --powershell | less

Exit codes: 0 written, 2 bad usage, 3 invalid scenario, 4 the file could not be written.
`;

/**
 * Runs `mediapath export`.
 *
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line.
 * @throws {SimError} `SIM_ERR_SCENARIO_INVALID`, `SIM_ERR_CLI_OUTPUT`.
 */
export async function exportCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      powershell: { type: 'boolean' },
      out: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
    { out: OUTPUT_VALUE },
  );
  if (values.help) {
    io.stdout.write(EXPORT_HELP);
    return ExitCode.OK;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) {
    throw new UsageError('export takes one scenario file');
  }
  if (values.powershell !== true) {
    throw new UsageError('export needs a format: --powershell');
  }
  const output = outputOf('-o', values.out ?? '-', { notYaml: true });
  await prepareOutput(output);
  const scenario = await loadForCommand(file, io, { quietWarnings: true });
  const script = exportPowerShell(scenario, await readFile(file, 'utf8'), displayPath(file));
  const written = output === null ? null : await writeOutput(output, script, io);
  if (written !== null) {
    io.stderr.write(`wrote ${written}\n`);
  }
  return ExitCode.OK;
}
