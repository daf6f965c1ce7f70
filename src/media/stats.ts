/**
 * Per-stream receive statistics without allocation per packet.
 *
 * Counters of every stream live in one preallocated `Float64Array` slab, one fixed-size row
 * per stream; a stream is a row index ("slot"). The algorithms are those of RFC 3550:
 * sequence number tracking with probation and resynchronisation from appendix A.1, loss from
 * A.3 and interarrival jitter from A.8.
 *
 * Row layout (one float64 each):
 *
 * ```
 * +---------+-------+------------+--------+---------+---------+----------+-----------+
 * | packets | bytes | ssrc       | maxSeq | cycles  | baseSeq | badSeq   | probation |
 * +---------+-------+------------+--------+---------+---------+----------+-----------+
 * | received| dups  | misordered | jumps  | transit | jitter  | hasTransit | inUse   |
 * +---------+-------+------------+--------+---------+---------+----------+-----------+
 * ```
 */

/** RFC 3550 A.1: packets in sequence needed before a new source is valid. */
export const MIN_SEQUENTIAL = 2;
/** RFC 3550 A.1: largest forward jump still treated as in-sequence. */
export const MAX_DROPOUT = 3000;
/** RFC 3550 A.1: largest backward step still treated as reordering. */
export const MAX_MISORDER = 100;
const RTP_SEQ_MOD = 0x10000;

const F_PACKETS = 0;
const F_BYTES = 1;
const F_SSRC = 2;
const F_MAX_SEQ = 3;
const F_CYCLES = 4;
const F_BASE_SEQ = 5;
const F_BAD_SEQ = 6;
const F_PROBATION = 7;
const F_RECEIVED = 8;
const F_DUPLICATES = 9;
const F_MISORDERED = 10;
const F_JUMPS = 11;
const F_TRANSIT = 12;
const F_JITTER = 13;
const F_HAS_TRANSIT = 14;
const F_IN_USE = 15;
const STRIDE = 16;

/** A snapshot of one stream's statistics, as plain data. */
export interface StreamStatsSnapshot {
  /** Every RTP packet counted, valid or not by sequence. */
  readonly packets: number;
  /** Bytes of those packets (whole datagrams). */
  readonly bytes: number;
  /** The SSRC last seen. */
  readonly ssrc: number;
  /** RFC 3550 A.1 packets accepted after probation. */
  readonly received: number;
  /** Extended highest sequence number received (cycles + max_seq). */
  readonly extendedHighestSeq: number;
  /** Sequence number wrap-arounds, counted in units of 65,536. */
  readonly cycles: number;
  /** RFC 3550 A.3 expected packets: extended highest minus base plus one. */
  readonly expected: number;
  /** RFC 3550 A.3 cumulative lost packets (negative when duplicates outnumber losses). */
  readonly lost: number;
  /** Lost over expected, clamped to 0..1. */
  readonly fractionLost: number;
  /** Packets repeating the highest sequence number. */
  readonly duplicates: number;
  /** Packets arriving late within the misorder window. */
  readonly misordered: number;
  /** Large sequence jumps (RFC 3550 A.1 bad_seq), including resynchronisations. */
  readonly sequenceJumps: number;
  /** Interarrival jitter in timestamp units (RFC 3550 A.8). */
  readonly jitter: number;
  /** Interarrival jitter in milliseconds for the table's clock rate. */
  readonly jitterMs: number;
}

/**
 * A table of stream statistics in one preallocated slab.
 *
 * `allocate()` and `release()` are control-path operations; `onRtp()` is the per-packet
 * update and does no allocation.
 */
export class StreamStatsTable {
  readonly #slab: Float64Array;
  readonly #free: Int32Array;
  #freeTop: number;
  readonly #capacity: number;

