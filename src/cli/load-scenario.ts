/**
 * Scenario loading for the commands that take a scenario file: the problems are printed on
 * stderr (errors first, warnings apart), and an invalid scenario stops the command with
 * `SIM_ERR_SCENARIO_INVALID` (exit code 3).
 *
 * This file must not know which command loads the scenario nor what it does with it, and it
 * never decides an exit code (the dispatcher does).
 */
import { ErrorCodes, SimError } from '../core/index.js';
import { styler } from '../report/index.js';
import { formatProblem, loadScenarioFile, type Problem, type Scenario } from '../scenario/index.js';
import { useColour, type CliIO } from './io.js';
import { displayPath } from './paths.js';

/**
 * Prints problems on stderr: errors first (red on a terminal), then warnings (yellow), with an
 * empty line between the two groups.
 */
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
 * Loads a scenario for a command and prints its problems (its warnings too, unless
 * `quietWarnings`).
 *
 * @returns The valid scenario.
 * @throws {SimError} `SIM_ERR_SCENARIO_INVALID` when the scenario has errors, after they were
 *   printed; the message is the one-line summary (`FILE: invalid scenario, N errors; nothing
 *   ran.`).
 */
export async function loadForCommand(
  file: string,
  io: CliIO,
  options: { quietWarnings?: boolean } = {},
): Promise<Scenario> {
  const colour = useColour(io.stderr, io.env);
  const result = await loadScenarioFile(file);
  if (!result.ok) {
    printProblems(io, result.problems, colour);
    const n = result.problems.filter((p) => p.severity === 'error').length;
    throw new SimError(
      ErrorCodes.SCENARIO_INVALID,
      `${displayPath(file)}: invalid scenario, ${n} error${n === 1 ? '' : 's'}; nothing ran.`,
      { details: { file, errors: n } },
    );
  }
  if (!options.quietWarnings && result.warnings.length) {
    printProblems(io, result.warnings, colour);
  }
  return result.scenario;
}
