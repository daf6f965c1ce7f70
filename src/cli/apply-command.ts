/**
 * `mediapath apply SCRIPT.ps1 [DIR] --role ROLE`: runs a script of Skype for Business Server
 * cmdlets against a lab (or a scenario) under a role, as `mediapath shell` would line by line,
 * writes the new configuration version and logs every statement.
 *
 * This file must not know how a cmdlet runs, how roles decide or how the scenario is written
 * (the admin layer and admin-target.ts do); it reads the arguments and the files and picks the
 * exit code.
 */
import { readFile } from 'node:fs/promises';
import { AdminSession, describeRole } from '../admin/index.js';
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
  withLabDefinition,
} from './admin-target.js';
import { parseCommandArgs } from './args.js';
import { ExitCode, type CliIO } from './io.js';
import { loadForCommand } from './load-scenario.js';
import { displayPath } from './paths.js';
import { count } from './text.js';
import { UsageError } from './usage.js';

export const APPLY_HELP = `Usage: mediapath apply SCRIPT.ps1|- [DIR|FILE] [--role ROLE] [--scope site:NAME]...
                       [--server-admin-scope no-global|deploy-table]

Runs a script of Skype for Business Server cmdlets (PowerShell syntax) against a lab's
scenario, as the role would in the Management Shell: the same cmdlets, roles and checks as
mediapath shell. The whole script is parsed first: with a syntax error nothing runs. Then each
statement runs in order: a change that breaks a configuration rule is refused with the rule's
message, one the role may not make is denied, and in either case nothing changes; warnings
are printed and the change stands; the script goes on after an error unless it says
-ErrorAction Stop or $ErrorActionPreference = "Stop".

The new configuration replaces the scenario file (written beside it, then renamed: a running
lab reads the old version or the new one, never half of one), and every statement is added to
the folder's command log (commands.log.jsonl) with the role, its outcome and the version it
left.

DIR is a lab's working folder (mediapath lab start makes one; its role is the default), a
folder with a scenario.yaml, or a scenario file; default: the current folder. SCRIPT - reads
the script from standard input.

Options:
  --role ROLE                  the RBAC role to act as (default: the lab's); docs/cmdlets.md
                               lists the roles and what each may do
  --scope site:NAME            limit the role to a site, as New-CsAdminRole -ConfigScopes does
                               (may be repeated)
  --server-admin-scope MODE    what CsServerAdministrator may change: no-global (default: only
                               objects of a site or a service) or deploy-table (setting A8)
  -h, --help                   this help

Examples:
  mediapath apply phase1.ps1 mylab
  mediapath apply fix.ps1 scenarios/branch-office.yaml --role CsVoiceAdministrator
  echo 'Get-CsTrunkConfiguration' | mediapath apply - mylab

Exit codes: 0 every statement ran, 2 bad usage, 3 invalid scenario, 6 a statement was refused,
denied or failed, or the script has a syntax error (nothing ran).
`;

/**
 * Runs `mediapath apply`.
 *
 * @returns 0 when every statement ran, 6 when one failed (refused, denied, an error, a syntax
 *   error).
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line or an unreadable script.
 * @throws {SimError} `SIM_ERR_SCENARIO_INVALID`, `SIM_ERR_CLI_OUTPUT`. An invalid lab definition
 *   (`SIM_ERR_LAB_DEFINITION`) is printed and gives exit code 3.
 */
export function applyCommand(
  args: readonly string[],
  io: CliIO,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  return withLabDefinition('apply', io, () => applyCommandInner(args, io, stdin));
}

/** `mediapath apply` itself, inside applyCommand's handling of an invalid lab definition. */
async function applyCommandInner(
  args: readonly string[],
  io: CliIO,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, ROLE_ARGS, ROLE_ARG_VALUES);
  if (values.help) {
    io.stdout.write(APPLY_HELP);
    return ExitCode.OK;
  }
  const [scriptPath, where, ...extra] = positionals;
  if (scriptPath === undefined) {
    throw new UsageError('apply needs a script (SCRIPT.ps1, or - for standard input)');
  }
  if (extra.length > 0) {
    throw new UsageError('apply takes one script and one folder or scenario');
  }
  const script = scriptPath === '-' ? await readAll(stdin) : await readScript(scriptPath);
  const target = await findTarget(where);
  const role = targetRole(target, roleOptionsOf(values));
  await loadForCommand(target.scenario, io, { quietWarnings: true });
  const text = await readFile(target.scenario, 'utf8');
  const session = new AdminSession({ text, file: target.scenario, role, mode: 'live' });
  const run = session.run(script);
  for (const line of run.output) {
    io.stdout.write(`${line}\n`);
  }
  const base = await lastVersion(target.log);
  const sha = session.version > 0 ? await writeScenario(target.scenario, session.text) : null;
  await appendLog(
    target.log,
    logLines(run.records, { via: 'apply', role: describeRole(role), base, sha }),
  );
  const failed = run.records.filter((r) => r.outcome !== 'ok' && r.outcome !== 'warning');
  const ran = run.records.length;
  io.stderr.write(
    `${count(ran, 'statement')} as ${describeRole(role)}: ${ran - failed.length} ran, ${failed.length} failed; ` +
      (session.version > 0
        ? `configuration version ${base + session.version} written to ${displayPath(target.scenario)}\n`
        : `${displayPath(target.scenario)} unchanged\n`),
  );
  return failed.length > 0 ? ExitCode.COMMAND_REFUSED : ExitCode.OK;
}

async function readScript(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(
      `${path}: cannot read the script (${e instanceof Error ? e.message : String(e)})`,
    );
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  }
  return text;
}
