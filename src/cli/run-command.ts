/**
 * `mediapath run [FILE]`: the live run of a scenario, on loopback in this process, in network
 * namespaces with one agent process per host (`--net netns`), or with agents started
 * elsewhere (`--net agents`); prints one row per call and writes the JSON report.
 *
 * This file must not know how hosts, SIP or media work (the lab does), nor how the report is
 * laid out (the report layer); it parses the command line, makes the root logger, handles
 * Ctrl-C and picks the exit code from the outcome.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '../core/index.js';
import {
  assignLoopback,
  endpointMedia,
  runLab,
  runOrchestrated,
  type LabProgress,
  type LabResult,
} from '../lab/index.js';
import {
  buildRunResults,
  formatLinks,
  formatLost,
  formatPeers,
  formatRunTable,
  runJson,
  topologyView,
  withContrast,
  type RunCallResult,
} from '../report/index.js';
import { contrastInputs, contrastScenario } from './contrast-pass.js';
import type { Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { listenForInterrupt } from './interrupt.js';
import { ExitCode, useColour, type CliIO } from './io.js';
import { statusWriter, type StatusWriter } from './log-sink.js';
import { createRootLogger, logLevelOf, type LogLevel } from './logger.js';
import { loadForCommand } from './load-scenario.js';
import { oneOnStdout, outputOf, prepareOutput, writeOutput, type Output } from './output.js';
import { openCapture, writeHtml, type CaptureFile } from './results.js';
import { DEFAULT_SCENARIO } from './paths.js';
import { LIVE_OPTIONS_HELP } from './live-help.js';
import { count } from './text.js';
import { UsageError } from './usage.js';

export const RUN_HELP = `Usage: mediapath run [FILE] [--net loopback|netns|agents] [--listen ADDRESS]
                     [--json FILE|-] [--html FILE|-] [--pcap FILE] [--wide]
                     [--log FILE] [--log-level LEVEL]
       mediapath run [FILE] --live [--rounds N] [--duration SECONDS] [--pause SECONDS]
                     [--replication-delay SECONDS] [--json FILE|-] [--html FILE|-]
                     [--calls FILE] [--log FILE] [--log-level LEVEL]

Runs the scenario live: every host is a real SIP endpoint on its own loopback address
(127.77.x.y; the scenario's own IPs still drive policy), every call a real SIP dialog
(INVITE, 100, 180, 200, ACK, BYE) with G.711 RTP both ways every 20 ms for its duration.
The Mediation Server consults the policy engine per call: on bypass the gateway gets the
client's media address, otherwise the Mediation Server relays the media, and CAC may refuse
the call with a SIP error. Prints one row per call: the decision, the media path observed from
the packets each host received, packets each way, loss and jitter, and flags any difference
(no media, one-way media, media through the Mediation Server on a bypassed call).

A scenario with deployment.contrast (loopback) is run twice: the same calls again under the
contrast deployment (Teams Direct Routing: the Transport Relay, proxy SBC and Media Processor
as hosts of the run), and expect.contrast is checked against that second pass's decision and
observed path. The table is followed by both passes side by side.

Modes (--net):
  loopback           (default) one process; every host on its own 127.77.x.y address
  netns              Linux, root: a network namespace per site and a router namespace joined
                     by veth pairs, every host on its real scenario IP, one agent process per
                     host (mediapath agent); link rates by tc tbf where the kernel has it,
                     delay, jitter and loss in user space. Everything created is removed at
                     the end, on Ctrl-C and on a crash (mediapath net clean for a killed run).
  agents             wait for one agent per host to join at --listen (containers: see
                     docker-compose.yml); nothing is started or created here

Options:
  --net MODE         loopback, netns or agents (above)
  --listen ADDRESS   agents mode: where agents join, HOST:PORT or unix:PATH
                     (default 127.0.0.1:7000)
  --kernel-rates     agents mode: link rates are shaped by the network (the compose
                     router's tc tbf); agents apply only delay, jitter and loss
  --json FILE|-      write everything (decisions, traces, SIP message log, streams) to FILE
                     (its folder is created), or with - to standard output instead of the table
  --html FILE|-      write a self-contained HTML report (the network with each call's media,
                     SIP ladders, rule traces, link use over time); opens offline in any
                     browser. mediapath report RESULT.json --html FILE makes it later
  --pcap FILE        write a pcapng capture of every datagram the hosts received, in the
                     scenario's own addresses and with host names (loopback mode); open it
                     with Wireshark or tshark
  --wide             do not fit the table to the terminal's width
  --log FILE         write the JSON log to FILE (level: --log-level, default info: the run's
                     start and end and each call's outcome)
  --log-level LEVEL  trace, debug, info, warn, error, silent (default: error, to stderr)
  -h, --help         this help

Progress goes to stderr. Ctrl-C stops the run: everything is cleaned up, the calls are shown
as far as they got, expectations are not evaluated, and the exit code is 130.

Live (--live, loopback): the hosts stay up and the timeline is placed again and again in
rounds (each round's calls with ids of their own: c1, c1#2, c1#3, ...), or calls are placed on
demand ("call FROM TO [SECONDS]" on standard input), while the scenario file is watched: a new
configuration version (written by mediapath shell or apply, or by hand) is validated and
taken for the calls that start after it; calls already up keep their path. A version that does
not validate is refused with its problems, and the one in force stays. Progress lines say the
round, the version in force and each call's decision; the report says which version each call
was decided under. Ctrl-C or "quit" stops (calls still up are cut short and not judged), exit
0 or 1 (an expectation failed). docs/labs.md, "Live labs", has the details. Its options:
${LIVE_OPTIONS_HELP}

Examples:
  mediapath run                              # the embedded default scenario
  mediapath run scenarios/branch-office.yaml
  sudo mediapath run --net netns scenarios/branch-office.yaml
  mediapath run labs/broken-sip-trunk-sbc/scenario.yaml --json out/broken.json
  mediapath run scenarios/branch-cac.yaml --json - | jq '.calls[] | {id, decision, media}'
  mediapath run scenarios/branch-cac.yaml --html out/report.html --pcap out/run.pcapng
  mediapath run scenarios/branch-office.yaml --live --rounds 3 --json out/live.json

Exit codes: 0 every expectation met, 1 an expectation failed, 2 bad usage, 3 invalid
scenario, 4 runtime failure, 7 degraded run (a host was lost), 130 interrupted.
`;

type NetMode = 'loopback' | 'netns' | 'agents';

/** The command line of `mediapath run`, checked. */
interface RunArgs {
  readonly file: string;
  readonly mode: NetMode;
  readonly listen: string;
  readonly kernelRates: boolean;
  readonly json: Output | null;
  readonly html: Output | null;
  readonly pcap: string | null;
  readonly wide: boolean;
  readonly log: string | null;
  readonly level: LogLevel;
}

