/**
 * `mediapath import SCRIPT.ps1 [--onto FILE]`: a scenario's configuration built from a script
 * of Skype for Business Server cmdlets (an export, or an administrator's own), onto a scenario
 * that gives the hosts, calls and settings no cmdlet configures.
 *
 * This file must not know how the script runs (the admin layer does); it reads the files,
 * prints what failed and the new scenario's problems, and writes the result.
 */
import { readFile } from 'node:fs/promises';
import { importPowerShell, PowerShellSyntaxError } from '../admin/index.js';
import { loadScenarioText } from '../scenario/index.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { ExitCode, useColour, type CliIO } from './io.js';
import { printProblems } from './load-scenario.js';
import { outputOf, prepareOutput, writeOutput } from './output.js';
import { displayPath } from './paths.js';
import { count } from './text.js';
import { UsageError } from './usage.js';

export const IMPORT_HELP = `Usage: mediapath import SCRIPT.ps1 [--onto FILE] [-o OUT.yaml|-] [--name NAME]

Builds a scenario's configuration - media bypass, call admission control, network regions,
sites, subnets, bandwidth profiles, region links, routes, inter-site policies, trunk, media
and voice configuration - from a script of Skype for Business Server cmdlets: the output of
mediapath export --powershell, or an administrator's own script (Import-Module lines and
comments are fine). The script runs as CsAdministrator with no check per statement; the
resulting scenario is validated at the end and its problems are printed.

With --onto FILE, everything the cmdlets do not configure (hosts, links, calls, simulation
settings, the name) comes from FILE, whose configuration sections are replaced; without it, the
scenario has the configuration only, and hosts must be added before it runs.

Options:
  --onto FILE     the scenario that gives hosts, links, calls and settings
  -o OUT.yaml|-   write to OUT (its folder is created); default: standard output
  --name NAME     the scenario's name without --onto (default "Imported configuration")
  -h, --help      this help

Examples:
  mediapath export scenarios/litware.yaml --powershell -o out/litware.ps1
  mediapath import out/litware.ps1 --onto scenarios/litware.yaml -o out/litware.yaml

Exit codes: 0 imported and valid, 2 bad usage, 3 the resulting scenario is invalid (it is
written all the same), 6 a statement failed (the rest was imported) or the script has a syntax
error (nothing was written).
`;

/**
 * Runs `mediapath import`.
 *
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line or an unreadable file.
 * @throws {SimError} `SIM_ERR_CLI_OUTPUT` when the result cannot be written.
 */
export async function importCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      onto: { type: 'string' },
      out: { type: 'string', short: 'o' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { onto: 'a scenario file', out: OUTPUT_VALUE, name: 'a name' },
  );
  if (values.help) {
    io.stdout.write(IMPORT_HELP);
    return ExitCode.OK;
  }
  const [scriptPath, ...extra] = positionals;
  if (scriptPath === undefined || extra.length > 0) {
    throw new UsageError('import takes one script (SCRIPT.ps1)');
  }
  const output = outputOf('-o', values.out ?? '-');
  await prepareOutput(output);
  const script = await readText(scriptPath, 'script');
  const onto =
    values.onto === undefined
      ? null
      : { text: await readText(values.onto, 'scenario'), file: values.onto };
  let result: ReturnType<typeof importPowerShell>;
  try {
    result = importPowerShell(script, onto, values.name);
  } catch (e) {
    if (e instanceof PowerShellSyntaxError) {
      io.stderr.write(
        `mediapath import: ${displayPath(scriptPath)}: ${e.code}: ${e.message}; nothing was imported\n`,
      );
      return ExitCode.COMMAND_REFUSED;
    }
    throw e;
  }
  for (const line of result.output) {
    io.stderr.write(`${line}\n`);
  }
  const file = values.out !== undefined && values.out !== '-' ? values.out : '<import>';
  const loaded = loadScenarioText(result.text, file);
  const problems = loaded.ok ? loaded.warnings : loaded.problems;
  printProblems(io, problems, useColour(io.stderr, io.env));
  const written = output === null ? null : await writeOutput(output, result.text, io);
  const failed = result.records.filter((r) => r.outcome !== 'ok' && r.outcome !== 'warning').length;
  io.stderr.write(
    `${count(result.records.length, 'statement')} imported${failed > 0 ? `, ${failed} failed` : ''}${written !== null ? `; wrote ${written}` : ''}${loaded.ok ? '' : `; the scenario is invalid (${count(problems.filter((p) => p.severity === 'error').length, 'error')})`}\n`,
  );
  if (failed > 0) {
    return ExitCode.COMMAND_REFUSED;
  }
  return loaded.ok ? ExitCode.OK : ExitCode.INVALID_SCENARIO;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(
      `${path}: cannot read the ${what} (${e instanceof Error ? e.message : String(e)})`,
    );
  }
}
