/**
 * Link impairment in user space: delay, jitter, random and burst loss, and a rate limit with a
 * bounded queue, applied to every datagram that crosses an emulated link, reproducibly.
 *
 * The kernel's netem is not available, so this is the only place where delay and loss
 * happen. One {@link LinkEmulator} is one direction of one link. An {@link ImpairedEgress}
 * (a {@link DatagramEgress}) maps each datagram, by source and destination address, to the
 * ordered chain of links it crosses (for example: uplink of site A, region link, uplink of
 * site B) and walks it through them hop by hop.
 *
 * Stages of one hop, in order (`LinkEmulator.decide`):
 *
 * ```
 *  arrival --> burst loss (Gilbert-Elliott) --> random loss --> rate limit + queue --> delay + jitter --> release
 *                    | drop                        | drop              | tail drop         (FIFO, never
 *                    v                             v                   v                   overtakes)
 *               droppedBurst                  droppedRandom       droppedQueue
 * ```
 *
 * - Burst loss: a two-state Markov chain (Good, Bad) that starts in Good. For each datagram
 *   the loss is drawn with the current state's probability (`lossInGood`, `lossInBad`), then
 *   the state moves (Good to Bad with `pGoodToBad`, Bad to Good with `pBadToGood`). The time
 *   spent in Bad is geometric with mean `1 / pBadToGood` datagrams, the stationary share of
 *   Bad is `pGoodToBad / (pGoodToBad + pBadToGood)`, and the long-run loss is
 *   `piGood * lossInGood + piBad * lossInBad`.
 * - Random loss: independent (Bernoulli) with probability `lossPercent / 100`, applied to what
 *   the burst stage let through.
 * - Rate limit: a serializer at `rateKbps`, counting {@link WIRE_OVERHEAD_BYTES} of IPv4 and
 *   UDP header per datagram. It is a token bucket one datagram deep: a datagram starts when
 *   the previous one has finished and leaves `(bytes + 28) * 8 / rateKbps` ms later, so the
 *   delay includes serialization as on a real link. A datagram that would wait more than
 *   `queueMs` before it starts (more than `queueMs` worth of bytes at that rate ahead of it)
 *   is tail-dropped.
 * - Delay and jitter: `delayMs + U(-jitterMs, +jitterMs)`, uniform as in tc-netem's default,
 *   clamped at 0. The link is a FIFO, like a serial line: a datagram is never released
 *   before the previous one, so a sample that would overtake is held until the previous one
 *   leaves. As long as datagrams of a link are spaced by more than `2 * jitterMs` (G.711 at
 *   20 ms with jitter below 10 ms) nothing is held and the delay is exactly uniform; with
 *   denser traffic the clamp shifts delays up and the mean exceeds `delayMs`.
 *
 * Reproducibility: every emulator has two PRNG streams derived from one seed, one for the
 * loss stages and one for jitter, so the datagrams lost depend only on the seed and on the
 * order in which datagrams are offered, not on the delay settings. See {@link deriveSeed}.
 *
 * Release: one coarse `setInterval` ({@link ImpairedEgressOptions.tickMs}, 1 ms by default)
 * runs only while datagrams are held. Each tick releases every datagram whose time has come,
 * from per-link power-of-two rings of preallocated slots (one FIFO per link keeps release
 * times sorted, so only ring heads are checked). The alternative, one `setTimeout` re-armed
 * to the earliest release time, wakes less often at low rates but re-arms a timer per
 * datagram at high ones; a 1 ms interval costs at most 1,000 wake-ups per second while
 * traffic is held (each one a scan of the links' heads, a few microseconds) and releases
 * datagrams up to one tick (plus event-loop latency) late, never early. Measured per-link
 * delays include that lateness.
 *
 * Nothing on the packet path allocates, creates closures or promises, or throws; drops are
 * counted by reason.
 */
