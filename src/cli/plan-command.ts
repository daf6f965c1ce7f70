/**
 * `mediapath plan FILE`: simulates the busy hour of a scenario's `traffic:` section through
 * the policy engine (no sockets) and prints, per constrained link, the offered and carried
 * load, the blocking with its confidence interval, the peak and 95th-percentile bandwidth,
 * where refused calls went, and the limit that meets the target blocking; with a progress line
 * on stderr while it runs.
 *
 * This file must not know how the hour is simulated or laid out (the planning layer); it
 * parses the command line, shows progress, handles Ctrl-C and writes the results.
 */
import { BusyHourSimulation, formatPlan, planCsv, planJson } from '../planning/index.js';
import type { BusyHourProgress } from '../planning/index.js';
import { styler } from '../report/index.js';
import { durationMs } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { listenForInterrupt } from './interrupt.js';
import { ExitCode, useColour, type CliIO } from './io.js';
import { loadForCommand } from './load-scenario.js';
import { oneOnStdout, outputOf, prepareOutput, writeOutput, type Output } from './output.js';
import { count } from './text.js';
import { UsageError } from './usage.js';

/** Help text of `mediapath plan`. */
export const PLAN_HELP = `Usage: mediapath plan FILE [--hours H] [--target-blocking P] [--warmup DURATION]
                      [--deterministic] [--seed N] [--confidence P] [--batches N]
                      [--json FILE|-] [--csv FILE|-]

Simulates the busy hour of the scenario's traffic: section: Poisson arrivals and exponential
holding times per stream, every call decided by the policy engine with its bandwidth ledger
and refusal chain (no sockets), after a warm-up that fills the links. Per constrained link and
modality: the load offered to it and carried by it (Erlangs), the share of its calls it
refused with a confidence interval, the peak and 95th percentile of the kbps in use, where the
refused calls went (Internet path, PSTN, voice mail, override, rejected), and the smallest
limit that meets the target blocking for the load offered to it (Erlang B for one codec,
Kaufman-Roberts for a mix). The ledger's invariants are checked on every call. See
docs/planning.md.

Options:
  --hours H             hours measured after the warm-up (default 1)
  --target-blocking P   the blocking the advised limits meet: 1% or 0.01 (default 1%)
  --warmup DURATION     warm-up before the measured hour: 15m, 900s (default five times the
                        longest mean holding time)
  --deterministic       evenly spaced arrivals, every call exactly the mean holding time
  --seed N              seed of the draws (default traffic.seed, else simulation.seed)
  --confidence P        confidence of the blocking intervals: 95% (default), 90%, 99%
  --batches N           batches the measured window is cut into for the intervals (default 10)
  --json FILE|-         write the plan as JSON to FILE (its folder is created), or with - to
                        standard output instead of the table
  --csv FILE|-          write one row per link and modality as CSV, for spreadsheets
  -h, --help            this help

A progress line goes to stderr: redrawn on a terminal, a line every few seconds in a pipe.
Ctrl-C stops the simulation (exit code 130).

Examples:
  mediapath plan scenarios/busy-hour.yaml
  mediapath plan scenarios/busy-hour.yaml --hours 10 --target-blocking 0.5%
  mediapath plan scenarios/busy-hour.yaml --csv out/busy-hour.csv
  mediapath plan scenarios/busy-hour.yaml --json - | jq '.links[] | {link, blocking}'

Exit codes: 0 the hour was simulated, 2 bad usage (or no traffic: section), 3 invalid
scenario, 130 interrupted.
`;

/** Arrivals simulated between two looks at the clock and at Ctrl-C. */
const CHUNK = 2000;

/** The checked command line of `mediapath plan`. */
interface PlanArgs {
  readonly file: string;
  readonly hours: number;
  readonly target: number;
  readonly warmupMs: number | undefined;
  readonly deterministic: boolean;
  readonly seed: number | undefined;
  readonly confidence: number;
  readonly batches: number;
  readonly json: Output | null;
  readonly csv: Output | null;
}

/**
 * Parses and checks the arguments of `mediapath plan`; null for --help.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line.
 */
function parsePlanArgs(args: readonly string[]): PlanArgs | null {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      hours: { type: 'string' },
      'target-blocking': { type: 'string' },
      warmup: { type: 'string' },
      deterministic: { type: 'boolean' },
      seed: { type: 'string' },
      confidence: { type: 'string' },
      batches: { type: 'string' },
      json: { type: 'string' },
      csv: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    {
      hours: 'a number of hours',
      'target-blocking': 'a percentage such as 1%',
      warmup: 'a duration such as 15m',
      seed: 'a whole number',
      confidence: 'a percentage such as 95%',
      batches: 'a whole number of at least 5',
      json: OUTPUT_VALUE,
      csv: OUTPUT_VALUE,
    },
  );
  if (values.help) {
    return null;
  }
  if (positionals.length !== 1) {
    throw new UsageError('plan takes one scenario file (with a traffic: section)');
  }
  const hours = values.hours === undefined ? 1 : Number(values.hours);
  if (!(hours > 0) || !Number.isFinite(hours)) {
    throw new UsageError(`--hours takes a number of hours above 0, got "${values.hours ?? ''}"`);
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) {
    throw new UsageError(`--seed takes a whole number, got "${values.seed ?? ''}"`);
  }
  const batches = values.batches === undefined ? 10 : Number(values.batches);
  if (!Number.isInteger(batches) || batches < 5) {
    throw new UsageError(
      `--batches takes a whole number of at least 5, got "${values.batches ?? ''}"`,
    );
  }
  let warmupMs: number | undefined;
  if (values.warmup !== undefined) {
    warmupMs = durationMs(
      /^\d+(\.\d+)?$/.test(values.warmup) ? Number(values.warmup) : values.warmup,
      -1,
    );
    if (warmupMs < 0) {
      throw new UsageError(`--warmup takes a duration such as 15m or 900s, got "${values.warmup}"`);
    }
  }
  const json = outputOf('--json', values.json, { notYaml: true });
  const csv = outputOf('--csv', values.csv, { notYaml: true });
  oneOnStdout([json, csv]);
  return {
    file: positionals[0] ?? '',
    hours,
    target: share('--target-blocking', values['target-blocking'] ?? '1%', false),
    warmupMs,
    deterministic: values.deterministic === true,
    seed,
    confidence: share('--confidence', values.confidence ?? '95%', true),
    batches,
    json,
    csv,
  };
}