/**
 * Parses and checks the arguments of `mediapath run`; null for --help.
 *
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line.
 */
function parseRunArgs(args: readonly string[]): RunArgs | null {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      json: { type: 'string' },
      html: { type: 'string' },
      pcap: { type: 'string' },
      wide: { type: 'boolean' },
      net: { type: 'string' },
      listen: { type: 'string' },
      'kernel-rates': { type: 'boolean' },
      // --live is handled before (live-command.ts); here only beside --help.
      live: { type: 'boolean' },
      log: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { json: OUTPUT_VALUE, html: OUTPUT_VALUE, pcap: 'a file name', log: 'a file name' },
  );
  if (values.help) {
    return null;
  }
  const mode = values.net ?? 'loopback';
  if (mode !== 'loopback' && mode !== 'netns' && mode !== 'agents') {
    throw new UsageError(`--net must be loopback, netns or agents, got "${mode}"`);
  }
  if ((values.listen !== undefined || values['kernel-rates'] !== undefined) && mode !== 'agents') {
    throw new UsageError('--listen and --kernel-rates go with --net agents');
  }
  if (positionals.length > 1) {
    throw new UsageError('run takes one scenario file');
  }
  if (values.log === '' || values.log === '-') {
    throw new UsageError(
      '--log needs a file name (without --log, errors are logged to standard error)',
    );
  }
  const log = values.log ?? null;
  if (values.pcap === '' || values.pcap === '-') {
    throw new UsageError('--pcap needs a file name (a capture is binary: not for a terminal)');
  }
  if (values.pcap !== undefined && mode !== 'loopback') {
    throw new UsageError(
      '--pcap works in loopback mode; in network namespaces, capture with tcpdump on the router namespace',
    );
  }
  const json = outputOf('--json', values.json, { notYaml: true });
  const html = outputOf('--html', values.html, { notYaml: true });
  oneOnStdout([json, html]);
  return {
    file: positionals[0] ?? DEFAULT_SCENARIO,
    mode,
    listen: values.listen ?? '127.0.0.1:7000',
    kernelRates: values['kernel-rates'] === true,
    json,
    html,
    pcap: values.pcap ?? null,
    wide: values.wide === true,
    log,
    level: logLevelOf(values['log-level'], log === null ? 'error' : 'info'),
  };
}