import type dgram from 'node:dgram';
import { systemClock, type Clock, type ComponentLogger } from '../core/index.js';
import type { DatagramEgress } from '../core/egress.js';
import type { Impairment } from '../scenario/index.js';

/** IPv4 (20) and UDP (8) header bytes counted per datagram by the rate limit. */
export const WIRE_OVERHEAD_BYTES = 28;

/** Longest chain of links a datagram may cross. */
export const MAX_HOPS = 16;

/** Default ring capacity of a link (datagrams held at once). */
export const DEFAULT_LINK_CAPACITY = 4096;

/** Negative results of {@link LinkEmulator.offer}: why a datagram was dropped. */
export const LinkDrop = {
  /** Independent random loss (`lossPercent`). */
  RANDOM: -1,
  /** Gilbert-Elliott burst loss. */
  BURST: -2,
  /** Tail drop: the rate limiter's queue is full. */
  QUEUE: -3,
} as const;
export type LinkDrop = (typeof LinkDrop)[keyof typeof LinkDrop];

// ---------------------------------------------------------------------------------------------
// Seeded randomness.
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// One direction of one link.
// ---------------------------------------------------------------------------------------------

const EMPTY = Buffer.alloc(0);
const NO_LINKS: readonly LinkEmulator[] = Object.freeze([]);

/**
 * The reusable context a datagram travels in through the links (one per {@link ImpairedEgress}
 * path, never one per datagram), in the manner of rtpengine's packet context. Times travel in
 * its fields rather than as arguments and return values, so that V8 boxes no double per
 * datagram across calls. All fields are set in the constructor.
 */
export class EgressPacket {
  buf: Buffer = EMPTY;
  /** UDP payload length. */
  len = 0;
  socket: dgram.Socket | undefined = undefined;
  port = 0;
  address = '';
  chain: readonly LinkEmulator[] = NO_LINKS;
  /** Index in `chain` of the next link to cross. */
  hop = 0;
  // The time fields start at a fractional value so that V8 gives them a double
  // representation from the start (no field generalization on the first datagram).
  /** Arrival time (clock ms) at the next link. */
  at = 0.5;
  /** Release time decided by {@link LinkEmulator.decide}. */
  releaseAt = 0.5;
  /** The current clock time (ms) of the send or tick in progress. */
  now = 0.5;

  /** Forgets the references it holds. */
  clear(): void {
    this.buf = EMPTY;
    this.socket = undefined;
    this.address = '';
    this.chain = NO_LINKS;
  }
}

/** Options of a {@link LinkEmulator}. */
export interface LinkEmulatorOptions {
  /** The normalized impairment of the link (scenario `links[].impairment`). */
  readonly impairment: Impairment;
  /** Seed of this direction; derive it with {@link deriveSeed}. */
  readonly seed: number;
  /** A name for reports, for example `"site-a>site-b"`. */
  readonly name?: string;
  /** Datagrams held at once (power of two); more are dropped as `droppedOverflow`. Default 4096. */
  readonly capacity?: number;
}

/** Delay statistics of one link, from arrival to hand-off, in milliseconds. */
export interface LinkDelayStats {
  readonly count: number;
  readonly meanMs: number;
  /** Population standard deviation. */
  readonly stdMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/**
 * Counters of one link direction. Always
 * `offered = delivered + droppedRandom + droppedBurst + droppedQueue + droppedOverflow + flushed + pending`.
 */
export interface LinkEmulatorStats {
  readonly name: string;
  readonly offered: number;
  /** Handed on to the next link or to the socket. */
  readonly delivered: number;
  readonly droppedRandom: number;
  readonly droppedBurst: number;
  readonly droppedQueue: number;
  /** Dropped because the link's ring was full. */
  readonly droppedOverflow: number;
  /** Dropped while held, by `flush()` or `close()`. */
  readonly flushed: number;
  /** Held now. */
  readonly pending: number;
  /** Measured delay of delivered datagrams (release lateness included). */
  readonly delay: LinkDelayStats;
}

/**
 * One direction of one link: decides the fate of each datagram and holds the ones in flight
 * in a ring of preallocated slots (parallel arrays, power-of-two capacity).
 *
 * `offer()` and `stats()` are for everyone; `decide`, `full`, `overflow`, `hold`, `due`,
 * `release`, `passed` and `flush` are the interface of {@link ImpairedEgress}, which drives
 * the ring. An emulator belongs to one egress (one thread): a link shared by paths must be
 * the same emulator instance in each chain, so that they share its rate and queue.
 */
export class LinkEmulator {
  /** Name for reports. */
  readonly name: string;

