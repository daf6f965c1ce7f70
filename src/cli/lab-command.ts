/**
 * `mediapath lab list|start|run|check|hint|answer|reset`: training labs. A lab is a folder (its
 * `lab.yaml`, the scenario the trainee starts from, and the trainers' `solution/`); `start`
 * copies the trainee's files into a working folder (and with `--live` runs it), `run` keeps it
 * up live, taking the trainee's changes for the calls that start after them (live-command.ts),
 * `check` runs it live and checks the goals (lab-check.ts), `hint` shows the next hint,
 * `answer` records an answer, `reset` puts the starting files back.
 *
 * This file must not know how goals are checked nor how a run is made; it moves files and
 * prints.
 */
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import {
  isTraineeFile,
  LAB_FILES,
  parseAnswers,
  setAnswer,
  type LabDefinition,
} from '../labs/index.js';
import {
  appendLog,
  LABS_DIR,
  labTarget,
  lastVersion,
  readLab,
  sha256,
  withLabDefinition,
} from './admin-target.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { ExitCode, type CliIO } from './io.js';
import { outputOf, prepareOutput, writeOutput } from './output.js';
import { displayPath } from './paths.js';
import { LAB_HELP } from './lab-help.js';
import { LIVE_OPTIONS, LIVE_VALUES } from './live-help.js';
import { UsageError } from './usage.js';

export { LAB_HELP } from './lab-help.js';

/** What `.lab-state.json` holds. */
interface LabState {
  readonly lab: string;
  readonly source: string;
  readonly hintsShown: number;
  readonly startedAt: string;
}

/**
 * Runs `mediapath lab`.
 *
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line, an unknown lab, a folder in
 *   the way.
 * @throws {SimError} `SIM_ERR_SCENARIO_INVALID`, and what a run fails with. An invalid lab
 *   definition (`SIM_ERR_LAB_DEFINITION`) is printed and gives exit code 3.
 */
export function labCommand(args: readonly string[], io: CliIO): Promise<number> {
  return withLabDefinition('lab', io, () => labCommandInner(args, io));
}

/** `mediapath lab` itself, inside labCommand's handling of an invalid lab definition. */
async function labCommandInner(args: readonly string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case undefined:
    case '-h':
    case '--help':
      io.stdout.write(LAB_HELP);
      return sub === undefined ? ExitCode.USAGE : ExitCode.OK;
    case 'list':
      return listLabs(rest, io);
    case 'start':
      return startLab(rest, io);
    case 'run': {
      if (rest.includes('--help') || rest.includes('-h')) {
        io.stdout.write(LAB_HELP);
        return ExitCode.OK;
      }
      const { labRunCommand } = await import('./live-command.js');
      return labRunCommand(rest, io);
    }
    case 'check': {
      const { labCheck } = await import('./lab-check.js');
      return labCheck(rest, io);
    }
    case 'hint':
      return showHint(rest, io);
    case 'answer':
      return recordAnswer(rest, io);
    case 'reset':
      return resetLab(rest, io);
    default:
      throw new UsageError(
        `unknown lab command "${sub}" (list, start, run, check, hint, answer, reset)`,
      );
  }
}

/** Parses a subcommand's arguments: positionals and --help only. */
function simpleArgs(args: readonly string[], io: CliIO): readonly string[] | null {
  const { values, positionals } = parseCommandArgs(args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.stdout.write(LAB_HELP);
    return null;
  }
  return positionals;
}

