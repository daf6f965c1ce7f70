/**
 * One direction of one emulated link: decides the fate of each datagram (loss, rate limit,
 * delay) and holds the ones in flight in a ring of preallocated slots, with the link's
 * counters. It must not know paths between hosts or timers: it carries a datagram's socket
 * and destination through its ring without looking at them, and {@link ImpairedEgress} in
 * `impairment.ts` walks datagrams through links and drives the rings.
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
 * Nothing on the packet path allocates, creates closures or promises, or throws; drops are
 * counted by reason.
 */
import type dgram from 'node:dgram';
import type { Impairment } from '../scenario/index.js';
import { deriveSeed, Xoshiro128 } from './seeded-random.js';

/** IPv4 (20) and UDP (8) header bytes counted per datagram by the rate limit. */
export const WIRE_OVERHEAD_BYTES = 28;

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
  /** The link is partitioned: nothing gets through. */
  PARTITION: -4,
} as const;
export type LinkDrop = (typeof LinkDrop)[keyof typeof LinkDrop];

const EMPTY = Buffer.alloc(0);
/** The empty chain of links: a path that crosses none. */
export const NO_LINKS: readonly LinkEmulator[] = Object.freeze([]);

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
 * `offered = delivered + droppedRandom + droppedBurst + droppedQueue + droppedOverflow +
 * droppedPartition + flushed + pending`.
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
  /** Dropped while the link was partitioned. */
  readonly droppedPartition: number;
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
  #droppedPartition = 0;
  #partitioned = false;
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

  /**
   * Partitions the link (every datagram offered from now on is dropped) or heals it.
   * Datagrams already held are still delivered.
   */
  setPartitioned(on: boolean): void {
    this.#partitioned = on;
  }

  /** True while the link is partitioned. */
  get partitioned(): boolean {
    return this.#partitioned;
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
    if (this.#partitioned) {
      this.#droppedPartition++;
      return LinkDrop.PARTITION;
    }
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
      droppedPartition: this.#droppedPartition,
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