  readonly #lossRng: Xoshiro128;
  readonly #delayRng: Xoshiro128;
  readonly #lossP: number;
  readonly #burst: boolean;
  readonly #pGoodToBad: number;
  readonly #pBadToGood: number;
  readonly #lossInGood: number;
  readonly #lossInBad: number;
  #bad = false;
  /** Bytes per millisecond, or 0 without a rate limit. */
  readonly #bytesPerMs: number;
  readonly #queueMs: number;
  #linkFreeAt = -Infinity;
  readonly #delayMs: number;
  readonly #jitterMs: number;
  #lastRelease = -Infinity;

  #offered = 0;
  #delivered = 0;
  #droppedRandom = 0;
  #droppedBurst = 0;
  #droppedQueue = 0;
  #droppedOverflow = 0;
  #flushed = 0;
  #delayCount = 0;
  #delaySum = 0;
  #delaySumSq = 0;
  #delayMin = Infinity;
  #delayMax = -Infinity;

  // Ring of held datagrams, as parallel arrays (no object per datagram).
  readonly #mask: number;
  readonly #bufs: (Buffer | undefined)[];
  readonly #sockets: (dgram.Socket | undefined)[];
  readonly #addresses: string[];
  readonly #ports: Uint16Array;
  readonly #chains: (readonly LinkEmulator[] | undefined)[];
  readonly #hops: Uint8Array;
  readonly #arrivedAt: Float64Array;
  readonly #releaseAt: Float64Array;
  #head = 0;
  #size = 0;
  readonly #scratch = new EgressPacket();

  /**
   * @throws TypeError when a parameter is not a finite number or a probability is outside
   *   [0, 1]; RangeError when the capacity is not a power of two between 1 and 2^20.
   */
  constructor(options: LinkEmulatorOptions) {
    const imp = options.impairment;
    this.name = options.name ?? 'link';
    nonNegative('delayMs', imp.delayMs);
    nonNegative('jitterMs', imp.jitterMs);
    nonNegative('queueMs', imp.queueMs);
    if (!(imp.lossPercent >= 0 && imp.lossPercent <= 100)) {
      throw new TypeError(`lossPercent must be within 0..100, got ${imp.lossPercent}`);
    }
    if (imp.rateKbps !== null && !(imp.rateKbps > 0 && Number.isFinite(imp.rateKbps))) {
      throw new TypeError(`rateKbps must be positive, got ${imp.rateKbps}`);
    }
    const b = imp.burstLoss;
    if (b !== null) {
      probability('burstLoss.pGoodToBad', b.pGoodToBad);
      probability('burstLoss.pBadToGood', b.pBadToGood);
      probability('burstLoss.lossInGood', b.lossInGood);
      probability('burstLoss.lossInBad', b.lossInBad);
    }
    const capacity = options.capacity ?? DEFAULT_LINK_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 20) {
      throw new RangeError(`capacity must be an integer within 1..2^20, got ${capacity}`);
    }
    if ((capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`capacity must be a power of two, got ${capacity}`);
    }

