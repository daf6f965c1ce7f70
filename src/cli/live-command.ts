/**
 * A live lab (`mediapath lab run DIR`, `lab start NAME DIR --live`, `run FILE --live`): the
 * scenario's hosts kept up on loopback, its timeline placed in rounds (or calls on demand), and
 * the scenario file watched: each new configuration version a trainee's cmdlets write (or a
 * hand edit) is validated, then put in force after the replication delay for the calls that
 * start from then on, while the calls up keep their path. Progress lines say the round, the
 * version in force and each call's decision; the report (table, --json, --html) says which
 * version each call was decided under, and a line per version.
 *
 * This file must not know how hosts, SIP or media work (the lab does), how the file is watched
 * or a version validated (scenario-watcher.ts, live-versions.ts), nor how the report is laid out.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InternalError, type Logger } from '../core/index.js';
import { endpointMedia, LiveRounds, LoopbackLab, type LabResult } from '../lab/index.js';
import {
  LAB_FILES,
  lastLoggedVersion,
  loggedVersionOf,
  parseCommandLog,
  versionLabel,
} from '../labs/index.js';
import type { CallDecision } from '../policy/index.js';
import {
  formatLinks,
  formatPeers,
  formatRunTable,
  runJson,
  topologyView,
  type RunCallInput,
  type RunCallResult,
} from '../report/index.js';
import type { Call, Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { findTarget, sha256 } from './admin-target.js';
import { parseCommandArgs } from './args.js';
import { listenForInterrupt } from './interrupt.js';
import { ExitCode, useColour, type CliIO } from './io.js';
import { LIVE_OPTIONS, LIVE_VALUES } from './live-help.js';
import { runUntilStopped } from './live-input.js';
import { formatVersions, liveJson, type LiveSettings } from './live-report.js';
import { LiveVersions, short, sourceText, type VersionChange } from './live-versions.js';
import { loadForCommand } from './load-scenario.js';
import { statusWriter, type StatusWriter } from './log-sink.js';
import { createRootLogger, logLevelOf, type LogLevel } from './logger.js';
import {
  oneOnStdout,
  outputOf,
  prepareLongRunOutputs,
  writeOutput,
  type Output,
} from './output.js';
import { DEFAULT_SCENARIO, displayPath } from './paths.js';
import { writeHtml } from './results.js';
import { ScenarioWatcher } from './scenario-watcher.js';
import { ServeBook, summaryLine } from './serve-book.js';
import { count } from './text.js';
import { UsageError } from './usage.js';

/** The options of a live lab, checked. */
export interface LiveArgs {
  readonly rounds: number;
  readonly durationMs: number | null;
  readonly pauseMs: number;
  readonly replicationDelayMs: number;
  readonly json: Output | null;
  readonly html: Output | null;
  readonly calls: string | null;
  readonly log: string | null;
  readonly level: LogLevel;
}

/** The option values of {@link LIVE_OPTIONS}, as parsed. */
type LiveValues = Partial<Record<keyof typeof LIVE_OPTIONS, string>>;

/** Seconds given on the command line, as milliseconds. */
function secondsOf(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`${option} takes seconds (0 or more), got "${value}"`);
  }
  return Math.round(n * 1000);
}

/**
 * Checks the options of a live lab.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad value.
 */
export function liveArgsOf(values: LiveValues): LiveArgs {
  const rounds = values.rounds === undefined ? Infinity : Number(values.rounds);
  if (!Number.isInteger(rounds) && rounds !== Infinity) {
    throw new UsageError(`--rounds takes a whole number (0 or more), got "${values.rounds}"`);
  }
  if (rounds < 0) {
    throw new UsageError(`--rounds takes a whole number (0 or more), got "${values.rounds}"`);
  }
  for (const [option, value] of [
    ['--calls', values.calls],
    ['--log', values.log],
  ] as const) {
    if (value === '' || value === '-') {
      throw new UsageError(`${option} needs a file name`);
    }
  }
  const json = outputOf('--json', values.json, { notYaml: true });
  const html = outputOf('--html', values.html, { notYaml: true });
  oneOnStdout([json, html]);
  const log = values.log ?? null;
  return {
    rounds,
    durationMs: values.duration === undefined ? null : secondsOf('--duration', values.duration, 0),
    pauseMs: secondsOf('--pause', values.pause, 1000),
    replicationDelayMs: secondsOf('--replication-delay', values['replication-delay'], 0),
    json,
    html,
    calls: values.calls ?? null,
    log,
    level: logLevelOf(values['log-level'], log === null ? 'error' : 'info'),
  };
}

