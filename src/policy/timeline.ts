/**
 * The call timeline of a scenario played without sockets: each call is decided by the
 * Bandwidth Policy Service when it starts and releases what it holds when it ends, in time
 * order. It must not know how a call is decided, nor about SIP or media.
 */
import type { Call } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import { PolicyService } from './bandwidth-policy-service.js';
import type { CallDecision, DecideOptions } from './call-decision.js';
import type { Ledger } from './ledger.js';

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
export function runTimeline(
  topo: Topology,
  options: DecideOptions & {
    /** Record the ledger after each call (for reports). Default true. */
    snapshots?: boolean;
    /** Keep every entry in the result (default true); off, a BPS-like run keeps nothing. */
    retain?: boolean;
    onEntry?: (entry: TimelineEntry) => void;
  } = {},
): TimelineResult {
  // The timeline keeps its own entries; the service keeps no decisions.
  const service = new PolicyService(topo, {
    ...options,
    keepDecisions: false,
  });
  const snapshots = options.snapshots ?? true;
  const retain = options.retain ?? true;
  const calls = [...topo.scenario.calls].sort((a, b) => a.atMs - b.atMs || a.index - b.index);
  const ends = new EndQueue();
  const entries: TimelineEntry[] = [];
  for (const call of calls) {
    const released: string[] = [];
    for (let e = ends.popUntil(call.atMs); e !== undefined; e = ends.popUntil(call.atMs)) {
      service.release(e.id);
      released.push(e.id);
    }
    const decision = service.decide(call);
    if (service.holds(call.id)) {
      ends.push({ at: call.atMs + call.durationMs, seq: call.index, id: call.id });
    }
    const entry: TimelineEntry = {
      call,
      decision,
      releasedBefore: released,
      ledgerAfter: snapshots ? service.snapshot() : [],
      channelsAfter: snapshots ? service.channelSnapshot() : [],
    };
    options.onEntry?.(entry);
    if (retain) {
      entries.push(entry);
    }
  }
  for (let e = ends.popUntil(Infinity); e !== undefined; e = ends.popUntil(Infinity)) {
    service.release(e.id);
  }
  return { entries, ledgerAtEnd: service.snapshot() };
}

interface CallEnd {
  readonly at: number;
  readonly seq: number;
  readonly id: string;
}

/** A binary min-heap of call ends, by time then timeline order. */
class EndQueue {
  readonly #heap: CallEnd[] = [];

  push(e: CallEnd): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(e, h[parent]!)) {
        break;
      }
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = e;
  }

  /** Removes and returns the earliest end at or before `t`, if any. */
  popUntil(t: number): CallEnd | undefined {
    const h = this.#heap;
    const top = h[0];
    if (top === undefined || top.at > t) {
      return undefined;
    }
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let best = last;
        if (l < h.length && before(h[l]!, best)) {
          m = l;
          best = h[l]!;
        }
        if (r < h.length && before(h[r]!, best)) {
          m = r;
        }
        if (m === i) {
          break;
        }
        h[i] = h[m]!;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}

function before(a: CallEnd, b: CallEnd): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
