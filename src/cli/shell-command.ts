/**
 * `mediapath shell [DIR] --role ROLE`: an interactive prompt that takes the Skype for Business
 * Server cmdlets that configure media bypass, CAC, trunks, voice policies and media, in
 * PowerShell syntax, under an RBAC role. Each change passes the scenario's rules or is refused
 * as the cmdlet would refuse it; each kept change is written to the scenario file at once (a
 * new configuration version) and every statement goes to the command log.
 *
 * This file must not know how a cmdlet runs or how roles decide (the admin layer does); it
 * reads lines, asks for more when a statement is incomplete, prints, and writes the files.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import {
  AdminSession,
  describeRole,
  PowerShellSyntaxError,
  type RunOutcome,
} from '../admin/index.js';
import {
  appendLog,
  findTarget,
  lastVersion,
  logLines,
  ROLE_ARG_VALUES,
  ROLE_ARGS,
  roleOptionsOf,
  targetRole,
  writeScenario,
  type AdminTarget,
  withLabDefinition,
} from './admin-target.js';
import { parseCommandArgs } from './args.js';
import { ExitCode, type CliIO } from './io.js';
import { loadForCommand } from './load-scenario.js';
import { displayPath } from './paths.js';
import { UsageError } from './usage.js';

export const SHELL_HELP = `Usage: mediapath shell [DIR|FILE] [--role ROLE] [--scope site:NAME]...
                       [--server-admin-scope no-global|deploy-table]

An interactive prompt for the Skype for Business Server cmdlets that configure what the
scenario models - media bypass, call admission control, network regions, sites and subnets,
bandwidth profiles, region links and routes, inter-site policies, trunk configurations, voice
policies and routes, media configurations - in PowerShell syntax: named parameters, "quoted"
and bare values, $true and $false, $null to clear a setting, @{Add="x"} for lists, variables
that hold an object ($b = New-CsNetworkMediaBypassConfiguration ...), -Identity scopes such as
"PstnGateway:gw-por" and "site:Portland", | Format-List, | Format-Table, | Select-Object.

You act as an RBAC role: a cmdlet the role may not run, or a change of an object outside its
scope, is denied with the role's name, and nothing changes. A change that breaks a
configuration rule is refused with the rule's message, and nothing changes; a warning is
printed and the change stands. Each change is written to the scenario file at once, as a new
configuration version, and every statement to the folder's command log (commands.log.jsonl).

Get-Command lists the cmdlets your role may run, Get-Help <cmdlet> shows one, exit leaves.
docs/cmdlets.md has them all, with the roles.

DIR is a lab's working folder (mediapath lab start makes one; its role is the default), a
folder with a scenario.yaml, or a scenario file; default: the current folder. The shell reads
standard input, so a script can be piped in (mediapath apply does the same in one go).

Options:
  --role ROLE                  the RBAC role to act as (default: the lab's)
  --scope site:NAME            limit the role to a site, as New-CsAdminRole -ConfigScopes does
                               (may be repeated)
  --server-admin-scope MODE    what CsServerAdministrator may change: no-global (default) or
                               deploy-table (setting A8)
  -h, --help                   this help

Examples:
  mediapath lab start deploy-media-bypass mylab && mediapath shell mylab --role CsVoiceAdministrator
  mediapath shell scenarios/branch-office.yaml --role CsViewOnlyAdministrator

Exit codes: 0 every statement ran, 2 bad usage, 3 invalid scenario, 6 a statement was refused,
denied or failed.
`;

/**
 * Runs `mediapath shell`.
 *
 * @param stdin - Where lines come from (standard input; tests pass a stream).
 * @returns 0 when every statement ran, 6 when one was refused, denied or failed.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line.
 * @throws {SimError} `SIM_ERR_SCENARIO_INVALID`, `SIM_ERR_CLI_OUTPUT`. An invalid lab definition
 *   (`SIM_ERR_LAB_DEFINITION`) is printed and gives exit code 3.
 */
