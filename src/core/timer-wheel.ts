/**
 * One coarse timer for many timeouts: a hashed timer wheel (as undici's fast timers and the
 * kernel's timer wheel), in place of a `setTimeout` per object. A SIP stack arms and cancels
 * several timers per transaction (retransmission, timeout, the wait of a finished
 * transaction); with a wheel, arming is a list insertion, cancelling an unlink, and one
 * interval drives them all.
 *
 * ```
 *   slots (power of two), each a list of timers due at ticks t, t + slots, t + 2*slots, ...
 *   [0] -> A -> B      a tick t visits slot t & (slots - 1) and fires the timers due by t;
 *   [1]                the others there wait for a later turn of the wheel
 *   [2] -> C
 *   ...
 * ```
 *
 * A timer never fires early: it fires on the first tick at or after its deadline, so at most
 * one tick late (plus whatever the event loop is late by). Each timer is an object its owner
 * creates once and re-arms as often as it likes, so that arming allocates nothing.
 *
 * This file must not know who sets timers nor what for.
 */
import { systemClock, type Clock } from './clock.js';

/** Options of a {@link TimerWheel}. */
export interface TimerWheelOptions {
  /** The tick, in milliseconds: the wheel's resolution (10 ms by default). */
  readonly tickMs?: number;
  /** Slots of the wheel, a power of two (4096 by default: 41 s at 10 ms a tick). */
  readonly slots?: number;
  /** The time source (the system clock by default). */
  readonly clock?: Clock;
  /**
   * Drives the ticks itself with an unreferenced interval while a timer is armed (true by
   * default); tests turn it off and call {@link TimerWheel.advance}.
   */
  readonly autoTick?: boolean;
}

/** A timeout on a {@link TimerWheel}, armed and cancelled as often as its owner likes. */
export class WheelTimer {
  /** @internal The tick this timer is due at; -1 when not armed. */
  due = -1;
  /** @internal The neighbours in its slot's list. */
  prev: WheelTimer | null = null;
  next: WheelTimer | null = null;
  readonly #wheel: TimerWheel;
  readonly #callback: () => void;

  /** A timer of `wheel` that calls `callback` when it fires (not armed yet). */
  constructor(wheel: TimerWheel, callback: () => void) {
    this.#wheel = wheel;
    this.#callback = callback;
  }

  /** Whether the timer is armed (and has not fired since). */
  get armed(): boolean {
    return this.due >= 0;
  }

  /** Arms the timer to fire `ms` milliseconds from now; an armed timer is moved. */
  arm(ms: number): void {
    this.#wheel.arm(this, ms);
  }

  /** Disarms the timer; nothing happens when it is not armed. */
  cancel(): void {
    if (this.due >= 0) {
      this.#wheel.cancel(this);
    }
  }

  /** @internal Runs the owner's callback. */
  fire(): void {
    this.#callback();
  }
}

/** A hashed timer wheel: see the file header. */
export class TimerWheel {
  readonly #tickMs: number;
  readonly #slots: number;
  readonly #clock: Clock;
  readonly #auto: boolean;
  readonly #heads: (WheelTimer | null)[];
  readonly #tails: (WheelTimer | null)[];
  /** Clock time of tick 0. */
  readonly #origin: number;
  /** The last tick processed. */
  #tick = 0;
  #size = 0;
  /** The next timer of the slot being walked (kept right when a callback unlinks it). */
  #cursor: WheelTimer | null = null;
  #interval: NodeJS.Timeout | undefined;

  /**
   * @throws RangeError when `tickMs` is below 1 or `slots` is not a power of two.
   */
  constructor(options: TimerWheelOptions = {}) {
    const tickMs = options.tickMs ?? 10;
    const slots = options.slots ?? 4096;
    if (!(tickMs >= 1)) {
      throw new RangeError(`the wheel's tick must be at least 1 ms, got ${tickMs}`);
    }
    if (!Number.isInteger(slots) || slots < 2 || (slots & (slots - 1)) !== 0) {
      throw new RangeError(`the wheel's slots must be a power of two, got ${slots}`);
    }
    this.#tickMs = tickMs;
    this.#slots = slots;
    this.#clock = options.clock ?? systemClock;
    this.#auto = options.autoTick ?? true;
    this.#heads = new Array<WheelTimer | null>(slots).fill(null);
    this.#tails = new Array<WheelTimer | null>(slots).fill(null);
    this.#origin = this.#clock.now();
  }