/**
 * A share given as a percentage (`1%`, `0.5 %`) or a fraction (`0.01`).
 * @throws {UsageError} for anything else, or a share outside (0, 1] ((0, 1) when `below1`).
 */
function share(option: string, text: string, below1: boolean): number {
  const m = /^(\d+(?:\.\d+)?)\s*(%?)$/.exec(text.trim());
  const value = m ? Number(m[1]) / (m[2] === '%' ? 100 : 1) : NaN;
  if (!(value > 0) || value > 1 || (below1 && value >= 1) || (m?.[2] === '' && Number(m[1]) > 1)) {
    throw new UsageError(
      `${option} takes a percentage such as 1% or a fraction such as 0.01, got "${text}"`,
    );
  }
  return value;
}

/**
 * Runs `mediapath plan`.
 *
 * @param args - The arguments after `plan`.
 * @returns 0 once the hour was simulated and reported, 130 when interrupted.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line, an output path that cannot
 *   be written, or a scenario without a `traffic:` section.
 * @throws {SimError} `SIM_ERR_SCENARIO_INVALID` for an invalid scenario.
 */
export async function planCommand(args: readonly string[], io: CliIO): Promise<number> {
  const a = parsePlanArgs(args);
  if (a === null) {
    io.stdout.write(PLAN_HELP);
    return ExitCode.OK;
  }
  await prepareOutput(a.json);
  await prepareOutput(a.csv);
  const quiet = a.json?.kind === 'stdout' || a.csv?.kind === 'stdout';
  const scenario = await loadForCommand(a.file, io, { quietWarnings: quiet });
  if (scenario.traffic === null) {
    throw new UsageError(
      `${a.file} has no traffic: section to plan with (see docs/scenario-format.md#traffic)`,
    );
  }
  const sim = new BusyHourSimulation(new Topology(scenario), {
    hours: a.hours,
    targetBlocking: a.target,
    model: a.deterministic ? 'deterministic' : 'poisson',
    confidence: a.confidence,
    batches: a.batches,
    ...(a.warmupMs === undefined ? {} : { warmupMs: a.warmupMs }),
    ...(a.seed === undefined ? {} : { seed: a.seed }),
  });
  const interrupt = listenForInterrupt(io);
  const progress = new PlanProgress(io);
  const t0 = performance.now();
  try {
    while (!sim.advance(CHUNK)) {
      progress.show(sim.progress, performance.now() - t0);
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (interrupt.signal.aborted) {
        progress.clear();
        io.stderr.write(
          `interrupted after ${count(sim.progress.calls, 'call')}; nothing written\n`,
        );
        return ExitCode.INTERRUPTED;
      }
    }
  } finally {
    progress.clear();
    interrupt.dispose();
  }
  const result = sim.result();
  const seconds = ((performance.now() - t0) / 1000).toFixed(2);
  io.stderr.write(
    `simulated ${(result.calls.measured + result.calls.warmup).toLocaleString('en-US')} calls in ${seconds} s\n`,
  );
  if (!quiet) {
    io.stdout.write(formatPlan(scenario, result, styler(useColour(io.stdout, io.env))));
  }
  for (const [output, text] of [
    [a.json, () => `${JSON.stringify(planJson(scenario, result), null, 2)}\n`],
    [a.csv, () => planCsv(result)],
  ] as const) {
    const written = output === null ? null : await writeOutput(output, text(), io);
    if (written !== null) {
      io.stderr.write(`wrote ${written}\n`);
    }
  }
  return ExitCode.OK;
}

/** The progress line on stderr: redrawn on a terminal, a line every few seconds otherwise. */
class PlanProgress {
  readonly #io: CliIO;
  readonly #tty: boolean;
  #lastDraw = -Infinity;
  #drawn = false;

  constructor(io: CliIO) {
    this.#io = io;
    this.#tty = io.stderr.isTTY === true;
  }

  show(p: BusyHourProgress, wallMs: number): void {
    const every = this.#tty ? 100 : 3000;
    if (wallMs - this.#lastDraw < every) {
      return;
    }
    this.#lastDraw = wallMs;
    const share = Math.min(1, p.simulatedMs / p.endMs);
    const width = 24;
    const filled = Math.round(share * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const text = `plan ${bar} ${(share * 100).toFixed(0).padStart(3)} %  ${clock(p.simulatedMs)} of ${clock(p.endMs)} simulated, ${count(p.calls, 'call')}`;
    if (this.#tty) {
      this.#io.stderr.write(`\r${text}\u001b[K`);
      this.#drawn = true;
    } else {
      this.#io.stderr.write(`${text}\n`);
    }
  }

  clear(): void {
    if (this.#drawn) {
      this.#io.stderr.write('\r\u001b[K');
      this.#drawn = false;
    }
  }
}

/** Simulated time as h:mm:ss. */
function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
