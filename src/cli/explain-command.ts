/**
 * `mediapath explain [FILE]`: plays the call timeline through the policy engine, without
 * sockets, and explains every decision (with `--trace`, rule by rule; with `--ledger`, each
 * constrained link's use over the timeline against its limit, with the ledger's invariants).
 *
 * This file must not know how a decision is made (the policy layer) nor how it is laid out
 * (the report layer); it parses the command line and joins the two.
 */
import { runTimeline } from '../policy/index.js';
import {
  explainCalls,
  explainJson,
  formatExplain,
  formatLedger,
  ledgerCsv,
  ledgerOverTime,
} from '../report/index.js';
import { Topology } from '../topology/index.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { ExitCode, useColour, type CliIO } from './io.js';
import { loadForCommand } from './load-scenario.js';
import { oneOnStdout, outputOf, prepareOutput, writeOutput, type Output } from './output.js';
import { DEFAULT_SCENARIO, displayPath, RULES_DOC } from './paths.js';
import { writeHtml } from './results.js';
import { UsageError } from './usage.js';

/** Help text of `mediapath explain`. */
export const EXPLAIN_HELP = `Usage: mediapath explain [FILE] [--trace] [--ledger] [--json FILE|-] [--html FILE|-]
                         [--ledger-csv FILE|-]

Plays the call timeline through the policy engine (no sockets): for every call in time order,
its decision (BYPASS, RELAY, DIRECT, CAC-ADMITTED, CAC-REROUTED-INTERNET/-PSTN/-VOICEMAIL,
REJECTED), the predicted media path, the bandwidth it reserves on each link, the ledger after
it, and its expect: assertions. With --trace, every rule applied, in order, with its id from
the rules reference, docs/rules.md (b.1#10 exact subnet match, c.3#11 link limits, c.5#19 PSTN
re-route, ...).

Options:
  --trace          show the rule trace of each call
  --ledger         after the calls, the ledger over time: per constrained link and modality,
                   every reservation and release with the kbps in use against the limit, and
                   the ledger's invariants (never negative, never above a limit but by calls
                   admitted by a bandwidth policy override, which are counted, back to zero)
  --ledger-csv FILE|-
                   write the ledger over time as CSV (one row per reservation or release)
  --json FILE|-    write the decisions as JSON (always with the trace) to FILE (its folder is
                   created), or with - to standard output instead of the text
  --html FILE|-    write a self-contained HTML page: the network with each call's decided
                   media path, the rule traces linked to the rules reference, and each
                   constrained link's use over the timeline
  -h, --help       this help

Examples:
  mediapath explain scenarios/litware.yaml --trace
  mediapath explain scenarios/branch-cac.yaml --json - | jq '.calls[] | {id, decision}'
  mediapath explain scenarios/litware.yaml --json out/litware-decisions.json
  mediapath explain scenarios/branch-cac.yaml --html out/branch-cac-decisions.html
  mediapath explain scenarios/branch-cac.yaml --ledger

Exit codes: 0 ok, 1 an expectation failed, 3 invalid scenario, 2 bad usage.
`;

/**
 * Runs `mediapath explain`.
 *
 * @param args - The arguments after `explain`.
 * @returns 0 when every expectation holds, 1 when one fails.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line or an output path that
 *   cannot be written.
 * @throws {SimError} `SIM_ERR_SCENARIO_INVALID` for an invalid scenario (after its problems
 *   were printed).
 */
export async function explainCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      trace: { type: 'boolean' },
      json: { type: 'string' },
      html: { type: 'string' },
      ledger: { type: 'boolean' },
      'ledger-csv': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { json: OUTPUT_VALUE, html: OUTPUT_VALUE, 'ledger-csv': OUTPUT_VALUE },
  );
  if (values.help) {
    io.stdout.write(EXPLAIN_HELP);
    return ExitCode.OK;
  }
  if (positionals.length > 1) {
    throw new UsageError('explain takes one scenario file');
  }
  const json = outputOf('--json', values.json, { notYaml: true });
  const html = outputOf('--html', values.html, { notYaml: true });
  const csv = outputOf('--ledger-csv', values['ledger-csv'], { notYaml: true });
  oneOnStdout([json, html, csv]);
  await prepareOutput(json);
  await prepareOutput(html);
  await prepareOutput(csv);
  const file = positionals[0] ?? DEFAULT_SCENARIO;
  const quiet = json?.kind === 'stdout' || html?.kind === 'stdout' || csv?.kind === 'stdout';
  const scenario = await loadForCommand(file, io, { quietWarnings: quiet });
  const topo = new Topology(scenario);
  const timeline = runTimeline(topo, { trace: true });
  const calls = explainCalls(timeline);
  if (!quiet) {
    io.stdout.write(
      formatExplain(topo, calls, {
        trace: values.trace === true,
        colour: useColour(io.stdout, io.env),
        rulesDoc: displayPath(RULES_DOC),
      }),
    );
  }
  const ledger = values.ledger === true || csv !== null ? ledgerOverTime(calls) : null;
  if (!quiet && values.ledger === true && ledger !== null) {
    io.stdout.write(`\n${formatLedger(ledger, { colour: useColour(io.stdout, io.env) })}`);
  }
  const doc = explainJson(topo, calls);
  for (const [output, write] of [
    [json, (o: Output) => writeOutput(o, `${JSON.stringify(doc, null, 2)}\n`, io)],
    [html, (o: Output) => writeHtml(o, doc, io)],
    [csv, (o: Output) => writeOutput(o, ledger === null ? '' : ledgerCsv(ledger), io)],
  ] as const) {
    const written = output === null ? null : await write(output);
    if (written !== null) {
      io.stderr.write(`wrote ${written}\n`);
    }
  }
  return calls.some((c) => c.failures.length > 0) ? ExitCode.EXPECTATION_FAILED : ExitCode.OK;
}
