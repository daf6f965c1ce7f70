/**
 * `mediapath load`: load-test the Mediation Server's RTP relay with N concurrent relayed
 * G.711 calls (50 packets/s each way) and report throughput, loss, latency, CPU and
 * memory; with floors, a missed floor exits with LOAD_FLOOR_MISSED (5) for CI.
 *
 * This file must not know how the relay forwards packets nor how a level is measured (the
 * media layer's load run does both); it parses the command line, pins CPUs and reports.
 */
import { availableParallelism } from 'node:os';
import { ErrorCodes, hasCode, InternalError, type Logger } from '../core/index.js';
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
import { parseCommandArgs } from './args.js';
import { ExitCode, type CliIO } from './io.js';
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

Options:
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
  --json             print the result as JSON on stdout
  -h, --help         show this help

Examples:
  mediapath load --calls 300 --seconds 10
  mediapath load --calls 300 --seconds 8 --max-loss 0.1 --max-p99-ms 20
  mediapath load --ramp --calls 100 --seconds 5 --json > ramp.json
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
  json: boolean;
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
  const { values, positionals } = parseCommandArgs(argv, {
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
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
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
    json: values.json,
  };
}

/** A progress line on stderr: redrawn in place on a terminal, plain lines otherwise. */
class Progress {
  readonly #stream: CliIO['stderr'];
  readonly #tty: boolean;
  #lastPlain = 0;
  #drawn = false;

  constructor(stream: CliIO['stderr']) {
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
  }

  update(text: string, elapsedMs: number): void {
    if (this.#tty) {
      this.#stream.write(`\r\x1b[K${text}`);
      this.#drawn = true;
    } else if (elapsedMs - this.#lastPlain >= 5000 || elapsedMs < this.#lastPlain) {
      this.#lastPlain = elapsedMs;
      this.#stream.write(`${text}\n`);
    }
  }