    this.#lossRng = new Xoshiro128(deriveSeed(options.seed, 'loss'));
    this.#delayRng = new Xoshiro128(deriveSeed(options.seed, 'delay'));
    this.#lossP = imp.lossPercent / 100;
    this.#burst = b !== null;
    this.#pGoodToBad = b?.pGoodToBad ?? 0;
    this.#pBadToGood = b?.pBadToGood ?? 1;
    this.#lossInGood = b?.lossInGood ?? 0;
    this.#lossInBad = b?.lossInBad ?? 0;
    this.#bytesPerMs = imp.rateKbps === null ? 0 : imp.rateKbps / 8;
    this.#queueMs = imp.queueMs;
    this.#delayMs = imp.delayMs;
    this.#jitterMs = imp.jitterMs;

    this.#mask = capacity - 1;
    this.#bufs = new Array<Buffer | undefined>(capacity).fill(undefined);
    this.#sockets = new Array<dgram.Socket | undefined>(capacity).fill(undefined);
    this.#addresses = new Array<string>(capacity).fill('');
    this.#ports = new Uint16Array(capacity);
    this.#chains = new Array<readonly LinkEmulator[] | undefined>(capacity).fill(undefined);
    this.#hops = new Uint8Array(capacity);
    this.#arrivedAt = new Float64Array(capacity);
    this.#releaseAt = new Float64Array(capacity);
  }

  /** Ring capacity. */
  get capacity(): number {
    return this.#mask + 1;
  }

  /** Datagrams held now. */
  get pending(): number {
    return this.#size;
  }

  /** Release time of the oldest held datagram, or `Infinity` when none is held. */
  get nextReleaseAt(): number {
    return this.#size === 0 ? Infinity : this.#releaseAt[this.#head]!;
  }

  /**
   * Decides the fate of one datagram arriving at `now` (clock ms): its release time
   * (`>= now`), or a negative {@link LinkDrop} reason. A convenience over {@link decide} for
   * tests and tools (returning a double may allocate).
   *
   * @param now - Arrival time in clock milliseconds.
   * @param bytes - UDP payload length; {@link WIRE_OVERHEAD_BYTES} are added for the rate.
   */
  offer(now: number, bytes: number): number {
    const p = this.#scratch;
    p.at = now;
    p.len = bytes;
    const verdict = this.decide(p);
    return verdict < 0 ? verdict : p.releaseAt;
  }

  /**
   * Decides the fate of the datagram in `p` arriving at `p.at` with `p.len` payload bytes.
   * Counts the offer and drops (the delivery is counted when it leaves). Allocates nothing;
   * never throws.
   *
   * @returns 0 with `p.releaseAt` set (`>= p.at`), or a negative {@link LinkDrop} reason.
   */
  decide(p: EgressPacket): number {
    const now = p.at;
    this.#offered++;
    if (this.#burst) {
      const bad = this.#bad;
      const p = bad ? this.#lossInBad : this.#lossInGood;
      const lost = p > 0 && this.#lossRng.next() < p;
      if (bad) {
        this.#bad = !(this.#lossRng.next() < this.#pBadToGood);
      } else {
        this.#bad = this.#lossRng.next() < this.#pGoodToBad;
      }
      if (lost) {
        this.#droppedBurst++;
        return LinkDrop.BURST;
      }
    }
    if (this.#lossP > 0 && this.#lossRng.next() < this.#lossP) {
      this.#droppedRandom++;
      return LinkDrop.RANDOM;
    }
    let t = now;
    if (this.#bytesPerMs > 0) {
      const start = this.#linkFreeAt > now ? this.#linkFreeAt : now;
      if (start - now > this.#queueMs) {
        this.#droppedQueue++;
        return LinkDrop.QUEUE;
      }
      t = start + (p.len + WIRE_OVERHEAD_BYTES) / this.#bytesPerMs;
      this.#linkFreeAt = t;
    }
    let d = this.#delayMs;
    if (this.#jitterMs > 0) {
      d += this.#jitterMs * (2 * this.#delayRng.next() - 1);
      if (d < 0) {
        d = 0;
      }
    }
    let release = t + d;
    if (release < this.#lastRelease) {
      release = this.#lastRelease;
    }
    this.#lastRelease = release;
    p.releaseAt = release;
    return 0;
  }