export function shellCommand(
  args: readonly string[],
  io: CliIO,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<number> {
  return withLabDefinition('shell', io, () => shellCommandInner(args, io, stdin));
}

/** `mediapath shell` itself, inside shellCommand's handling of an invalid lab definition. */
async function shellCommandInner(
  args: readonly string[],
  io: CliIO,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, ROLE_ARGS, ROLE_ARG_VALUES);
  if (values.help) {
    io.stdout.write(SHELL_HELP);
    return ExitCode.OK;
  }
  if (positionals.length > 1) {
    throw new UsageError('shell takes one folder or scenario');
  }
  const target = await findTarget(positionals[0]);
  const role = targetRole(target, roleOptionsOf(values));
  await loadForCommand(target.scenario, io, { quietWarnings: true });
  const session = new AdminSession({
    text: await readFile(target.scenario, 'utf8'),
    file: target.scenario,
    role,
    mode: 'live',
  });
  io.stderr.write(
    `mediapath shell: ${displayPath(target.scenario)}, acting as ${describeRole(role)}. Get-Command lists the cmdlets you may run, Get-Help <cmdlet> shows one, exit leaves.\n`,
  );
  const failed = await readLoop(session, target, io, stdin);
  return failed ? ExitCode.COMMAND_REFUSED : ExitCode.OK;
}

/** Reads statements until exit or the end of input; true when one failed. */
async function readLoop(
  session: AdminSession,
  target: AdminTarget,
  io: CliIO,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean },
): Promise<boolean> {
  const tty = stdin.isTTY === true;
  const name = target.lab?.title ?? displayPath(target.scenario);
  const base = await lastVersion(target.log);
  const state = { written: 0, failed: false };
  let buffer = '';
  // The interface reads as soon as it exists: it is made after the last await before the loop,
  // so that no line is emitted before the loop listens.
  // On a terminal, readline edits the line and keeps a history; Ctrl-C and Ctrl-D leave.
  const rl = tty
    ? createInterface({ input: stdin, output: io.stdout, terminal: true })
    : createInterface({ input: stdin, terminal: false });
  rl.on('SIGINT', () => {
    rl.close();
  });
  const prompt = (more: boolean): void => {
    if (tty) {
      rl.setPrompt(more ? '>> ' : `PS ${name}> `);
      rl.prompt();
    }
  };
  prompt(false);
  try {
    for await (const line of rl) {
      buffer = buffer === '' ? line : `${buffer}\n${line}`;
      let run: RunOutcome;
      try {
        run = session.run(buffer, { incompleteThrows: true });
      } catch (e) {
        if (e instanceof PowerShellSyntaxError && e.incomplete) {
          prompt(true);
          continue;
        }
        throw e;
      }
      buffer = '';
      await settle(run, session, target, io, base, state);
      if (run.exited) {
        return state.failed;
      }
      prompt(false);
    }
    if (buffer.trim() !== '') {
      await settle(session.run(buffer), session, target, io, base, state);
    }
  } finally {
    rl.close();
  }
  return state.failed;
}

/** Prints what a run printed, writes a new configuration version, and logs the statements. */
async function settle(
  run: RunOutcome,
  session: AdminSession,
  target: AdminTarget,
  io: CliIO,
  base: number,
  state: { written: number; failed: boolean },
): Promise<void> {
  for (const line of run.output) {
    io.stdout.write(`${line}\n`);
  }
  let sha: string | null = null;
  if (session.version > state.written) {
    sha = await writeScenario(target.scenario, session.text);
    state.written = session.version;
  }
  await appendLog(
    target.log,
    logLines(run.records, { via: 'shell', role: session.roleName, base, sha }),
  );
  if (run.records.some((r) => r.outcome !== 'ok' && r.outcome !== 'warning')) {
    state.failed = true;
  }
}
