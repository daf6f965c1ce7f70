import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SimError } from '../core/index.js';
import { runTimeline } from '../policy/index.js';
import { explainCalls, explainJson, formatExplain, styler } from '../report/index.js';
import { formatProblem, loadScenarioFile, type Problem, type Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { ExitCode, useColour, type CliIO } from './io.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The package root (`dist/cli/..` or `src/cli/..`). */
export const packageRoot = join(here, '..', '..');
/** The embedded default scenario, run when no file is given. */
export const DEFAULT_SCENARIO = join(packageRoot, 'scenarios', 'default.yaml');

const USAGE = `mediapath: a network media-path simulator with real SIP and RTP (Skype for Business media
bypass, Mediation Server relay and call admission control).

Usage:
  mediapath <command> [options] [FILE...]

Commands:
  run [FILE]           Run the scenario live: real SIP and RTP between emulated hosts on
                       loopback; one row per call with the decision and the observed media path.
  explain [FILE]       Decide every call of the timeline without sockets and explain why.
  validate FILE...     Check scenario files; every problem with file:line:col.
  load                 Load-test the Mediation Server's RTP relay.
  agent                One host of a multi-process run (run --net netns starts them).
  net clean            Remove network namespaces left by a killed run (root).
  compose [FILE]       Write a Docker Compose file that deploys the scenario as containers.
  help [COMMAND]       Show help for a command.

FILE defaults to the embedded scenario (scenarios/default.yaml).

Examples:
  mediapath explain scenarios/litware.yaml --trace
  mediapath validate scenarios/*.yaml
  mediapath explain scenarios/branch-cac.yaml --json > decisions.json
  sudo mediapath run --net netns scenarios/branch-office.yaml
  mediapath load --calls 300 --seconds 10
  mediapath compose scenarios/litware.yaml -o docker-compose.yml

Exit codes:
  0    success, every expectation met
  1    an expect: assertion failed
  2    bad command line
  3    invalid scenario (nothing ran)
  4    runtime failure (bind error, missing privilege, peer crash)
  5    a load test missed its floor
  130  interrupted (Ctrl-C); everything created was cleaned up

Colour is used only on a terminal (NO_COLOR turns it off, FORCE_COLOR on).
`;

const COMMAND_HELP: Record<string, string> = {
  validate: `Usage: mediapath validate [--json] FILE...

Checks each scenario: YAML syntax, the schema (unknown keys with a suggestion), references
between objects, addressing (overlapping subnets, a subnet not at the first address of its
range) and the configuration rules of Skype for Business (AlwaysBypass with CAC, EnableBypass
without ConcentratedTopology, session limits below the minimums, ...). Every problem is listed
at once with file:line:col, the dot-path and what was expected. Warnings are listed apart and
do not fail validation.

Options:
  --json      one JSON document with every file's problems
  -h, --help  this help

Examples:
  mediapath validate scenarios/litware.yaml
  mediapath validate scenarios/*.yaml --json | jq '.files[].problems[]'

Exit codes: 0 all valid, 3 at least one invalid, 2 bad usage.
`,
  explain: `Usage: mediapath explain [FILE] [--trace] [--json]

Plays the call timeline through the policy engine (no sockets): for every call in time order,
its decision (BYPASS, RELAY, DIRECT, CAC-ADMITTED, CAC-REROUTED-INTERNET/-PSTN/-VOICEMAIL,
REJECTED), the predicted media path, the bandwidth it reserves on each link, the ledger after
it, and its expect: assertions. With --trace, every rule applied, in order, with its id from
the domain rules (b.1#10 exact subnet match, c.3#11 link limits, c.5#19 PSTN re-route, ...).

Options:
  --trace     show the rule trace of each call
  --json      print JSON (always includes the trace)
  -h, --help  this help

Examples:
  mediapath explain scenarios/litware.yaml --trace
  mediapath explain scenarios/branch-cac.yaml --json | jq '.calls[] | {id, decision}'

Exit codes: 0 ok, 1 an expectation failed, 3 invalid scenario, 2 bad usage.
`,
};

/**
 * The CLI entry: parses argv, runs a command, returns the exit code. It never calls
 * process.exit; the launcher sets process.exitCode.
 */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help': {
        const topic = rest[0];
        if (topic === 'run') {
          io.stdout.write((await import('./run-command.js')).RUN_HELP);
          return ExitCode.OK;
        }
        if (topic === 'agent') {
          io.stdout.write((await import('./agent-command.js')).AGENT_HELP);
          return ExitCode.OK;
        }
        if (topic === 'net') {
          io.stdout.write((await import('./net-command.js')).NET_HELP);
          return ExitCode.OK;
        }
        if (topic === 'load') {
          io.stdout.write((await import('./load-command.js')).LOAD_HELP);
          return ExitCode.OK;
        }
        if (topic === 'compose') {
          io.stdout.write((await import('./compose-command.js')).COMPOSE_HELP);
          return ExitCode.OK;
        }
        io.stdout.write(topic && COMMAND_HELP[topic] ? COMMAND_HELP[topic] : USAGE);
        return command === undefined ? ExitCode.USAGE : ExitCode.OK;
      }
      case '--version':
      case '-v':
        io.stdout.write(`${version()}\n`);
        return ExitCode.OK;
      case 'validate':
        return await validateCommand(rest, io);
      case 'run':
        return await (await import('./run-command.js')).runCommand(rest, io);
      case 'load':
        return await (await import('./load-command.js')).runLoadCommand([...rest], io);
      case 'net':
        return await (await import('./net-command.js')).netCommand(rest, io);
      case 'compose':
        return await (await import('./compose-command.js')).composeCommand(rest, io);
      case 'agent':
        return await (await import('./agent-command.js')).agentCommand(rest, io);
      case 'explain':
        return await explainCommand(rest, io);
      default:
        io.stderr.write(`mediapath: unknown command "${command}"\n\n${USAGE}`);
        return ExitCode.USAGE;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(
        `mediapath ${command ?? ''}: ${e.message}\nTry: mediapath help ${command ?? ''}\n`,
      );
      return ExitCode.USAGE;
    }
    const code = e instanceof SimError ? e.code : 'SIM_ERR_INTERNAL';
    const message = e instanceof Error ? e.message : String(e);
    io.stderr.write(`mediapath ${command ?? ''}: ${code}: ${message}\n`);
    if (!(e instanceof SimError) && e instanceof Error && e.stack) {
      io.stderr.write(`${e.stack}\n`);
    }
    return ExitCode.RUNTIME;
  }
}