  /**
   * Holds `packet` until its `releaseAt`. The caller has checked {@link full}.
   *
   * @param packet - Decided by {@link decide}; its fields are copied out.
   */
  hold(packet: EgressPacket): void {
    const i = (this.#head + this.#size) & this.#mask;
    this.#bufs[i] = packet.buf;
    this.#sockets[i] = packet.socket;
    this.#addresses[i] = packet.address;
    this.#ports[i] = packet.port;
    this.#chains[i] = packet.chain;
    this.#hops[i] = packet.hop;
    this.#arrivedAt[i] = packet.at;
    this.#releaseAt[i] = packet.releaseAt;
    this.#size++;
  }

  /** True when the ring has no free slot. */
  get full(): boolean {
    return this.#size > this.#mask;
  }

  /** Counts a datagram offered to a full ring and dropped. */
  overflow(): void {
    this.#offered++;
    this.#droppedOverflow++;
  }

  /** True when a datagram is held whose release time is at or before `packet.now`. */
  due(packet: EgressPacket): boolean {
    return this.#size > 0 && this.#releaseAt[this.#head]! <= packet.now;
  }

  /**
   * Takes the oldest held datagram out into `packet` (its `at` becomes the release time, its
   * `hop` still points at this link) and counts it delivered, measuring its delay up to
   * `packet.now`. The caller has checked {@link due}.
   */
  release(packet: EgressPacket): void {
    const i = this.#head;
    packet.buf = this.#bufs[i]!;
    packet.socket = this.#sockets[i];
    packet.address = this.#addresses[i]!;
    packet.port = this.#ports[i]!;
    packet.chain = this.#chains[i]!;
    packet.hop = this.#hops[i]!;
    packet.at = this.#releaseAt[i]!;
    const arrived = this.#arrivedAt[i]!;
    this.#bufs[i] = undefined;
    this.#sockets[i] = undefined;
    this.#chains[i] = undefined;
    this.#addresses[i] = '';
    this.#head = (i + 1) & this.#mask;
    this.#size--;
    this.#delivered++;
    this.#recordDelay(packet.now - arrived);
  }

  /**
   * Counts the datagram in `packet` handed on without being held (its release time had come
   * already), with a delay from `packet.at` to `packet.now`.
   */
  passed(packet: EgressPacket): void {
    this.#delivered++;
    this.#recordDelay(packet.now - packet.at);
  }

  #recordDelay(d: number): void {
    this.#delayCount++;
    this.#delaySum += d;
    this.#delaySumSq += d * d;
    if (d < this.#delayMin) {
      this.#delayMin = d;
    }
    if (d > this.#delayMax) {
      this.#delayMax = d;
    }
  }

