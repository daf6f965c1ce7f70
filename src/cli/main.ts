/**
 * The dispatcher of the `mediapath` command line: picks the command named by the first
 * argument, prints the top-level help, and turns the errors that stop a command into exit
 * codes (with failure.ts).
 *
 * This file must not know what a command does nor its options: each command lives in a file
 * of its own (`*-command.ts`), loaded when it is run, and never imports this one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportFailure } from './failure.js';
import { ExitCode, type CliIO } from './io.js';
import { packageRoot } from './paths.js';

// Re-exported for the importers of the time when it lived here; new code imports paths.js.
export { DEFAULT_SCENARIO } from './paths.js';

const USAGE = `mediapath: a network media-path simulator with real SIP and RTP (Skype for Business media
bypass, Mediation Server relay and call admission control).

Usage:
  mediapath <command> [options] [FILE...]

Commands:
  run [FILE]           Run the scenario live: real SIP and RTP between emulated hosts on
                       loopback; one row per call with the decision and the observed media path.
                       With --live, keep it up: the timeline in rounds, each change to the file
                       taken for the calls that start after it.
  serve FILE           Keep the scenario's hosts up for outside SIP peers (SIPp, softphones,
                       an SBC under test) to call through; the report on Ctrl-C and on demand.
  explain [FILE]       Decide every call of the timeline without sockets and explain why.
  diff A B             What-if: A's calls under configurations A and B; the calls that change
                       and the first rule that differs (exit 1 when a call changed).
  compare FILE         Media bypass as configured and off, side by side: relayed streams,
                       relay CPU, kbps reserved per link, calls refused or re-routed.
  plan FILE            Simulate the busy hour of the traffic: section: per link the load,
                       blocking against Erlang B, and the limit for a target blocking.
  report RESULT        A saved result (run or explain --json) again: its calls as a table, or
                       with --html its HTML page.
  validate FILE...     Check scenario files; every problem with file:line:col.
  load                 Load-test the Mediation Server: its RTP relay, or with --sip its
                       signalling, called by SIPp.
  agent                One host of a multi-process run (run --net netns starts them).
  net clean            Remove network namespaces left by a killed run (root).
  compose [FILE]       Write a Docker Compose file that deploys the scenario as containers.
  lab list|start|run|check|hint|answer|reset
                       Training labs: start one, change it with the cmdlets (also while it runs
                       live: lab run, lab start --live), check its goals against a live run.
  shell [DIR]          Skype for Business Server cmdlets (PowerShell syntax) under an RBAC
                       role, interactively, against a lab or a scenario.
  apply SCRIPT [DIR]   The same cmdlets from a script.
  export FILE          The cmdlets that configure a real deployment like the scenario
                       (--powershell).
  import SCRIPT        A scenario's configuration from a script of cmdlets (--onto FILE).
  help [COMMAND]       Show help for a command.

FILE defaults to the embedded scenario (scenarios/default.yaml).

Every result option (--json FILE, --html FILE, compose -o FILE) creates the file's folder, and
takes - for standard output (then the result is all that goes there).

Examples:
  mediapath explain scenarios/litware.yaml --trace
  mediapath validate scenarios/*.yaml
  mediapath run scenarios/branch-cac.yaml --json out/branch-cac.json
  mediapath run scenarios/branch-cac.yaml --html out/report.html --pcap out/run.pcapng
  mediapath explain scenarios/branch-cac.yaml --json - | jq '.calls[].decision'
  mediapath diff scenarios/litware.yaml my-change.yaml
  mediapath plan scenarios/busy-hour.yaml --target-blocking 1%
  sudo mediapath run --net netns scenarios/branch-office.yaml
  mediapath load --calls 300 --seconds 10
  mediapath compose scenarios/litware.yaml -o docker-compose.yml
  mediapath lab start deploy-media-bypass mylab && mediapath shell mylab
  mediapath lab start unmapped-subnet mylab --live   # then mediapath shell mylab elsewhere
  mediapath export scenarios/litware.yaml --powershell -o out/litware.ps1

Exit codes:
  0    success, every expectation met (validate: every file valid)
  1    an expect: assertion failed (run, explain), a lab goal is not met (lab check);
       diff: a call changed
  2    bad command line: unknown command or option, a missing value or file, an output
       path that cannot be written
  3    invalid scenario (nothing ran), or one compose cannot deploy
  4    runtime failure (bind error, missing privilege, peer crash, a file not written,
       mediapath not built or not installed)
  5    a load test missed its floor
  6    a cmdlet was refused by a configuration rule or denied to the role, or a script
       did not parse (shell, apply, import)
  7    degraded run: a host was lost (an agent died); the report names it
  130  interrupted (Ctrl-C); everything created was cleaned up, expectations not evaluated

Colour is used only on a terminal (NO_COLOR turns it off, FORCE_COLOR on).
`;

/** A command: its arguments (after its name) in, an exit code out. */
type CommandRun = (args: readonly string[], io: CliIO) => Promise<number>;