/**
 * Runs `mediapath run`.
 *
 * @param args - The arguments after `run`.
 * @returns 0 when every expectation held, 1 when one failed, 130 when interrupted.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line or an output path that
 *   cannot be written (checked before the run).
 * @throws {SimError} `SIM_ERR_SCENARIO_INVALID`, or what the run failed with (`SIM_ERR_LAB_SETUP`,
 *   a bind error, ...).
 */
export async function runCommand(args: readonly string[], io: CliIO): Promise<number> {
  if (args.includes('--live') && !args.includes('--help') && !args.includes('-h')) {
    const { runLiveCommand } = await import('./live-command.js');
    return runLiveCommand(args, io);
  }
  const a = parseRunArgs(args);
  if (a === null) {
    io.stdout.write(RUN_HELP);
    return ExitCode.OK;
  }
  await prepareOutput(a.json);
  await prepareOutput(a.html);
  await prepareOutput(a.pcap === null ? null : { option: '--pcap', kind: 'file', path: a.pcap });
  await prepareOutput(a.log === null ? null : { option: '--log', kind: 'file', path: a.log });
  const scenario = await loadForCommand(a.file, io);
  if (a.mode !== 'loopback' && scenario.deployment.kind === 'teams-direct-routing') {
    // The cloud relays (Media Processor, Transport Relay) are hosts of a loopback run only.
    throw new UsageError('a Teams Direct Routing deployment runs live on loopback only');
  }
  const root = createRootLogger({
    level: a.level,
    file: a.log,
    io,
    bindings: a.log === null ? null : { scenario: scenario.name },
  });
  const logger = root.logger;
  const interrupt = listenForInterrupt(io);
  const status = statusWriter(io.stderr);
  const display = new RunDisplay(io, status);
  const capture = a.pcap === null ? null : openCapture(a.pcap);
  try {
    logger.info(
      { file: a.file, mode: a.mode, calls: scenario.calls.length, hosts: hostCount(scenario) },
      'run start',
    );
    const other = a.mode === 'loopback' ? contrastScenario(scenario) : null;
    display.pass(other ? `pass 1 of 2 (${scenario.deployment.kind}): ` : '');
    const result = await runInMode(scenario, a, logger, interrupt.signal, display, capture);
    // g: the same calls again under the contrast deployment, a second live pass.
    display.pass(other ? `pass 2 of 2 (${other.deployment.kind}): ` : '');
    const contrast =
      other && !result.aborted
        ? await runInMode(other, a, logger, interrupt.signal, display, null)
        : null;
    display.clear();
    if (capture && a.pcap !== null) {
      await capture.close();
      status.write(`wrote ${a.pcap}\n`);
    }
    // Ctrl-C during the second pass interrupts the run as a whole: nothing is judged.
    const whole = contrast?.aborted === true ? { ...result, aborted: true } : result;
    return await report(scenario, a, whole, io, logger, status, contrast);
  } finally {
    interrupt.dispose();
    display.clear();
    await capture?.close().catch(() => undefined);
    await root.close();
    await status.close();
  }
}

/** Hosts of a scenario, of every kind. */
function hostCount(scenario: Scenario): number {
  return Object.values(scenario.hosts).reduce((n, list: readonly unknown[]) => n + list.length, 0);
}

