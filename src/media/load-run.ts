/**
 * One load level: set up N relayed calls, drive them with the load generator for a while,
 * and measure what came through, how late, and what it cost the relay. Also the ramp that
 * searches for the most calls a relay holds. Shared by `mediapath load`, the CI load test
 * and the benchmarks, so that every relay (ours or another) is measured the same way.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Relay } from './relay.js';
import type { TransportAddress } from './relay-types.js';
import type {
  GeneratorAddresses,
  GeneratorProgress,
  GeneratorResult,
  LoadGeneratorProcess,
} from './load-generator.js';
import { PACKETS_PER_SECOND } from './load-generator.js';

/** Sets up and tears down relayed calls for a load run. */
export interface CallAllocator {
  /** Name shown in results. */
  readonly name: string;
  /**
   * Sets up one call whose peers are the generator's sockets `peerA` and `peerB`.
   *
   * @returns The relay addresses the generator sends to, and an id for `release`.
   */
  allocate(
    peerA: TransportAddress,
    peerB: TransportAddress,
  ): Promise<{ id: string; a: TransportAddress; b: TransportAddress }>;
  release(id: string): Promise<void>;
  /** CPU time the relay has used so far, in microseconds (all its threads). */
  cpuMicros(): number;
  /** Resident memory of the relay, in bytes. */
  rssBytes(): number;
  /** Packets the relay forwarded so far, when it can tell. */
  forwarded?(): Promise<number>;
}

/** An allocator over this project's relay, running in the current process. */
export function relayAllocator(relay: Relay, bindAddress = '127.0.0.1'): CallAllocator {
  return {
    name: relay.workers === 0 ? 'mediapath' : `mediapath x${relay.workers}`,
    async allocate(peerA, peerB) {
      const info = await relay.allocate({ legA: { bindAddress }, legB: { bindAddress } });
      await relay.setPeer(info.id, 'A', peerA);
      await relay.setPeer(info.id, 'B', peerB);
      return { id: info.id, a: info.legA, b: info.legB };
    },
    async release(id) {
      await relay.close(id);
    },
    cpuMicros() {
      const u = process.cpuUsage();
      return u.user + u.system;
    },
    rssBytes() {
      return process.memoryUsage().rss;
    },
    async forwarded() {
      return (await relay.counters()).forwarded;
    },
  };
}

/**
 * A "relay" that is no relay: each generator side sends straight to the other. Measures the
 * generator's own ceiling and the latency floor that a relay's added latency is taken from.
 */
export function directAllocator(): CallAllocator {
  let n = 0;
  return {
    name: 'direct (no relay)',
    allocate(peerA, peerB) {
      return Promise.resolve({ id: String(++n), a: peerB, b: peerA });
    },
    release() {
      return Promise.resolve();
    },
    cpuMicros() {
      return 0;
    },
    rssBytes() {
      return 0;
    },
  };
}

/** Figures of one load level. */
export interface LoadLevelResult {
  readonly relay: string;
  readonly calls: number;
  readonly seconds: number;
  /** Packets per second offered to the relay (both directions). */
  readonly offeredPps: number;
  /** Packets per second that arrived at the far end. */
  readonly deliveredPps: number;
  /** Packets per second the relay says it forwarded, when known. */
  readonly forwardedPps: number | null;
  readonly lossRatio: number;
  readonly callsCarried: number;
  readonly latencyMs: GeneratorResult['latencyMs'];
  /** Relay CPU time over wall time during the run (1 = one full core). */
  readonly relayCpu: number;
  readonly relayRssBytes: number;
  /** Growth of relay RSS while the calls were set up, per call. */
  readonly setupBytesPerCall: number;
  readonly generator: { readonly cpu: number; readonly maxLagMs: number; readonly foreign: number };
  /**
   * CPU used by the whole machine during the run, in cores (Linux /proc/stat; null
   * elsewhere), and the part of it used by neither the relay nor the generator: other
   * processes competing for the same cores. Kernel time spent delivering packets on
   * loopback counts as "other" when it is not charged to a process.
   */
  readonly machineCpu: number | null;
  readonly otherCpu: number | null;
  /** True when loss and latency stayed within the hold criteria. */
  readonly held: boolean;
}

/** What "held" means for a level. */
export interface HoldCriteria {
  /** Largest loss ratio (default 0.001, i.e. 0.1 %). */
  readonly maxLossRatio?: number | undefined;
  /** Largest p99 latency in milliseconds (default 20). */
  readonly maxP99Ms?: number | undefined;
}

/** Options of {@link runLoadLevel}. */
export interface LoadLevelOptions {
  readonly generator: LoadGeneratorProcess;
  readonly addresses: GeneratorAddresses;
  readonly allocator: CallAllocator;
  readonly calls: number;
  readonly durationMs: number;
  readonly warmupMs?: number | undefined;
  readonly criteria?: HoldCriteria | undefined;
  readonly onProgress?: ((p: GeneratorProgress & { calls: number }) => void) | undefined;
}

/**
 * Runs one level and releases every call it set up, also on failure.
 *
 * @throws Whatever the allocator or generator throws, after cleaning up.
 */
