/**
 * One coarse interval timer shared by many subscribers, in place of a timer per object.
 *
 * Subscribers are kept in an array; a tick calls each one with the current clock time. The
 * interval is unreferenced so that an idle ticker never keeps the process alive; the
 * objects ticked are expected to hold their own sockets open while they run.
 */
import type { Clock } from '../core/index.js';

/** Something driven by a {@link CoarseTicker}. */
export interface Tickable {
  /** Called on every tick with the clock time in milliseconds. Must not throw. */
  onTick(now: number): void;
}

/** A shared coarse ticker. */
export class CoarseTicker {
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #subscribers: Tickable[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #tick = (): void => {
    const now = this.#clock.now();
    // Iterate over a bounded snapshot length: subscribers added during the tick wait for
    // the next one, removed ones are skipped by the index check.
    const n = this.#subscribers.length;
    for (let i = 0; i < n && i < this.#subscribers.length; i++) {
      this.#subscribers[i]!.onTick(now);
    }
  };

  /**
   * @param intervalMs - Tick period in milliseconds (at least 1).
   * @param clock - Time source.
   * @throws RangeError when `intervalMs` is below 1.
   */
  constructor(intervalMs: number, clock: Clock) {
    if (!(intervalMs >= 1)) {
      throw new RangeError(`ticker interval must be at least 1 ms, got ${intervalMs}`);
    }
    this.#intervalMs = intervalMs;
    this.#clock = clock;
  }

  /** Number of subscribers. */
  get size(): number {
    return this.#subscribers.length;
  }

  /** Adds a subscriber; the timer starts with the first one. */
  add(subscriber: Tickable): void {
    if (this.#subscribers.includes(subscriber)) {
      return;
    }
    this.#subscribers.push(subscriber);
    if (this.#timer === undefined) {
      this.#timer = setInterval(this.#tick, this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** Removes a subscriber; the timer stops with the last one. */
  remove(subscriber: Tickable): void {
    const index = this.#subscribers.indexOf(subscriber);
    if (index >= 0) {
      this.#subscribers.splice(index, 1);
    }
    if (this.#subscribers.length === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Runs one tick now (for tests with a fake clock). */
  tickNow(): void {
    this.#tick();
  }
}