/** A command's entry point and help text, loaded only when the command is used. */
type CommandModule = () => Promise<{ readonly run: CommandRun; readonly help: string }>;

/** Every command, by name. */
const COMMANDS: ReadonlyMap<string, CommandModule> = new Map<string, CommandModule>([
  [
    'run',
    async () => {
      const m = await import('./run-command.js');
      return { run: m.runCommand, help: m.RUN_HELP };
    },
  ],
  [
    'serve',
    async () => {
      const m = await import('./serve-command.js');
      return { run: m.serveCommand, help: m.SERVE_HELP };
    },
  ],
  [
    'explain',
    async () => {
      const m = await import('./explain-command.js');
      return { run: m.explainCommand, help: m.EXPLAIN_HELP };
    },
  ],
  [
    'report',
    async () => {
      const m = await import('./report-command.js');
      return { run: m.reportCommand, help: m.REPORT_HELP };
    },
  ],
  [
    'validate',
    async () => {
      const m = await import('./validate-command.js');
      return { run: m.validateCommand, help: m.VALIDATE_HELP };
    },
  ],
  [
    'diff',
    async () => {
      const m = await import('./diff-command.js');
      return { run: m.diffCommand, help: m.DIFF_HELP };
    },
  ],
  [
    'compare',
    async () => {
      const m = await import('./compare-command.js');
      return { run: m.compareCommand, help: m.COMPARE_HELP };
    },
  ],
  [
    'plan',
    async () => {
      const m = await import('./plan-command.js');
      return { run: m.planCommand, help: m.PLAN_HELP };
    },
  ],
  [
    'load',
    async () => {
      const m = await import('./load-command.js');
      return { run: (args, io) => m.runLoadCommand([...args], io), help: m.LOAD_HELP };
    },
  ],
  [
    'agent',
    async () => {
      const m = await import('./agent-command.js');
      return { run: m.agentCommand, help: m.AGENT_HELP };
    },
  ],
  [
    'net',
    async () => {
      const m = await import('./net-command.js');
      return { run: m.netCommand, help: m.NET_HELP };
    },
  ],
  [
    'compose',
    async () => {
      const m = await import('./compose-command.js');
      return { run: m.composeCommand, help: m.COMPOSE_HELP };
    },
  ],
  [
    'lab',
    async () => {
      const m = await import('./lab-command.js');
      return { run: m.labCommand, help: m.LAB_HELP };
    },
  ],
  [
    'shell',
    async () => {
      const m = await import('./shell-command.js');
      return { run: (args, io) => m.shellCommand(args, io), help: m.SHELL_HELP };
    },
  ],
  [
    'apply',
    async () => {
      const m = await import('./apply-command.js');
      return { run: (args, io) => m.applyCommand(args, io), help: m.APPLY_HELP };
    },
  ],
  [
    'export',
    async () => {
      const m = await import('./export-command.js');
      return { run: m.exportCommand, help: m.EXPORT_HELP };
    },
  ],
  [
    'import',
    async () => {
      const m = await import('./import-command.js');
      return { run: m.importCommand, help: m.IMPORT_HELP };
    },
  ],
]);

/**
 * The CLI entry: parses argv, runs a command, returns the exit code. It never calls
 * process.exit; the launcher sets process.exitCode.
 *
 * @param argv - The arguments after `mediapath`.
 * @param io - Streams and environment.
 * @returns An exit code from {@link ExitCode}.
 */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help': {
        const name = rest[0];
        if (name === undefined) {
          io.stdout.write(USAGE);
          return command === undefined ? ExitCode.USAGE : ExitCode.OK;
        }
        const topic = COMMANDS.get(name);
        if (topic === undefined) {
          io.stderr.write(`mediapath help: unknown command "${name}"\n\n${USAGE}`);
          return ExitCode.USAGE;
        }
        io.stdout.write((await topic()).help);
        return ExitCode.OK;
      }
      case '--version':
      case '-v':
        io.stdout.write(`${version()}\n`);
        return ExitCode.OK;
      default: {
        const entry = COMMANDS.get(command);
        if (entry === undefined) {
          io.stderr.write(`mediapath: unknown command "${command}"\n\n${USAGE}`);
          return ExitCode.USAGE;
        }
        return await (await entry()).run(rest, io);
      }
    }
  } catch (e) {
    return reportFailure(command ?? '', e, io);
  }
}

/** The package's version, from its package.json. */
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