/** A bad command line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** node:util parseArgs with errors turned into UsageError. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: T,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Prints problems, errors first, warnings apart. */
export function printProblems(io: CliIO, problems: readonly Problem[], colour: boolean): void {
  const st = styler(colour);
  const errors = problems.filter((p) => p.severity === 'error');
  const warnings = problems.filter((p) => p.severity === 'warning');
  for (const p of errors) {
    io.stderr.write(`${st.red(formatProblem(p))}\n`);
  }
  if (warnings.length) {
    if (errors.length) {
      io.stderr.write('\n');
    }
    for (const p of warnings) {
      io.stderr.write(`${st.yellow(formatProblem(p))}\n`);
    }
  }
}

/**
 * Loads a scenario for a command; prints its problems. Returns null (after printing) when it
 * is invalid.
 */
export async function loadForCommand(
  file: string,
  io: CliIO,
  options: { quietWarnings?: boolean } = {},
): Promise<Scenario | null> {
  const colour = useColour(io.stderr, io.env);
  const result = await loadScenarioFile(file);
  if (!result.ok) {
    printProblems(io, result.problems, colour);
    const n = result.problems.filter((p) => p.severity === 'error').length;
    io.stderr.write(
      `${displayPath(file)}: invalid scenario, ${n} error${n === 1 ? '' : 's'}; nothing ran.\n`,
    );
    return null;
  }
  if (!options.quietWarnings && result.warnings.length) {
    printProblems(io, result.warnings, colour);
  }
  return result.scenario;
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

async function validateCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(COMMAND_HELP.validate ?? '');
    return ExitCode.OK;
  }
  if (positionals.length === 0) {
    throw new UsageError('give at least one scenario file');
  }
  const colour = useColour(io.stdout, io.env);
  const st = styler(colour);
  let invalid = 0;
  const files: { file: string; valid: boolean; problems: readonly Problem[] }[] = [];
  for (const file of positionals) {
    const result = await loadScenarioFile(file);
    const problems = result.ok ? result.warnings : result.problems;
    files.push({ file, valid: result.ok, problems });
    if (!result.ok) {
      invalid++;
    }
    if (!values.json) {
      printProblems(io, problems, useColour(io.stderr, io.env));
      const errors = problems.filter((p) => p.severity === 'error').length;
      const warnings = problems.length - errors;
      const summary = result.ok
        ? st.green(`${file}: valid`) +
          (warnings ? st.yellow(` (${warnings} warning${warnings === 1 ? '' : 's'})`) : '')
        : st.red(`${file}: invalid, ${errors} error${errors === 1 ? '' : 's'}`) +
          (warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : '');
      io.stdout.write(`${summary}\n`);
    }
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ files, invalid }, null, 2)}\n`);
  }
  return invalid > 0 ? ExitCode.INVALID_SCENARIO : ExitCode.OK;
}

async function explainCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    trace: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(COMMAND_HELP.explain ?? '');
    return ExitCode.OK;
  }
  if (positionals.length > 1) {
    throw new UsageError('explain takes one scenario file');
  }
  const file = positionals[0] ?? DEFAULT_SCENARIO;
  const scenario = await loadForCommand(file, io, { quietWarnings: values.json === true });
  if (!scenario) {
    return ExitCode.INVALID_SCENARIO;
  }
  const topo = new Topology(scenario);
  const timeline = runTimeline(topo, { trace: true });
  const calls = explainCalls(timeline);
  if (values.json) {
    io.stdout.write(`${JSON.stringify(explainJson(topo, calls), null, 2)}\n`);
  } else {
    io.stdout.write(
      formatExplain(topo, calls, {
        trace: values.trace === true,
        colour: useColour(io.stdout, io.env),
      }),
    );
  }
  return calls.some((c) => c.failures.length > 0) ? ExitCode.EXPECTATION_FAILED : ExitCode.OK;
}
