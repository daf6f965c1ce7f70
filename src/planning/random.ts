/**
 * The seeded random numbers of the busy-hour simulation: a small fast generator (sfc32, seeded
 * through splitmix32) and the few draws the simulation needs (uniform, exponential, a pick
 * from a list or by shares). The same seed gives the same draws on every machine. It must not
 * know what the draws are for.
 */

/** A seeded generator of uniform numbers in [0, 1) and the draws built on them. */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** @param seed - Any integer; the same seed gives the same sequence. */
  constructor(seed: number) {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = split();
    this.#b = split();
    this.#c = split();
    this.#d = split();
    for (let i = 0; i < 12; i++) {
      this.next();
    }
  }

  /** A uniform number in [0, 1). */
  next(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.#c = (r + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An exponentially distributed number with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** An element of a non-empty list, each equally likely. */
  pick<T>(list: readonly T[]): T {
    const x = list[Math.floor(this.next() * list.length)] ?? list[0];
    return x as T;
  }

  /**
   * The index drawn by cumulative shares (`[0.5, 0.8, 1]` gives 0 half the time, 1 three times
   * in ten, 2 twice in ten).
   */
  byShares(cumulative: readonly number[]): number {
    const u = this.next() * (cumulative[cumulative.length - 1] ?? 1);
    for (let i = 0; i < cumulative.length; i++) {
      if (u < (cumulative[i] ?? 0)) {
        return i;
      }
    }
    return cumulative.length - 1;
  }
}
