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
  readonly #subscribers: (Tickable | null)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #holes = 0;
  readonly #tick = (): void => {
    const now = this.#clock.now();
    // Subscribers added during the tick wait for the next one. Subscribers removed during
    // the tick leave a hole (so that no other subscriber shifts and misses its turn), and
    // the holes are closed after the loop.
    const n = this.#subscribers.length;
    this.#ticking = true;
    try {
      for (let i = 0; i < n; i++) {
        this.#subscribers[i]?.onTick(now);
      }
    } finally {
      this.#ticking = false;
      if (this.#holes > 0) {
        this.#holes = 0;
        const live = this.#subscribers.filter((s) => s !== null);
        this.#subscribers.length = 0;
        this.#subscribers.push(...live);
        this.#stopIfIdle();
      }
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
    return this.#subscribers.length - this.#holes;
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
    if (index < 0) {
      return;
    }
    if (this.#ticking) {
      this.#subscribers[index] = null;
      this.#holes++;
      return;
    }
    this.#subscribers.splice(index, 1);
    this.#stopIfIdle();
  }

  #stopIfIdle(): void {
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