/** What a live lab runs: a scenario file, and the command log of its folder. */
export interface LiveTarget {
  readonly scenarioFile: string;
  /** The folder's command log (it need not exist yet). */
  readonly log: string;
  /** The lab's title; the scenario's name when none is given. */
  readonly title?: string;
  /** How the trainee changes it, for the first lines (`mediapath shell mylab`). */
  readonly changeWith: string;
}

/**
 * Runs a live lab until Ctrl-C, `quit`, or the end of its rounds or duration; writes the report.
 *
 * @returns 0, or 1 when a call that ended (not one cut short by the stop) missed an `expect:`.
 * @throws {SimError} `SIM_ERR_SCENARIO_INVALID`, `SIM_ERR_SIP_BIND`, `SIM_ERR_MEDIA_BIND`.
 */
export async function runLive(target: LiveTarget, a: LiveArgs, io: CliIO): Promise<number> {
  await prepareLongRunOutputs(a);
  const scenario = await loadForCommand(target.scenarioFile, io, { quietWarnings: true });
  const initial = await initialVersion(target);
  const root = createRootLogger({
    level: a.level,
    file: a.log,
    io,
    bindings: a.log === null ? null : { scenario: scenario.name, mode: 'live' },
  });
  const status = statusWriter(io.stderr);
  const interrupt = listenForInterrupt(io);
  const live = new LiveLab(
    { ...target, title: target.title ?? scenario.name },
    a,
    scenario,
    status,
  );
  try {
    await live.open(root.logger, initial);
    await runUntilStopped({
      scenario,
      signal: interrupt.signal,
      io,
      status,
      place: (call) => live.placeOnDemand(call),
      reportNow: async () => {
        await live.report(await live.result(false), io, false);
      },
      done: live.done,
    });
    const final = await live.result(true);
    return await live.report(final, io, true);
  } finally {
    interrupt.dispose();
    await live.close();
    await root.close();
    await status.close();
  }
}

/** The version a live lab starts with, and the command log's version it stands for. */
interface InitialVersion {
  readonly change: VersionChange;
  /** The logged version of the file, or the log's last when the file is not logged (0: none). */
  readonly logVersion: number;
}

/** The version the lab starts with: the file as it is, looked up in the command log. */
async function initialVersion(target: LiveTarget): Promise<InitialVersion> {
  const text = await readFile(target.scenarioFile, 'utf8');
  const sha = sha256(text);
  const log = parseCommandLog(await readFile(target.log, 'utf8').catch(() => ''));
  const logged = loggedVersionOf(log, sha);
  const last = lastLoggedVersion(log);
  return {
    change: {
      version: logged ? versionLabel(logged.version) : versionLabel(last, last === 0 ? 0 : 1),
      sha256: sha,
      seenAtMs: 0,
      inForceAtMs: 0,
      logged,
      kept: [],
    },
    logVersion: logged?.version ?? last,
  };
}

/** One live lab: the hosts, the rounds, the watcher, the versions and the books. */
class LiveLab {
  readonly #target: LiveTarget & { readonly title: string };
  readonly #a: LiveArgs;
  readonly #scenario: Scenario;
  readonly #status: StatusWriter;
  readonly #book: ServeBook;
  /** The calls placed and not yet finished, with their round (0 on demand). */
  readonly #pending = new Map<string, number>();
  #lab: LoopbackLab | null = null;
  #rounds: LiveRounds | null = null;
  #watcher: ScenarioWatcher | null = null;
  #versions: LiveVersions | null = null;
  #inForce: Scenario;
  #stopTimer: NodeJS.Timeout | null = null;
  #roundsOver = false;
  #finish: () => void = () => undefined;
  /** Resolves when the lab stops by itself (its rounds or duration are over, calls ended). */
  readonly done: Promise<void>;

