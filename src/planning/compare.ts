/**
 * Media bypass on and off, side by side: the same calls decided with the scenario's media
 * bypass settings and with bypass switched off (`MediaBypassSettings.Enabled` false), without
 * sockets. For each side: the decisions, per Mediation Server the calls and RTP streams it
 * relays (with the packets they carry and the peak of relayed calls at once), per constrained
 * link the kbps reserved (peak at once, and in total), and the calls refused or re-routed.
 * The relay's CPU is estimated from the relay benchmark's figure per packet; `compare --live`
 * measures it. It must not know sockets or how the comparison is shown.
 */
import { runTimeline, type CallDecision } from '../policy/index.js';
import type { Call, Decision, Modality, Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { diffTimelines, type DiffResult } from './diff.js';

/**
 * RTP packets a relayed call sends through the Mediation Server per second: two streams (one
 * from each side) of one packet per 20 ms, which every codec of the model uses.
 */
export const RELAYED_PACKETS_PER_CALL_SECOND = 100;

/**
 * CPU time the relay spends per packet, µs: 19 % of a core at 20,000 packets/s on the batched
 * I/O path (docs/performance.md). An estimate for planning; `compare --live` measures.
 */
export const RELAY_CPU_US_PER_PACKET = 9.5;

/** What one Mediation Server relays. */
export interface RelayLoad {
  readonly mediationServer: string;
  /** Calls whose media it relays (a PSTN re-route through two trunks may count twice). */
  readonly relayedCalls: number;
  /** RTP streams it receives and forwards: two per relayed call. */
  readonly relayedStreams: number;
  /** Packets those streams carry over the calls' durations. */
  readonly packets: number;
  /** The most calls it relays at once. */
  readonly peakCalls: number;
  /** The estimated relay CPU at that peak, share of one core. */
  readonly peakCpu: number;
}

/** What one constrained link and modality reserved. */
export interface LinkLoad {
  readonly link: string;
  readonly modality: Modality;
  /** The most kbps reserved at once. */
  readonly peakKbps: number;
  /** Calls that reserved bandwidth on it. */
  readonly calls: number;
  /** Kbps reserved summed over calls. */
  readonly totalKbps: number;
}

/** One side of the comparison. */
export interface CompareSide {
  readonly bypassEnabled: boolean;
  readonly decisions: Readonly<Partial<Record<Decision, number>>>;
  readonly bypassed: number;
  /** Calls refused outright (REJECTED). */
  readonly refused: number;
  /** Calls carried another way after a CAC refusal (CAC-REROUTED-*). */
  readonly rerouted: number;
  readonly relays: readonly RelayLoad[];
  readonly links: readonly LinkLoad[];
}

/** Bypass as configured against bypass off. */
export interface BypassComparison {
  readonly calls: number;
  readonly configured: CompareSide;
  readonly off: CompareSide;
  /** The calls whose outcome differs (only when details were asked for). */
  readonly diff: DiffResult | null;
}

/** The scenario with media bypass switched off, everything else as it is. */
export function withoutBypass(s: Scenario): Scenario {
  const nc = s.networkConfiguration;
  return {
    ...s,
    networkConfiguration: {
      ...nc,
      mediaBypassSettings: { ...nc.mediaBypassSettings, enabled: false },
    },
  };
}

/**
 * Decides the calls with bypass as configured and with bypass off. With `details`, the calls
 * whose outcome differs are listed too (traces on: for a timeline, not a busy hour).
 */
export function compareBypass(
  scenario: Scenario,
  calls: readonly Call[] = scenario.calls,
  options: { readonly details?: boolean } = {},
): BypassComparison {
  const details = options.details ?? false;
  const run = (s: Scenario): { side: CompareSide; entries: ReturnType<typeof runTimeline> } => {
    const played = { ...s, calls };
    const tally = new SideTally(played);
    const entries = runTimeline(new Topology(played), {
      trace: details,
      snapshots: details,
      retain: details,
      onEntry: (e) => {
        tally.add(e.call, e.decision);
      },
    });
    return { side: tally.side(s.networkConfiguration.mediaBypassSettings.enabled), entries };
  };
  const configured = run(scenario);
  const off = run(withoutBypass(scenario));
  return {
    calls: calls.length,
    configured: configured.side,
    off: off.side,
    diff: details ? diffTimelines(configured.entries, off.entries) : null,
  };
}

/** An interval something is held over, and what. */
interface Held {
  readonly start: number;
  readonly end: number;
  readonly amount: number;
}

/** Counts one side as its calls are decided. */
class SideTally {
  readonly #ms: ReadonlySet<string>;
  readonly #decisions: Partial<Record<Decision, number>> = {};
  readonly #relays = new Map<string, { calls: number; packets: number; held: Held[] }>();
  readonly #links = new Map<
    string,
    { link: string; modality: Modality; calls: number; total: number; held: Held[] }
  >();

  constructor(s: Scenario) {
    this.#ms = new Set(s.hosts.mediationServers.map((m) => m.name));
    for (const m of s.hosts.mediationServers) {
      this.#relays.set(m.name, { calls: 0, packets: 0, held: [] });
    }
  }

  add(call: Call, d: CallDecision): void {
    this.#decisions[d.decision] = (this.#decisions[d.decision] ?? 0) + 1;
    const start = call.atMs;
    const end = call.atMs + call.durationMs;
    for (const hop of d.mediaPath) {
      const r = this.#ms.has(hop) ? this.#relays.get(hop) : undefined;
      if (r) {
        r.calls++;
        r.packets += (RELAYED_PACKETS_PER_CALL_SECOND * call.durationMs) / 1000;
        r.held.push({ start, end, amount: 1 });
      }
    }
    const perLink = new Map<string, number>();
    for (const res of d.holding.reservations) {
      const key = `${res.link}|${res.modality}`;
      perLink.set(key, (perLink.get(key) ?? 0) + res.kbps);
      let l = this.#links.get(key);
      if (!l) {
        l = { link: res.link, modality: res.modality, calls: 0, total: 0, held: [] };
        this.#links.set(key, l);
      }
      l.total += res.kbps;
    }
    for (const [key, kbps] of perLink) {
      const l = this.#links.get(key);
      if (l) {
        l.calls++;
        l.held.push({ start, end, amount: kbps });
      }
    }
  }

  side(bypassEnabled: boolean): CompareSide {
    const count = (pred: (d: string) => boolean): number =>
      Object.entries(this.#decisions)
        .filter(([d]) => pred(d))
        .reduce((s, [, n]) => s + (n ?? 0), 0);
    return {
      bypassEnabled,
      decisions: { ...this.#decisions },
      bypassed: count((d) => d === 'BYPASS'),
      refused: count((d) => d === 'REJECTED'),
      rerouted: count((d) => d.startsWith('CAC-REROUTED')),
      relays: [...this.#relays.entries()]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([name, r]) => {
          const peak = peakOf(r.held);
          return {
            mediationServer: name,
            relayedCalls: r.calls,
            relayedStreams: 2 * r.calls,
            packets: Math.round(r.packets),
            peakCalls: peak,
            peakCpu: (peak * RELAYED_PACKETS_PER_CALL_SECOND * RELAY_CPU_US_PER_PACKET) / 1e6,
          };
        }),
      links: [...this.#links.values()]
        .sort((a, b) => a.link.localeCompare(b.link) || a.modality.localeCompare(b.modality))
        .map((l) => ({
          link: l.link,
          modality: l.modality,
          peakKbps: Math.round(peakOf(l.held) * 10) / 10,
          calls: l.calls,
          totalKbps: Math.round(l.total * 10) / 10,
        })),
    };
  }
}

/** The most held at once; a release at the instant of a start comes first (as in the ledger). */
function peakOf(held: readonly Held[]): number {
  const events: [number, number][] = [];
  for (const h of held) {
    events.push([h.start, h.amount], [h.end, -h.amount]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of events) {
    now += d;
    if (now > peak) {
      peak = now;
    }
  }
  return peak;
}