/** The shipped labs: folder name and definition. */
async function catalog(): Promise<{ name: string; lab: LabDefinition }[]> {
  const names = (await readdir(LABS_DIR, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const out: { name: string; lab: LabDefinition }[] = [];
  for (const name of names) {
    const lab = await readLab(join(LABS_DIR, name));
    if (lab !== null) {
      out.push({ name, lab });
    }
  }
  return out;
}

async function listLabs(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { json: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    { json: OUTPUT_VALUE },
  );
  if (values.help) {
    io.stdout.write(LAB_HELP);
    return ExitCode.OK;
  }
  if (positionals.length > 0) {
    throw new UsageError('lab list takes no arguments');
  }
  const json = outputOf('--json', values.json, { notYaml: true });
  await prepareOutput(json);
  const labs = await catalog();
  if (json !== null) {
    const doc = labs.map((l) => ({
      name: l.name,
      title: l.lab.title,
      summary: l.lab.summary,
      role: l.lab.role,
      goals: l.lab.goals.length,
      hints: l.lab.hints.length,
    }));
    const written = await writeOutput(json, `${JSON.stringify(doc, null, 2)}\n`, io);
    if (written !== null) {
      io.stderr.write(`wrote ${written}\n`);
    }
  }
  if (json?.kind !== 'stdout') {
    const width = Math.max(...labs.map((l) => l.name.length));
    for (const l of labs) {
      io.stdout.write(
        `${l.name.padEnd(width)}  ${l.lab.title} (as ${l.lab.role})\n${' '.repeat(width + 2)}${l.lab.summary}\n`,
      );
    }
    io.stdout.write(`\nmediapath lab start NAME [DIR] copies one into a working folder.\n`);
  }
  return ExitCode.OK;
}

/** A lab by name (a shipped one) or by path (a folder with a lab.yaml). */
async function labSource(
  nameOrPath: string,
): Promise<{ name: string; folder: string; lab: LabDefinition }> {
  const shipped = join(LABS_DIR, nameOrPath);
  for (const folder of /^[A-Za-z0-9_.-]+$/.test(nameOrPath)
    ? [shipped, resolve(nameOrPath)]
    : [resolve(nameOrPath)]) {
    const lab = await readLab(folder);
    if (lab !== null) {
      return { name: basename(folder), folder, lab };
    }
  }
  const names = (await catalog()).map((l) => l.name);
  throw new UsageError(
    `no lab "${nameOrPath}" (shipped labs: ${names.join(', ')}; or give a folder with a lab.yaml)`,
  );
}

/** Every file under a folder, relative, `/`-separated. */
async function filesUnder(folder: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(folder, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) {
      out.push(...(await filesUnder(folder, rel)));
    } else if (e.isFile()) {
      out.push(rel);
    }
  }
  return out;
}

/** Copies the trainee's files of a lab into a folder. */
async function copyTraineeFiles(from: string, to: string): Promise<string[]> {
  const copied: string[] = [];
  for (const rel of await filesUnder(from)) {
    if (!isTraineeFile(rel)) {
      continue;
    }
    const dest = join(to, rel);
    await mkdir(join(dest, '..'), { recursive: true });
    await copyFile(join(from, rel), dest);
    copied.push(rel);
  }
  return copied;
}

async function startLab(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { ...LIVE_OPTIONS, live: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    LIVE_VALUES,
  );
  if (values.help) {
    io.stdout.write(LAB_HELP);
    return ExitCode.OK;
  }
  const { live, help: _help, ...liveValues } = values;
  if (live !== true && Object.keys(liveValues).length > 0) {
    throw new UsageError(
      `lab start takes ${Object.keys(liveValues)
        .map((k) => `--${k}`)
        .join(', ')} only with --live`,
    );
  }
  // The options are checked before anything is copied.
  const liveArgs =
    live === true ? (await import('./live-command.js')).liveArgsOf(liveValues) : null;
  const [nameOrPath, dirArg, ...extra] = positionals;
  if (nameOrPath === undefined || extra.length > 0) {
    throw new UsageError(
      'lab start takes a lab (a name from mediapath lab list, or a folder) and a folder',
    );
  }
  const source = await labSource(nameOrPath);
  const dir = resolve(dirArg ?? source.name);
  const existing = await readdir(dir).catch(() => null);
  if (existing !== null && existing.length > 0) {
    throw new UsageError(
      `${displayPath(dir)} exists and is not empty: give another folder, or put a started lab back with mediapath lab reset ${displayPath(dir)}`,
    );
  }
  await mkdir(dir, { recursive: true });
  await copyTraineeFiles(source.folder, dir);
  await writeState(dir, {
    lab: source.name,
    source: source.folder,
    hintsShown: 0,
    startedAt: new Date().toISOString(),
  });
  const lab = source.lab;
  const shown = displayPath(dir);
  const lines = [
    `Started "${lab.title}" in ${shown}, acting as ${lab.role}.`,
    '',
    lab.story.trimEnd(),
    '',
    'Goals:',
    ...lab.goals.map((g, i) => `  ${i + 1}. ${g.title}`),
    '',
    'Next:',
    `  mediapath shell ${shown}          # the cmdlets, as ${lab.role}`,
    `  mediapath lab run ${shown}        # keep the lab up live: your changes reach the next calls`,
    `  mediapath lab check ${shown}      # run the lab live and check the goals`,
    `  mediapath lab hint ${shown}       # the next hint (${lab.hints.length} in all)`,
    '',
  ];
  io.stdout.write(lines.join('\n'));
  if (liveArgs === null) {
    return ExitCode.OK;
  }
  io.stdout.write('\n');
  const { liveTargetOf, runLive } = await import('./live-command.js');
  return runLive(await liveTargetOf(dir), liveArgs, io);
}

async function readState(folder: string): Promise<LabState | null> {
  try {
    return JSON.parse(await readFile(join(folder, LAB_FILES.state), 'utf8')) as LabState;
  } catch {
    return null;
  }
}

async function writeState(folder: string, state: LabState): Promise<void> {
  await writeFile(join(folder, LAB_FILES.state), `${JSON.stringify(state, null, 2)}\n`);
}

async function showHint(args: readonly string[], io: CliIO): Promise<number> {
  const positionals = simpleArgs(args, io);
  if (positionals === null) {
    return ExitCode.OK;
  }
  if (positionals.length > 1) {
    throw new UsageError('lab hint takes one folder');
  }
  const target = await labTarget(positionals[0]);
  const hints = target.lab.hints;
  const state = (await readState(target.folder)) ?? {
    lab: basename(target.folder),
    source: target.folder,
    hintsShown: 0,
    startedAt: new Date().toISOString(),
  };
  if (hints.length === 0) {
    io.stdout.write('This lab has no hints.\n');
    return ExitCode.OK;
  }
  if (state.hintsShown >= hints.length) {
    io.stdout.write(`No more hints: all ${hints.length} were shown.\n`);
    hints.forEach((h, i) => io.stdout.write(`  ${i + 1}. ${h}\n`));
    return ExitCode.OK;
  }
  const n = state.hintsShown + 1;
  io.stdout.write(`Hint ${n} of ${hints.length}: ${hints[n - 1] ?? ''}\n`);
  await writeState(target.folder, { ...state, hintsShown: n });
  return ExitCode.OK;
}

async function recordAnswer(args: readonly string[], io: CliIO): Promise<number> {
  const positionals = simpleArgs(args, io);
  if (positionals === null) {
    return ExitCode.OK;
  }
  const first = positionals[0];
  const isDir =
    first !== undefined &&
    (await stat(join(resolve(first), LAB_FILES.definition)).catch(() => null)) !== null;
  const target = await labTarget(isDir ? first : undefined);
  const [key, ...words] = isDir ? positionals.slice(1) : positionals;
  const questions = target.lab.goals.flatMap((g) => (g.answer ? [g.answer] : []));
  if (questions.length === 0) {
    throw new UsageError(
      `"${target.lab.title}" asks no questions: its goals are checked from the run`,
    );
  }
  const file = join(target.folder, LAB_FILES.answers);
  const text = await readFile(file, 'utf8').catch(() => '');
  const answers = parseAnswers(text);
  if (typeof answers === 'string') {
    throw new UsageError(`${displayPath(file)}: ${answers}`);
  }
  if (key === undefined) {
    for (const q of questions) {
      io.stdout.write(`${q.key}: ${q.question}\n  answer: ${answers.get(q.key) ?? '(none yet)'}\n`);
    }
    return ExitCode.OK;
  }
  if (!questions.some((q) => q.key === key)) {
    throw new UsageError(
      `no question "${key}" (the keys are ${questions.map((q) => q.key).join(', ')})`,
    );
  }
  if (words.length === 0) {
    throw new UsageError(`lab answer ${key} needs the answer`);
  }
  await writeFile(file, setAnswer(text, key, words.join(' ')));
  io.stdout.write(
    `Recorded ${key}: ${words.join(' ')} (mediapath lab check ${displayPath(target.folder)} checks it)\n`,
  );
  return ExitCode.OK;
}

async function resetLab(args: readonly string[], io: CliIO): Promise<number> {
  const positionals = simpleArgs(args, io);
  if (positionals === null) {
    return ExitCode.OK;
  }
  if (positionals.length > 1) {
    throw new UsageError('lab reset takes one folder');
  }
  const target = await labTarget(positionals[0]);
  const state = await readState(target.folder);
  if (state === null) {
    throw new UsageError(
      `${displayPath(target.folder)} was not made by mediapath lab start: there is nothing to reset it to`,
    );
  }
  const source = await labSource(state.source);
  const copied = await copyTraineeFiles(source.folder, target.folder);
  await rm(join(target.folder, LAB_FILES.answers), { force: true });
  await writeState(target.folder, { ...state, hintsShown: 0 });
  const scenario = join(target.folder, source.lab.scenario);
  const version = (await lastVersion(target.log)) + 1;
  await appendLog(target.log, [
    {
      time: new Date().toISOString(),
      via: 'lab',
      role: '-',
      statement: 'mediapath lab reset',
      cmdlet: null,
      outcome: 'reset',
      code: null,
      messages: [
        `${copied.length} files put back from ${relative(process.cwd(), source.folder) || '.'}`,
      ],
      changed: true,
      version,
      sha256: sha256(await readFile(scenario, 'utf8')),
    },
  ]);
  io.stdout.write(
    `Reset "${source.lab.title}" in ${displayPath(target.folder)}: the starting files are back (configuration version ${version}).\n`,
  );
  return ExitCode.OK;
}
