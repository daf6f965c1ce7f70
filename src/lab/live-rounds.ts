/**
 * The rounds of a live lab: a scenario's timeline placed again and again on hosts that stay up,
 * each round's calls at their times from the round's start, with ids of their own (`c1` in the
 * first round, `c1#2` in the second), until a number of rounds or a duration is reached or the
 * rounds are stopped. One timer at a time: the next call to place.
 *
 * It must not know how a call is placed or carried (it is given `place`), nor which
 * configuration version decides it.
 */
import { InternalError } from '../core/index.js';
import type { Call } from '../scenario/index.js';

/** A call of a round, as it is placed. */
export type RoundCall = Omit<Call, 'id' | 'atMs' | 'index'>;

/** Options of {@link LiveRounds}. */
export interface LiveRoundsOptions {
  /** The timeline repeated (the scenario's calls, by time). */
  readonly calls: readonly Call[];
  /** Rounds to place; `Infinity` until stopped. */
  readonly rounds: number;
  /** No round starts this long (ms) after the first, when given. */
  readonly durationMs?: number;
  /** The pause between the end of a round's timeline (its last call's end) and the next. */
  readonly pauseMs: number;
  /** Places a call now with the id given; returns the id. */
  readonly place: (call: RoundCall, id: string) => string;
  /** A round starts (1 for the first). */
  readonly onRound?: (round: number) => void;
  /** A call could not be placed (it is skipped; the rounds go on). */
  readonly onError?: (id: string, error: unknown) => void;
  /** Milliseconds now (`performance.now()` by default). */
  readonly now?: () => number;
}

/** The id of a timeline call in a round: its own in the first, `<id>#<round>` after. */
export function roundCallId(id: string, round: number): string {
  return round <= 1 ? id : `${id}#${round}`;
}

/** How long one round lasts: from its start to its last call's end, then the pause. */
export function roundPeriodMs(calls: readonly Call[], pauseMs: number): number {
  return Math.max(0, ...calls.map((c) => c.atMs + c.durationMs)) + pauseMs;
}

/** Places the rounds of a timeline until the last one, a duration, or {@link stop}. */
export class LiveRounds {
  readonly #o: LiveRoundsOptions;
  readonly #order: readonly Call[];
  readonly #periodMs: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #t0 = 0;
  #round = 0;
  #next = 0;
  #stopped = false;
  #finished: () => void = () => undefined;
  /** Resolves once the last call of the last round was placed, or the rounds were stopped. */
  readonly placed: Promise<void>;

  constructor(o: LiveRoundsOptions) {
    if (o.rounds < 0 || o.pauseMs < 0) {
      throw new InternalError('rounds and pause must not be negative');
    }
    this.#o = o;
    this.#order = [...o.calls].sort((a, b) => a.atMs - b.atMs || a.index - b.index);
    this.#periodMs = roundPeriodMs(o.calls, o.pauseMs);
    this.#now = o.now ?? (() => performance.now());
    this.placed = new Promise((resolve) => {
      this.#finished = resolve;
    });
  }

  /** The round under way (0 before the first). */
  get round(): number {
    return this.#round;
  }

  /** Milliseconds from one round's start to the next's. */
  get periodMs(): number {
    return this.#periodMs;
  }

  /** Starts the first round now. Once only. */
  start(): void {
    if (this.#round > 0 || this.#stopped) {
      return;
    }
    this.#t0 = this.#now();
    if (this.#order.length === 0 || this.#o.rounds === 0) {
      this.stop();
      return;
    }
    this.#round = 1;
    this.#o.onRound?.(1);
    this.#schedule();
  }

  /** Places no further call. Calls already placed go on. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#finished();
  }

  /** Whether a round is past the last one or the duration. */
  #over(round: number): boolean {
    const startMs = (round - 1) * this.#periodMs;
    return (
      round > this.#o.rounds ||
      (this.#o.durationMs !== undefined && round > 1 && startMs >= this.#o.durationMs)
    );
  }

  /**
   * Places the calls of the round whose time has come, then arms the one timer for the next
   * call of the round (or the next round).
   */
  #schedule(): void {
    for (;;) {
      if (this.#stopped) {
        return;
      }
      const roundStart = this.#t0 + (this.#round - 1) * this.#periodMs;
      const call = this.#order[this.#next];
      if (!call && this.#over(this.#round + 1)) {
        // The last call of the last round is placed: nothing is left to wait for.
        this.stop();
        return;
      }
      const at = call ? roundStart + call.atMs : roundStart + this.#periodMs;
      const wait = at - this.#now();
      if (wait > 0) {
        this.#timer = setTimeout(() => {
          this.#timer = null;
          this.#schedule();
        }, wait);
        return;
      }
      if (call) {
        this.#placeNext(call);
      } else {
        this.#round++;
        this.#next = 0;
        this.#o.onRound?.(this.#round);
      }
    }
  }

  #placeNext(call: Call): void {
    this.#next++;
    const id = roundCallId(call.id, this.#round);
    try {
      // The lab gives the call its id, its time and its place in the run.
      this.#o.place(call, id);
    } catch (e) {
      this.#o.onError?.(id, e);
    }
  }
}
