/**
 * `mediapath compare FILE`: what media bypass saves. The same calls are decided with media
 * bypass as configured and with it off (without sockets), and shown side by side: per
 * Mediation Server the relayed calls, streams and packets and the relay's estimated CPU, per
 * constrained link the kbps reserved, the calls refused or re-routed. With `--live`, both
 * configurations also run live on loopback, and the relayed packets and the CPU are measured.
 * With `--busy-hour`, the calls are drawn from the scenario's `traffic:` section.
 *
 * This file must not know how calls are decided or compared (the planning layer) nor how a
 * live run works (the lab); it parses the command line, runs the lab for `--live` (the only
 * part with sockets, kept here so that the planning layer stays pure) and writes the results.
 */
import type { Logger } from '../core/index.js';
import { assignLoopback, endpointMedia, runLab, type LabResult } from '../lab/index.js';
import {
  compareBypass,
  compareJson,
  drawCalls,
  formatCompare,
  withoutBypass,
  type CompareSource,
  type LiveComparison,
  type LiveSide,
} from '../planning/index.js';
import { styler } from '../report/index.js';
import type { Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { listenForInterrupt } from './interrupt.js';
import { ExitCode, useColour, type CliIO } from './io.js';
import { loadForCommand } from './load-scenario.js';
import { createRootLogger } from './logger.js';
import { outputOf, prepareOutput, writeOutput } from './output.js';
import { displayPath } from './paths.js';
import { count } from './text.js';
import { UsageError } from './usage.js';

/** Help text of `mediapath compare`. */
export const COMPARE_HELP = `Usage: mediapath compare FILE [--live] [--busy-hour [--hours H] [--seed N]]
                         [--json FILE|-]

What media bypass saves: the same calls decided with media bypass as configured and with it
off (MediaBypassSettings Enabled false), side by side, without sockets. Per Mediation Server:
the calls and RTP streams it relays, their packets, the most relayed at once and the relay's
CPU at that peak (estimated from the relay benchmark); per constrained link: the kbps reserved
at once and the calls reserving; the calls refused or re-routed; then the calls whose outcome
changes. Without bypass more calls cross the WAN through the Mediation Server, so CAC may
refuse or re-route some.

Options:
  --live           also run both configurations live on loopback (real SIP and RTP, one
                   after the other, each as long as the timeline) and measure the packets each
                   Mediation Server relayed and the CPU of the run
  --busy-hour      draw the calls from the scenario's traffic: section instead of its calls:
                   (Poisson arrivals, exponential holding times; not with --live)
  --hours H        hours of traffic to draw with --busy-hour (default 1)
  --seed N         seed of the draws (default traffic.seed)
  --json FILE|-    write both sides as JSON to FILE (its folder is created), or with - to
                   standard output instead of the table
  -h, --help       this help

Examples:
  mediapath compare scenarios/branch-office.yaml
  mediapath compare scenarios/branch-office.yaml --live
  mediapath compare scenarios/busy-hour.yaml --busy-hour
  mediapath compare scenarios/busy-hour.yaml --busy-hour --json - | jq '.off.relays'

Exit codes: 0 compared, 2 bad usage, 3 invalid scenario, 4 the live run failed,
130 interrupted.
`;

/**
 * Runs `mediapath compare`.
 *
 * @param args - The arguments after `compare`.
 * @returns 0 once compared, 130 when a live run was interrupted.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line, an output path that cannot
 *   be written, or `--busy-hour` on a scenario without a `traffic:` section.
 * @throws {SimError} `SIM_ERR_SCENARIO_INVALID` for an invalid scenario; what a live run failed
 *   with.
 */
export async function compareCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      live: { type: 'boolean' },
      'busy-hour': { type: 'boolean' },
      hours: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { hours: 'a number of hours', seed: 'a whole number', json: OUTPUT_VALUE },
  );
  if (values.help) {
    io.stdout.write(COMPARE_HELP);
    return ExitCode.OK;
  }
  if (positionals.length !== 1) {
    throw new UsageError('compare takes one scenario file');
  }
  const busyHour = values['busy-hour'] === true;
  const live = values.live === true;
  if (live && busyHour) {
    throw new UsageError('--live runs the timeline of calls:; --busy-hour is for decisions only');
  }
  if (!busyHour && (values.hours !== undefined || values.seed !== undefined)) {
    throw new UsageError('--hours and --seed go with --busy-hour');
  }
  const hours = values.hours === undefined ? 1 : Number(values.hours);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (!(hours > 0) || !Number.isFinite(hours)) {
    throw new UsageError(`--hours takes a number of hours above 0, got "${values.hours ?? ''}"`);
  }
  if (seed !== undefined && !Number.isInteger(seed)) {
    throw new UsageError(`--seed takes a whole number, got "${values.seed ?? ''}"`);
  }
  const json = outputOf('--json', values.json, { notYaml: true });
  await prepareOutput(json);
  const file = positionals[0] ?? '';
  const quiet = json?.kind === 'stdout';
  const scenario = await loadForCommand(file, io, { quietWarnings: quiet });
  if (busyHour && scenario.traffic === null) {
    throw new UsageError(`${file} has no traffic: section to draw a busy hour from`);
  }
  const calls = busyHour
    ? drawCalls(new Topology(scenario), hours, {
        model: 'poisson',
        ...(seed === undefined ? {} : { seed }),
      })
    : scenario.calls;
  const comparison = compareBypass(scenario, calls, { details: !busyHour });
  const src: CompareSource = busyHour
    ? { file: displayPath(file), calls: 'busy-hour', hours }
    : { file: displayPath(file), calls: 'timeline' };
  let measured: LiveComparison | null = null;
  if (live) {
    measured = await runBoth(scenario, io);
    if (measured === null) {
      return ExitCode.INTERRUPTED;
    }
  }
  if (!quiet) {
    const st = styler(useColour(io.stdout, io.env));
    io.stdout.write(formatCompare(scenario, comparison, src, st, measured));
  }
  if (json !== null) {
    const text = `${JSON.stringify(compareJson(scenario, comparison, src, measured), null, 2)}\n`;
    const written = await writeOutput(json, text, io);
    if (written !== null) {
      io.stderr.write(`wrote ${written}\n`);
    }
  }
  return ExitCode.OK;
}

