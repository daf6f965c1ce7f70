/**
 * Batched UDP I/O for the relay, through the small native addon in `native/udp-batch/`
 * (Linux: epoll, recvmmsg, sendmmsg). The addon owns plain non-blocking sockets; one wake-up
 * of the event loop reads every ready socket into one shared buffer and calls JavaScript
 * once with the number of datagrams, instead of once per datagram as `node:dgram` does.
 * Sends are queued as descriptors pointing into the same buffer and go out in one call.
 *
 * With native forwarding on ({@link UdpBatchIo.enableNative}), the sockets of established
 * streams (a leg's final source and a peer to send to; the engine says which with
 * {@link UdpBatchIo.setFast}) belong to the addon's forwarding thread instead: it checks,
 * counts and forwards or drops their datagrams itself, in the engine's shared counter
 * tables, and neither the event loop nor JavaScript sees them:
 *
 * ```
 *   engine thread: epoll (one uv_poll) -> recvmmsg per ready socket -> slots + meta
 *     -> onBatch(count): the relay's stages; forwards queue a send
 *     -> flush(): sendmmsg per run of descriptors on the same socket -> failures
 *   forwarding thread: epoll_wait on the established streams' sockets -> recvmmsg
 *     -> classify, check the source, count -> sendmmsg out of the other leg's socket
 * ```
 *
 * This module must not know the relay's rules: which streams are established is the
 * engine's decision. The addon is built at install time when a compiler is available;
 * {@link loadUdpBatch} returns null when it is not, and the relay falls back to `node:dgram`.
 */
import { createRequire } from 'node:module';

/** Opaque handle of one batch context (one epoll set, its sockets and buffers). */
export type UdpBatchHandle = { readonly __udpBatch: unique symbol };

/** The addon's functions. IPv4 addresses are host-order uint32 (127.0.0.1 = 0x7f000001). */
export interface UdpBatchBinding {
  open(
    onBatch: (count: number) => void,
    recv: ArrayBuffer,
    meta: Uint32Array,
    send: Uint32Array,
    slotSize: number,
  ): UdpBatchHandle;
  /** Binds a socket; returns its index and bound port. Throws errors with an errno `code`. */
  bind(handle: UdpBatchHandle, ipv4: number, port: number, bufferBytes: number): [number, number];
  /** Connects a socket to a peer; ipv4 0 and port 0 dissolve the association. */
  connect(handle: UdpBatchHandle, index: number, ipv4: number, port: number): void;
  close(handle: UdpBatchHandle, index: number): void;
  /** Sends the first `count` descriptors; returns how many failed. */
  flush(handle: UdpBatchHandle, count: number): number;
  shutdown(handle: UdpBatchHandle): void;
  /**
   * Turns native forwarding on over the engine's counters, the legs' counters and the
   * streams' statistics (updated in place). Arrival times are the monotonic clock shifted
   * onto `nowMs`, or the value in `clockCell` when one is given.
   */
  tables(
    handle: UdpBatchHandle,
    engine: Float64Array,
    legs: Float64Array,
    stats: Float64Array,
    maxLength: number,
    nowMs: number,
    clockCell: Float64Array | null,
  ): void;
  /** Hands socket `index` to the forwarding thread (see the class); false when closed. */
  setFast(
    handle: UdpBatchHandle,
    index: number,
    srcIp: number,
    srcPort: number,
    outIndex: number,
    dstIp: number,
    dstPort: number,
    row: number,
    unitsPerMs: number,
  ): boolean;
  /** Takes socket `index` back from the forwarding thread. */
  clearFast(handle: UdpBatchHandle, index: number): void;
  /** Holds the forwarding thread (after its current wake-up) until resume(). */
  pause(handle: UdpBatchHandle): void;
  resume(handle: UdpBatchHandle): void;
  /** See {@link UdpBatchIo.ioCounters}. */
  ioCounters(handle: UdpBatchHandle): number[];
  /** The native classifier (tests hold it to the vectors of classifier.ts). */
  classify(bytes: Uint8Array, length: number, maxLength: number): number;
  /** The native RFC 3550 A.1 on row `row` of a statistics slab, as `onRtp` (tests). */
  statsRtp(slab: Float64Array, row: number, ssrc: number, seq: number, bytes: number): number;
  /** The native RFC 3550 A.8 on row `row` of a statistics slab, as `onJitter` (tests). */
  statsJitter(slab: Float64Array, row: number, rtpTimestamp: number, arrival: number): void;
}

