/**
 * The part of normalization that concerns the live run's faults and outside peers: the
 * simulator's timeouts and keep-alives (`simulation`), a host played by a real SIP peer
 * (`external`) and the faults the run injects (`faults`), with every documented default
 * (docs/scenario-format.md). Like `normalize.ts`, it never reports a problem: it reads what it
 * can and falls back to the default.
 *
 * This file must not know zod, YAML positions or the semantic rules.
 */
import { DEFAULT_DEGRADED_RUN_MODE, DEGRADED_RUN_MODES } from './enums.js';
import type { DegradedRunMode, ExternalPeer, Fault, SimulationSettings } from './types.js';

/** The live run's settings of `simulation`, with their defaults. */
export type LiveSimulationSettings = Pick<
  SimulationSettings,
  | 'mediaTimeoutMs'
  | 'rtcpTimeoutMs'
  | 'ringTimeoutMs'
  | 'fastFailoverTimeoutMs'
  | 'keepAliveIntervalMs'
  | 'keepAliveMisses'
  | 'downGatewayStatus'
  | 'degradedRun'
>;

/**
 * The defaults: RTP inactivity 30 s (the simulator's choice, as b.5 #40's 30 s without RTCP),
 * RTCP 30 s (b.5 #40), Timer C 180 s (RFC 3261 16.6: more than 3 minutes), fast failover 10 s
 * (a.10), an OPTIONS keep-alive every 30 s with 3 misses marking a gateway down, 503 for a
 * call routed to it, and a degraded run that fails.
 */
export const LIVE_DEFAULTS: LiveSimulationSettings = {
  mediaTimeoutMs: 30_000,
  rtcpTimeoutMs: 30_000,
  ringTimeoutMs: 180_000,
  fastFailoverTimeoutMs: 10_000,
  keepAliveIntervalMs: 30_000,
  keepAliveMisses: 3,
  downGatewayStatus: 503,
  degradedRun: DEFAULT_DEGRADED_RUN_MODE,
};

/** The live run's `simulation` settings from the parsed YAML, defaults filled in. */
export function liveSimulation(
  sim: Record<string, unknown>,
  durationMs: (value: unknown, fallback: number) => number,
): LiveSimulationSettings {
  const d = LIVE_DEFAULTS;
  return {
    mediaTimeoutMs: durationMs(sim.mediaTimeout, d.mediaTimeoutMs),
    rtcpTimeoutMs: durationMs(sim.rtcpTimeout, d.rtcpTimeoutMs),
    ringTimeoutMs: durationMs(sim.ringTimeout, d.ringTimeoutMs),
    fastFailoverTimeoutMs: durationMs(sim.fastFailoverTimeout, d.fastFailoverTimeoutMs),
    keepAliveIntervalMs: durationMs(sim.keepAliveInterval, d.keepAliveIntervalMs),
    keepAliveMisses: positiveInt(sim.keepAliveMisses, d.keepAliveMisses),
    downGatewayStatus: statusOf(sim.downGatewayStatus, d.downGatewayStatus),
    degradedRun: (DEGRADED_RUN_MODES as readonly string[]).includes(String(sim.degradedRun))
      ? (sim.degradedRun as DegradedRunMode)
      : d.degradedRun,
  };
}

/** A host's `external` map, when given: its SIP port (5060 by default). */
export function externalPeer(value: unknown): { external?: ExternalPeer } {
  if (value === undefined || value === null) {
    return {};
  }
  const o =
    typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  return { external: { sipPort: positiveInt(o.sipPort, 5060) } };
}

/** The `faults` list: partitions between two sites and hosts that stop. */
export function faultsOf(
  value: unknown,
  durationMs: (value: unknown, fallback: number) => number,
): Fault[] {
  const out: Fault[] = [];
  for (const item of Array.isArray(value) ? value : []) {
    const o = item !== null && typeof item === 'object' ? (item as Record<string, unknown>) : {};
    const atMs = durationMs(o.at, 0);
    if (Array.isArray(o.partition)) {
      out.push({
        kind: 'partition',
        atMs,
        durationMs: durationMs(o.duration, 0),
        between: [String(o.partition[0] ?? ''), String(o.partition[1] ?? '')],
      });
    } else {
      out.push({ kind: 'stop', atMs, host: typeof o.stop === 'string' ? o.stop : '' });
    }
  }
  return out;
}

function positiveInt(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : fallback;
}

function statusOf(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 400 && v <= 699 ? v : fallback;
}
