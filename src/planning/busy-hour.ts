/**
 * The busy-hour simulation: the calls of a scenario's `traffic:` section, in time order,
 * through the real policy engine (the Bandwidth Policy Service with its ledger, its invariant
 * checks and the refusal chain), each holding what it reserved until it ends; no sockets.
 * After a warm-up that fills the links, every call arriving in the measured window is counted
 * on each constrained link it was checked against (offered, refused, where it went), and each
 * link's use is followed over the window. The result gives per link the offered and carried
 * load, the blocking with its confidence interval, the peak and 95th percentile of the kbps
 * in use, and the limit that would meet the target blocking.
 *
 * The simulation advances a given number of calls at a time, so that a caller can show
 * progress and stop it. It must not know sockets, SIP or media, nor how its result is shown.
 */
import { InternalError } from '../core/index.js';
import {
  PolicyService,
  type CallDecision,
  type LedgerCheckCounts,
  type Reservation,
} from '../policy/index.js';
import type { Decision, Modality } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import { EndQueue } from './end-queue.js';
import { limitFor, type LimitAdvice } from './erlang-b.js';
import { LinkTally, type OutcomeCounts, type RefusedOutcome } from './link-tally.js';
import { batchInterval, timePercentile, type Interval } from './statistics.js';
import { TrafficCalls, type ArrivalModel } from './traffic-calls.js';

/** How a busy hour is simulated. */
export interface BusyHourOptions {
  /** Hours measured after the warm-up (default 1). */
  readonly hours?: number;
  /** Warm-up before the measured window, ms (default five times the longest mean holding time). */
  readonly warmupMs?: number;
  /** Arrivals and holding times (default `poisson`: exponential gaps and holding times). */
  readonly model?: ArrivalModel;
  /** Seed (default the section's). */
  readonly seed?: number;
  /** The blocking a recommended limit must meet (default 0.01). */
  readonly targetBlocking?: number;
  /** Two-sided confidence of the blocking's interval (default 0.95). */
  readonly confidence?: number;
  /** Batches the window is cut into for the interval (default 10, at least 5). */
  readonly batches?: number;
}

/** The settings a simulation ran with, every default filled in. */
export interface BusyHourSettings {
  readonly hours: number;
  readonly warmupMs: number;
  readonly model: ArrivalModel;
  readonly seed: number;
  readonly targetBlocking: number;
  readonly confidence: number;
  readonly batches: number;
}

/** What one constrained link and modality saw in the measured window. */
export interface LinkPlan {
  readonly link: string;
  readonly modality: Modality;
  readonly limitKbps: number | null;
  readonly sessionLimitKbps: number | null;
  /** Calls checked against the link. */
  readonly offeredCalls: number;
  /** Their load, Erlangs: their holding times over the window. */
  readonly offeredErlangs: number;
  /** The mean number of calls the link held. */
  readonly carriedErlangs: number;
  /** Calls of the window that held bandwidth on the link. */
  readonly carriedCalls: number;
  /** Calls the link refused. */
  readonly blockedCalls: number;
  readonly blocking: number;
  readonly blockingInterval: Interval;
  readonly peakKbps: number;
  readonly p95Kbps: number;
  readonly meanKbps: number;
  readonly peakCalls: number;
  /** Where the calls it refused went. */
  readonly refused: OutcomeCounts;
  /** The smallest limit meeting the target blocking for the load offered to this link. */
  readonly advice: LimitAdvice | null;
}

/** The outcome of a simulated busy hour. */
export interface BusyHourResult {
  readonly settings: BusyHourSettings;
  /** Calls that arrived in the measured window, and during the warm-up. */
  readonly calls: {
    readonly measured: number;
    readonly warmup: number;
    readonly byDecision: Readonly<Partial<Record<Decision, number>>>;
  };
  /** Calls drawn per stream (warm-up included), in the order of the section. */
  readonly streams: readonly number[];
  readonly links: readonly LinkPlan[];
  /** The ledger's invariant checks over the whole run (the ledger was back at zero at the end). */
  readonly ledger: LedgerCheckCounts;
}

/** Where the simulation is, for a progress line. */
export interface BusyHourProgress {
  readonly simulatedMs: number;
  readonly endMs: number;
  readonly calls: number;
}

/** A call in progress: what it holds, to release at its end. */
interface Held {
  readonly id: string;
  readonly reservations: readonly Reservation[];
}