  /** Timers armed now. */
  get size(): number {
    return this.#size;
  }

  /** The wheel's resolution in milliseconds. */
  get tickMs(): number {
    return this.#tickMs;
  }

  /** A timer of this wheel that calls `callback` when it fires. */
  timer(callback: () => void): WheelTimer {
    return new WheelTimer(this, callback);
  }

  /** @internal Arms `t` to fire `ms` from now. */
  arm(t: WheelTimer, ms: number): void {
    if (t.due >= 0) {
      this.#unlink(t);
    }
    const elapsed = this.#clock.now() - this.#origin;
    if (this.#size === 0) {
      // Nothing is pending: the ticks passed while idle need no visit.
      this.#tick = Math.max(this.#tick, Math.floor(elapsed / this.#tickMs));
    }
    // The first tick at or after the deadline, and never one already processed.
    t.due = Math.max(Math.ceil((elapsed + Math.max(0, ms)) / this.#tickMs), this.#tick + 1);
    const slot = t.due % this.#slots;
    const tail = this.#tails[slot] ?? null;
    t.prev = tail;
    t.next = null;
    if (tail) {
      tail.next = t;
    } else {
      this.#heads[slot] = t;
    }
    this.#tails[slot] = t;
    this.#size++;
    if (this.#auto && this.#interval === undefined) {
      this.#interval = setInterval(() => {
        this.advance();
      }, this.#tickMs);
      this.#interval.unref();
    }
  }

  /** @internal Disarms `t`. */
  cancel(t: WheelTimer): void {
    this.#unlink(t);
    t.due = -1;
    this.#stopIfIdle();
  }

  #unlink(t: WheelTimer): void {
    const slot = t.due % this.#slots;
    if (this.#cursor === t) {
      this.#cursor = t.next;
    }
    if (t.prev) {
      t.prev.next = t.next;
    } else {
      this.#heads[slot] = t.next;
    }
    if (t.next) {
      t.next.prev = t.prev;
    } else {
      this.#tails[slot] = t.prev;
    }
    t.prev = null;
    t.next = null;
    this.#size--;
  }

  #stopIfIdle(): void {
    if (this.#size === 0 && this.#interval !== undefined) {
      clearInterval(this.#interval);
      this.#interval = undefined;
    }
  }

  /**
   * Processes every tick up to the clock's time now: fires the timers due, in the order they
   * were armed within a tick. A callback that throws does not stop the others; the first
   * error is thrown again from a microtask, as a timer's would be.
   */
  advance(): void {
    const target = Math.floor((this.#clock.now() - this.#origin) / this.#tickMs);
    let failure: { readonly error: unknown } | null = null;
    while (this.#tick < target && this.#size > 0) {
      const tick = ++this.#tick;
      let t = this.#heads[tick % this.#slots] ?? null;
      while (t !== null) {
        this.#cursor = t.next;
        if (t.due <= tick) {
          this.#unlink(t);
          t.due = -1;
          try {
            t.fire();
          } catch (e) {
            failure ??= { error: e };
          }
        }
        t = this.#cursor;
      }
      this.#cursor = null;
    }
    if (this.#size === 0) {
      this.#tick = Math.max(this.#tick, target);
    }
    this.#stopIfIdle();
    if (failure !== null) {
      const { error } = failure;
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

let shared: TimerWheel | undefined;

/** The process's wheel (10 ms ticks), made on first use. */
export function sharedTimerWheel(): TimerWheel {
  shared ??= new TimerWheel();
  return shared;
}