  /**
   * Drops every held datagram (counted as `flushed`) and forgets their references.
   *
   * @returns How many were dropped.
   */
  flush(): number {
    const n = this.#size;
    for (let k = 0; k < n; k++) {
      const i = (this.#head + k) & this.#mask;
      this.#bufs[i] = undefined;
      this.#sockets[i] = undefined;
      this.#chains[i] = undefined;
      this.#addresses[i] = '';
    }
    this.#head = 0;
    this.#size = 0;
    this.#flushed += n;
    return n;
  }

  /** A snapshot of the counters (allocates; not for the packet path). */
  stats(): LinkEmulatorStats {
    const n = this.#delayCount;
    const mean = n === 0 ? 0 : this.#delaySum / n;
    const variance = n === 0 ? 0 : Math.max(0, this.#delaySumSq / n - mean * mean);
    return {
      name: this.name,
      offered: this.#offered,
      delivered: this.#delivered,
      droppedRandom: this.#droppedRandom,
      droppedBurst: this.#droppedBurst,
      droppedQueue: this.#droppedQueue,
      droppedOverflow: this.#droppedOverflow,
      flushed: this.#flushed,
      pending: this.#size,
      delay: {
        count: n,
        meanMs: mean,
        stdMs: Math.sqrt(variance),
        minMs: n === 0 ? 0 : this.#delayMin,
        maxMs: n === 0 ? 0 : this.#delayMax,
      },
    };
  }
}

function nonNegative(name: string, value: number): void {
  if (!(value >= 0 && Number.isFinite(value))) {
    throw new TypeError(`${name} must be a finite number >= 0, got ${value}`);
  }
}

function probability(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) {
    throw new TypeError(`${name} must be within 0..1, got ${value}`);
  }
}

/** The two directions of one link. */
export interface LinkEmulatorPair {
  /** From `between[0]` to `between[1]`. */
  readonly forward: LinkEmulator;
  /** From `between[1]` to `between[0]`. */
  readonly reverse: LinkEmulator;
}

/**
 * Builds both directions of a scenario link with the same impairment and independent seeds
 * `deriveSeed(seed, "a>b")` and `deriveSeed(seed, "b>a")`.
 *
 * @param between - The two ends (sites or a region link name).
 * @param impairment - The normalized impairment.
 * @param seed - The scenario's `simulation.seed`.
 * @param capacity - Ring capacity per direction (power of two).
 * @throws As the {@link LinkEmulator} constructor.
 */
export function createLinkEmulatorPair(
  between: readonly [string, string],
  impairment: Impairment,
  seed: number,
  capacity?: number,
): LinkEmulatorPair {
  const [a, b] = between;
  const make = (name: string): LinkEmulator =>
    new LinkEmulator(
      capacity === undefined
        ? { impairment, seed: deriveSeed(seed, name), name }
        : { impairment, seed: deriveSeed(seed, name), name, capacity },
    );
  return { forward: make(`${a}>${b}`), reverse: make(`${b}>${a}`) };
}

// ---------------------------------------------------------------------------------------------
// The egress.
// ---------------------------------------------------------------------------------------------

/**
 * Maps a datagram to the links it crosses, in order, from the source socket's bound address
 * and the destination address. Return an empty array for an unimpaired path. Called once per
 * address pair (the result is cached until {@link ImpairedEgress.invalidate}); it may throw,
 * which drops that pair's datagrams as `unresolved`.
 */
export type LinkResolver = (source: string, destination: string) => readonly LinkEmulator[];

/** Options of an {@link ImpairedEgress}. */
export interface ImpairedEgressOptions {
  /** Path resolution. */
  readonly resolve: LinkResolver;
  /** Time source (default {@link systemClock}). */
  readonly clock?: Clock;
  /** Logger; a child `{ mod: 'media.impairment' }` is made. */
  readonly logger?: ComponentLogger;
  /** Release tick in milliseconds (default 1). */
  readonly tickMs?: number;
  /**
   * Run the release timer (default true). With false, the owner calls
   * {@link ImpairedEgress.onTick} itself (tests with a fake clock, a shared ticker).
   */
  readonly timer?: boolean;
  /** Address pairs kept in the resolution cache before it is cleared (default 4096). */
  readonly maxPairs?: number;
}

/** Counters of an {@link ImpairedEgress}. */
export interface ImpairedEgressStats {
  /** Sent at once, the path crossing no link. */
  readonly direct: number;
  /** Entered a chain of links. */
  readonly impaired: number;
  /** Sent on the socket after their last link. */
  readonly sent: number;
  /** Dropped because the resolver threw or returned an invalid chain. */
  readonly unresolved: number;
  /** `socket.send()` threw (the socket was closed meanwhile). */
  readonly sendErrors: number;
  /** Offered after `close()`. */
  readonly droppedClosed: number;
  /** Held in links now. */
  readonly queued: number;
}

const UNRESOLVED: readonly LinkEmulator[] = Object.freeze([]);

/**
 * A {@link DatagramEgress} that sends each datagram through the emulated links between its
 * source and destination. Holds the caller's Buffer until it is sent (see `core/egress.ts`).
 *
 * Close cascade: `close()` stops the timer and flushes every link it has used; datagrams
 * offered later are dropped and counted. It does not close sockets.
 */
export class ImpairedEgress implements DatagramEgress {
  readonly #resolve: LinkResolver;
  readonly #clock: Clock;
  readonly #log: ComponentLogger | undefined;
  readonly #tickMs: number;
  readonly #useTimer: boolean;
  readonly #maxPairs: number;
  readonly #sourceOf = new WeakMap<dgram.Socket, string>();
  readonly #paths = new Map<string, Map<string, readonly LinkEmulator[]>>();
  #pairs = 0;
  readonly #links: LinkEmulator[] = [];
  readonly #known = new Set<LinkEmulator>();
  /** Context of the send path. */
  readonly #sendCtx = new EgressPacket();
  /** Context of the release path. */
  readonly #tickCtx = new EgressPacket();
  #timer: NodeJS.Timeout | undefined = undefined;
  #queued = 0;
  #closed = false;
  #direct = 0;
  #impaired = 0;
  #sent = 0;
  #unresolved = 0;
  #sendErrors = 0;
  #droppedClosed = 0;
  readonly #onTimer = (): void => {
    this.onTick(this.#clock.now());
  };

