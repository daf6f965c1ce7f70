import type { Call } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import { decideCall, type CallDecision, type DecideOptions } from './decide.js';
import { Ledger } from './ledger.js';

/** A call's decision and the ledger right after the call started. */
export interface TimelineEntry {
  readonly call: Call;
  readonly decision: CallDecision;
  /** Calls that ended before this one started (their bandwidth was released first). */
  readonly releasedBefore: readonly string[];
  readonly ledgerAfter: ReturnType<Ledger['snapshot']>;
  readonly channelsAfter: ReturnType<Ledger['channelSnapshot']>;
}

export interface TimelineResult {
  readonly entries: readonly TimelineEntry[];
  /** The ledger once every call has ended: empty when every reservation was released. */
  readonly ledgerAtEnd: ReturnType<Ledger['snapshot']>;
}

/**
 * Plays the call timeline in time order against one ledger, without sockets: each call is
 * decided when it starts, holds what it reserved for its duration, and releases it at its end.
 * A call ending at the instant another starts is released first. Ties in start time keep the
 * order of the file.
 */
export function runTimeline(topo: Topology, options: DecideOptions = {}): TimelineResult {
  const ledger = new Ledger();
  const calls = [...topo.scenario.calls].sort((a, b) => a.atMs - b.atMs || a.index - b.index);
  const ends: { at: number; id: string }[] = [];
  const entries: TimelineEntry[] = [];
  for (const call of calls) {
    const released: string[] = [];
    ends.sort((a, b) => a.at - b.at);
    while (ends.length > 0 && (ends[0]?.at ?? Infinity) <= call.atMs) {
      const e = ends.shift();
      if (e && ledger.holds(e.id)) {
        ledger.release(e.id);
        released.push(e.id);
      }
    }
    const decision = decideCall(topo, call, ledger, options);
    if (decision.holding.reservations.length > 0 || decision.holding.channels.length > 0) {
      ledger.reserve(call.id, decision.holding);
      ends.push({ at: call.atMs + call.durationMs, id: call.id });
    }
    entries.push({ call, decision, releasedBefore: released, ledgerAfter: ledger.snapshot(), channelsAfter: ledger.channelSnapshot() });
  }
  for (const e of ends) {
    if (ledger.holds(e.id)) {
      ledger.release(e.id);
    }
  }
  return { entries, ledgerAtEnd: ledger.snapshot() };
}
