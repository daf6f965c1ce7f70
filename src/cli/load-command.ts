/**
 * `mediapath load`: load-test the Mediation Server's RTP relay with N concurrent relayed
 * G.711 calls (50 packets/s each way) and report throughput, loss, latency, CPU and
 * memory; with floors, a missed floor exits with LOAD_FLOOR_MISSED (5) for CI. With `--sip` it
 * hands over to the signalling load test (`sip-load-command.ts`).
 *
 * This file must not know how the relay forwards packets nor how a level is measured (the
 * media layer's load run does both); it parses the command line, pins CPUs and reports.
 */
import { availableParallelism } from 'node:os';
import { InternalError, type Logger } from '../core/index.js';
import {
  createRelay,
  findMaxHeld,
  pinCurrentProcess,
  relayAllocator,
  runLoadLevel,
  spawnLoadGenerator,
  type LoadGeneratorProcess,
  type LoadLevelResult,
  type Relay,
  type RampResult,
} from '../media/index.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { reportFailure } from './failure.js';
import { listenForInterrupt } from './interrupt.js';
import { ExitCode, type CliIO } from './io.js';
import { LoadProgress, RERUN } from './load-progress.js';
import { formatLevel, formatRamp, HOLD, missedFloors } from './load-report.js';
import { outputOf, prepareOutput, writeOutput, type Output } from './output.js';
import { count } from './text.js';
import { UsageError } from './usage.js';

/** Help text of `mediapath load`. */
export const LOAD_HELP = `Usage: mediapath load [options]

Load-tests the Mediation Server's RTP relay: N concurrent relayed G.711 calls, 50 packets/s
in each direction (100 packets/s per call), for T seconds. A built-in generator and sink runs
in a separate process; with taskset and enough CPUs, the relay is pinned to CPU 0 (CPUs
0..N-1 with --workers N) and the generator to the next CPU. Latency is one-way, generator -> relay -> sink, from HDR histograms.

A level is "held" when loss < 0.1 %, p99 latency < 20 ms and every call carried media both
ways. Socket buffers hold seconds of traffic, so an overloaded relay first shows a growing
queue (latency), not loss.

With --sip it load-tests the Mediation Server's signalling instead, with SIPp: see
mediapath load --sip --help.

Options:
  --sip              the signalling load test (SIPp through the Mediation Server)
  --calls N          concurrent calls (default 100); with --ramp, the first level
  --seconds T        duration of the run, or of each ramp level (default 10)
  --workers N        relay worker threads; 0 runs the relay in one thread (default 0)
  --ramp             find the largest number of calls held (doubling, then bisecting)
  --max-calls N      upper bound of the ramp (default 2000)
  --max-loss PCT     floor: fail (exit 5) when loss exceeds PCT percent
  --max-p99-ms MS    floor: fail (exit 5) when p99 latency exceeds MS milliseconds
  --bind ADDRESS     relay address on loopback (default 127.0.0.1)
  --port-min P       lowest relay port (with --port-max; default: ports chosen by the OS)
  --port-max P       highest relay port
  --gen-sockets K    generator sockets per side (default 32)
  --io PATH          relay I/O: batch (the native addon), dgram (node:dgram) or auto
                     (default: batch when the addon is built; MEDIAPATH_RELAY_IO sets it too)
  --connect          connect relay sockets to their peers (strangers then never reach it)
  --no-pin           do not pin the relay and generator to CPUs
  --json FILE|-      write the result as JSON to FILE (its folder is created), or with - to
                     standard output instead of the text
  -h, --help         show this help

Examples:
  mediapath load --calls 300 --seconds 10
  mediapath load --calls 300 --seconds 8 --max-loss 0.1 --max-p99-ms 20
  mediapath load --ramp --calls 100 --seconds 5 --json out/ramp.json
  mediapath load --calls 1000 --workers 2 --no-pin

Exit codes:
  0    the run finished (and every floor given held)
  2    bad command line
  4    the relay or generator could not be started
  5    a floor (--max-loss, --max-p99-ms) was missed, or a call carried no media
  130  interrupted; sockets and the generator process were cleaned up
`;

interface LoadArgs {
  calls: number;
  seconds: number;
  workers: number;
  ramp: boolean;
  maxCalls: number;
  maxLossPct: number | undefined;
  maxP99Ms: number | undefined;
  bind: string;
  portRange: { min: number; max: number } | undefined;
  genSockets: number;
  connect: boolean;
  pin: boolean;
  io: 'auto' | 'batch' | 'dgram';
  json: Output | null;
}

