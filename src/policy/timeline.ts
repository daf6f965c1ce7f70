/**
 * The call timeline of a scenario played without sockets: each call is decided by the
 * Bandwidth Policy Service when it starts and releases what it holds when it ends, in time
 * order; a transferred call carries on as a call of its own from its transfer time (b.5 #39);
 * and, when the scenario asks for a contrast deployment, the same timeline is played under it
 * too (g). It must not know how a call is decided, nor about SIP or media.
 */
import type { Call, DeploymentKind } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import { PolicyService } from './bandwidth-policy-service.js';
import type { CallDecision, DecideOptions } from './call-decision.js';
import type { Ledger } from './ledger.js';
import { transferCallOf } from './trunk-behaviour.js';

/** A call's decision and the ledger right after the call started. */
export interface TimelineEntry {
  readonly call: Call;
  readonly decision: CallDecision;
  /** Calls that ended before this one started (their bandwidth was released first). */
  readonly releasedBefore: readonly string[];
  readonly ledgerAfter: ReturnType<Ledger['snapshot']>;
  readonly channelsAfter: ReturnType<Ledger['channelSnapshot']>;
  /**
   * When what the call holds is released, ms from the start of the run: its end, or earlier
   * when it is transferred (b.5 #39) or torn down for want of RTCP (b.5 #40).
   */
  readonly endsAtMs: number;
}

export interface TimelineResult {
  readonly entries: readonly TimelineEntry[];
  /** The ledger once every call has ended: empty when every reservation was released. */
  readonly ledgerAtEnd: ReturnType<Ledger['snapshot']>;
  /**
   * The part of each transferred call after its transfer (b.5 #39), decided at the transfer
   * time against the ledger as it is then; `call.transferOf` names the call it comes from.
   */
  readonly transfers: readonly TimelineEntry[];
  /** Every call decided again under the scenario's contrast deployment (g); null without one. */
  readonly contrast: {
    readonly deployment: DeploymentKind;
    readonly result: TimelineResult;
  } | null;
}

/** Options of {@link runTimeline}. */
export type TimelineOptions = DecideOptions & {
  /** Record the ledger after each call (for reports). Default true. */
  snapshots?: boolean;
  /** Keep every entry in the result (default true); off, a BPS-like run keeps nothing. */
  retain?: boolean;
  onEntry?: (entry: TimelineEntry) => void;
  /** Also play the timeline under the scenario's contrast deployment, if any (default true). */
  contrast?: boolean;
};

/**
 * Plays the call timeline in time order against one ledger, without sockets: each call is
 * decided when it starts, holds what it reserved until its end, and releases it then. A call
 * with a transfer releases at the transfer time, and the part after it is decided then and
 * holds until the call's end (b.5 #39); a call torn down for want of RTCP ends early (b.5 #40).
 * At one instant, ends come before transfers, and transfers before starts. Ties in start time
 * keep the order of the file.
 */
export function runTimeline(topo: Topology, options: TimelineOptions = {}): TimelineResult {
  // The timeline keeps its own entries; the service keeps no decisions.
  const service = new PolicyService(topo, {
    ...options,
    keepDecisions: false,
  });
  const snapshots = options.snapshots ?? true;
  const retain = options.retain ?? true;
  const calls = [...topo.scenario.calls].sort((a, b) => a.atMs - b.atMs || a.index - b.index);
  const ends = new EndQueue();
  /** Transfers still to come, by time then timeline order (rare: a plain sorted list). */
  const pending: PendingTransfer[] = [];
  const entries: TimelineEntry[] = [];
  const transfers: TimelineEntry[] = [];
  /** Releases what ends by `t`, then runs the transfers due by `t` in time order. */
  const advance = (t: number, released: string[]): void => {
    for (let next = pending[0]; next !== undefined && next.at <= t; next = pending[0]) {
      releaseUntil(service, ends, next.at, released);
      pending.shift();
      if (service.release(next.id)) {
        released.push(next.id);
      }
      const part = next.part;
      const d = service.decide(part);
      const end = endOf(part, d);
      if (service.holds(part.id)) {
        ends.push({ at: end, seq: part.index, id: part.id });
      }
      if (retain) {
        transfers.push({
          call: part,
          decision: d,
          releasedBefore: [],
          ledgerAfter: snapshots ? service.snapshot() : [],
          channelsAfter: snapshots ? service.channelSnapshot() : [],
          endsAtMs: end,
        });
      }
    }
    releaseUntil(service, ends, t, released);
  };
  for (const call of calls) {
    const released: string[] = [];
    if (pending.length === 0) {
      for (let e = ends.popUntil(call.atMs); e !== undefined; e = ends.popUntil(call.atMs)) {
        service.release(e.id);
        released.push(e.id);
      }
    } else {
      advance(call.atMs, released);
    }
    const decision = service.decide(call);
    let end = decision.rtcp === null ? call.atMs + call.durationMs : endOf(call, decision);
    const part = call.transfer ? transferCallOf(call, decision) : null;
    if (part !== null && part.atMs < end) {
      end = part.atMs;
      insertTransfer(pending, { at: part.atMs, seq: call.index, id: call.id, part });
    } else if (service.holds(call.id)) {
      ends.push({ at: end, seq: call.index, id: call.id });
    }
    const entry: TimelineEntry = {
      call,
      decision,
      releasedBefore: released,
      ledgerAfter: snapshots ? service.snapshot() : [],
      channelsAfter: snapshots ? service.channelSnapshot() : [],
      endsAtMs: end,
    };
    options.onEntry?.(entry);
    if (retain) {
      entries.push(entry);
    }
  }
  advance(Infinity, []);
  return {
    entries,
    ledgerAtEnd: service.snapshot(),
    transfers,
    contrast: contrastOf(topo, options),
  };
}

/** A transfer to come: at `at` the call `id` releases, and `part` is decided. */
interface PendingTransfer {
  readonly at: number;
  readonly seq: number;
  readonly id: string;
  readonly part: Call;
}

/** Inserts a transfer in time order, then timeline order. */
function insertTransfer(list: PendingTransfer[], t: PendingTransfer): void {
  let i = list.length;
  while (i > 0) {
    const prev = list[i - 1];
    if (prev === undefined || prev.at < t.at || (prev.at === t.at && prev.seq <= t.seq)) {
      break;
    }
    i--;
  }
  list.splice(i, 0, t);
}

/** Releases every call that ends by `t`, in order, noting each. */
function releaseUntil(service: PolicyService, ends: EndQueue, t: number, released: string[]): void {
  for (let e = ends.popUntil(t); e !== undefined; e = ends.popUntil(t)) {
    service.release(e.id);
    released.push(e.id);
  }
}

/** The timeline under the contrast deployment, when the scenario has one and it is wanted. */
function contrastOf(topo: Topology, options: TimelineOptions): TimelineResult['contrast'] {
  const other = topo.scenario.deployment.contrast;
  if (other === null || options.contrast === false || options.deployment !== undefined) {
    return null;
  }
  const { onEntry: _ignored, ...rest } = options;
  return {
    deployment: other,
    result: runTimeline(topo, { ...rest, deployment: other, contrast: false }),
  };
}

/** When a call ends: its duration, or earlier when RTCP supervision tears it down (b.5 #40). */
function endOf(call: Call, d: CallDecision): number {
  const full = call.atMs + call.durationMs;
  const teardown = d.rtcp === null ? null : d.rtcp.teardownAfterMs;
  return teardown === null ? full : Math.min(full, call.atMs + call.answerAfterMs + teardown);
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
