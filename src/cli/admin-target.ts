/**
 * What `mediapath shell`, `apply` and the `lab` commands work on: a lab's working folder (with
 * its `lab.yaml`, scenario, answers and command log), a plain folder with a `scenario.yaml`,
 * or a scenario file; the role the commands act as; and the files they write: the scenario,
 * replaced atomically (written beside it, then renamed) so that a running lab only ever reads
 * a whole configuration, and the command log, one JSON line per statement with its role,
 * outcome and the configuration version it left.
 *
 * This file must not know how a cmdlet runs or how goals are checked: it finds, reads and
 * writes files.
 */
import { createHash } from 'node:crypto';
import { appendFile, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  resolveRole,
  SERVER_ADMINISTRATOR_SCOPES,
  type CommandRecord,
  type Role,
  type ServerAdministratorScope,
} from '../admin/index.js';
import { ErrorCodes, hasCode, SimError } from '../core/index.js';
import { ExitCode, type CliIO } from './io.js';
import { LAB_FILES, parseLab, type LabDefinition } from '../labs/index.js';
import { packageRoot } from './paths.js';
import { UsageError } from './usage.js';

/** The shipped labs' folder. */
export const LABS_DIR = join(packageRoot, 'labs');

/** Where the commands work. */
export interface AdminTarget {
  /** The folder of the lab or scenario. */
  readonly folder: string;
  /** The scenario file. */
  readonly scenario: string;
  /** The lab's definition, when the folder is a lab. */
  readonly lab: LabDefinition | null;
  /** The command log. */
  readonly log: string;
}

/**
 * Finds what a DIR (or FILE) argument names.
 *
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` when it is none of a lab folder, a folder with a
 *   scenario.yaml, or a scenario file.
 * @throws {SimError} `SIM_ERR_LAB_DEFINITION` when the folder's lab.yaml is not valid.
 */
export async function findTarget(arg: string | undefined): Promise<AdminTarget> {
  const path = resolve(arg ?? '.');
  const info = await stat(path).catch(() => null);
  if (info === null) {
    throw new UsageError(`${arg ?? '.'}: no such folder or file`);
  }
  if (info.isFile()) {
    return {
      folder: dirname(path),
      scenario: path,
      lab: null,
      log: join(dirname(path), LAB_FILES.commandLog),
    };
  }
  const lab = await readLab(path);
  if (lab !== null) {
    return {
      folder: path,
      scenario: join(path, lab.scenario),
      lab,
      log: join(path, LAB_FILES.commandLog),
    };
  }
  const scenario = join(path, 'scenario.yaml');
  if ((await stat(scenario).catch(() => null))?.isFile() !== true) {
    throw new UsageError(
      `${arg ?? '.'}: not a lab folder (no ${LAB_FILES.definition}) and no scenario.yaml in it; give a lab folder (mediapath lab start NAME DIR makes one) or a scenario file`,
    );
  }
  return { folder: path, scenario, lab: null, log: join(path, LAB_FILES.commandLog) };
}

/**
 * The working folder of a lab (not a plain scenario).
 *
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` when the folder has no lab.yaml.
 */
export async function labTarget(
  dir: string | undefined,
): Promise<AdminTarget & { readonly lab: LabDefinition }> {
  const target = await findTarget(dir);
  if (target.lab === null) {
    throw new UsageError(
      `${dir ?? '.'} is not a lab folder (no ${LAB_FILES.definition}); mediapath lab start makes one`,
    );
  }
  return { ...target, lab: target.lab };
}

/**
 * Reads a folder's `lab.yaml`; null when there is none.
 *
 * @throws {SimError} `SIM_ERR_LAB_DEFINITION` listing every problem when it is not valid.
 */
export async function readLab(folder: string): Promise<LabDefinition | null> {
  const file = join(folder, LAB_FILES.definition);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  const parsed = parseLab(text, file);
  if (!parsed.ok) {
    throw new SimError(
      ErrorCodes.LAB_DEFINITION,
      `${file} is not a valid lab definition:\n  ${parsed.problems.join('\n  ')}`,
      { details: { file, problems: parsed.problems } },
    );
  }
  return parsed.lab;
}