/** The progress line and status lines of a run, on stderr. */
class RunDisplay {
  readonly #out: StatusWriter;
  readonly #tty: boolean;
  /** Which pass of a run with a contrast the progress is of (empty: the only one). */
  #label = '';
  #lastLine = -Infinity;
  #drawn = false;

  constructor(io: CliIO, out: StatusWriter) {
    this.#out = out;
    this.#tty = io.stderr.isTTY === true;
  }

  /** Redrawn in place on a terminal, a line every 5 s otherwise. */
  readonly progress = (p: LabProgress): void => {
    const text = `${this.#label}running ${(p.elapsedMs / 1000).toFixed(1)}s / ${(p.plannedMs / 1000).toFixed(1)}s: ${p.started} of ${count(p.total, 'call')} started, ${p.ended} ended`;
    if (this.#tty) {
      this.#out.write(`\r${text}\u001b[K`);
      this.#drawn = true;
    } else if (p.elapsedMs - this.#lastLine >= 5000) {
      this.#lastLine = p.elapsedMs;
      this.#out.write(`${text}\n`);
    }
  };

  /** The progress from now on is of this pass (`pass 2 of 2 (...): `), its clock from 0. */
  pass(label: string): void {
    this.#label = label;
    this.#lastLine = -Infinity;
  }

  /** A line that stays. */
  readonly status = (line: string): void => {
    this.#out.write(this.#tty ? `\r\u001b[K${line}\n` : `${line}\n`);
    this.#drawn = false;
  };

  /** Removes the progress line from a terminal. */
  clear(): void {
    if (this.#drawn) {
      this.#out.write('\r\u001b[K');
      this.#drawn = false;
    }
  }
}

/** Runs the scenario in the mode asked for. */
async function runInMode(
  scenario: Scenario,
  a: RunArgs,
  logger: Logger,
  signal: AbortSignal,
  display: RunDisplay,
  capture: CaptureFile | null,
): Promise<LabResult> {
  if (a.mode === 'loopback') {
    const addressing = assignLoopback(scenario);
    return runLab(scenario, {
      logger,
      media: endpointMedia(logger, (address) => addressing.hostOf(address)),
      onProgress: display.progress,
      signal,
      ...(capture ? { captureTo: capture.sink } : {}),
    });
  }
  const source = { text: await readFile(a.file, 'utf8'), file: a.file };
  if (a.mode === 'netns') {
    const { runNetns } = await import('./netns-run.js');
    return runNetns(scenario, {
      logger,
      logLevel: a.level,
      source,
      signal,
      onProgress: display.progress,
      onStatus: display.status,
    });
  }
  display.status(`waiting for one agent per host at ${a.listen}`);
  return runOrchestrated(scenario, {
    logger,
    listen: a.listen,
    source,
    signal,
    onProgress: display.progress,
    joinTimeoutMs: 120_000,
    kernelRates: a.kernelRates,
    onJoin: (n, total) => {
      display.status(`${n} of ${count(total, 'agent')} joined`);
    },
  });
}

/** Where a run happened, for the table's title. */
const WHERE: Readonly<Record<NetMode, string>> = {
  loopback: 'live on loopback',
  netns: 'in network namespaces, one process per host',
  agents: 'with one agent per host',
};