  /**
   * @param capacity - Largest number of concurrent streams.
   * @throws RangeError when `capacity` is not a positive integer.
   */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError(`stats capacity must be a positive integer, got ${capacity}`);
    }
    this.#capacity = capacity;
    this.#slab = new Float64Array(capacity * STRIDE);
    this.#free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) {
      this.#free[i] = capacity - 1 - i;
    }
    this.#freeTop = capacity;
  }

  /** Number of rows in the table. */
  get capacity(): number {
    return this.#capacity;
  }

  /**
   * The slab itself, a row of 16 numbers per slot in the layout above. For the relay's
   * native forwarding, which runs the same algorithms on the same rows
   * (`native/udp-batch/fast_path.cc`); nothing else writes it.
   */
  get slab(): Float64Array {
    return this.#slab;
  }

  /** Rows in use. */
  get used(): number {
    return this.#capacity - this.#freeTop;
  }

  /**
   * Takes a zeroed row.
   *
   * @returns The slot, or -1 when the table is full.
   */
  allocate(): number {
    if (this.#freeTop === 0) {
      return -1;
    }
    const slot = this.#free[--this.#freeTop]!;
    this.#slab.fill(0, slot * STRIDE, slot * STRIDE + STRIDE);
    this.#slab[slot * STRIDE + F_IN_USE] = 1;
    return slot;
  }

  /** Returns a row to the table. Releasing a free or invalid slot does nothing. */
  release(slot: number): void {
    if (slot < 0 || slot >= this.#capacity || this.#slab[slot * STRIDE + F_IN_USE] !== 1) {
      return;
    }
    this.#slab[slot * STRIDE + F_IN_USE] = 0;
    this.#free[this.#freeTop++] = slot;
  }

  /**
   * Counts one RTP packet and runs the RFC 3550 A.1 sequence check.
   *
   * A new SSRC restarts the stream's sequence state (A.1 `init_seq` with probation).
   *
   * @returns 1 when A.1 counts the packet as received, 0 while the source is in probation
   *   or after a large jump.
   */
  onRtp(slot: number, ssrc: number, seq: number, bytes: number): number {
    const s = this.#slab;
    const b = slot * STRIDE;
    s[b + F_PACKETS]! += 1;
    s[b + F_BYTES]! += bytes;
    if (s[b + F_PACKETS] === 1 || s[b + F_SSRC] !== ssrc) {
      s[b + F_SSRC] = ssrc;
      // A.1: a new source starts in probation with max_seq one below the first seq.
      initSeq(s, b, seq);
      s[b + F_MAX_SEQ] = (seq - 1) & 0xffff;
      s[b + F_PROBATION] = MIN_SEQUENTIAL;
      s[b + F_HAS_TRANSIT] = 0;
    }
    return updateSeq(s, b, seq);
  }

  /**
   * Updates interarrival jitter (RFC 3550 A.8) for one packet.
   *
   * @param slot - The stream.
   * @param rtpTimestamp - The packet's RTP timestamp.
   * @param arrival - Arrival time in the same units as the RTP timestamp.
   */
  onJitter(slot: number, rtpTimestamp: number, arrival: number): void {
    const s = this.#slab;
    const b = slot * STRIDE;
    const transit = arrival - rtpTimestamp;
    if (s[b + F_HAS_TRANSIT] === 0) {
      s[b + F_HAS_TRANSIT] = 1;
      s[b + F_TRANSIT] = transit;
      return;
    }
    let d = transit - s[b + F_TRANSIT]!;
    s[b + F_TRANSIT] = transit;
    if (d < 0) {
      d = -d;
    }
    // A timestamp wrap between two packets shows up as a jump near 2^32: fold it back.
    if (d > 0x80000000) {
      d = 0x100000000 - d;
    }
    s[b + F_JITTER]! += (d - s[b + F_JITTER]!) / 16;
  }

  /** Packets counted on the slot (any sequence). */
  packets(slot: number): number {
    return this.#slab[slot * STRIDE + F_PACKETS]!;
  }

  /**
   * Reads a row as plain data.
   *
   * @param slot - The stream.
   * @param clockRate - RTP clock rate in Hz, for `jitterMs`.
   */
  snapshot(slot: number, clockRate: number): StreamStatsSnapshot {
    const s = this.#slab;
    const b = slot * STRIDE;
    const cycles = s[b + F_CYCLES]!;
    const received = s[b + F_RECEIVED]!;
    const extendedMax = cycles + s[b + F_MAX_SEQ]!;
    const expected = received === 0 ? 0 : extendedMax - s[b + F_BASE_SEQ]! + 1;
    const lost = expected - received;
    const jitter = s[b + F_JITTER]!;
    return {
      packets: s[b + F_PACKETS]!,
      bytes: s[b + F_BYTES]!,
      ssrc: s[b + F_SSRC]!,
      received,
      extendedHighestSeq: extendedMax,
      cycles: cycles / RTP_SEQ_MOD,
      expected,
      lost,
      fractionLost: expected <= 0 ? 0 : Math.min(1, Math.max(0, lost / expected)),
      duplicates: s[b + F_DUPLICATES]!,
      misordered: s[b + F_MISORDERED]!,
      sequenceJumps: s[b + F_JUMPS]!,
      jitter,
      jitterMs: clockRate > 0 ? (jitter * 1000) / clockRate : 0,
    };
  }
}

/** RFC 3550 A.1 `init_seq`. */
function initSeq(s: Float64Array, b: number, seq: number): void {
  s[b + F_BASE_SEQ] = seq;
  s[b + F_MAX_SEQ] = seq;
  s[b + F_BAD_SEQ] = RTP_SEQ_MOD + 1;
  s[b + F_CYCLES] = 0;
  s[b + F_RECEIVED] = 0;
}

/** RFC 3550 A.1 `update_seq`, with duplicates and misordered packets counted apart. */
function updateSeq(s: Float64Array, b: number, seq: number): number {
  const maxSeq = s[b + F_MAX_SEQ]!;
  const udelta = (seq - maxSeq) & 0xffff;
  if (s[b + F_PROBATION]! > 0) {
    // Source is not valid until MIN_SEQUENTIAL packets in sequence have arrived.
    if (seq === ((maxSeq + 1) & 0xffff)) {
      s[b + F_PROBATION]! -= 1;
      s[b + F_MAX_SEQ] = seq;
      if (s[b + F_PROBATION] === 0) {
        initSeq(s, b, seq);
        s[b + F_RECEIVED]! += 1;
        return 1;
      }
    } else {
      s[b + F_PROBATION] = MIN_SEQUENTIAL - 1;
      s[b + F_MAX_SEQ] = seq;
    }
    return 0;
  }
  if (udelta < MAX_DROPOUT) {
    if (udelta === 0) {
      // A repeat of the highest packet. A.1 counts it as received, so A.3 loss can go
      // negative; it is also counted apart here.
      s[b + F_DUPLICATES]! += 1;
    } else {
      // In order, with a permissible gap; a wrap adds one cycle.
      if (seq < maxSeq) {
        s[b + F_CYCLES]! += RTP_SEQ_MOD;
      }
      s[b + F_MAX_SEQ] = seq;
    }
  } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
    // A very large jump. Two sequential packets after it mean the sender restarted.
    s[b + F_JUMPS]! += 1;
    if (seq === s[b + F_BAD_SEQ]) {
      initSeq(s, b, seq);
    } else {
      s[b + F_BAD_SEQ] = (seq + 1) & 0xffff;
      return 0;
    }
  } else {
    // A duplicate or reordered packet within the misorder window: A.1 counts it.
    s[b + F_MISORDERED]! += 1;
  }
  s[b + F_RECEIVED]! += 1;
  return 1;
}
