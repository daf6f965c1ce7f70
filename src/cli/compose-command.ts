/**
 * `mediapath compose [FILE]`: writes the Docker Compose file that deploys a scenario as
 * containers, with paths relative to where the file goes.
 *
 * This file must not know how the deployment is planned (the deploy layer); it resolves the
 * paths of the scenario, the output and the package, and writes the result.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  composeFor,
  describePlan,
  type ComposeOptions,
  type ComposeResult,
} from '../deploy/index.js';
import type { Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { parseCommandArgs } from './args.js';
import { ExitCode, type CliIO } from './io.js';
import { loadForCommand } from './load-scenario.js';
import { DEFAULT_SCENARIO, packageRoot } from './paths.js';
import { UsageError } from './usage.js';

export const COMPOSE_HELP = `Usage: mediapath compose [FILE] [-o OUT] [--json]

Writes a Docker Compose file that deploys the scenario as containers, the same hosts as the
network-namespace mode: one agent container per host (and one for the PSTN), named after it,
with the host's scenario IPs; one network per site subnet, "internet" for hosts in no site,
"pstn" (192.0.2.0/24) and "control"; a router on every network, with a token bucket (tc tbf)
for each rate in links:; and the orchestrator ("mediapath"), which runs the Bandwidth Policy
Service and prints the report. Scenarios from the package's scenarios/ folder are used from
the image; any other file is mounted read-only. Without -o the file goes to standard output.

Options:
  -o, --out OUT  write the compose file to OUT (relative paths in it are relative to OUT's folder)
  --json         print what was planned (networks, addresses, routes) as JSON
  -h, --help     this help

Examples:
  mediapath compose -o docker-compose.yml
  mediapath compose scenarios/litware.yaml -o litware/docker-compose.yml
  mediapath compose my-lab.yaml --json | jq '.networks[] | {name, subnet, router}'
  docker-compose up --abort-on-container-exit --exit-code-from mediapath

Exit codes: 0 written, 3 invalid scenario or one that cannot be deployed (the reasons are
listed), 2 bad usage, 4 the file could not be written.
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

/** `mediapath compose [FILE] [-o OUT] [--json]`. */
export async function composeCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    out: { type: 'string', short: 'o' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(COMPOSE_HELP);
    return ExitCode.OK;
  }
  if (positionals.length > 1) {
    throw new UsageError('compose takes one scenario file');
  }
  const out = typeof values.out === 'string' ? values.out : null;
  if (out === '') {
    throw new UsageError('-o needs a file name');
  }
  const file = positionals[0] ?? DEFAULT_SCENARIO;
  const scenario = await loadForCommand(file, io, { quietWarnings: values.json === true });
  const result = composeScenario(scenario, file, out, positionals[0] !== undefined);
  if (!result.ok) {
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ file, deployable: false, problems: result.problems }, null, 2)}\n`,
      );
    }
    for (const p of result.problems) {
      io.stderr.write(`${file}: cannot deploy with Docker Compose: ${p}\n`);
    }
    return ExitCode.INVALID_SCENARIO;
  }
  if (out !== null) {
    try {
      await writeFile(out, result.yaml);
    } catch (e) {
      io.stderr.write(
        `mediapath compose: cannot write ${out}: ${e instanceof Error ? e.message : String(e)}\n`,
      );
      return ExitCode.RUNTIME;
    }
  }
  if (values.json) {
    const { networks, services } = result.plan;
    const doc = {
      file,
      scenario: scenario.name,
      deployable: true,
      output: out,
      networks,
      services,
      ...(out === null ? { yaml: result.yaml } : {}),
    };
    io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else if (out === null) {
    io.stdout.write(result.yaml);
  } else {
    io.stdout.write(
      `wrote ${out}: ${describePlan(result.plan)}\n` +
        `run: docker-compose -f ${out} up --abort-on-container-exit --exit-code-from mediapath\n`,
    );
  }
  return ExitCode.OK;
}