export async function runLoadLevel(options: LoadLevelOptions): Promise<LoadLevelResult> {
  const { allocator, addresses, calls } = options;
  const ids: string[] = [];
  const targets: { a: TransportAddress; b: TransportAddress }[] = [];
  try {
    const rssBefore = allocator.rssBytes();
    const k = addresses.a.length;
    for (let i = 0; i < calls; i++) {
      const c = await allocator.allocate(addresses.a[i % k]!, addresses.b[i % k]!);
      ids.push(c.id);
      targets.push({ a: c.a, b: c.b });
    }
    const rssAfter = allocator.rssBytes();
    const forwardedBefore = (await allocator.forwarded?.()) ?? null;
    const cpuBefore = allocator.cpuMicros();
    const machineBefore = machineBusySeconds();
    const t0 = performance.now();
    const result = await options.generator.run(
      { calls: targets, durationMs: options.durationMs, warmupMs: options.warmupMs },
      (p) => options.onProgress?.({ ...p, calls }),
    );
    const wallMs = performance.now() - t0;
    const machineAfter = machineBusySeconds();
    const cpu = (allocator.cpuMicros() - cpuBefore) / 1000 / wallMs;
    const machineCpu =
      machineBefore === null || machineAfter === null
        ? null
        : ((machineAfter - machineBefore) * 1000) / wallMs;
    const generatorCpu = result.cpuMs / wallMs;
    const forwardedAfter = (await allocator.forwarded?.()) ?? null;
    const seconds = options.durationMs / 1000;
    const maxLoss = options.criteria?.maxLossRatio ?? 0.001;
    const maxP99 = options.criteria?.maxP99Ms ?? 20;
    return {
      relay: allocator.name,
      calls,
      seconds,
      offeredPps: result.sent / seconds,
      deliveredPps: result.received / seconds,
      forwardedPps:
        forwardedBefore === null || forwardedAfter === null
          ? null
          : (forwardedAfter - forwardedBefore) / seconds,
      lossRatio: result.lossRatio,
      callsCarried: result.callsCarried,
      latencyMs: result.latencyMs,
      relayCpu: cpu,
      relayRssBytes: allocator.rssBytes(),
      setupBytesPerCall: calls === 0 ? 0 : Math.max(0, rssAfter - rssBefore) / calls,
      generator: {
        cpu: generatorCpu,
        maxLagMs: result.maxLagMs,
        foreign: result.foreign,
      },
      machineCpu,
      otherCpu: machineCpu === null ? null : Math.max(0, machineCpu - cpu - generatorCpu),
      held:
        result.lossRatio < maxLoss &&
        result.latencyMs.p99 < maxP99 &&
        result.callsCarried === calls,
    };
  } finally {
    for (const id of ids) {
      try {
        await allocator.release(id);
      } catch {
        // Best effort: the relay may already have dropped the call.
      }
    }
  }
}

/**
 * Busy CPU time of the whole machine so far, in seconds, from the first line of /proc/stat
 * (user, nice, system, irq, softirq and steal jiffies at 100 per second); null when
 * /proc/stat cannot be read.
 */
export function machineBusySeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + (f[7] ?? 0);
    return busy / 100;
  } catch {
    return null;
  }
}

/** Options of {@link findMaxHeld}. */
export interface RampOptions extends Omit<LoadLevelOptions, 'calls' | 'onProgress'> {
  /** First level, in calls (default 100). */
  readonly startCalls?: number | undefined;
  /** Upper bound, in calls (default 2000). */
  readonly maxCalls?: number | undefined;
  /** Stop refining when the held/failed bracket is this narrow, in calls (default 25). */
  readonly resolutionCalls?: number | undefined;
  /** Most levels run (default 12). */
  readonly maxLevels?: number | undefined;
  readonly onLevel?: ((r: LoadLevelResult) => void) | undefined;
  readonly onProgress?: LoadLevelOptions['onProgress'];
  /**
   * A level that failed while other processes used more than this much CPU (in cores) is
   * run again, at most `contendedRetries` times (defaults 0.2 and 2): on a shared machine,
   * a failure under contention says little about the relay.
   */
  readonly contendedCpu?: number | undefined;
  readonly contendedRetries?: number | undefined;
  /** Awaited before every level (for example: wait until the machine is quiet). */
  readonly beforeLevel?: (() => Promise<unknown>) | undefined;
}

/** Result of a ramp. */
export interface RampResult {
  /** Most calls held, 0 when not even the first level held. */
  readonly maxHeldCalls: number;
  /** Packets per second offered at that level. */
  readonly maxHeldPps: number;
  readonly levels: readonly LoadLevelResult[];
}

/**
 * Finds the largest number of calls held: doubles from `startCalls` until a level fails,
 * then bisects the bracket. Bounded by `maxLevels` and `maxCalls`.
 */
export async function findMaxHeld(options: RampOptions): Promise<RampResult> {
  const levels: LoadLevelResult[] = [];
  const maxCalls = options.maxCalls ?? 2000;
  const resolution = options.resolutionCalls ?? 25;
  const maxLevels = options.maxLevels ?? 12;
  let held = 0;
  let failed = maxCalls + 1;
  let next = Math.min(options.startCalls ?? 100, maxCalls);
  while (levels.length < maxLevels && failed - held > resolution && next > held && next < failed) {
    await options.beforeLevel?.();
    let r = await runLoadLevel({ ...options, calls: next });
    levels.push(r);
    options.onLevel?.(r);
    for (let retry = 0; retry < (options.contendedRetries ?? 2); retry++) {
      if (r.held || r.otherCpu === null || r.otherCpu <= (options.contendedCpu ?? 0.2)) {
        break;
      }
      await options.beforeLevel?.();
      r = await runLoadLevel({ ...options, calls: next });
      levels.push(r);
      options.onLevel?.(r);
    }
    if (r.held) {
      held = next;
      next = failed > maxCalls ? Math.min(maxCalls, next * 2) : Math.floor((held + failed) / 2);
      if (held === maxCalls) {
        break;
      }
    } else {
      failed = next;
      next = Math.floor((held + failed) / 2);
    }
  }
  return {
    maxHeldCalls: held,
    maxHeldPps: held * 2 * PACKETS_PER_SECOND,
    levels,
  };
}