  done(): void {
    if (this.#drawn) {
      this.#stream.write('\r\x1b[K');
      this.#drawn = false;
    }
    this.#lastPlain = 0;
  }
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const fmtPct = (r: number): string => `${(r * 100).toFixed(3)} %`;
const MiB = 1024 * 1024;

function formatLevel(r: LoadLevelResult): string {
  const lines = [
    `  offered      ${fmtInt(r.offeredPps)} packets/s`,
    `  forwarded    ${r.forwardedPps === null ? '-' : fmtInt(r.forwardedPps)} packets/s (delivered ${fmtInt(r.deliveredPps)}/s)`,
    `  loss         ${fmtPct(r.lossRatio)}`,
    `  latency      p50 ${fmtMs(r.latencyMs.p50)} ms  p99 ${fmtMs(r.latencyMs.p99)} ms  p99.9 ${fmtMs(r.latencyMs.p999)} ms  max ${fmtMs(r.latencyMs.max)} ms`,
    `  calls        ${r.callsCarried} of ${r.calls} carried media both ways`,
    `  relay CPU    ${(r.relayCpu * 100).toFixed(1)} % of one core`,
    `  memory       RSS ${(r.relayRssBytes / MiB).toFixed(1)} MiB, ${(r.setupBytesPerCall / 1024).toFixed(1)} KiB per call (RSS growth at setup)`,
    `  generator    ${(r.generator.cpu * 100).toFixed(1)} % CPU, schedule lag up to ${fmtMs(r.generator.maxLagMs)} ms`,
    `  other CPU    ${r.otherCpu === null ? '-' : `${(r.otherCpu * 100).toFixed(0)} % of a core used by other processes and the kernel during the run`}`,
    `  held         ${r.held ? 'yes' : 'no'} (loss < 0.1 %, p99 < 20 ms, every call carried)`,
  ];
  return lines.join('\n');
}

function formatRamp(ramp: RampResult): string {
  const rows = ramp.levels.map(
    (r) =>
      `  ${String(r.calls).padStart(6)}  ${fmtInt(r.offeredPps).padStart(9)}  ${fmtPct(r.lossRatio).padStart(9)}  ${fmtMs(r.latencyMs.p99).padStart(8)}  ${(r.relayCpu * 100).toFixed(0).padStart(5)} %  ${r.held ? 'held' : 'not held'}`,
  );
  return [
    '   calls  packets/s       loss  p99 (ms)    CPU',
    ...rows,
    `Largest load held: ${ramp.maxHeldCalls} calls (${fmtInt(ramp.maxHeldPps)} packets/s offered).`,
  ].join('\n');
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
  let args: LoadArgs | null;
  try {
    args = parseLoadArgs(argv);
  } catch (e) {
    if (!hasCode(e, ErrorCodes.CLI_USAGE)) {
      throw e;
    }
    io.stderr.write(`mediapath load: ${e.message}\n`);
    io.stderr.write('Run "mediapath load --help" for usage.\n');
    return ExitCode.USAGE;
  }
  if (args === null) {
    io.stdout.write(LOAD_HELP);
    return ExitCode.OK;
  }
  const log = logger?.child({ mod: 'cli.load' });
  let relay: Relay | undefined;
  let generator: LoadGeneratorProcess | undefined;
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    void generator?.close();
  };
  process.once('SIGINT', onSigint);
  const progress = new Progress(io.stderr);
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
    const mode = `${
      args.workers === 0
        ? 'single thread'
        : `${args.workers} worker thread${args.workers === 1 ? '' : 's'}`
    }, ${relay.io === 'batch' ? 'batched I/O (native addon)' : 'node:dgram I/O'}`;
    const pinning = pinned
      ? `relay on CPU ${relayCpus === 1 ? '0' : `0-${relayCpus - 1}`}, generator on CPU ${relayCpus}`
      : 'not pinned';
    log?.info(
      { calls: args.calls, seconds: args.seconds, workers: args.workers, pinned },
      'load start',
    );
    const onProgress = (p: {
      elapsedMs: number;
      sent: number;
      received: number;
      calls: number;
    }): void => {
      const s = p.elapsedMs / 1000;
      progress.update(
        `load: ${p.calls} calls, ${s.toFixed(0)}/${args.seconds} s, ${fmtInt(p.sent / s)} packets/s offered, ${fmtInt(p.received)} of ${fmtInt(p.sent)} received`,
        p.elapsedMs,
      );
    };
    const durationMs = args.seconds * 1000;
    const criteria = {
      maxLossRatio: 0.001,
      maxP99Ms: 20,
    };
    let level: LoadLevelResult;
    let ramp: RampResult | undefined;
    if (args.ramp) {
      ramp = await findMaxHeld({
        generator,
        addresses,
        allocator,
        durationMs,
        criteria,
        startCalls: args.calls,
        maxCalls: args.maxCalls,
        onProgress,
        onLevel: () => progress.done(),
      });
      const shown = ramp.levels.filter((l) => l.held).at(-1) ?? ramp.levels.at(-1);
      if (shown === undefined) {
        // The first level always runs: startCalls is at least 1 and at most maxCalls.
        throw new InternalError('the ramp ran no level');
      }
      level = shown;
    } else {
      level = await runLoadLevel({
        generator,
        addresses,
        allocator,
        calls: args.calls,
        durationMs,
        criteria,
        onProgress,
      });
    }
    progress.done();
    if (interrupted) {
      return ExitCode.INTERRUPTED;
    }
    const failures: string[] = [];
    if (!args.ramp) {
      if (args.maxLossPct !== undefined && level.lossRatio * 100 > args.maxLossPct) {
        failures.push(`loss ${fmtPct(level.lossRatio)} exceeds --max-loss ${args.maxLossPct} %`);
      }
      if (args.maxP99Ms !== undefined && level.latencyMs.p99 > args.maxP99Ms) {
        failures.push(`p99 ${fmtMs(level.latencyMs.p99)} ms exceeds --max-p99-ms ${args.maxP99Ms}`);
      }
      if (level.callsCarried < level.calls) {
        failures.push(`${level.calls - level.callsCarried} calls carried no media one way`);
      }
    }
    if (
      ramp?.maxHeldCalls === 0 &&
      (args.maxLossPct !== undefined || args.maxP99Ms !== undefined)
    ) {
      failures.push('no ramp level held');
    }
    const environment = {
      workers: args.workers,
      io: relay.io,
      pinned,
      mode,
      pinning,
      cpus,
    };
    if (args.json) {
      io.stdout.write(
        `${JSON.stringify({ environment, result: ramp === undefined ? level : undefined, ramp, floorsMissed: failures }, null, 2)}\n`,
      );
    } else {
      io.stdout.write(
        `mediapath load: ${args.ramp ? 'ramp' : `${args.calls} calls`} x ${args.seconds} s, relay ${mode} (${pinning})\n`,
      );
      if (ramp !== undefined) {
        io.stdout.write(`${formatRamp(ramp)}\n`);
      }
      if (ramp !== undefined) {
        io.stdout.write(`At ${level.calls} calls:\n`);
      }
      io.stdout.write(`${formatLevel(level)}\n`);
      for (const f of failures) {
        io.stdout.write(`FLOOR MISSED: ${f}\n`);
      }
    }
    return failures.length > 0 ? ExitCode.LOAD_FLOOR_MISSED : ExitCode.OK;
  } catch (e) {
    progress.done();
    if (interrupted) {
      return ExitCode.INTERRUPTED;
    }
    log?.error({ err: e }, 'load failed');
    io.stderr.write(`mediapath load: ${e instanceof Error ? e.message : String(e)}\n`);
    return ExitCode.RUNTIME;
  } finally {
    process.off('SIGINT', onSigint);
    await generator?.close();
    await relay?.shutdown();
  }
}