/**
 * Runs the scenario live twice, bypass as configured then off; null when interrupted.
 * @throws {SimError} what a live run failed with.
 */
async function runBoth(scenario: Scenario, io: CliIO): Promise<LiveComparison | null> {
  const root = createRootLogger({ level: 'error', file: null, io, bindings: null });
  const interrupt = listenForInterrupt(io);
  try {
    const sides: LiveSide[] = [];
    for (const [label, s] of [
      ['bypass as configured', scenario],
      ['bypass off', withoutBypass(scenario)],
    ] as const) {
      io.stderr.write(`running ${count(s.calls.length, 'call')} live with ${label}...\n`);
      const side = await runLive(s, root.logger, interrupt.signal);
      if (side === null) {
        io.stderr.write('interrupted: everything created was cleaned up\n');
        return null;
      }
      sides.push(side);
    }
    const [configured, off] = sides;
    return configured && off ? { configured, off } : null;
  } finally {
    interrupt.dispose();
    await root.close();
  }
}

/** One live run on loopback with what it measured; null when interrupted. */
async function runLive(s: Scenario, logger: Logger, signal: AbortSignal): Promise<LiveSide | null> {
  const addressing = assignLoopback(s);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result: LabResult = await runLab(s, {
    logger,
    media: endpointMedia(logger, (address) => addressing.hostOf(address)),
    signal,
  });
  const cpu = process.cpuUsage(cpu0);
  if (result.aborted) {
    return null;
  }
  const ms = new Set(s.hosts.mediationServers.map((m) => m.name));
  const relayedPackets: Record<string, number> = Object.fromEntries([...ms].map((m) => [m, 0]));
  for (const c of result.calls) {
    for (const r of c.media.received) {
      if (ms.has(r.receiver)) {
        relayedPackets[r.receiver] = (relayedPackets[r.receiver] ?? 0) + r.packets;
      }
    }
  }
  return {
    relayedPackets,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (performance.now() - t0) / 1000,
    answered: result.calls.filter((c) => c.finalStatus === 200).length,
  };
}
