/**
 * `mediapath report RESULT.json [--html FILE|-]`: a result saved earlier with `mediapath run
 * --json` or `mediapath explain --json`, without running anything again: its calls as a table
 * on the terminal, or its HTML page.
 *
 * This file must not know how a page or a table is drawn (the report layer) nor how a result
 * was made; it reads the file, and writes the page or prints the table.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCodes, SimError } from '../core/index.js';
import { formatSavedResult, ResultShapeError } from '../report/index.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { ExitCode, useColour, type CliIO } from './io.js';
import { outputOf, prepareOutput } from './output.js';
import { writeHtml } from './results.js';
import { UsageError } from './usage.js';

/** Help text of `mediapath report`. */
export const REPORT_HELP = `Usage: mediapath report RESULT.json [--html FILE|-]

Shows a saved result again. Without --html, its calls as a table: per call the decision, the
path its media took (a run) or would take (an explain), how it ended and why, then the
expectations that failed. With --html, a self-contained HTML page: the network laid out with
each call's decided and observed media path, per call the SIP ladder (the policy decision
where the Mediation Server made it), the rule trace linked to the rules reference, the
streams each host received, and each constrained link's use over time against its limit. The
page fetches nothing when opened: it works offline in any current browser.

RESULT.json is what \`mediapath run --json\` or \`mediapath explain --json\` wrote (a run shows
what the packets did; an explain result shows the decisions only).

Options:
  --html FILE|-   write the page there (its folder is created), or - for standard output
  -h, --help      this help

Examples:
  mediapath run scenarios/branch-cac.yaml --json out/branch-cac.json
  mediapath report out/branch-cac.json
  mediapath report out/branch-cac.json --html out/branch-cac.html
  mediapath explain scenarios/litware.yaml --json - | mediapath report - --html litware.html

Exit codes: 0 shown or written, 2 bad usage, 4 the result cannot be read or is not a mediapath
result.
`;

/**
 * Runs `mediapath report`.
 *
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line.
 * @throws {SimError} `SIM_ERR_REPORT_INPUT` when the result cannot be read or is not one;
 *   `SIM_ERR_CLI_OUTPUT` when the page cannot be written.
 */
export async function reportCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { html: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    { html: OUTPUT_VALUE },
  );
  if (values.help) {
    io.stdout.write(REPORT_HELP);
    return ExitCode.OK;
  }
  const [input, ...more] = positionals;
  if (input === undefined || more.length > 0) {
    throw new UsageError('report takes one result file (RESULT.json, or - for standard input)');
  }
  const html = outputOf('--html', values.html);
  if (html !== null) {
    await prepareOutput(html);
  }
  const doc = parseResult(input, await readInput(input));
  try {
    if (html === null) {
      const tty = io.stdout.isTTY === true;
      io.stdout.write(
        formatSavedResult(doc, {
          colour: useColour(io.stdout, io.env),
          ...(tty && io.stdout.columns ? { width: io.stdout.columns } : {}),
        }),
      );
      return ExitCode.OK;
    }
    const written = await writeHtml(html, doc, io);
    if (written !== null) {
      io.stderr.write(`wrote ${written}\n`);
    }
  } catch (e) {
    if (e instanceof ResultShapeError) {
      throw new SimError(ErrorCodes.REPORT_INPUT, `${input}: ${e.message}`);
    }
    throw e;
  }
  return ExitCode.OK;
}

async function readInput(input: string): Promise<string> {
  try {
    if (input === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) {
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(input, 'utf8');
  } catch (e) {
    throw new SimError(
      ErrorCodes.REPORT_INPUT,
      `${input}: cannot read the result (${e instanceof Error ? e.message : String(e)})`,
      { cause: e },
    );
  }
}

function parseResult(input: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new SimError(
      ErrorCodes.REPORT_INPUT,
      `${input}: not JSON (${e instanceof Error ? e.message : String(e)}); give the file that --json wrote`,
      { cause: e },
    );
  }
}