function intArg(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) {
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer ${min}-${max}, got ${value}`);
  }
  return n;
}

function numArg(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    throw new UsageError(`--${name} must be a number >= ${min}, got ${value}`);
  }
  return n;
}

/**
 * Parses `mediapath load` arguments. Returns null for --help.
 *
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for an unknown option or a value out of range.
 */
function parseLoadArgs(argv: string[]): LoadArgs | null {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      calls: { type: 'string' },
      seconds: { type: 'string' },
      workers: { type: 'string' },
      ramp: { type: 'boolean', default: false },
      'max-calls': { type: 'string' },
      'max-loss': { type: 'string' },
      'max-p99-ms': { type: 'string' },
      bind: { type: 'string' },
      'port-min': { type: 'string' },
      'port-max': { type: 'string' },
      'gen-sockets': { type: 'string' },
      connect: { type: 'boolean', default: false },
      io: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    { json: OUTPUT_VALUE },
  );
  if (values.help) {
    return null;
  }
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument: ${positionals[0]}`);
  }
  const bind = values.bind ?? '127.0.0.1';
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bind)) {
    throw new UsageError(`--bind must be a loopback address (127.x.y.z), got ${bind}`);
  }
  const portMin = intArg(values['port-min'], 'port-min', 0, 1024, 65535);
  const portMax = intArg(values['port-max'], 'port-max', 0, 1024, 65535);
  if ((portMin === 0) !== (portMax === 0) || portMax < portMin) {
    throw new UsageError('--port-min and --port-max go together, with min <= max');
  }
  const calls = intArg(values.calls, 'calls', 100, 1, 20_000);
  const ioPath = values.io ?? 'auto';
  if (ioPath !== 'auto' && ioPath !== 'batch' && ioPath !== 'dgram') {
    throw new UsageError(`--io must be auto, batch or dgram, got ${ioPath}`);
  }
  return {
    io: ioPath,
    calls,
    seconds: intArg(values.seconds, 'seconds', 10, 2, 3600),
    workers: intArg(values.workers, 'workers', 0, 0, 64),
    ramp: values.ramp,
    maxCalls: intArg(values['max-calls'], 'max-calls', Math.max(2000, calls), 1, 20_000),
    maxLossPct: numArg(values['max-loss'], 'max-loss', 0),
    maxP99Ms: numArg(values['max-p99-ms'], 'max-p99-ms', 0),
    bind,
    portRange: portMin === 0 ? undefined : { min: portMin, max: portMax },
    genSockets: intArg(values['gen-sockets'], 'gen-sockets', 32, 1, 1024),
    connect: values.connect,
    pin: !values['no-pin'],
    json: outputOf('--json', values.json, { notYaml: true }),
  };
}

/**
 * Runs `mediapath load`.
 *
 * @param argv - Arguments after `load`.
 * @param io - Streams and environment.
 * @param logger - Root logger; the relay gets a child.
 * @returns An exit code from {@link ExitCode}.
 */
