/**
 * `mediapath validate FILE...`: checks scenario files and lists every problem of each, with
 * file:line:col, the dot-path and what was expected.
 *
 * This file must not know the validation rules themselves (the scenario layer has them), nor
 * how other commands load a scenario.
 */
import { styler } from '../report/index.js';
import { loadScenarioFile, type Problem } from '../scenario/index.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { ExitCode, useColour, type CliIO } from './io.js';
import { printProblems } from './load-scenario.js';
import { outputOf, prepareOutput, writeOutput } from './output.js';
import { UsageError } from './usage.js';

/** Help text of `mediapath validate`. */
export const VALIDATE_HELP = `Usage: mediapath validate [--json FILE|-] FILE...

Checks each scenario: YAML syntax, the schema (unknown keys with a suggestion), references
between objects, addressing (overlapping subnets, a subnet not at the first address of its
range) and the configuration rules of Skype for Business (AlwaysBypass with CAC, EnableBypass
without ConcentratedTopology, session limits below the minimums, ...). Every problem is listed
at once with file:line:col, the dot-path and what was expected. Warnings are listed apart and
do not fail validation.

Options:
  --json FILE|-  write one JSON document with every file's problems to FILE (its folder is
                 created), or with - to standard output instead of the text
  -h, --help     this help

Examples:
  mediapath validate scenarios/litware.yaml
  mediapath validate --json - scenarios/*.yaml | jq '.files[].problems[]'

Exit codes: 0 all valid, 3 at least one invalid, 2 bad usage.
`;

/**
 * Runs `mediapath validate`.
 *
 * @param args - The arguments after `validate`.
 * @returns 0 when every file is valid, 3 when at least one is not.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line or an output path that
 *   cannot be written.
 */
export async function validateCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { json: OUTPUT_VALUE },
  );
  if (values.help) {
    io.stdout.write(VALIDATE_HELP);
    return ExitCode.OK;
  }
  const json = outputOf('--json', values.json, { notYaml: true });
  if (positionals.length === 0) {
    throw new UsageError('give at least one scenario file');
  }
  await prepareOutput(json);
  const text = json?.kind !== 'stdout';
  const st = styler(useColour(io.stdout, io.env));
  let invalid = 0;
  const files: { file: string; valid: boolean; problems: readonly Problem[] }[] = [];
  for (const file of positionals) {
    const result = await loadScenarioFile(file);
    const problems = result.ok ? result.warnings : result.problems;
    files.push({ file, valid: result.ok, problems });
    if (!result.ok) {
      invalid++;
    }
    if (text) {
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
  if (json !== null) {
    const written = await writeOutput(json, `${JSON.stringify({ files, invalid }, null, 2)}\n`, io);
    if (written !== null) {
      io.stderr.write(`wrote ${written}\n`);
    }
  }
  return invalid > 0 ? ExitCode.INVALID_SCENARIO : ExitCode.OK;
}