const REFUSED_OUTCOME: Readonly<Partial<Record<Decision, RefusedOutcome>>> = {
  'CAC-REROUTED-INTERNET': 'internet',
  'CAC-REROUTED-PSTN': 'pstn',
  'CAC-REROUTED-VOICEMAIL': 'voicemail',
  REJECTED: 'rejected',
  'CAC-ADMITTED': 'override',
};

/** A busy hour, simulated a number of calls at a time; see the file comment. */
export class BusyHourSimulation {
  readonly settings: BusyHourSettings;
  readonly #service: PolicyService;
  readonly #traffic: TrafficCalls;
  readonly #ends = new EndQueue<Held>();
  readonly #tallies = new Map<string, { audio?: LinkTally; video?: LinkTally }>();
  readonly #list: LinkTally[] = [];
  readonly #byDecision: Partial<Record<Decision, number>> = {};
  readonly #from: number;
  readonly #to: number;
  readonly #batchMs: number;
  #seq = 0;
  #measured = 0;
  #warmup = 0;
  #now = 0;
  #done = false;

  /**
   * @throws {RangeError} for settings out of range (no hours, a target outside (0, 1], fewer
   *   than five batches).
   * @throws {InternalError} when the scenario has no `traffic:` section.
   */
  constructor(topo: Topology, options: BusyHourOptions = {}) {
    const traffic = topo.scenario.traffic;
    if (traffic === null) {
      throw new InternalError('a busy hour needs the scenario to have a traffic: section');
    }
    const longest = Math.max(0, ...traffic.streams.map((s) => s.holdingMs));
    this.settings = {
      hours: options.hours ?? 1,
      warmupMs: options.warmupMs ?? 5 * longest,
      model: options.model ?? 'poisson',
      seed: options.seed ?? traffic.seed,
      targetBlocking: options.targetBlocking ?? 0.01,
      confidence: options.confidence ?? 0.95,
      batches: options.batches ?? 10,
    };
    const s = this.settings;
    if (!(s.hours > 0) || !(s.warmupMs >= 0) || !Number.isInteger(s.batches) || s.batches < 5) {
      throw new RangeError('hours above 0, a warm-up >= 0 and at least five batches');
    }
    if (
      !(s.targetBlocking > 0 && s.targetBlocking <= 1) ||
      !(s.confidence > 0 && s.confidence < 1)
    ) {
      throw new RangeError('a target blocking in (0, 1] and a confidence in (0, 1)');
    }
    this.#from = s.warmupMs;
    this.#to = s.warmupMs + s.hours * 3_600_000;
    this.#batchMs = (this.#to - this.#from) / s.batches;
    this.#service = new PolicyService(topo, { trace: false, keepDecisions: false });
    this.#traffic = new TrafficCalls(topo, traffic, { model: s.model, seed: s.seed });
  }

