/**
 * The time source every component takes from its owner, so that tests can drive time by hand.
 *
 * This file must not know who reads the time nor what for; nothing here keeps timers.
 */
/** Time source, injected so that tests can drive time by hand. */
export interface Clock {
  /** Milliseconds since an arbitrary origin, monotonic, with sub-millisecond resolution. */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch (for reports only). */
  wallNow(): number;
}

/** The real clock: `performance.now()` for intervals, `Date.now()` for reports. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
};