  /** @throws RangeError when `tickMs` is below 1 or `maxPairs` below 1. */
  constructor(options: ImpairedEgressOptions) {
    this.#resolve = options.resolve;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger?.child({ mod: 'media.impairment' });
    this.#tickMs = options.tickMs ?? 1;
    if (!(this.#tickMs >= 1)) {
      throw new RangeError(`tickMs must be at least 1, got ${this.#tickMs}`);
    }
    this.#useTimer = options.timer ?? true;
    this.#maxPairs = options.maxPairs ?? 4096;
    if (!(this.#maxPairs >= 1)) {
      throw new RangeError(`maxPairs must be at least 1, got ${this.#maxPairs}`);
    }
  }

  /** {@inheritDoc DatagramEgress.send} */
  send(socket: dgram.Socket, buf: Buffer, port: number, address: string): void {
    if (this.#closed) {
      this.#droppedClosed++;
      return;
    }
    const chain = this.#chainFor(socket, address);
    if (chain.length === 0) {
      if (chain === UNRESOLVED) {
        this.#unresolved++;
        return;
      }
      this.#direct++;
      this.#transmit(socket, buf, port, address);
      return;
    }
    this.#impaired++;
    const ctx = this.#sendCtx;
    ctx.now = this.#clock.now();
    ctx.at = ctx.now;
    ctx.buf = buf;
    ctx.len = buf.length;
    ctx.socket = socket;
    ctx.port = port;
    ctx.address = address;
    ctx.chain = chain;
    ctx.hop = 0;
    this.#forward(ctx);
    ctx.clear();
  }

  /**
   * Releases every held datagram whose time has come. Called by the timer; call it yourself
   * with `timer: false`. Never throws.
   *
   * @param now - Clock time in milliseconds.
   */
  onTick(now: number): void {
    const links = this.#links;
    const ctx = this.#tickCtx;
    ctx.now = now;
    // A datagram released into a link already visited in this pass is picked up by the next
    // pass; a chain has at most MAX_HOPS links.
    for (let pass = 0; pass < MAX_HOPS && this.#queued > 0; pass++) {
      let moved = 0;
      for (const link of links) {
        while (link.due(ctx)) {
          link.release(ctx);
          this.#queued--;
          moved++;
          ctx.hop++;
          ctx.len = ctx.buf.length;
          this.#forward(ctx);
        }
      }
      if (moved === 0) {
        break;
      }
    }
    ctx.clear();
    if (this.#queued === 0) {
      this.#stopTimer();
    }
  }

  /** Forgets cached paths; the resolver is asked again for each address pair. */
  invalidate(): void {
    this.#paths.clear();
    this.#pairs = 0;
  }

  /** Every link this egress has resolved, in first-use order. */
  links(): readonly LinkEmulator[] {
    return this.#links.slice();
  }

  /** Counters snapshot. */
  stats(): ImpairedEgressStats {
    return {
      direct: this.#direct,
      impaired: this.#impaired,
      sent: this.#sent,
      unresolved: this.#unresolved,
      sendErrors: this.#sendErrors,
      droppedClosed: this.#droppedClosed,
      queued: this.#queued,
    };
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops the timer and drops every held datagram. Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#stopTimer();
    for (const link of this.#links) {
      link.flush();
    }
    this.#queued = 0;
    this.invalidate();
  }

  /**
   * Walks `ctx` through its remaining links from `ctx.hop`, arriving at `ctx.at`, at clock
   * time `ctx.now`; sends it after the last one.
   */
  #forward(ctx: EgressPacket): void {
    const chain = ctx.chain;
    while (ctx.hop < chain.length) {
      const link = chain[ctx.hop]!;
      if (link.full) {
        link.overflow();
        return;
      }
      if (link.decide(ctx) < 0) {
        return;
      }
      if (ctx.releaseAt <= ctx.now && link.pending === 0) {
        link.passed(ctx);
        ctx.at = ctx.releaseAt;
        ctx.hop++;
        continue;
      }
      link.hold(ctx);
      this.#queued++;
      if (this.#timer === undefined && this.#useTimer) {
        this.#timer = setInterval(this.#onTimer, this.#tickMs);
        this.#timer.unref();
      }
      return;
    }
    this.#transmit(ctx.socket!, ctx.buf, ctx.port, ctx.address);
  }

  #transmit(socket: dgram.Socket, buf: Buffer, port: number, address: string): void {
    try {
      socket.send(buf, port, address);
      this.#sent++;
    } catch {
      // Only a socket closed while the datagram was held throws here.
      this.#sendErrors++;
    }
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** The cached chain of (source of `socket`, `destination`). Never throws. */
  #chainFor(socket: dgram.Socket, destination: string): readonly LinkEmulator[] {
    let source = this.#sourceOf.get(socket);
    if (source === undefined) {
      try {
        source = socket.address().address;
        this.#sourceOf.set(socket, source);
      } catch {
        // Not bound yet: Node binds it to the wildcard address on this send.
        source = '0.0.0.0';
      }
    }
    let byDestination = this.#paths.get(source);
    const cached = byDestination?.get(destination);
    if (cached !== undefined) {
      return cached;
    }
    const chain = this.#resolveChecked(source, destination);
    if (this.#pairs >= this.#maxPairs) {
      this.invalidate();
      byDestination = undefined;
    }
    if (byDestination === undefined) {
      byDestination = new Map();
      this.#paths.set(source, byDestination);
    }
    byDestination.set(destination, chain);
    this.#pairs++;
    return chain;
  }

  #resolveChecked(source: string, destination: string): readonly LinkEmulator[] {
    let chain: readonly LinkEmulator[];
    try {
      chain = this.#resolve(source, destination);
    } catch (e) {
      this.#log?.error({ err: e, source, destination }, 'link resolver threw; dropping path');
      return UNRESOLVED;
    }
    const isArray: boolean = Array.isArray(chain);
    if (!isArray || chain.length > MAX_HOPS) {
      this.#log?.error(
        { source, destination, hops: isArray ? chain.length : null },
        `link chain must be an array of at most ${MAX_HOPS} links; dropping path`,
      );
      return UNRESOLVED;
    }
    for (const link of chain) {
      if (!(link instanceof LinkEmulator)) {
        this.#log?.error({ source, destination }, 'link chain holds a non-link; dropping path');
        return UNRESOLVED;
      }
      if (!this.#known.has(link)) {
        this.#known.add(link);
        this.#links.push(link);
      }
    }
    this.#log?.debug(
      { source, destination, links: chain.map((l) => l.name) },
      'impaired path resolved',
    );
    return chain.length === 0 ? NO_LINKS : chain;
  }
}
