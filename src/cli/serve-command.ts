/**
 * `mediapath serve FILE`: a long-running lab. Every host of the scenario is bound and kept up
 * (on loopback, each host on its own address at fixed SIP ports, or in network namespaces), so
 * that outside SIP peers (SIPp, a softphone, an SBC under test) place and receive calls through
 * the emulated Mediation Server and gateways, with the same policy, relay, traces and results
 * as `run`. The timeline is placed only with `--timeline`. The report is written on Ctrl-C and
 * on demand (SIGUSR1, or `report` on standard input); finished calls are summarised and
 * streamed to `--calls FILE`, so that memory does not grow with the number of calls.
 *
 * This file must not know how hosts, SIP or media work (the lab does), nor how the report is
 * laid out (the report layer); it parses the command line, keeps the books and prints.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '../core/index.js';
import { endpointMedia, LoopbackLab, SIP_PORTS, type LabResult } from '../lab/index.js';
import {
  formatLinks,
  formatLost,
  formatPeers,
  formatRunTable,
  runJson,
  topologyView,
  type RunCallInput,
} from '../report/index.js';
import type { Call, Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { listenForInterrupt } from './interrupt.js';
import { ExitCode, useColour, type CliIO } from './io.js';
import { runUntilStopped } from './live-input.js';
import { statusWriter, type StatusWriter } from './log-sink.js';
import { createRootLogger, logLevelOf, type LogLevel } from './logger.js';
import { loadForCommand } from './load-scenario.js';
import { outputOf, prepareLongRunOutputs, writeOutput, type Output } from './output.js';
import { writeHtml } from './results.js';
import { ServeBook, summaryLine } from './serve-book.js';
import { UsageError } from './usage.js';

export const SERVE_HELP = `Usage: mediapath serve FILE [--net loopback|netns] [--timeline] [--json FILE]
                       [--html FILE] [--calls FILE] [--no-sip-log] [--loopback-base N]
                       [--log FILE] [--log-level LEVEL]

Keeps every host of the scenario up, so that SIP peers outside the lab (SIPp, a softphone,
an SBC under test) call through the emulated Mediation Server and gateways: the same policy,
relay, rule traces and results as mediapath run. Each host listens on its own loopback
address, 127.<base>.x.y, at fixed SIP ports: 5060 (a Mediation Server's client side, and
every other host), 5061 (a Mediation Server's gateway side). The addresses are printed at
the start.

An outside peer is a gateway or client of the scenario marked external (external:
{ sipPort: 5080 }): the lab emulates nothing for it. It sends from its host's address (as
printed) and calls as a real peer would: a gateway calls a user at the Mediation Server's
gateway side by name, SIP URI user or line URI number; a client calls a number at the client
side, routed by its voice policy (see docs/scenario-format.md, "Outside peers"). INVITEs from
any other address get 403.

With --net netns (Linux, root) every host runs in its site's network namespace on its
scenario IP, one agent process per host, as in mediapath run --net netns: an outside peer runs
in its host's namespace (ip netns exec NS ...; the namespaces are printed at the start).

Options:
  --net MODE         loopback (default) or netns
  --timeline         also place the scenario's calls, at their times from the start
  --json FILE|-      the report as JSON: written on Ctrl-C and on demand (the recent calls,
                     the calls still up, and the counters of all of them)
  --html FILE|-      the same as a self-contained HTML page
  --calls FILE       every finished call as one JSON line, as it finishes (the full record:
                     decision, trace, observed path, legs, SIP log); memory keeps only counters
                     and the 100 most recent calls
  --no-sip-log       keep no SIP messages of the calls (no ladder in --calls and the
                     report; paths, states, traces and media figures stay): for load
                     runs, where the hosts then keep no text of any message (loopback)
  --loopback-base N  the second octet of the hosts' addresses (default 77: 127.77.x.y)
  --log FILE         write the JSON log to FILE (level: --log-level, default info)
  --log-level LEVEL  trace, debug, info, warn, error, silent (default: error, to stderr)
  -h, --help         this help

While it runs: Ctrl-C (or "quit" on standard input) writes the report and stops; SIGUSR1
(kill -USR1 PID) or "report" on standard input writes it and goes on; "call FROM TO [SECONDS]"
on standard input places a call of emulated hosts now.

Examples:
  mediapath serve test/fixtures/scenarios/outside-peers.yaml --json out/serve.json
  sipp -sf uac.xml -i 127.77.0.9 -s alice 127.77.0.3:5061 -m 10
  kill -USR1 $(pgrep -f "mediapath serve")

Exit codes: 0 stopped (Ctrl-C, quit), 2 bad usage, 3 invalid scenario, 4 runtime failure
(a listener cannot bind: another serve on the same addresses?), 6 degraded (--net netns: a
host was lost).
`;

/** The command line of `mediapath serve`, checked. */
interface ServeArgs {
  readonly file: string;
  readonly mode: 'loopback' | 'netns';
  readonly timeline: boolean;
  readonly json: Output | null;
  readonly html: Output | null;
  readonly calls: string | null;
  readonly sipLog: boolean;
  readonly base: number;
  readonly log: string | null;
  readonly level: LogLevel;
}

