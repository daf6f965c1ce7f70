/**
 * Reproducible randomness for link impairment: seeds derived from a scenario seed and a label,
 * and a small fast generator (xoshiro128**). The same seed gives the same stream on every
 * machine and every run. It must not know links, datagrams or what the numbers are drawn for.
 */

/** The 32-bit finalizer of MurmurHash3: a bijective avalanche mix of one 32-bit word. */
function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Derives an independent 32-bit seed from a scenario seed and a label, for example the
 * direction of a link (`"site-a>site-b"`): FNV-1a over the label's UTF-16 code units,
 * started from the mixed seed, then mixed again.
 *
 * @param seed - Any number; its integer part modulo 2^32 is used.
 * @param label - Distinguishes the streams derived from one seed.
 * @returns An unsigned 32-bit integer.
 */
export function deriveSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ fmix32(Math.trunc(seed) >>> 0)) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/**
 * xoshiro128** 1.0 (Blackman and Vigna, 2018): a fast 32-bit generator with 128 bits of
 * state and period 2^128 - 1. The state is filled from the seed by SplitMix32 (a Weyl
 * sequence with step 0x9e3779b9 passed through {@link fmix32}), so that close seeds give
 * unrelated streams. Not cryptographic.
 */
export class Xoshiro128 {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  /** @param seed - Any number; its integer part modulo 2^32 is used. */
  constructor(seed: number) {
    let weyl = Math.trunc(seed) >>> 0;
    weyl = (weyl + 0x9e3779b9) >>> 0;
    this.#s0 = fmix32(weyl) | 0;
    weyl = (weyl + 0x9e3779b9) >>> 0;
    this.#s1 = fmix32(weyl) | 0;
    weyl = (weyl + 0x9e3779b9) >>> 0;
    this.#s2 = fmix32(weyl) | 0;
    weyl = (weyl + 0x9e3779b9) >>> 0;
    this.#s3 = fmix32(weyl) | 0;
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) {
      // The all-zero state is the generator's only fixed point.
      this.#s0 = 1;
    }
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    const s1 = this.#s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9);
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= s1;
    this.#s1 = s1 ^ this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = (this.#s3 << 11) | (this.#s3 >>> 21);
    return result >>> 0;
  }

  /** The next number in [0, 1), with 32 random bits. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }
}