/** Words per received datagram in the meta array: socket, length, source IPv4, port. */
export const META_STRIDE = 4;
/** Words per send descriptor: socket, IPv4, port, slot, length, status, tag, class. */
export const SEND_STRIDE = 8;
/** Index of the status word (0 or an errno after a flush) in a send descriptor. */
export const SEND_STATUS = 5;
/** Index of the first caller word (the relay keeps the receiving socket there). */
export const SEND_TAG = 6;
/** Index of the second caller word (the relay keeps the packet class there). */
export const SEND_CLASS = 7;

/** Where `npm install` builds the addon, relative to this module (src/ or dist/). */
const ADDON_PATH = '../../native/udp-batch/build/Release/udp_batch.node';

let binding: UdpBatchBinding | null | undefined;
let loadError: string | null = null;

/**
 * Loads the addon once per thread (each worker thread loads its own instance). Returns
 * null when it is not built or does not load on this platform; see {@link udpBatchLoadError}.
 */
export function loadUdpBatch(): UdpBatchBinding | null {
  if (binding !== undefined) {
    return binding;
  }
  if (process.platform !== 'linux') {
    loadError = `batched UDP I/O needs Linux (this is ${process.platform})`;
    binding = null;
    return null;
  }
  try {
    binding = createRequire(import.meta.url)(ADDON_PATH) as UdpBatchBinding;
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e);
    binding = null;
  }
  return binding;
}

/** Why the addon did not load, or null when it did (or was not tried yet). */
export function udpBatchLoadError(): string | null {
  return loadError;
}