/**
 * Parses and checks the arguments of `mediapath serve`; null for --help.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line.
 */
function parseServeArgs(args: readonly string[]): ServeArgs | null {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      timeline: { type: 'boolean' },
      net: { type: 'string' },
      json: { type: 'string' },
      html: { type: 'string' },
      calls: { type: 'string' },
      'no-sip-log': { type: 'boolean' },
      'loopback-base': { type: 'string' },
      log: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { json: OUTPUT_VALUE, html: OUTPUT_VALUE, calls: 'a file name', log: 'a file name' },
  );
  if (values.help) {
    return null;
  }
  if (positionals.length !== 1) {
    throw new UsageError('serve takes one scenario file');
  }
  const mode = values.net ?? 'loopback';
  if (mode !== 'loopback' && mode !== 'netns') {
    throw new UsageError(`--net must be loopback or netns, got "${mode}"`);
  }
  if (values['no-sip-log'] === true && mode === 'netns') {
    throw new UsageError('--no-sip-log works with --net loopback only');
  }
  const base = Number(values['loopback-base'] ?? 77);
  if (!Number.isInteger(base) || base < 1 || base > 254) {
    throw new UsageError('--loopback-base must be an integer 1-254');
  }
  for (const [option, value] of [
    ['--calls', values.calls],
    ['--log', values.log],
  ] as const) {
    if (value === '' || value === '-') {
      throw new UsageError(`${option} needs a file name`);
    }
  }
  const log = values.log ?? null;
  return {
    file: positionals[0] ?? '',
    mode,
    timeline: values.timeline === true,
    json: outputOf('--json', values.json, { notYaml: true }),
    html: outputOf('--html', values.html, { notYaml: true }),
    calls: values.calls ?? null,
    sipLog: values['no-sip-log'] !== true,
    base,
    log,
    level: logLevelOf(values['log-level'], log === null ? 'error' : 'info'),
  };
}

/**
 * Runs `mediapath serve`: binds the scenario's hosts and serves calls until Ctrl-C.
 *
 * @returns 0 when stopped by Ctrl-C or `quit`.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line.
 * @throws {SimError} `SIM_ERR_SCENARIO_INVALID`, `SIM_ERR_SIP_BIND`, `SIM_ERR_MEDIA_BIND`.
 */
