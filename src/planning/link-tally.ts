/**
 * What a busy-hour simulation counts on one constrained link and modality: the calls offered
 * to it (checked against it) and those it refused, per batch of the measured window; where
 * the refused calls went (the Internet path, the PSTN, voice mail, rejected, or admitted by
 * an override); the offered load per bandwidth class; and, over time within the window, the
 * calls and kbps it held (mean, peak, time at each level for the percentile). It must not
 * know how calls are made or decided.
 */
import type { Modality } from '../scenario/index.js';
import type { TrafficClass } from './erlang-b.js';

/** Where a call refused by a link ended up. */
export type RefusedOutcome = 'internet' | 'pstn' | 'voicemail' | 'rejected' | 'override';

/** Counts of the refused calls of a link, by where they went. */
export type OutcomeCounts = Record<RefusedOutcome, number>;

/** The tallies of one link and modality. */
export class LinkTally {
  readonly link: string;
  readonly modality: Modality;
  /** The limit, as the link checks said (kbps); null when unlimited or never checked. */
  limitKbps: number | null = null;
  sessionLimitKbps: number | null = null;
  offered = 0;
  blocked = 0;
  /** Calls of the window that held bandwidth on the link. */
  carried = 0;
  /** Sum of the holding times of the offered calls, ms. */
  offeredHoldMs = 0;
  readonly batchOffered: Float64Array;
  readonly batchBlocked: Float64Array;
  readonly outcomes: OutcomeCounts = {
    internet: 0,
    pstn: 0,
    voicemail: 0,
    rejected: 0,
    override: 0,
  };
  /** Offered load per bandwidth (0.1 kbps units): holding ms and calls. */
  readonly #classes = new Map<number, { holdMs: number; calls: number }>();
  /** The last call that was offered, refused or counted here (one count per call). */
  offeredStamp = -1;
  blockedStamp = -1;
  heldStamp = -1;
  /** In use now. */
  kbps = 0;
  calls = 0;
  #lastT = 0;
  #areaCalls = 0;
  #areaKbps = 0;
  #peakKbps = 0;
  #peakCalls = 0;
  /** Time (ms) spent at each level of use, in 0.1 kbps. */
  readonly timeAt = new Map<number, number>();
  readonly #from: number;
  readonly #to: number;

  /**
   * @param from - Start of the measured window, ms.
   * @param to - End of the measured window, ms.
   */
  constructor(link: string, modality: Modality, batches: number, from: number, to: number) {
    this.link = link;
    this.modality = modality;
    this.batchOffered = new Float64Array(batches);
    this.batchBlocked = new Float64Array(batches);
    this.#from = from;
    this.#to = to;
  }

  /** A call of the window was checked against the link, asking `kbps` for `holdMs`. */
  offer(batch: number, kbps: number, holdMs: number): void {
    this.offered++;
    this.offeredHoldMs += holdMs;
    this.batchOffered[batch] = (this.batchOffered[batch] ?? 0) + 1;
    const key = Math.round(kbps * 10);
    const c = this.#classes.get(key);
    if (c) {
      c.holdMs += holdMs;
      c.calls++;
    } else {
      this.#classes.set(key, { holdMs, calls: 1 });
    }
  }

  /** A call of the window was refused by the link. */
  block(batch: number): void {
    this.blocked++;
    this.batchBlocked[batch] = (this.batchBlocked[batch] ?? 0) + 1;
  }

  /**
   * The use of the link changes at `t` by `dKbps` and `dCalls`; the time since the last change
   * is counted at the level it was at (the part of it within the window).
   */
  change(t: number, dKbps: number, dCalls: number): void {
    this.advance(t);
    const k = this.kbps + dKbps;
    this.kbps = Math.abs(k) < 1e-9 ? 0 : k;
    this.calls += dCalls;
  }

  /** Counts the time up to `t` at the current level. */
  advance(t: number): void {
    if (t <= this.#lastT) {
      return;
    }
    const dt = Math.min(t, this.#to) - Math.max(this.#lastT, this.#from);
    if (dt > 0) {
      this.#areaCalls += this.calls * dt;
      this.#areaKbps += this.kbps * dt;
      if (this.kbps > this.#peakKbps) {
        this.#peakKbps = this.kbps;
      }
      if (this.calls > this.#peakCalls) {
        this.#peakCalls = this.calls;
      }
      const key = Math.round(this.kbps * 10);
      this.timeAt.set(key, (this.timeAt.get(key) ?? 0) + dt);
    }
    this.#lastT = t;
  }

  /** The mean number of calls held over the window (the carried load, Erlangs). */
  get carriedErlangs(): number {
    return this.#areaCalls / (this.#to - this.#from);
  }

  /** The mean kbps held over the window. */
  get meanKbps(): number {
    return this.#areaKbps / (this.#to - this.#from);
  }

  /** The most kbps held at once within the window. */
  get peakKbps(): number {
    return this.#peakKbps;
  }

  /** The most calls held at once within the window. */
  get peakCalls(): number {
    return this.#peakCalls;
  }

  /** The offered load per bandwidth class, Erlangs over the window. */
  classes(): TrafficClass[] {
    const window = this.#to - this.#from;
    return [...this.#classes.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([key, c]) => ({ kbps: key / 10, erlangs: c.holdMs / window, calls: c.calls }));
  }
}