/** The role options of `shell` and `apply`. */
/** The options of the commands that act as an administrator (`shell`, `apply`), with `--help`. */
export const ROLE_ARGS = {
  role: { type: 'string' },
  scope: { type: 'string', multiple: true },
  'server-admin-scope': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What the values of {@link ROLE_ARGS} look like, for a missing value's message. */
export const ROLE_ARG_VALUES = {
  role: 'a role name',
  scope: 'site:NAME',
  'server-admin-scope': 'no-global or deploy-table',
} as const;

/** The role options as parsed from {@link ROLE_ARGS}. */
export function roleOptionsOf(values: {
  readonly role?: string | undefined;
  readonly scope?: readonly string[] | undefined;
  readonly 'server-admin-scope'?: string | undefined;
}): RoleOptions {
  return {
    role: values.role,
    scopes: values.scope ?? [],
    serverAdministratorScope: values['server-admin-scope'],
  };
}

export interface RoleOptions {
  readonly role: string | undefined;
  readonly scopes: readonly string[];
  readonly serverAdministratorScope: string | undefined;
}

/**
 * The role to act as: `--role`, else the lab's; with the lab's custom roles, `--scope` sites
 * and the A8 setting (`--server-admin-scope`, else the lab's).
 *
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` when no role is given and the folder is not a lab,
 *   or the role or setting is unknown.
 */
export function targetRole(target: AdminTarget, o: RoleOptions): Role {
  const name = o.role ?? target.lab?.role;
  if (name === undefined) {
    throw new UsageError(
      '--role is needed outside a lab (for example --role CsVoiceAdministrator)',
    );
  }
  const a8 = o.serverAdministratorScope ?? target.lab?.serverAdministratorScope;
  if (a8 !== undefined && !(SERVER_ADMINISTRATOR_SCOPES as readonly string[]).includes(a8)) {
    throw new UsageError(
      `--server-admin-scope must be ${SERVER_ADMINISTRATOR_SCOPES.join(' or ')}, got "${a8}"`,
    );
  }
  const role = resolveRole(name, {
    custom: target.lab?.roles ?? [],
    scopes: o.scopes,
    ...(a8 !== undefined ? { serverAdministratorScope: a8 as ServerAdministratorScope } : {}),
  });
  if (typeof role === 'string') {
    throw new UsageError(`--role: ${role}`);
  }
  return role;
}

/**
 * Replaces the scenario file with a new configuration, atomically: the text is written beside
 * it and renamed over it, so that a reader (a running lab) sees the old file or the new one.
 *
 * @returns The SHA-256 of the text, which the command log records with the version.
 * @throws {SimError} `SIM_ERR_CLI_OUTPUT` when it cannot be written.
 */
export async function writeScenario(file: string, text: string): Promise<string> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (e) {
    throw new SimError(
      ErrorCodes.CLI_OUTPUT,
      `${file}: cannot write the scenario (${e instanceof Error ? e.message : String(e)})`,
      {
        cause: e,
      },
    );
  }
  return sha256(text);
}

/** The SHA-256 of a text, in hex. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The last configuration version the command log records (0 when none). */
export async function lastVersion(log: string): Promise<number> {
  const text = await readFile(log, 'utf8').catch(() => '');
  let version = 0;
  for (const line of text.split('\n')) {
    try {
      const v = (JSON.parse(line) as { version?: unknown }).version;
      if (typeof v === 'number' && v > version) {
        version = v;
      }
    } catch {
      // A line that is not JSON (a hand edit) is skipped.
    }
  }
  return version;
}

/** One line of the command log. */
export interface LogLine {
  readonly time: string;
  readonly via: 'shell' | 'apply' | 'lab';
  readonly role: string;
  readonly statement: string;
  readonly cmdlet: string | null;
  readonly outcome: CommandRecord['outcome'] | 'reset';
  readonly code: string | null;
  readonly messages: readonly string[];
  readonly changed: boolean;
  /** The configuration version after the statement (monotonic over the folder's history). */
  readonly version: number;
  /** The SHA-256 of the scenario file at that version, when the statement changed it. */
  readonly sha256: string | null;
}

/**
 * Appends lines to the command log.
 *
 * @throws {SimError} `SIM_ERR_CLI_OUTPUT` when it cannot be written.
 */
export async function appendLog(log: string, lines: readonly LogLine[]): Promise<void> {
  if (lines.length === 0) {
    return;
  }
  try {
    await appendFile(log, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  } catch (e) {
    throw new SimError(
      ErrorCodes.CLI_OUTPUT,
      `${log}: cannot write the command log (${e instanceof Error ? e.message : String(e)})`,
      {
        cause: e,
      },
    );
  }
}

/**
 * Log lines of a session's records, numbered from the folder's last version. The scenario is
 * written once after them, so only the last change carries the file's SHA-256: the versions
 * before it were never a file of their own.
 */
export function logLines(
  records: readonly CommandRecord[],
  o: {
    readonly via: LogLine['via'];
    readonly role: string;
    readonly base: number;
    readonly sha: string | null;
  },
): LogLine[] {
  const time = new Date().toISOString();
  const last = records.map((r) => r.changed).lastIndexOf(true);
  return records.map((r, i) => ({
    time,
    via: o.via,
    role: o.role,
    statement: r.statement,
    cmdlet: r.cmdlet,
    outcome: r.outcome,
    code: r.code,
    messages: r.messages,
    changed: r.changed,
    version: o.base + r.version,
    sha256: i === last ? o.sha : null,
  }));
}

/**
 * Runs a command that reads a lab, and turns an invalid lab definition into exit code 3 (an
 * invalid input, like an invalid scenario), after printing its problems.
 */
export async function withLabDefinition(
  command: string,
  io: CliIO,
  run: () => Promise<number>,
): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (hasCode(e, ErrorCodes.LAB_DEFINITION)) {
      io.stderr.write(`mediapath ${command}: ${e.code}: ${e.message}\n`);
      return ExitCode.INVALID_SCENARIO;
    }
    throw e;
  }
}