/** An IPv4 literal as a host-order uint32. The caller has checked it with `isIPv4`. */
export function ipv4ToUint32(address: string): number {
  const p = address.split('.');
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

/** A host-order uint32 as an IPv4 literal. */
export function uint32ToIpv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** Counters of the batched I/O path since it was opened, for profiles. */
export interface UdpBatchCounters {
  /** Wake-ups of the event loop for the sockets JavaScript handles. */
  readonly wakeups: number;
  /** Wake-ups of the forwarding thread. */
  readonly forwardingWakeups: number;
  /** Datagrams read, by both threads. */
  readonly received: number;
  /** Datagrams the forwarding thread sent without JavaScript. */
  readonly forwardedNatively: number;
  /** Datagrams the forwarding thread dropped (and counted by reason). */
  readonly droppedNatively: number;
  /** Datagrams handed to JavaScript's stages. */
  readonly toScript: number;
  /** Calls into JavaScript (one per wake-up of the event loop with datagrams). */
  readonly scriptCalls: number;
  /** sendmmsg system calls of both threads. */
  readonly sendCalls: number;
}

/** Slots of one batch, and the most memory the receive buffer may take. */
const MAX_SLOTS = 64;
const MAX_RECV_BYTES = 1 << 20;

/**
 * One batch context: the shared buffers, the native handle and the send queue. A relay
 * engine owns one. Closing sockets while a batch is being handled is deferred until the
 * batch is done, so that a socket index cannot be reused for a datagram still in the batch.
 */
export class UdpBatchIo {
  /** Size of a slot: the largest datagram the caller accepts, rounded up to 64 bytes. */
  readonly slotSize: number;
  /** A Buffer view of each slot, made once; datagram i of a batch is in `slotBuffers[i]`. */
  readonly slotBuffers: readonly Buffer[];
  /** Per datagram: socket index, length (may exceed the slot), source IPv4, source port. */
  readonly meta: Uint32Array;
  /** Send descriptors, see {@link SEND_STRIDE}. */
  readonly send: Uint32Array;
  readonly #addon: UdpBatchBinding;
  readonly #handle: UdpBatchHandle;
  readonly #slots: number;
  #queued = 0;
  #inBatch = false;
  #deferredCloses: number[] = [];
  #shutdownPending = false;
  #closed = false;
  #forwarding = false;

  /**
   * @param native - The loaded addon.
   * @param maxPacketLength - Largest datagram the caller accepts; longer ones are still
   *   reported with their real length but only the slot's bytes are kept.
   * @param onBatch - Called once per wake-up with the number of datagrams in the slots.
   */
  constructor(native: UdpBatchBinding, maxPacketLength: number, onBatch: (count: number) => void) {
    this.#addon = native;
    this.slotSize = Math.ceil(Math.max(maxPacketLength, 1) / 64) * 64;
    this.#slots = Math.max(4, Math.min(MAX_SLOTS, Math.floor(MAX_RECV_BYTES / this.slotSize)));
    const recv = new ArrayBuffer(this.slotSize * this.#slots);
    this.slotBuffers = Array.from({ length: this.#slots }, (_, i) =>
      Buffer.from(recv, i * this.slotSize, this.slotSize),
    );
    this.meta = new Uint32Array(this.#slots * META_STRIDE);
    this.send = new Uint32Array(this.#slots * SEND_STRIDE);
    const handler = (count: number): void => {
      this.#inBatch = true;
      this.#queued = 0;
      try {
        onBatch(count);
      } finally {
        this.#inBatch = false;
        this.#afterBatch();
      }
    };
    this.#handle = native.open(handler, recv, this.meta, this.send, this.slotSize);
  }

  /**
   * Binds a socket on `address`:`port` (0: chosen by the OS).
   *
   * @returns the socket index and the bound port.
   * @throws Error with an errno `code` (EADDRINUSE, EADDRNOTAVAIL, ...).
   */
  bind(address: string, port: number, bufferBytes: number): [number, number] {
    if (this.#closed || this.#shutdownPending) {
      throw new Error('batched UDP I/O is shut down');
    }
    return this.#addon.bind(this.#handle, ipv4ToUint32(address), port, bufferBytes);
  }

  /** Connects socket `index` to a peer (address null: dissolves the association). */
  connect(index: number, address: string | null, port: number): void {
    if (this.#closed) {
      return;
    }
    this.#addon.connect(this.#handle, index, address === null ? 0 : ipv4ToUint32(address), port);
  }

  /** Closes socket `index`; during a batch, once the batch is done. */
  close(index: number): void {
    if (this.#closed) {
      return;
    }
    if (this.#inBatch) {
      this.#deferredCloses.push(index);
    } else {
      this.#addon.close(this.#handle, index);
    }
  }

  /**
   * Queues datagram `slot` of the current batch for sending out of socket `index` to
   * `ip`:`port` (port 0: the socket's connected peer). Two caller words travel along and
   * can be read back after a failed flush. Only valid inside the batch callback.
   */
  queue(
    index: number,
    ip: number,
    port: number,
    slot: number,
    length: number,
    tag: number,
    cls: number,
  ): void {
    const d = this.#queued++ * SEND_STRIDE;
    const s = this.send;
    s[d] = index;
    s[d + 1] = ip;
    s[d + 2] = port;
    s[d + 3] = slot;
    s[d + 4] = length;
    s[d + SEND_TAG] = tag;
    s[d + SEND_CLASS] = cls;
  }

  /** Number of descriptors queued in this batch (valid until the next batch). */
  get queued(): number {
    return this.#queued;
  }

  /** Sends the queued datagrams; returns how many failed (their status word is set). */
  flush(): number {
    if (this.#queued === 0 || this.#closed) {
      return 0;
    }
    return this.#addon.flush(this.#handle, this.#queued);
  }

  /**
   * Turns native forwarding on and starts the forwarding thread: from now on the addon
   * counts the datagrams of established streams in these arrays (layouts in
   * `relay-counters.ts`; `engine` is the thread's own engine counters, `legs` and `stats` are
   * written only for the legs it owns) and forwards them itself. Arrival times for jitter are
   * `nowMs` plus the monotonic time since, or, with `clockCell`, the value the engine last
   * wrote there (an injected clock).
   */
  enableNative(
    engine: Float64Array,
    legs: Float64Array,
    stats: Float64Array,
    maxLength: number,
    nowMs: number,
    clockCell: Float64Array | null,
  ): void {
    if (this.#closed || this.#forwarding) {
      return;
    }
    this.#addon.tables(this.#handle, engine, legs, stats, maxLength, nowMs, clockCell);
    this.#forwarding = true;
  }

  /** True once native forwarding is on. */
  get native(): boolean {
    return this.#forwarding;
  }

  /**
   * Socket `index` receives an established stream and the forwarding thread takes it: its
   * valid packets from srcIp:srcPort are counted on leg row `row` and sent out of socket
   * `outIndex` to dstIp:dstPort (port 0: the connected peer); anything else is dropped and
   * counted on that row by reason. Its datagrams no longer come up to JavaScript. Must not be
   * called while a batch is being handled (the batch may still hold the socket's datagrams).
   *
   * @returns false when either socket is closed (nothing changed).
   */
  setFast(
    index: number,
    srcIp: number,
    srcPort: number,
    outIndex: number,
    dstIp: number,
    dstPort: number,
    row: number,
    unitsPerMs: number,
  ): boolean {
    if (this.#closed || !this.#forwarding) {
      return false;
    }
    return this.#addon.setFast(
      this.#handle,
      index,
      srcIp,
      srcPort,
      outIndex,
      dstIp,
      dstPort,
      row,
      unitsPerMs,
    );
  }

  /**
   * Takes socket `index` back from the forwarding thread (once it let go of it): every
   * datagram goes up to JavaScript again.
   */
  clearFast(index: number): void {
    if (!this.#closed && this.#forwarding) {
      this.#addon.clearFast(this.#handle, index);
    }
  }

  /**
   * Runs `read` while the forwarding thread waits, so that the tables it writes are read at
   * one moment (figures, ticks). `read` must not call back into this object.
   */
  paused<T>(read: () => T): T {
    if (this.#closed || !this.#forwarding) {
      return read();
    }
    this.#addon.pause(this.#handle);
    try {
      return read();
    } finally {
      this.#addon.resume(this.#handle);
    }
  }

  /** The I/O path's own counters; zeros once shut down. */
  ioCounters(): UdpBatchCounters {
    const c = this.#closed ? [] : this.#addon.ioCounters(this.#handle);
    return {
      wakeups: c[0] ?? 0,
      forwardingWakeups: c[1] ?? 0,
      received: c[2] ?? 0,
      forwardedNatively: c[3] ?? 0,
      droppedNatively: c[4] ?? 0,
      toScript: c[5] ?? 0,
      scriptCalls: c[6] ?? 0,
      sendCalls: c[7] ?? 0,
    };
  }

  /** Closes every socket and releases the native context. Idempotent. */
  shutdown(): void {
    if (this.#closed) {
      return;
    }
    if (this.#inBatch) {
      this.#shutdownPending = true;
      return;
    }
    this.#closed = true;
    this.#addon.shutdown(this.#handle);
  }

  #afterBatch(): void {
    if (this.#deferredCloses.length > 0) {
      const closes = this.#deferredCloses;
      this.#deferredCloses = [];
      for (const index of closes) {
        this.close(index);
      }
    }
    if (this.#shutdownPending) {
      this.#shutdownPending = false;
      this.shutdown();
    }
  }
}