  /** Where the simulation is. */
  get progress(): BusyHourProgress {
    return { simulatedMs: this.#now, endMs: this.#to, calls: this.#seq };
  }

  /**
   * Simulates up to `maxCalls` more arrivals; true once the window is over (every call has
   * then ended and the ledger was checked back at zero).
   * @throws {InternalError} when the ledger breaks an invariant (a bug of the engine).
   */
  advance(maxCalls: number): boolean {
    for (let i = 0; i < maxCalls && !this.#done; i++) {
      const at = this.#traffic.nextAt;
      if (at >= this.#to) {
        this.#finish();
        break;
      }
      this.#arrive();
    }
    return this.#done;
  }

  /** Runs to the end. */
  run(): BusyHourResult {
    while (!this.advance(10_000)) {
      // Keep going.
    }
    return this.result();
  }

  /**
   * The result, once done.
   * @throws {InternalError} before the simulation is done.
   */
  result(): BusyHourResult {
    if (!this.#done) {
      throw new InternalError('the busy hour is not over yet');
    }
    const s = this.settings;
    const window = this.#to - this.#from;
    const links = [...this.#list]
      .sort((a, b) => a.link.localeCompare(b.link) || a.modality.localeCompare(b.modality))
      .map((t): LinkPlan => ({
        link: t.link,
        modality: t.modality,
        limitKbps: t.limitKbps,
        sessionLimitKbps: t.sessionLimitKbps,
        offeredCalls: t.offered,
        offeredErlangs: t.offeredHoldMs / window,
        carriedErlangs: t.carriedErlangs,
        carriedCalls: t.carried,
        blockedCalls: t.blocked,
        blocking: t.offered > 0 ? t.blocked / t.offered : 0,
        blockingInterval: batchInterval(t.batchBlocked, t.batchOffered, s.confidence),
        peakKbps: t.peakKbps,
        p95Kbps: timePercentile(t.timeAt, 0.95) / 10,
        meanKbps: t.meanKbps,
        peakCalls: t.peakCalls,
        refused: { ...t.outcomes },
        advice: limitFor(t.classes(), s.targetBlocking),
      }));
    const ledger = this.#service.ledgerChecks();
    if (ledger === null) {
      throw new InternalError('the busy hour runs with the ledger checks on');
    }
    return {
      settings: s,
      calls: {
        measured: this.#measured,
        warmup: this.#warmup,
        byDecision: { ...this.#byDecision },
      },
      streams: this.#traffic.generated,
      links,
      ledger,
    };
  }

  /** One arrival: ends before it released, the call decided, counted and held. */
  #arrive(): void {
    const call = this.#traffic.take();
    const at = call.atMs;
    this.#now = at;
    this.#releaseUntil(at);
    const seq = this.#seq++;
    const d = this.#service.decide(call);
    const inWindow = at >= this.#from;
    if (inWindow) {
      this.#measured++;
      this.#byDecision[d.decision] = (this.#byDecision[d.decision] ?? 0) + 1;
      this.#countChecks(
        d,
        seq,
        Math.min(this.settings.batches - 1, Math.floor((at - this.#from) / this.#batchMs)),
        call.durationMs,
      );
    } else {
      this.#warmup++;
    }
    if (!this.#service.holds(call.id)) {
      return;
    }
    const reservations = d.holding.reservations;
    for (const r of reservations) {
      const t = this.#tally(r.link, r.modality);
      const first = t.heldStamp !== seq;
      if (first) {
        t.heldStamp = seq;
        if (inWindow) {
          t.carried++;
        }
      }
      t.change(at, r.kbps, first ? 1 : 0);
    }
    this.#ends.push({ at: at + call.durationMs, seq, value: { id: call.id, reservations } });
  }

  /** The links a call of the window was checked against, refused by, and where it went. */
  #countChecks(d: CallDecision, seq: number, batch: number, holdMs: number): void {
    const outcome = REFUSED_OUTCOME[d.decision];
    for (const leg of d.legs) {
      for (const lc of leg.links) {
        const t = this.#tally(lc.link, lc.modality);
        t.limitKbps = lc.limitKbps;
        t.sessionLimitKbps = lc.sessionLimitKbps;
        if (t.offeredStamp !== seq) {
          t.offeredStamp = seq;
          t.offer(batch, lc.requestKbps, holdMs);
        }
        if (!lc.ok && t.blockedStamp !== seq) {
          t.blockedStamp = seq;
          t.block(batch);
          if (outcome !== undefined && (outcome !== 'override' || d.reroute?.via === 'override')) {
            t.outcomes[outcome]++;
          }
        }
      }
    }
  }

  /** Releases every call that ended at or before `t`. */
  #releaseUntil(t: number): void {
    for (let e = this.#ends.popUntil(t); e !== undefined; e = this.#ends.popUntil(t)) {
      this.#service.release(e.value.id);
      const stamp = -2 - e.seq;
      for (const r of e.value.reservations) {
        const tally = this.#tally(r.link, r.modality);
        const first = tally.heldStamp !== stamp;
        tally.heldStamp = stamp;
        tally.change(e.at, -r.kbps, first ? -1 : 0);
      }
    }
  }

  /** The window is over: the use counted up to its end, then every call ended and checked. */
  #finish(): void {
    this.#now = this.#to;
    this.#releaseUntil(this.#to);
    for (const t of this.#list) {
      t.advance(this.#to);
    }
    this.#releaseUntil(Infinity);
    for (const t of this.#list) {
      if (t.kbps !== 0 || t.calls !== 0) {
        throw new InternalError(
          `${t.link} ${t.modality} still holds ${t.kbps} kbps for ${t.calls} calls once every call ended`,
        );
      }
    }
    this.#done = true;
  }

  #tally(link: string, modality: Modality): LinkTally {
    let entry = this.#tallies.get(link);
    if (!entry) {
      entry = {};
      this.#tallies.set(link, entry);
    }
    let t = entry[modality];
    if (!t) {
      t = new LinkTally(link, modality, this.settings.batches, this.#from, this.#to);
      entry[modality] = t;
      this.#list.push(t);
    }
    return t;
  }
}
