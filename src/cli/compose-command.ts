/**
 * `mediapath compose [FILE]`: writes the Docker Compose file that deploys a scenario as
 * containers, with paths relative to where the file goes.
 *
 * This file must not know how the deployment is planned (the deploy layer); it resolves the
 * paths of the scenario, the output and the package, and writes the result.
 */
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  composeFor,
  describePlan,
  type ComposeOptions,
  type ComposeResult,
} from '../deploy/index.js';
import type { Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { ExitCode, type CliIO } from './io.js';
import { loadForCommand } from './load-scenario.js';
import { oneOnStdout, outputOf, prepareOutput, writeOutput, type Output } from './output.js';
import { DEFAULT_SCENARIO, packageRoot } from './paths.js';
import { UsageError } from './usage.js';

export const COMPOSE_HELP = `Usage: mediapath compose [FILE] [-o OUT|-] [--json FILE|-]

Writes a Docker Compose file that deploys the scenario as containers, the same hosts as the
network-namespace mode: one agent container per host (and one for the PSTN), named after it,
with the host's scenario IPs; one network per site subnet, "internet" for hosts in no site,
"pstn" (a transit network: the PSTN's 192.0.2.1 is routed) and "control"; a router on every
network, with a token bucket (tc tbf) for each rate in links:; and the orchestrator
("mediapath"), which runs the Bandwidth Policy Service and prints the report. Scenarios from
the package's scenarios/ folder are used from the image; any other file is mounted read-only.
Without -o the file goes to standard output.

Options:
  -o, --out OUT|-  write the compose file to OUT (its folder is created; relative paths in it
                   are relative to OUT's folder), or with - to standard output (the default)
  --json FILE|-    write what was planned (networks, addresses, routes) as JSON to FILE, or
                   with - to standard output (then the compose file is in it, unless -o OUT)
  -h, --help       this help

Examples:
  mediapath compose -o docker-compose.yml
  mediapath compose scenarios/litware.yaml -o litware/docker-compose.yml
  mediapath compose my-lab.yaml --json - | jq '.networks[] | {name, subnet, router}'
  docker-compose up --abort-on-container-exit --exit-code-from mediapath

Exit codes: 0 written, 3 invalid scenario or one that cannot be deployed (the reasons are
listed), 2 bad usage (also an output path that cannot be written), 4 a file could not be
written after all.
`;

/**
 * The options for a scenario file and an output path: a scenario from the package's
 * `scenarios/` is read from the image, any other is mounted; paths are relative to the
 * output's folder, as compose resolves them. `fileGiven` false means the embedded default.
 */
export function composeOptionsFor(
  scenarioFile: string,
  outFile: string | null,
  fileGiven: boolean,
  cwd = process.cwd(),
): ComposeOptions {
  const outDir = outFile === null ? cwd : dirname(resolve(cwd, outFile));
  const scenarioPath = resolve(cwd, scenarioFile);
  const inScenarios = relative(join(packageRoot, 'scenarios'), scenarioPath);
  const posix = (p: string): string => p.split(sep).join('/');
  const fromOut = posix(relative(outDir, scenarioPath));
  const shown = (p: string): string => {
    const rel = relative(cwd, resolve(cwd, p));
    return posix(rel.startsWith('..') ? resolve(cwd, p) : rel);
  };
  const command = [
    'mediapath compose',
    ...(fileGiven ? [shown(scenarioFile)] : []),
    ...(outFile === null ? [] : ['-o', shown(outFile)]),
  ].join(' ');
  return {
    scenario:
      !inScenarios.startsWith('..') && !isAbsolute(inScenarios)
        ? { inImage: `scenarios/${posix(inScenarios)}` }
        : { mount: fromOut.startsWith('.') || isAbsolute(fromOut) ? fromOut : `./${fromOut}` },
    buildContext: posix(relative(outDir, packageRoot)) || '.',
    command,
  };
}

/** The compose file for a loaded scenario (see `composeOptionsFor` for the paths). */
export function composeScenario(
  scenario: Scenario,
  scenarioFile: string,
  outFile: string | null,
  fileGiven: boolean,
  cwd = process.cwd(),
): ComposeResult {
  return composeFor(
    scenario,
    new Topology(scenario),
    composeOptionsFor(scenarioFile, outFile, fileGiven, cwd),
  );
}

/**
 * Runs `mediapath compose [FILE] [-o OUT|-] [--json FILE|-]`.
 *
 * @param args - The arguments after `compose`.
 * @returns 0 when written, 3 when the scenario cannot be deployed.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line or an output path that
 *   cannot be written.
 * @throws {SimError} `SIM_ERR_SCENARIO_INVALID` for an invalid scenario, `SIM_ERR_CLI_OUTPUT`
 *   when a file cannot be written after all.
 */
export async function composeCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      out: { type: 'string', short: 'o' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { out: OUTPUT_VALUE, json: OUTPUT_VALUE },
  );
  if (values.help) {
    io.stdout.write(COMPOSE_HELP);
    return ExitCode.OK;
  }
  if (positionals.length > 1) {
    throw new UsageError('compose takes one scenario file');
  }
  const out = outputOf('-o', values.out);
  const json = outputOf('--json', values.json, { notYaml: true });
  oneOnStdout([out, json]);
  await prepareOutput(out);
  await prepareOutput(json);
  const outFile = out?.kind === 'file' ? out.path : null;
  const file = positionals[0] ?? DEFAULT_SCENARIO;
  const scenario = await loadForCommand(file, io, { quietWarnings: json?.kind === 'stdout' });
  const result = composeScenario(scenario, file, outFile, positionals[0] !== undefined);
  if (!result.ok) {
    if (json !== null) {
      await writeJson(json, { file, deployable: false, problems: result.problems }, io);
    }
    for (const p of result.problems) {
      io.stderr.write(`${file}: cannot deploy with Docker Compose: ${p}\n`);
    }
    return ExitCode.INVALID_SCENARIO;
  }
  // The compose file goes to -o; without -o to standard output, or into the JSON document
  // when that is what standard output carries.
  const yamlInJson = outFile === null;
  if (out !== null) {
    await writeOutput(out, result.yaml, io);
  } else if (json?.kind !== 'stdout') {
    io.stdout.write(result.yaml);
  }
  if (json !== null) {
    const { networks, services } = result.plan;
    await writeJson(
      json,
      {
        file,
        scenario: scenario.name,
        deployable: true,
        output: outFile,
        networks,
        services,
        ...(yamlInJson ? { yaml: result.yaml } : {}),
      },
      io,
    );
  }
  if (outFile !== null) {
    const lines =
      `wrote ${outFile}: ${describePlan(result.plan)}\n` +
      `run: docker-compose -f ${outFile} up --abort-on-container-exit --exit-code-from mediapath\n`;
    (json?.kind === 'stdout' ? io.stderr : io.stdout).write(lines);
  }
  return ExitCode.OK;
}

/** Writes a JSON document; a file written is named on stderr. */
async function writeJson(json: Output, doc: unknown, io: CliIO): Promise<void> {
  const written = await writeOutput(json, `${JSON.stringify(doc, null, 2)}\n`, io);
  if (written !== null) {
    io.stderr.write(`wrote ${written}\n`);
  }
}