/** Prints the table, writes the JSON report and logs the outcome; returns the exit code. */
async function report(
  scenario: Scenario,
  a: RunArgs,
  result: LabResult,
  io: CliIO,
  logger: Logger,
  status: StatusWriter,
  contrast: LabResult | null,
): Promise<number> {
  const isMs = (h: string): boolean => scenario.hosts.mediationServers.some((m) => m.name === h);
  const outside = new Set(
    [...scenario.hosts.gateways, ...scenario.hosts.clients]
      .filter((h) => h.external)
      .map((h) => h.name),
  );
  const own = buildRunResults(result.calls, isMs, (h) => outside.has(h));
  const built =
    contrast && scenario.deployment.contrast !== null
      ? withContrast(
          own,
          buildRunResults(contrastInputs(contrast), isMs, (h) => outside.has(h)),
          scenario.deployment.contrast,
        )
      : own;
  // An interrupted run is not judged: its calls stopped half way.
  const results = result.aborted ? built.map((r) => ({ ...r, failures: [] })) : built;
  const seconds = (result.durationMs / 1000).toFixed(1);
  const tableOnStdout = a.json?.kind !== 'stdout' && a.html?.kind !== 'stdout';
  if (tableOnStdout) {
    const colour = useColour(io.stdout, io.env);
    const shown = a.file === DEFAULT_SCENARIO ? 'embedded default' : a.file;
    const width = !a.wide && io.stdout.isTTY === true ? io.stdout.columns : undefined;
    io.stdout.write(
      formatRunTable(results, {
        colour,
        title: `${scenario.name} (${shown}), ${WHERE[a.mode]}, ${seconds}s`,
        width,
        interrupted: result.aborted,
        ...(a.mode === 'loopback'
          ? { addresses: withPassHosts(result.addressing.entries, contrast?.addressing.entries) }
          : {}),
      }),
    );
    io.stdout.write(formatLinks(result.links, colour));
    io.stdout.write(formatPeers(result.peers ?? [], colour));
    io.stdout.write(formatLost(result.lost ?? [], colour));
  }
  if (a.json !== null || a.html !== null) {
    const doc = runJson(
      {
        scenario: { name: scenario.name, source: a.file, description: scenario.description },
        mode: a.mode,
        durationMs: Math.round(result.durationMs),
        aborted: result.aborted,
        hosts: result.addressing.entries,
        links: result.links,
        topology: topologyView(new Topology(scenario), result.addressing.entries),
        ledger: result.ledger,
        peers: result.peers ?? [],
        lost: result.lost ?? [],
        // The second pass (g): its deployment, length and addresses (the Teams relays').
        ...(contrast
          ? {
              contrastPass: {
                deployment: scenario.deployment.contrast,
                durationMs: Math.round(contrast.durationMs),
                hosts: contrast.addressing.entries,
              },
            }
          : {}),
      },
      results,
      { interrupted: result.aborted },
    );
    for (const [output, write] of [
      [a.json, (o: Output) => writeOutput(o, `${JSON.stringify(doc, null, 2)}\n`, io)],
      [a.html, (o: Output) => writeHtml(o, doc, io)],
    ] as const) {
      const written = output === null ? null : await write(output);
      if (written !== null) {
        status.write(`wrote ${written}\n`);
      }
    }
  }
  logOutcome(logger, results, result);
  if (result.aborted) {
    return ExitCode.INTERRUPTED;
  }
  if ((result.lost ?? []).length > 0 && scenario.simulation.degradedRun === 'fail') {
    return ExitCode.DEGRADED;
  }
  return results.some((r) => r.failures.length > 0) ? ExitCode.EXPECTATION_FAILED : ExitCode.OK;
}

/** The run's outcome in the log, at info: each call's, then the run's. */
function logOutcome(logger: Logger, results: readonly RunCallResult[], result: LabResult): void {
  if (!logger.isLevelEnabled('info')) {
    return;
  }
  for (const r of results) {
    logger.info(
      {
        call: r.call.id,
        from: r.call.from,
        to: r.call.to,
        decision: r.decision.decision,
        state: r.state,
        status: r.finalStatus,
        media: r.observed.media,
        path: r.observed.forward.complete ? r.observed.forward.hops.join(' -> ') : null,
        lossPercent: r.observed.lossPercent,
        expectationFailures: result.aborted ? null : r.failures.length,
      },
      'call outcome',
    );
  }
  logger.info(
    {
      durationMs: Math.round(result.durationMs),
      aborted: result.aborted,
      calls: results.length,
      expectationsFailed: result.aborted
        ? null
        : results.filter((r) => r.failures.length > 0).length,
    },
    result.aborted ? 'run interrupted' : 'run end',
  );
}

/**
 * The loopback addresses to print: the run's, then those only the contrast pass had (its cloud
 * relays; the hosts both passes have keep the same address).
 */
function withPassHosts<T extends { readonly host: string }>(
  first: readonly T[],
  second: readonly T[] | undefined,
): readonly T[] {
  const seen = new Set(first.map((e) => e.host));
  return [...first, ...(second ?? []).filter((e) => !seen.has(e.host))];
}