  constructor(
    target: LiveTarget & { readonly title: string },
    a: LiveArgs,
    scenario: Scenario,
    status: StatusWriter,
  ) {
    this.#target = target;
    this.#a = a;
    this.#scenario = scenario;
    this.#inForce = scenario;
    this.#status = status;
    const isMs = (h: string): boolean => scenario.hosts.mediationServers.some((m) => m.name === h);
    const outside = new Set(
      [...scenario.hosts.gateways, ...scenario.hosts.clients]
        .filter((h) => h.external)
        .map((h) => h.name),
    );
    this.#book = new ServeBook({
      isMediationServer: isMs,
      isOutside: (h) => outside.has(h),
      callsFile: a.calls,
      recent: 1000,
    });
    this.done = new Promise((resolve) => {
      this.#finish = resolve;
    });
  }

  #say(line: string): void {
    this.#status.write(`${line}\n`);
  }

  /** Binds the hosts, starts the rounds and the watcher. */
  async open(logger: Logger, start: InitialVersion): Promise<void> {
    const initial = start.change;
    const s = this.#scenario;
    let hostOf: (x: string) => string | null = () => null;
    // The lab's own timeline stays empty: the rounds place the calls, with ids of their own.
    const lab = await LoopbackLab.open(
      { ...s, calls: [] },
      { logger, media: endpointMedia(logger, (x) => hostOf(x)) },
      {
        onCall: (c) => {
          this.#ended(c);
        },
        onDecided: (call, d, version) => {
          this.#decided(call, d, version);
        },
      },
    );
    this.#lab = lab;
    hostOf = (x) => lab.addressing.hostOf(x);
    lab.reconfigure(s, initial.version);
    this.#versions = new LiveVersions({
      file: this.#target.scenarioFile,
      running: s,
      initial,
      replicationDelayMs: this.#a.replicationDelayMs,
      apply: (scenario, version) => {
        this.#inForce = scenario;
        lab.reconfigure(scenario, version);
      },
      elapsedMs: () => lab.elapsedMs,
      say: (line) => {
        this.#say(line);
      },
    });
    lab.start({ timeline: false });
    const rounds: LiveRounds = new LiveRounds({
      calls: s.calls,
      rounds: s.calls.length === 0 ? 0 : this.#a.rounds,
      pauseMs: this.#a.pauseMs,
      place: (call, id): string => this.#place(call, id, rounds.round),
      onRound: (n) => {
        this.#say(
          `round ${n} at ${(lab.elapsedMs / 1000).toFixed(1)}s: ${count(s.calls.length, 'call')}, configuration ${lab.configVersion} in force`,
        );
      },
      onError: (id, e) => {
        this.#say(`cannot place ${id}: ${e instanceof Error ? e.message : String(e)}`);
      },
    });
    this.#rounds = rounds;
    this.#say(this.#banner(initial, rounds.periodMs));
    this.#watcher = new ScenarioWatcher({
      file: this.#target.scenarioFile,
      log: this.#target.log,
      initialSha: initial.sha256,
      initialVersion: start.logVersion,
      onVersion: (v) => this.#versions?.take(v),
    });
    this.#watcher.start();
    rounds.start();
    const ends =
      (Number.isFinite(this.#a.rounds) && rounds.round > 0) || this.#a.durationMs !== null;
    if (this.#a.durationMs !== null) {
      this.#stopTimer = setTimeout(() => {
        rounds.stop();
      }, this.#a.durationMs);
    }
    void rounds.placed.then(() => {
      this.#roundsOver = ends;
      this.#checkDone();
    });
  }

  /** The first lines: what runs, the version in force, how to change it. */
  #banner(initial: VersionChange, periodMs: number): string {
    const s = this.#scenario;
    const a = this.#a;
    const rounds =
      s.calls.length === 0 || a.rounds === 0
        ? 'no timeline: calls on demand only'
        : `${count(s.calls.length, 'call')} a round, a round every ${(periodMs / 1000).toFixed(1)}s${
            Number.isFinite(a.rounds) ? `, ${count(a.rounds, 'round')}` : ''
          }`;
    return [
      `live lab ${this.#target.title} (${displayPath(this.#target.scenarioFile)}): ${rounds}`,
      `configuration ${initial.version} in force (sha ${short(initial.sha256)}, ${
        initial.logged ? sourceText(initial.logged) : 'the file as it is'
      }); replication delay ${a.replicationDelayMs / 1000}s`,
      `change it from another terminal (${this.#target.changeWith}): the calls that start after a change are decided under it`,
      `Ctrl-C or "quit" stops and writes the report; "report" writes it now; "call FROM TO [SECONDS]" places a call`,
    ].join('\n');
  }

  #place(call: Omit<Call, 'id' | 'atMs' | 'index'>, id: string, round: number): string {
    if (!this.#lab) {
      throw new InternalError('the live lab is not open');
    }
    this.#pending.set(id, round);
    try {
      return this.#lab.place(call, id);
    } catch (e) {
      this.#pending.delete(id);
      throw e;
    }
  }

  /** A call asked for on standard input. */
  placeOnDemand(call: Omit<Call, 'id' | 'atMs' | 'index'>): string {
    if (!this.#lab) {
      throw new InternalError('the live lab is not open');
    }
    const id = this.#lab.place(call);
    this.#pending.set(id, 0);
    return id;
  }

  #decided(call: Call, d: CallDecision, version: string): void {
    const round = this.#pending.get(call.id);
    const where = round === undefined || round === 0 ? 'on demand' : `round ${round}`;
    this.#say(
      `${where} [${version}] ${call.id} ${call.from} -> ${call.to}: ${d.decision}, ${d.mediaPath.join(' -> ') || 'no media'}`,
    );
  }

  #ended(c: RunCallInput): void {
    const r = this.#book.add(c);
    this.#pending.delete(c.call.id);
    if (r) {
      this.#say(`  ${r.call.id} ${endText(r)}`);
    }
    this.#checkDone();
  }

  #checkDone(): void {
    if (this.#roundsOver && this.#pending.size === 0) {
      this.#finish();
    }
  }

  /** What the lab did so far; `final` stops it: no further round, calls up cut short. */
  async result(final: boolean): Promise<LabResult> {
    if (!this.#lab) {
      throw new InternalError('the live lab is not open');
    }
    if (final) {
      this.#rounds?.stop();
      this.#watcher?.close();
      this.#versions?.close();
    }
    return this.#lab.result({ final, aborted: final });
  }

  /** The report: the table and the versions on stdout, --json and --html. */
  async report(result: LabResult, io: CliIO, final: boolean): Promise<number> {
    const held: readonly RunCallInput[] = result.calls;
    if (final) {
      for (const c of held) {
        this.#book.add(c);
      }
    }
    const results = [...this.#book.results(final ? [] : held)].sort(
      (x, y) => x.call.atMs - y.call.atMs,
    );
    // A call cut short by the stop is not judged.
    const judged = results.map((r) => (r.state === 'cancelled' ? { ...r, failures: [] } : r));
    const versions = this.#versions;
    const changes = versions?.changes ?? [];
    const refused = versions?.refused ?? [];
    const inForce = versions?.inForce.version ?? '?';
    const colour = useColour(io.stdout, io.env);
    const seconds = (result.durationMs / 1000).toFixed(1);
    const a = this.#a;
    const file = displayPath(this.#target.scenarioFile);
    if (a.json?.kind !== 'stdout' && a.html?.kind !== 'stdout') {
      io.stdout.write(
        formatRunTable(judged, {
          colour,
          title: `${this.#target.title} (${file}), live on loopback, ${seconds}s, ${count(this.#rounds?.round ?? 0, 'round')}: ${summaryLine(this.#book.summary())}`,
          width: io.stdout.isTTY === true ? io.stdout.columns : undefined,
          interrupted: false,
        }),
      );
      io.stdout.write(formatLinks(result.links, colour));
      io.stdout.write(formatPeers(result.peers ?? [], colour));
      io.stdout.write(formatVersions(changes, refused, judged, colour));
    }
    const settings: LiveSettings = {
      rounds: a.rounds,
      roundsPlaced: this.#rounds?.round ?? 0,
      roundPeriodMs: this.#rounds?.periodMs ?? 0,
      replicationDelayMs: a.replicationDelayMs,
    };
    const doc = runJson(
      {
        scenario: {
          name: this.#scenario.name,
          source: file,
          description: this.#scenario.description,
        },
        mode: 'live',
        durationMs: Math.round(result.durationMs),
        aborted: false,
        hosts: result.addressing.entries,
        links: result.links,
        topology: topologyView(new Topology(this.#inForce), result.addressing.entries),
        ledger: result.ledger,
        peers: result.peers ?? [],
        live: { ...liveJson(settings, changes, refused, inForce), final },
      },
      judged,
    );
    for (const [output, write] of [
      [a.json, (o: Output) => writeOutput(o, `${JSON.stringify(doc, null, 2)}\n`, io)],
      [a.html, (o: Output) => writeHtml(o, doc, io)],
    ] as const) {
      const written = output === null ? null : await write(output);
      if (written !== null) {
        this.#say(`wrote ${written}`);
      }
    }
    return judged.some((r) => r.failures.length > 0) ? ExitCode.EXPECTATION_FAILED : ExitCode.OK;
  }

  /** Closes the watcher, the timers, the hosts and the books. */
  async close(): Promise<void> {
    if (this.#stopTimer) {
      clearTimeout(this.#stopTimer);
    }
    this.#rounds?.stop();
    this.#watcher?.close();
    this.#versions?.close();
    await this.#lab?.close();
    await this.#book.close();
  }
}

/** How a call ended, for its progress line. */
function endText(r: RunCallResult): string {
  const o = r.observed;
  const path =
    o.media === 'none'
      ? `no media${r.finalStatus !== null && r.finalStatus >= 300 ? ` (SIP ${r.finalStatus})` : ''}`
      : `media ${o.media}, ${(o.forward.complete ? o.forward.hops : o.backward.hops).join(' -> ')}`;
  const flags = o.divergences.length > 0 ? ` (${o.divergences[0]?.kind ?? ''})` : '';
  return `ended ${r.state}: ${path}${flags}`;
}

/**
 * `mediapath run [FILE] --live`: a live lab of any scenario file; the command log beside it is
 * read when there is one.
 *
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line (the options of other modes
 *   among them).
 */
export async function runLiveCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { ...LIVE_OPTIONS, live: { type: 'boolean' } },
    LIVE_VALUES,
  );
  if (positionals.length > 1) {
    throw new UsageError('run --live takes one scenario file');
  }
  const file = positionals[0] ?? DEFAULT_SCENARIO;
  return runLive(
    {
      scenarioFile: file,
      log: join(dirname(file), LAB_FILES.commandLog),
      changeWith: `mediapath apply SCRIPT.ps1 ${displayPath(file)} --role ROLE, or edit the file`,
    },
    liveArgsOf(values),
    io,
  );
}

/**
 * `mediapath lab run [DIR]`: a live lab of a lab's working folder (or of any folder with a
 * scenario.yaml).
 *
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line or a folder that is neither.
 */
export async function labRunCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, LIVE_OPTIONS, LIVE_VALUES);
  if (positionals.length > 1) {
    throw new UsageError('lab run takes one folder');
  }
  const a = liveArgsOf(values);
  return runLive(await liveTargetOf(positionals[0]), a, io);
}

/**
 * What a live lab of a folder runs: its scenario and command log, the lab's title, how the
 * trainee changes it.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a folder that is no lab and has no scenario.yaml.
 */
export async function liveTargetOf(dir: string | undefined): Promise<LiveTarget> {
  const target = await findTarget(dir);
  const shown = displayPath(target.folder) || '.';
  return {
    scenarioFile: target.scenario,
    log: target.log,
    ...(target.lab ? { title: `"${target.lab.title}"` } : {}),
    changeWith: target.lab
      ? `mediapath shell ${shown}, or mediapath apply SCRIPT.ps1 ${shown}`
      : `mediapath shell ${shown} --role ROLE`,
  };
}