export async function runLoadCommand(argv: string[], io: CliIO, logger?: Logger): Promise<number> {
  if (argv.includes('--sip')) {
    const sip = await import('./sip-load-command.js');
    return sip.runSipLoadCommand(argv, io);
  }
  let args: LoadArgs | null;
  try {
    args = parseLoadArgs(argv);
    if (args !== null) {
      await prepareOutput(args.json);
    }
  } catch (e) {
    return reportFailure('load', e, io);
  }
  if (args === null) {
    io.stdout.write(LOAD_HELP);
    return ExitCode.OK;
  }
  const log = logger?.child({ mod: 'cli.load' });
  let relay: Relay | undefined;
  let generator: LoadGeneratorProcess | undefined;
  const interrupt = listenForInterrupt(io);
  interrupt.signal.addEventListener('abort', () => void generator?.close(), { once: true });
  const progress = new LoadProgress(io.stderr, args.seconds);
  try {
    // The relay (its workers included) gets CPUs 0..k-1 and the generator CPU k, when the
    // machine has that many; otherwise nothing is pinned.
    const relayCpus = Math.max(1, args.workers);
    // Read before pinning: a pinned process sees only its own CPUs.
    const cpus = availableParallelism();
    const pinned =
      args.pin && cpus > relayCpus
        ? await pinCurrentProcess(relayCpus === 1 ? '0' : `0-${relayCpus - 1}`)
        : false;
    generator = await spawnLoadGenerator(pinned ? { cpu: relayCpus } : {});
    relay = await createRelay(
      {
        workers: args.workers,
        portRange: args.portRange,
        maxSessions: Math.max(args.calls, args.maxCalls) + 16,
        inactivityTimeoutMs: 0,
        connectSockets: args.connect,
        ...(args.io === 'auto' ? {} : { io: args.io }),
      },
      logger,
    );
    const addresses = await generator.prepare({ socketsPerSide: args.genSockets });
    const allocator = relayAllocator(relay, args.bind);
    const environment = {
      workers: args.workers,
      io: relay.io,
      pinned,
      mode: `${args.workers === 0 ? 'single thread' : count(args.workers, 'worker thread')}, ${relay.io === 'batch' ? 'batched I/O (native addon)' : 'node:dgram I/O'}`,
      pinning: pinned
        ? `relay on CPU ${relayCpus === 1 ? '0' : `0-${relayCpus - 1}`}, generator on CPU ${relayCpus}`
        : 'not pinned',
      cpus,
    };
    log?.info(
      { calls: args.calls, seconds: args.seconds, workers: args.workers, pinned },
      'load start',
    );
    const level = { generator, addresses, allocator, durationMs: args.seconds * 1000 };
    let result: LoadLevelResult;
    let ramp: RampResult | undefined;
    if (args.ramp) {
      progress.line(
        `load: ramp from ${count(args.calls, 'call')} (at most ${args.maxCalls}), ${args.seconds} s per level; a level holds with loss < 0.1 %, p99 < 20 ms and media on every call`,
      );
      ramp = await findMaxHeld({
        ...level,
        criteria: HOLD,
        startCalls: args.calls,
        maxCalls: args.maxCalls,
        // The ramp stops when held and failed are this close; its default (25 calls) is wider
        // than the whole range under 26 calls, where it would run no level at all.
        resolutionCalls: Math.min(25, Math.max(1, Math.floor(args.maxCalls / 10))),
        contendedCpu: RERUN.contendedCpu,
        contendedRetries: RERUN.retries,
        onProgress: progress.progress,
        onLevel: progress.level,
      });
      const shown = ramp.levels.filter((l) => l.held).at(-1) ?? ramp.levels.at(-1);
      if (shown === undefined) {
        // The first level always runs: startCalls is 1..maxCalls and the resolution is below
        // maxCalls.
        throw new InternalError('the ramp ran no level');
      }
      result = shown;
    } else {
      progress.line(`load: setting up ${count(args.calls, 'relayed call')}`);
      result = await runLoadLevel({
        ...level,
        calls: args.calls,
        criteria: HOLD,
        onProgress: progress.progress,
      });
    }
    progress.done();
    if (interrupt.signal.aborted) {
      progress.line('load: interrupted; the relay and the generator are stopped');
      return ExitCode.INTERRUPTED;
    }
    const failures = ramp === undefined ? missedFloors(result, args) : [];
    if (
      ramp?.maxHeldCalls === 0 &&
      (args.maxLossPct !== undefined || args.maxP99Ms !== undefined)
    ) {
      failures.push('no ramp level held');
    }
    await report(io, args, environment, result, ramp, failures);
    return failures.length > 0 ? ExitCode.LOAD_FLOOR_MISSED : ExitCode.OK;
  } catch (e) {
    progress.done();
    if (interrupt.signal.aborted) {
      return ExitCode.INTERRUPTED;
    }
    log?.error({ err: e }, 'load failed');
    return reportFailure('load', e, io);
  } finally {
    interrupt.dispose();
    await generator?.close();
    await relay?.shutdown();
  }
}

/** Prints the result, or writes it as JSON. */
async function report(
  io: CliIO,
  args: LoadArgs,
  environment: { readonly mode: string; readonly pinning: string } & Record<string, unknown>,
  level: LoadLevelResult,
  ramp: RampResult | undefined,
  failures: readonly string[],
): Promise<void> {
  if (args.json?.kind !== 'stdout') {
    const what = args.ramp ? 'ramp' : count(args.calls, 'call');
    io.stdout.write(
      `mediapath load: ${what} x ${args.seconds} s, relay ${environment.mode} (${environment.pinning})\n`,
    );
    if (ramp !== undefined) {
      io.stdout.write(`${formatRamp(ramp)}\n`);
      io.stdout.write(`At ${count(level.calls, 'call')}:\n`);
    }
    io.stdout.write(`${formatLevel(level)}\n`);
    for (const f of failures) {
      io.stdout.write(`FLOOR MISSED: ${f}\n`);
    }
  }
  if (args.json !== null) {
    const doc = {
      environment,
      result: ramp === undefined ? level : undefined,
      ramp,
      floorsMissed: failures,
    };
    const written = await writeOutput(args.json, `${JSON.stringify(doc, null, 2)}\n`, io);
    if (written !== null) {
      io.stderr.write(`wrote ${written}\n`);
    }
  }
}
