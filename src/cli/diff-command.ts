/**
 * `mediapath diff A.yaml B.yaml`: what-if between two configurations. The call timeline of A
 * (or, with `--timeline each`, each file's own) is decided under both configurations without
 * sockets, and every call whose decision, path, reserved bandwidth or SIP status differs is
 * shown with the first rule that disagrees. Exits 1 when a call changed, so that a CI job can
 * guard a configuration change.
 *
 * This file must not know how calls are decided or compared (the policy and planning layers)
 * nor how a page is drawn (the report layer); it parses the command line and joins them.
 */
import { ErrorCodes, InternalError, SimError } from '../core/index.js';
import {
  diffHtmlSection,
  diffJson,
  diffTimelines,
  formatDiff,
  withCallsOf,
  type DiffSources,
} from '../planning/index.js';
import { runTimeline } from '../policy/index.js';
import { explainCalls, explainJson, renderHtmlReport, styler } from '../report/index.js';
import { formatPath, type Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { ExitCode, useColour, type CliIO } from './io.js';
import { loadForCommand } from './load-scenario.js';
import { oneOnStdout, outputOf, prepareOutput, writeOutput, type Output } from './output.js';
import { displayPath } from './paths.js';
import { count } from './text.js';
import { UsageError } from './usage.js';

/** Help text of `mediapath diff`. */
export const DIFF_HELP = `Usage: mediapath diff A.yaml B.yaml [--timeline a|each] [--json FILE|-] [--html FILE|-]

What-if between two configurations, without sockets: the call timeline of A is decided under
A's configuration and under B's, and every call whose decision, media path, reserved bandwidth
or SIP status differs is shown with both sides and the first rule whose verdict differs in the
two traces (b.1#12 bypass IDs, c.3#11 link limits, c.5#19 PSTN re-route, ...). A summary counts
the changes by kind and gives each constrained link's peak use under both. A change to one call
can change later ones: the ledger is shared by the calls of each configuration.

Options:
  --timeline a       (default) play A's calls against both configurations; B's own calls are
                     not used, and A's calls must name hosts B still has
  --timeline each    play each file's own calls, matched by id (calls only one file has are
                     listed as such)
  --json FILE|-      write the changes as JSON to FILE (its folder is created), or with - to
                     standard output instead of the text
  --html FILE|-      write B's report page (the network, every call's path and trace, link use
                     over time) with the changed calls listed at the top
  -h, --help         this help

Examples:
  mediapath diff scenarios/litware.yaml my-change.yaml
  mediapath diff scenarios/litware.yaml my-change.yaml --json - | jq '.changed[].id'
  mediapath diff before.yaml after.yaml --html out/what-if.html

Exit codes: 0 no call changed, 1 a call changed, 2 bad usage, 3 an invalid scenario (or A's
calls do not fit B's hosts).
`;

/**
 * Runs `mediapath diff`.
 *
 * @param args - The arguments after `diff`.
 * @returns 0 when no call changed, 1 when one did.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line or an output path that
 *   cannot be written.
 * @throws {SimError} `SIM_ERR_SCENARIO_INVALID` for an invalid scenario, or calls of A that B
 *   cannot take (after their problems were printed).
 */
export async function diffCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      timeline: { type: 'string' },
      json: { type: 'string' },
      html: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { timeline: 'a or each', json: OUTPUT_VALUE, html: OUTPUT_VALUE },
  );
  if (values.help) {
    io.stdout.write(DIFF_HELP);
    return ExitCode.OK;
  }
  const [fileA, fileB, ...extra] = positionals;
  if (fileA === undefined || fileB === undefined || extra.length > 0) {
    throw new UsageError('diff takes two scenario files: A.yaml B.yaml');
  }
  const timeline = values.timeline ?? 'a';
  if (timeline !== 'a' && timeline !== 'each') {
    throw new UsageError(`--timeline must be a or each, got "${timeline}"`);
  }
  const json = outputOf('--json', values.json, { notYaml: true });
  const html = outputOf('--html', values.html, { notYaml: true });
  oneOnStdout([json, html]);
  await prepareOutput(json);
  await prepareOutput(html);
  const quiet = json?.kind === 'stdout' || html?.kind === 'stdout';
  const a = await loadForCommand(fileA, io, { quietWarnings: quiet });
  const b = await loadForCommand(fileB, io, { quietWarnings: quiet });
  const src: DiffSources = { a: displayPath(fileA), b: displayPath(fileB), timeline };
  const bPlayed = timeline === 'a' ? withCallsOfA(a, b, src, io) : b;
  const topoB = new Topology(bPlayed);
  const ta = runTimeline(new Topology(a), { trace: true });
  const tb = runTimeline(topoB, { trace: true });
  const result = diffTimelines(ta, tb);
  if (!quiet) {
    io.stdout.write(formatDiff(result, src, styler(useColour(io.stdout, io.env))));
  }
  if (json !== null) {
    await report(json, `${JSON.stringify(diffJson(a, b, result, src), null, 2)}\n`, io);
  }
  if (html !== null) {
    const doc = explainJson(topoB, explainCalls(tb));
    const order = tb.entries.map((e) => e.call.id);
    const section = diffHtmlSection(result, src, (id) => order.indexOf(id));
    await report(html, withSection(await renderHtmlReport(doc), section), io);
  }
  // Exit code 1 (an expectation failed, for run and explain) says here that a call changed.
  return result.changed.length > 0 ? ExitCode.EXPECTATION_FAILED : ExitCode.OK;
}

/**
 * B's configuration with A's calls; the problems of A's calls against B's hosts are printed
 * and stop the command.
 * @throws {SimError} `SIM_ERR_SCENARIO_INVALID` when B cannot take A's calls.
 */
function withCallsOfA(a: Scenario, b: Scenario, src: DiffSources, io: CliIO): Scenario {
  const { scenario, problems } = withCallsOf(a, b);
  const errors = problems.filter((p) => p.severity === 'error');
  for (const p of errors) {
    io.stderr.write(
      `${src.b} with the calls of ${src.a}: error: ${formatPath(p.path)}: ${p.message}${p.expected ? ` (expected ${p.expected})` : ''}\n`,
    );
  }
  if (errors.length > 0) {
    throw new SimError(
      ErrorCodes.SCENARIO_INVALID,
      `${src.b} cannot take the calls of ${src.a}: ${count(errors.length, 'error')}; nothing ran. (--timeline each plays each file's own calls.)`,
    );
  }
  return scenario;
}

/** Writes one result and says where. */
async function report(output: Output, text: string, io: CliIO): Promise<void> {
  const written = await writeOutput(output, text, io);
  if (written !== null) {
    io.stderr.write(`wrote ${written}\n`);
  }
}

/**
 * The report's page with a section inserted after its header.
 * @throws {InternalError} when the page has no header (the page layout changed).
 */
function withSection(page: string, section: string): string {
  const at = page.indexOf('</header>');
  if (at < 0) {
    throw new InternalError('the report page has no </header> to insert the what-if after');
  }
  const end = at + '</header>'.length;
  return `${page.slice(0, end)}\n${section}${page.slice(end)}`;
}