export async function serveCommand(args: readonly string[], io: CliIO): Promise<number> {
  const a = parseServeArgs(args);
  if (a === null) {
    io.stdout.write(SERVE_HELP);
    return ExitCode.OK;
  }
  await prepareLongRunOutputs(a);
  const scenario = await loadForCommand(a.file, io);
  const root = createRootLogger({
    level: a.level,
    file: a.log,
    io,
    bindings: a.log === null ? null : { scenario: scenario.name, mode: 'serve' },
  });
  const logger = root.logger;
  const status = statusWriter(io.stderr);
  const interrupt = listenForInterrupt(io);
  const isMs = (h: string): boolean => scenario.hosts.mediationServers.some((m) => m.name === h);
  const outside = new Set(
    [...scenario.hosts.gateways, ...scenario.hosts.clients]
      .filter((h) => h.external)
      .map((h) => h.name),
  );
  const book = new ServeBook({
    isMediationServer: isMs,
    isOutside: (h) => outside.has(h),
    callsFile: a.calls,
  });
  let served: Served | null = null;
  try {
    served =
      a.mode === 'netns'
        ? await serveNetns(scenario, a, book, logger, status)
        : await serveLoopback(scenario, a, book, logger, status);
    logger.info({ file: a.file, mode: a.mode, timeline: a.timeline }, 'serve start');
    if (book.streamError !== null) {
      status.write(`mediapath serve: cannot write --calls ${a.calls}: ${book.streamError}\n`);
    }
    const session = served;
    await runUntilStopped({
      scenario,
      signal: interrupt.signal,
      io,
      status,
      place: session.place,
      reportNow: () =>
        session.report().then((r) => writeReport(scenario, a, session, r, book, io, status, false)),
    });
    const final = await session.finish();
    await writeReport(scenario, a, session, final, book, io, status, true);
    logger.info(book.summary(), 'serve end');
    return (final.lost ?? []).length > 0 && scenario.simulation.degradedRun === 'fail'
      ? ExitCode.DEGRADED
      : ExitCode.OK;
  } finally {
    interrupt.dispose();
    await served?.close();
    await book.close();
    await root.close();
    await status.close();
  }
}

/** A lab kept up, whichever mode runs it. */
interface Served {
  /** The report now; the lab goes on. */
  report(): Promise<LabResult>;
  /** Stops serving: the calls still up end; the final report. */
  finish(): Promise<LabResult>;
  /** Places a call of emulated hosts now (loopback only). */
  readonly place: ((call: Omit<Call, 'id' | 'atMs' | 'index'>) => string) | null;
  readonly configVersion: string;
  readonly where: string;
  close(): Promise<void>;
}

/** Serves on loopback, in this process. */
async function serveLoopback(
  s: Scenario,
  a: ServeArgs,
  book: ServeBook,
  logger: Logger,
  status: StatusWriter,
): Promise<Served> {
  let hostOf: (x: string) => string | null = () => null;
  const lab = await LoopbackLab.open(
    s,
    { logger, media: endpointMedia(logger, (x) => hostOf(x)), sipLog: a.sipLog },
    { fixedPorts: true, loopbackBase: a.base, onCall: (c) => book.add(c) },
  );
  hostOf = (x) => lab.addressing.hostOf(x);
  lab.start({ timeline: a.timeline });
  status.write(listeners(s, lab));
  return {
    report: () => lab.result({ final: false, aborted: false }),
    // On the way out, a call still up ends as cancelled (the lab stopped under it).
    finish: () => lab.result({ final: true, aborted: true }),
    place: (call) => lab.place(call),
    get configVersion() {
      return lab.configVersion;
    },
    where: 'served on loopback',
    close: () => lab.close(),
  };
}

/** Serves in network namespaces: this process orchestrates one agent per host. */
async function serveNetns(
  s: Scenario,
  a: ServeArgs,
  book: ServeBook,
  logger: Logger,
  status: StatusWriter,
): Promise<Served> {
  const { runNetns } = await import('./netns-run.js');
  const stop = new AbortController();
  let onDemand: (() => Promise<LabResult>) | null = null;
  let ready: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const run = runNetns(s, {
    logger,
    logLevel: 'error',
    source: { text: await readFile(a.file, 'utf8'), file: a.file },
    signal: stop.signal,
    onProgress: () => undefined,
    onStatus: (line) => {
      status.write(`${line}\n`);
    },
    serve: {
      timeline: a.timeline,
      onCall: (c) => book.add(c),
      onReady: (report) => {
        onDemand = report;
        ready();
      },
    },
  });
  await Promise.race([started, run]);
  status.write(
    `ready (pid ${process.pid}): Ctrl-C stops, kill -USR1 ${process.pid} writes the report\n`,
  );
  return {
    report: () => (onDemand ? onDemand() : Promise.reject(new Error('the lab is not serving yet'))),
    finish: () => {
      stop.abort();
      return run;
    },
    place: null,
    configVersion: 'initial',
    where: 'served in network namespaces, one process per host',
    close: async () => {
      stop.abort();
      await run.catch(() => undefined);
    },
  };
}

/** Where each host listens, and where outside peers must send from. */
function listeners(s: Scenario, lab: LoopbackLab): string {
  const lines = [`serving ${s.name} on loopback; SIP listeners:`];
  const outside = new Set(
    [...s.hosts.gateways, ...s.hosts.clients].filter((h) => h.external).map((h) => h.name),
  );
  for (const ms of s.hosts.mediationServers) {
    const c = lab.sipListener(ms.name, 'client');
    const g = lab.sipListener(ms.name, 'gateway');
    lines.push(
      `  ${ms.name}  client side ${c.address}:${c.port}  gateway side ${g.address}:${g.port}`,
    );
  }
  for (const h of [...s.hosts.gateways, ...s.hosts.clients, ...s.hosts.voicemail]) {
    if (outside.has(h.name)) {
      continue;
    }
    lines.push(`  ${h.name}  ${lab.addressing.addressOf(h.name)}:${SIP_PORTS.client}`);
  }
  if (outside.size > 0) {
    lines.push('outside peers (send from this address; the lab calls them at this port):');
    for (const h of [...s.hosts.gateways, ...s.hosts.clients]) {
      if (h.external) {
        lines.push(`  ${h.name}  ${lab.addressing.addressOf(h.name)}:${h.external.sipPort}`);
      }
    }
  }
  lines.push(
    `ready (pid ${process.pid}): Ctrl-C stops, kill -USR1 ${process.pid} writes the report`,
  );
  return `${lines.join('\n')}\n`;
}

/** The report: the table on stdout, and --json / --html; `final` the lab has stopped. */
async function writeReport(
  s: Scenario,
  a: ServeArgs,
  served: Served,
  result: LabResult,
  book: ServeBook,
  io: CliIO,
  status: StatusWriter,
  final: boolean,
): Promise<void> {
  let held: readonly RunCallInput[] = result.calls;
  if (final) {
    // The lab stops: the calls it still holds are finished now, and go to the books too.
    for (const c of held) {
      book.add(c);
    }
    held = [];
  }
  const results = book.results(held);
  const summary = book.summary();
  const seconds = (result.durationMs / 1000).toFixed(1);
  const colour = useColour(io.stdout, io.env);
  if (a.json?.kind !== 'stdout' && a.html?.kind !== 'stdout') {
    io.stdout.write(
      formatRunTable(results, {
        colour,
        title: `${s.name} (${a.file}), ${served.where}, ${seconds}s: ${summaryLine(summary)}, ${held.length} held`,
        width: io.stdout.isTTY === true ? io.stdout.columns : undefined,
        interrupted: !final,
      }),
    );
    io.stdout.write(formatLinks(result.links, colour));
    io.stdout.write(formatPeers(result.peers ?? [], colour));
    io.stdout.write(formatLost(result.lost ?? [], colour));
  }
  const usage = process.cpuUsage();
  const doc = runJson(
    {
      scenario: { name: s.name, source: a.file, description: s.description },
      mode: a.mode === 'netns' ? 'serve-netns' : 'serve',
      durationMs: Math.round(result.durationMs),
      aborted: false,
      hosts: result.addressing.entries,
      links: result.links,
      topology: topologyView(new Topology(s), result.addressing.entries),
      ledger: result.ledger,
      peers: result.peers ?? [],
      lost: result.lost ?? [],
      serve: {
        ...summary,
        held: held.length,
        final,
        configVersion: served.configVersion,
        process: {
          cpuUserMs: Math.round(usage.user / 1000),
          cpuSystemMs: Math.round(usage.system / 1000),
          rssBytes: process.memoryUsage.rss(),
        },
      },
    },
    results,
    { interrupted: !final },
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
