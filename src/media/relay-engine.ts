/**
 * The relay core of one thread: sessions, their UDP sockets and the per-packet path.
 *
 * A session has two legs, A and B. Each leg owns one UDP socket (RTP and RTCP multiplexed on
 * it, RFC 5761) and knows its peer: the far end that signalling told us about (or that was
 * latched within the learning window). A packet received on leg A from A's peer goes out of
 * leg B's socket to B's peer, and the other way round:
 *
 * ```
 *   peer A  ---->  [leg A socket]  ==relay==>  [leg B socket]  ---->  peer B
 *   peer A  <----  [leg A socket]  <==relay==  [leg B socket]  <----  peer B
 * ```
 *
 * The per-packet path runs through named stages with one reused context object, and does no
 * allocation, no closure, no promise, no throw and no logging of its own:
 *
 * ```
 * receive -> stageClassify -> stageSession -> stageSource -> stageCount -> stageForward
 *                 |               |              |                            |
 *                 +---------------+--------------+----------------------------+--> countDrop
 * ```
 *
 * Datagrams come in and go out one of two ways (option `io`): through the batched UDP addon
 * (`udp-batch.ts`: one JavaScript call per wake-up of the event loop for every datagram
 * that arrived, sends queued and flushed together), or through `node:dgram` (one call and
 * one send per datagram), which is the fallback when the addon is not built, and the path
 * used with an egress. The stages are the same on both.
 *
 * Control operations (allocate, setPeer, close, stats) are ordinary methods. A coarse
 * ticker releases sessions that carried no valid packet for the inactivity timeout.
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import {
  ErrorCodes,
  formatIpv4,
  SimError,
  systemClock,
  type Clock,
  type ComponentLogger,
  type DatagramEgress,
  type DatagramTap,
} from '../core/index.js';
import {
  classifyPacket,
  DEFAULT_MAX_PACKET_LENGTH,
  DropReason,
  PacketClass,
  VERDICT_COUNT,
  VERDICT_NAMES,
  type DropReasonName,
} from './classifier.js';
import { PortPool } from './port-pool.js';
import { rtpSequenceNumber, rtpSsrc } from './rtp-header.js';
import { StreamStatsTable, type StreamStatsSnapshot } from './stats.js';
import { CoarseTicker, type Tickable } from './ticker.js';
import {
  ipv4ToUint32,
  loadUdpBatch,
  META_STRIDE,
  SEND_CLASS,
  SEND_STATUS,
  SEND_STRIDE,
  SEND_TAG,
  UdpBatchIo,
  udpBatchLoadError,
  uint32ToIpv4,
} from './udp-batch.js';

/** A transport address. */
export interface TransportAddress {
  readonly address: string;
  readonly port: number;
}

/** Which leg of a session. */
export type LegName = 'A' | 'B';

/** What to allocate: the local address each leg binds to. */
export interface AllocateRequest {
  readonly legA: { readonly bindAddress: string };
  readonly legB: { readonly bindAddress: string };
}

/** A relay session as allocated: the ports to put into the SDP of each side. */
export interface RelaySessionInfo {
  readonly id: string;
  readonly legA: TransportAddress;
  readonly legB: TransportAddress;
}

/** Per-leg figures of a session. */
export interface RelayLegStats {
  /** The leg's local address. */
  readonly local: TransportAddress;
  /** The accepted source and forwarding target, or null before signalling. */
  readonly peer: TransportAddress | null;
  /** How the peer was learnt. */
  readonly peerSource: 'none' | 'signalled' | 'latched';
  /** Valid RTP packets received on this leg from its peer. */
  readonly rtpPackets: number;
  /** Valid RTCP packets received on this leg from its peer. */
  readonly rtcpPackets: number;
  /** Bytes of valid packets received on this leg. */
  readonly bytes: number;
  /** Packets received on this leg and sent out of the other leg. */
  readonly forwarded: number;
  /** Packets received on this leg and dropped, by reason (only reasons seen). */
  readonly dropped: Partial<Record<DropReasonName, number>>;
  /** RFC 3550 receive statistics of the RTP stream arriving on this leg. */
  readonly stream: StreamStatsSnapshot | null;
}

/** Figures of one session. */
export interface RelaySessionStats {
  readonly id: string;
  readonly state: 'active' | 'closed';
  readonly legA: RelayLegStats;
  readonly legB: RelayLegStats;
}

/** Relay-wide counters. */
export interface RelayCounters {
  readonly sessions: number;
  readonly received: number;
  readonly forwarded: number;
  readonly forwardedBytes: number;
  readonly rtp: number;
  readonly rtcp: number;
  /** Drops by reason; every reason is present, zero when none. */
  readonly dropped: Record<DropReasonName, number>;
  readonly droppedTotal: number;
}

/** Why a session ended. */
export type SessionCloseReason = 'closed' | 'timeout' | 'shutdown';

/** Events of a relay. */
export type RelayEvents = {
  /** A session was closed; its ports are free again. */
  'session-closed': [{ id: string; reason: SessionCloseReason }];
  /** In learning mode, a leg latched onto the source of its first valid packet. */
  'peer-latched': [{ id: string; leg: LegName; peer: TransportAddress }];
};

/**
 * How the relay receives and sends datagrams: `batch` through the native addon (batched,
 * Linux), `dgram` through `node:dgram`, `auto` (the default) batch when the addon is built
 * and dgram otherwise.
 */
export type RelayIo = 'auto' | 'batch' | 'dgram';

/** The environment variable that sets the default of {@link RelayEngineOptions.io}. */
export const RELAY_IO_ENV = 'MEDIAPATH_RELAY_IO';

/**
 * The I/O path a relay will use. Without `requested`, the environment variable
 * `MEDIAPATH_RELAY_IO` (`auto`, `batch` or `dgram`) decides, else `auto`. An egress always
 * means dgram: it sends through dgram sockets.
 *
 * @throws SimError `MEDIA_BIND` when batch I/O is asked for and the addon is not available;
 *   TypeError for an unknown value.
 */
export function resolveRelayIo(
  requested: RelayIo | undefined,
  egress?: DatagramEgress,
): 'batch' | 'dgram' {
  const wanted = requested ?? (process.env[RELAY_IO_ENV] || 'auto');
  if (wanted !== 'auto' && wanted !== 'batch' && wanted !== 'dgram') {
    throw new TypeError(`relay io must be auto, batch or dgram, got ${wanted}`);
  }
  if (wanted === 'dgram' || egress !== undefined) {
    return 'dgram';
  }
  if (loadUdpBatch() === null) {
    if (wanted === 'batch') {
      throw new SimError(
        ErrorCodes.MEDIA_BIND,
        `batched UDP I/O is not available: ${udpBatchLoadError() ?? 'addon not loaded'}`,
      );
    }
    return 'dgram';
  }
  return 'batch';
}

/** Options of a relay engine (one thread). */
export interface RelayEngineOptions {
  /** Inclusive port range to bind legs from; omitted: ports chosen by the OS. */
  readonly portRange?: { readonly min: number; readonly max: number } | undefined;
  /** Largest number of concurrent sessions (default 10,000). */
  readonly maxSessions?: number | undefined;
  /** Largest datagram accepted (default 1500). */
  readonly maxPacketLength?: number | undefined;
  /**
   * Learning window in milliseconds after allocation or signalling during which a leg
   * latches onto the source of its first valid packet. 0 (the default) means strict: only
   * the signalled peer is accepted.
   */
  readonly learningWindowMs?: number | undefined;
  /** A session with no valid packet for this long is closed (default 30,000; 0: never). */
  readonly inactivityTimeoutMs?: number | undefined;
  /** Period of the coarse inactivity ticker (default 1,000 ms). */
  readonly tickMs?: number | undefined;
  /**
   * Connect each leg's socket to its peer once known. Sends then skip the per-packet
   * address handling, and the kernel itself discards datagrams from other sources, so
   * strangers are not seen (nor counted) by the relay. Default false.
   */
  readonly connectSockets?: boolean | undefined;
  /** SO_RCVBUF and SO_SNDBUF for each leg socket, in bytes; omitted: system default. */
  readonly socketBufferBytes?: number | undefined;
  /** Prefix of session ids (distinguishes shards). */
  readonly idPrefix?: string | undefined;
  /** Time source (default: the system clock). */
  readonly clock?: Clock | undefined;
  /**
   * Sends forwarded packets through this (link impairment in user space) instead of straight
   * to the socket. Leg sockets are then never connected. One thread only: an egress cannot be
   * shared with worker threads.
   */
  readonly egress?: DatagramEgress | undefined;
  /**
   * Batched I/O through the native addon, or `node:dgram` (see {@link RelayIo}). Default:
   * `MEDIAPATH_RELAY_IO`, else `auto`. With an egress the relay always uses dgram.
   */
  readonly io?: RelayIo | undefined;
  /**
   * Told of every datagram a leg receives, before any check (a capture of the run). One
   * thread only. Costs one comparison per datagram when absent.
   */
  readonly tap?: DatagramTap | undefined;
}

const LEG_A = 0;
const LEG_B = 1;
const PEER_NONE = 0;
const PEER_SIGNALLED = 1;
const PEER_LATCHED = 2;

/**
 * A synchronous address lookup for IP literals. The default dgram lookup goes through
 * `dns.lookup`, which defers every unconnected send by one tick even for a literal.
 */
function literalLookup(
  address: string,
  _family: unknown,
  callback: (err: Error | null, address: string, family: number) => void,
): void {
  callback(null, address, 4);
}

/** One side of a session. All fields are set in the constructor (stable shape). */
class Leg {
  readonly engine: RelayEngine;
  readonly session: Session;
  readonly index: number;
  /** The leg's socket on the dgram path; null with batched I/O. */
  readonly socket: dgram.Socket | null;
  /** The leg's socket index in the batch context; -1 on the dgram path or when closed. */
  sock = -1;
  address = '';
  port = 0;
  peerAddress = '';
  /** The peer's address as a host-order uint32 (batched I/O compares these). */
  peerIp = 0;
  peerPort = 0;
  peerState = PEER_NONE;
  /** Clock time until which the leg may latch; 0 when learning is over or off. */
  learnUntil = 0;
  connected = false;
  other: Leg | null = null;
  statsSlot = -1;
  rtp = 0;
  rtcp = 0;
  bytes = 0;
  forwarded = 0;
  readonly onMessage: ((msg: Buffer, rinfo: dgram.RemoteInfo) => void) | null;

  constructor(
    engine: RelayEngine,
    session: Session,
    index: number,
    bufferBytes: number,
    batch: boolean,
  ) {
    this.engine = engine;
    this.session = session;
    this.index = index;
    if (batch) {
      // The batch context owns the socket; nothing per leg on the JavaScript side.
      this.socket = null;
      this.onMessage = null;
      return;
    }
    const options: dgram.SocketOptions = { type: 'udp4', lookup: literalLookup };
    if (bufferBytes > 0) {
      this.socket = dgram.createSocket({
        ...options,
        recvBufferSize: bufferBytes,
        sendBufferSize: bufferBytes,
      });
    } else {
      this.socket = dgram.createSocket(options);
    }
    // The handler is bound once per leg; the packet path allocates nothing of its own.
    this.onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
      engine.onPacket(this, msg, rinfo);
    };
  }
}

/** A relay session: two legs and their counters. */
class Session {
  readonly id: string;
  readonly legs: [Leg, Leg];
  /** Drops by reason, `leg * VERDICT_COUNT + reason`. */
  /**
   * Drops by reason, `leg * VERDICT_COUNT + reason`; allocated on the session's first drop
   * (most sessions never drop a packet), so at most once per session.
   */
  drops: Float64Array | null = null;
  active = true;
  /** Valid packets seen at the last tick, and since when none arrived. */
  lastSeen = 0;
  idleSince: number;

  constructor(engine: RelayEngine, id: string, now: number, bufferBytes: number, batch: boolean) {
    this.id = id;
    this.idleSince = now;
    const a = new Leg(engine, this, LEG_A, bufferBytes, batch);
    const b = new Leg(engine, this, LEG_B, bufferBytes, batch);
    a.other = b;
    b.other = a;
    this.legs = [a, b];
  }
}

/** The per-packet context, one per engine, reused for every packet. */
class PacketContext {
  leg: Leg | null = null;
  buf: Buffer = Buffer.alloc(0);
  len = 0;
  /** Source address: a string on the dgram path, a uint32 with batched I/O. */
  srcAddress = '';
  srcIp = 0;
  srcPort = 0;
  /** The packet's slot in the batch (batched I/O). */
  slot = 0;
  /** The packet class found by the classifier. */
  cls = 0;
  /** Set by the source stage when it latched a new peer. */
  latched = false;
  maxLength = DEFAULT_MAX_PACKET_LENGTH;
  now = 0;
  /** Where forwarded packets go out through, when links are impaired. */
  egress: DatagramEgress | null = null;
  /** The batch context with batched I/O; null on the dgram path. */
  io: UdpBatchIo | null = null;
}

/**
 * The relay of one thread. Use {@link createRelay} for the public, possibly sharded, relay;
 * this class is its in-thread core.
 */
export class RelayEngine extends EventEmitter<RelayEvents> implements Tickable {
  readonly #log: ComponentLogger | undefined;
  readonly #clock: Clock;
  readonly #pool: PortPool | undefined;
  readonly #maxSessions: number;
  readonly #learningWindowMs: number;
  readonly #timeoutMs: number;
  readonly #connect: boolean;
  readonly #bufferBytes: number;
  readonly #idPrefix: string;
  readonly #sessions = new Map<string, Session>();
  readonly #stats: StreamStatsTable;
  readonly #ticker: CoarseTicker;
  readonly #ctx = new PacketContext();
  readonly #tap: DatagramTap | null;
  /** The batch context, with batched I/O. */
  readonly #io: UdpBatchIo | null;
  /** Legs by socket index in the batch context; null once closed. */
  readonly #legsBySock: (Leg | null)[] = [];
  /** Relay-wide counters by verdict code. */
  readonly #verdicts = new Float64Array(VERDICT_COUNT);
  #received = 0;
  #forwarded = 0;
  #forwardedBytes = 0;
  #nextId = 1;
  #closed = false;
  /** One handler for errors of every leg socket, instead of a closure per socket. */
  readonly #onSocketError = (err: Error): void => {
    this.#log?.warn({ err }, 'relay socket error');
  };

  /**
   * @param options - Engine options.
   * @param logger - Parent logger; the engine logs control events only, never per packet.
   * @throws RangeError when the port range is invalid.
   */
  constructor(options: RelayEngineOptions = {}, logger?: ComponentLogger) {
    super();
    this.#log = logger?.child({ mod: 'media.relay' });
    this.#clock = options.clock ?? systemClock;
    this.#pool =
      options.portRange === undefined
        ? undefined
        : new PortPool(options.portRange.min, options.portRange.max);
    this.#maxSessions = options.maxSessions ?? 10_000;
    this.#learningWindowMs = options.learningWindowMs ?? 0;
    this.#timeoutMs = options.inactivityTimeoutMs ?? 30_000;
    this.#connect = options.egress === undefined ? (options.connectSockets ?? false) : false;
    this.#ctx.egress = options.egress ?? null;
    this.#tap = options.tap ?? null;
    this.#bufferBytes = options.socketBufferBytes ?? 0;
    this.#idPrefix = options.idPrefix ?? 'r';
    this.#ctx.maxLength = options.maxPacketLength ?? DEFAULT_MAX_PACKET_LENGTH;
    this.#stats = new StreamStatsTable(this.#maxSessions * 2);
    this.#ticker = new CoarseTicker(options.tickMs ?? 1000, this.#clock);
    if (this.#timeoutMs > 0) {
      this.#ticker.add(this);
    }
    const native = resolveRelayIo(options.io, options.egress) === 'batch' ? loadUdpBatch() : null;
    this.#io =
      native === null
        ? null
        : new UdpBatchIo(native, this.#ctx.maxLength, (count) => {
            this.#onBatch(count);
          });
    this.#ctx.io = this.#io;
  }

  /** Number of open sessions. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** The I/O path in use: the batched addon or `node:dgram`. */
  get io(): 'batch' | 'dgram' {
    return this.#io === null ? 'dgram' : 'batch';
  }

  /**
   * Binds two sockets, one per leg, and returns their addresses.
   *
   * @throws SimError `MEDIA_PORTS_EXHAUSTED` when the range or session limit is used up;
   *   `MEDIA_BIND` when a socket cannot be bound; TypeError for a bad bind address.
   */
  async allocate(request: AllocateRequest): Promise<RelaySessionInfo> {
    if (this.#closed) {
      throw new SimError(ErrorCodes.MEDIA_BIND, 'relay is shut down');
    }
    const addrA = request.legA.bindAddress;
    const addrB = request.legB.bindAddress;
    if (!isIPv4(addrA) || !isIPv4(addrB)) {
      throw new TypeError(`bind addresses must be IPv4 literals, got ${addrA} and ${addrB}`);
    }
    if (this.#sessions.size >= this.#maxSessions) {
      throw new SimError(
        ErrorCodes.MEDIA_PORTS_EXHAUSTED,
        `relay holds its maximum of ${this.#maxSessions} sessions`,
      );
    }
    const id = `${this.#idPrefix}${this.#nextId++}`;
    const session = new Session(this, id, this.#clock.now(), this.#bufferBytes, this.#io !== null);
    const [a, b] = session.legs;
    try {
      if (this.#io === null) {
        await this.#bind(a, addrA);
        await this.#bind(b, addrB);
      } else {
        this.#bindBatch(this.#io, a, addrA);
        this.#bindBatch(this.#io, b, addrB);
      }
    } catch (e) {
      this.#releaseLeg(a);
      this.#releaseLeg(b);
      throw e;
    }
    a.statsSlot = this.#stats.allocate();
    b.statsSlot = this.#stats.allocate();
    if (this.#learningWindowMs > 0) {
      const until = this.#clock.now() + this.#learningWindowMs;
      a.learnUntil = until;
      b.learnUntil = until;
    }
    for (const leg of session.legs) {
      if (leg.socket !== null && leg.onMessage !== null) {
        leg.socket.on('message', leg.onMessage);
      } else {
        this.#legsBySock[leg.sock] = leg;
      }
    }
    this.#sessions.set(id, session);
    this.#log?.debug({ id, legA: a.port, legB: b.port }, 'session allocated');
    return {
      id,
      legA: { address: a.address, port: a.port },
      legB: { address: b.address, port: b.port },
    };
  }

  /**
   * Sets the peer of one leg from signalling (the address in the far end's SDP). Packets on
   * that leg are then accepted only from this address and port, and packets from the other
   * leg are sent to it. In learning mode the learning window restarts.
   *
   * @throws SimError `MEDIA_UNKNOWN_SESSION`; TypeError for a bad address or port.
   */
  setPeer(id: string, leg: LegName, peer: TransportAddress): void {
    const session = this.#session(id);
    if (
      !isIPv4(peer.address) ||
      !Number.isInteger(peer.port) ||
      peer.port < 1 ||
      peer.port > 65535
    ) {
      throw new TypeError(
        `peer must be an IPv4 literal and a port 1-65535, got ${peer.address}:${peer.port}`,
      );
    }
    const l = session.legs[leg === 'A' ? LEG_A : LEG_B];
    this.#setLegPeer(l, peer.address, peer.port, PEER_SIGNALLED);
    if (this.#learningWindowMs > 0) {
      l.learnUntil = this.#clock.now() + this.#learningWindowMs;
    }
  }

  /**
   * Closes a session and frees its ports. Closing an unknown or closed session is a no-op
   * returning false.
   */
  close(id: string, reason: SessionCloseReason = 'closed'): boolean {
    const session = this.#sessions.get(id);
    if (session === undefined) {
      return false;
    }
    this.#sessions.delete(id);
    session.active = false;
    for (const leg of session.legs) {
      this.#releaseLeg(leg);
      this.#stats.release(leg.statsSlot);
    }
    this.#log?.debug({ id, reason }, 'session closed');
    this.emit('session-closed', { id, reason });
    return true;
  }

  /**
   * Figures of one session.
   *
   * @throws SimError `MEDIA_UNKNOWN_SESSION`.
   */
  stats(id: string): RelaySessionStats {
    const session = this.#session(id);
    return {
      id,
      state: session.active ? 'active' : 'closed',
      legA: this.#legStats(session, session.legs[LEG_A]),
      legB: this.#legStats(session, session.legs[LEG_B]),
    };
  }

  /** Relay-wide counters. */
  counters(): RelayCounters {
    const dropped = {} as Record<DropReasonName, number>;
    let droppedTotal = 0;
    for (let code = 2; code < VERDICT_COUNT; code++) {
      const n = this.#verdicts[code]!;
      dropped[VERDICT_NAMES[code] as DropReasonName] = n;
      droppedTotal += n;
    }
    return {
      sessions: this.#sessions.size,
      received: this.#received,
      forwarded: this.#forwarded,
      forwardedBytes: this.#forwardedBytes,
      rtp: this.#verdicts[PacketClass.RTP]!,
      rtcp: this.#verdicts[PacketClass.RTCP]!,
      dropped,
      droppedTotal,
    };
  }

  /** Closes every session and stops the ticker. Idempotent. */
  shutdown(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#ticker.remove(this);
    for (const id of [...this.#sessions.keys()]) {
      this.close(id, 'shutdown');
    }
    this.#io?.shutdown();
  }

  /**
   * The coarse inactivity check: a session whose legs received no valid packet since the
   * previous tick accumulates idle time, and is closed once it reaches the timeout.
   */
  onTick(now: number): void {
    if (this.#timeoutMs <= 0) {
      return;
    }
    let expired: string[] | undefined;
    for (const session of this.#sessions.values()) {
      const [a, b] = session.legs;
      const seen = a.rtp + a.rtcp + b.rtp + b.rtcp;
      if (seen !== session.lastSeen) {
        session.lastSeen = seen;
        session.idleSince = now;
      } else if (now - session.idleSince >= this.#timeoutMs) {
        (expired ??= []).push(session.id);
      }
    }
    if (expired !== undefined) {
      for (const id of expired) {
        this.#log?.info({ id, timeoutMs: this.#timeoutMs }, 'session timed out');
        this.close(id, 'timeout');
      }
    }
  }

  /** Runs the inactivity check now (tests drive it with a fake clock). */
  tickNow(): void {
    this.onTick(this.#clock.now());
  }

  /**
   * The per-packet entry point of the dgram path, called from each leg's bound 'message'
   * handler.
   *
   * @internal
   */
  onPacket(leg: Leg, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const ctx = this.#ctx;
    ctx.buf = msg;
    ctx.len = msg.length;
    ctx.srcAddress = rinfo.address;
    ctx.srcPort = rinfo.port;
    this.#relay(leg);
  }

  /**
   * The entry point of batched I/O: `count` datagrams are in the batch's slots, described
   * by the meta array. Each runs through the stages; forwards are queued and sent together
   * at the end. A datagram whose socket was closed meanwhile is skipped, as dgram delivers
   * nothing after a close.
   */
  #onBatch(count: number): void {
    const io = this.#io!;
    const ctx = this.#ctx;
    const meta = io.meta;
    const slots = io.slotBuffers;
    for (let i = 0; i < count; i++) {
      const m = i * META_STRIDE;
      const leg = this.#legsBySock[meta[m]!];
      if (leg === undefined || leg === null) {
        continue;
      }
      ctx.slot = i;
      ctx.buf = slots[i]!;
      ctx.len = meta[m + 1]!;
      ctx.srcIp = meta[m + 2]!;
      ctx.srcPort = meta[m + 3]!;
      this.#relay(leg);
    }
    if (io.flush() > 0) {
      this.#countFailedSends(io);
    }
  }

  /**
   * Sends that the kernel refused in a flush (a full socket buffer, say): counted again as
   * `send-failed` drops instead of forwards.
   */
  #countFailedSends(io: UdpBatchIo): void {
    const send = io.send;
    for (let i = 0; i < io.queued; i++) {
      const d = i * SEND_STRIDE;
      if (send[d + SEND_STATUS] === 0) {
        continue;
      }
      const cls = send[d + SEND_CLASS]!;
      const len = send[d + 4]!;
      this.#forwarded--;
      this.#forwardedBytes -= len;
      this.#verdicts[cls]! -= 1;
      this.#verdicts[DropReason.SEND_FAILED]! += 1;
      const leg = this.#legsBySock[send[d + SEND_TAG]!];
      if (leg !== undefined && leg !== null) {
        leg.forwarded--;
        countSessionDrop(leg.session, leg.index, DropReason.SEND_FAILED);
      }
    }
  }

  /** Runs one datagram, described by the context, through the stages. */
  #relay(leg: Leg): void {
    const ctx = this.#ctx;
    ctx.leg = leg;
    this.#received++;
    if (this.#tap !== null) {
      this.#tap.received(
        leg.address,
        leg.port,
        ctx.io === null ? ctx.srcAddress : formatIpv4(ctx.srcIp),
        ctx.srcPort,
        ctx.buf,
        ctx.len,
      );
    }
    let verdict = stageClassify(ctx);
    if (verdict < 2) {
      verdict = stageSession(ctx);
    }
    if (verdict < 2) {
      verdict = stageSource(ctx, this.#clock);
      if (ctx.latched) {
        this.#onLatched(leg);
      }
    }
    if (verdict < 2) {
      stageCount(ctx, this.#stats);
      verdict = stageForward(ctx);
    }
    if (verdict < 2) {
      this.#forwarded++;
      this.#forwardedBytes += ctx.len;
      this.#verdicts[verdict]! += 1;
    } else {
      this.#verdicts[verdict]! += 1;
      countSessionDrop(leg.session, leg.index, verdict);
    }
    ctx.buf = EMPTY;
    ctx.leg = null;
  }

  #onLatched(leg: Leg): void {
    if (this.#io !== null) {
      leg.peerAddress = uint32ToIpv4(leg.peerIp);
    }
    // Once per leg at most: connect and tell the owner which source was latched.
    this.#setLegPeer(leg, leg.peerAddress, leg.peerPort, PEER_LATCHED);
    this.emit('peer-latched', {
      id: leg.session.id,
      leg: leg.index === LEG_A ? 'A' : 'B',
      peer: { address: leg.peerAddress, port: leg.peerPort },
    });
  }

  #session(id: string): Session {
    const session = this.#sessions.get(id);
    if (session === undefined) {
      throw new SimError(ErrorCodes.MEDIA_UNKNOWN_SESSION, `no relay session ${id}`, {
        details: { id },
      });
    }
    return session;
  }

  #setLegPeer(leg: Leg, address: string, port: number, state: number): void {
    const changed = leg.peerAddress !== address || leg.peerPort !== port;
    leg.peerAddress = address;
    leg.peerIp = ipv4ToUint32(address);
    leg.peerPort = port;
    leg.peerState = state;
    if (!this.#connect || (!changed && leg.connected)) {
      return;
    }
    if (this.#io !== null) {
      this.#connectBatch(this.#io, leg, state);
      return;
    }
    const socket = leg.socket!;
    // Until the connect completes, sends go to the address explicitly.
    if (leg.connected) {
      leg.connected = false;
      try {
        socket.disconnect();
      } catch {
        // Not connected after all: nothing to undo.
      }
    }
    // In learning mode, connecting before the latch would let the kernel hide the real
    // source; connect only once the peer is final.
    if (state === PEER_SIGNALLED && leg.learnUntil !== 0 && this.#learningWindowMs > 0) {
      return;
    }
    try {
      socket.connect(port, address, () => {
        if (leg.peerAddress === address && leg.peerPort === port && leg.session.active) {
          leg.connected = true;
        }
      });
    } catch (e) {
      this.#log?.warn({ err: e, id: leg.session.id }, 'connect failed; sending unconnected');
    }
  }

  /**
   * Batched I/O: connects a leg's socket to its final peer (synchronous; sends go to the
   * connected peer without an address from then on).
   */
  #connectBatch(io: UdpBatchIo, leg: Leg, state: number): void {
    try {
      if (leg.connected) {
        leg.connected = false;
        io.connect(leg.sock, null, 0);
      }
      if (state === PEER_SIGNALLED && leg.learnUntil !== 0 && this.#learningWindowMs > 0) {
        return;
      }
      io.connect(leg.sock, leg.peerAddress, leg.peerPort);
      leg.connected = true;
    } catch (e) {
      this.#log?.warn({ err: e, id: leg.session.id }, 'connect failed; sending unconnected');
    }
  }

  /** Batched I/O: binds a leg's socket, from the port range when there is one. */
  #bindBatch(io: UdpBatchIo, leg: Leg, address: string): void {
    const pool = this.#pool;
    const attempts = pool === undefined ? 1 : Math.min(pool.size, 64);
    for (let attempt = 0; ; attempt++) {
      const port = pool === undefined ? 0 : pool.take();
      if (port < 0) {
        throw new SimError(
          ErrorCodes.MEDIA_PORTS_EXHAUSTED,
          'no free port left in the relay range',
        );
      }
      try {
        const [sock, bound] = io.bind(address, port, this.#bufferBytes);
        leg.sock = sock;
        leg.address = address;
        leg.port = bound;
        return;
      } catch (e) {
        if (port !== 0) {
          pool?.give(port);
        }
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' && pool !== undefined && attempt + 1 < attempts) {
          continue;
        }
        const message = e instanceof Error ? e.message : String(e);
        throw new SimError(ErrorCodes.MEDIA_BIND, `cannot bind ${address}:${port}: ${message}`, {
          cause: e,
          details: { address, port },
        });
      }
    }
  }

  #bind(leg: Leg, address: string): Promise<void> {
    const socket = leg.socket!;
    const pool = this.#pool;
    const attempts = pool === undefined ? 1 : Math.min(pool.size, 64);
    const tryOnce = (attempt: number): Promise<void> => {
      const port = pool === undefined ? 0 : pool.take();
      if (port < 0) {
        return Promise.reject(
          new SimError(ErrorCodes.MEDIA_PORTS_EXHAUSTED, 'no free port left in the relay range'),
        );
      }
      return new Promise<void>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException): void => {
          socket.off('listening', onListening);
          if (port !== 0) {
            pool?.give(port);
          }
          if (err.code === 'EADDRINUSE' && pool !== undefined && attempt + 1 < attempts) {
            resolve(tryOnce(attempt + 1));
            return;
          }
          reject(
            new SimError(ErrorCodes.MEDIA_BIND, `cannot bind ${address}:${port}: ${err.message}`, {
              cause: err,
              details: { address, port },
            }),
          );
        };
        const onListening = (): void => {
          socket.off('error', onError);
          const bound = socket.address();
          leg.address = bound.address;
          leg.port = bound.port;
          // Errors after bind (none are expected on UDP) must not crash the process.
          socket.on('error', this.#onSocketError);
          resolve();
        };
        socket.once('error', onError);
        socket.once('listening', onListening);
        socket.bind({ port, address, exclusive: true });
      });
    };
    return tryOnce(0);
  }

  #releaseLeg(leg: Leg): void {
    if (leg.socket !== null && leg.onMessage !== null) {
      leg.socket.off('message', leg.onMessage);
      try {
        leg.socket.close();
      } catch {
        // Already closed, or never bound.
      }
    } else if (leg.sock >= 0) {
      this.#legsBySock[leg.sock] = null;
      this.#io?.close(leg.sock);
      leg.sock = -1;
    }
    if (leg.port !== 0) {
      this.#pool?.give(leg.port);
    }
    leg.connected = false;
  }

  #legStats(session: Session, leg: Leg): RelayLegStats {
    const dropped: Partial<Record<DropReasonName, number>> = {};
    for (let code = 2; code < VERDICT_COUNT; code++) {
      const n = session.drops?.[leg.index * VERDICT_COUNT + code] ?? 0;
      if (n > 0) {
        dropped[VERDICT_NAMES[code] as DropReasonName] = n;
      }
    }
    return {
      local: { address: leg.address, port: leg.port },
      peer: leg.peerState === PEER_NONE ? null : { address: leg.peerAddress, port: leg.peerPort },
      peerSource:
        leg.peerState === PEER_NONE
          ? 'none'
          : leg.peerState === PEER_LATCHED
            ? 'latched'
            : 'signalled',
      rtpPackets: leg.rtp,
      rtcpPackets: leg.rtcp,
      bytes: leg.bytes,
      forwarded: leg.forwarded,
      dropped,
      stream: leg.rtp > 0 && session.active ? this.#stats.snapshot(leg.statsSlot, 8000) : null,
    };
  }
}

const EMPTY = Buffer.alloc(0);

/** Counts a drop on a session's leg; the table is created on the session's first drop. */
function countSessionDrop(session: Session, leg: number, verdict: number): void {
  const drops = (session.drops ??= new Float64Array(VERDICT_COUNT * 2));
  drops[leg * VERDICT_COUNT + verdict]! += 1;
}

/*
 * Every stage returns the packet class to continue with, or a drop reason to stop.
 */

/** Stage 1: length and structure (see classifier.ts). */
function stageClassify(ctx: PacketContext): number {
  const verdict = classifyPacket(ctx.buf, ctx.len, ctx.maxLength);
  ctx.cls = verdict;
  return verdict;
}

/** Stage 2: the leg's session must still be forwarding. */
function stageSession(ctx: PacketContext): number {
  return ctx.leg!.session.active ? ctx.cls : DropReason.INACTIVE;
}

/**
 * Stage 3: the source must be the leg's peer. Strangers are dropped without a reply (RTP
 * bleed). In learning mode, the first valid packet within the window latches its source.
 */
function stageSource(ctx: PacketContext, clock: Clock): number {
  const leg = ctx.leg!;
  ctx.latched = false;
  if (
    leg.peerPort === ctx.srcPort &&
    (ctx.io !== null ? leg.peerIp === ctx.srcIp : leg.peerAddress === ctx.srcAddress)
  ) {
    leg.learnUntil = 0;
    return ctx.cls;
  }
  if (leg.learnUntil !== 0) {
    if (clock.now() <= leg.learnUntil) {
      // The engine completes the other form of the address once latched (#onLatched).
      leg.peerAddress = ctx.srcAddress;
      leg.peerIp = ctx.srcIp;
      leg.peerPort = ctx.srcPort;
      leg.learnUntil = 0;
      ctx.latched = true;
      return ctx.cls;
    }
    leg.learnUntil = 0;
  }
  return DropReason.STRANGER;
}

/** Stage 4: per-leg counters and RFC 3550 A.1 sequence statistics. */
function stageCount(ctx: PacketContext, stats: StreamStatsTable): void {
  const leg = ctx.leg!;
  leg.bytes += ctx.len;
  if (ctx.cls === PacketClass.RTCP) {
    leg.rtcp++;
  } else {
    leg.rtp++;
    const buf = ctx.buf;
    stats.onRtp(leg.statsSlot, rtpSsrc(buf), rtpSequenceNumber(buf), ctx.len);
  }
}

/**
 * Stage 5: send the same bytes out of the other leg's socket to that leg's peer. With
 * batched I/O the send is queued (the batch's slot goes out as it is) and the whole batch
 * is flushed at its end; a send the kernel refuses then is counted as `send-failed`.
 */
function stageForward(ctx: PacketContext): number {
  const leg = ctx.leg!;
  const out = leg.other!;
  if (out.peerPort === 0) {
    return DropReason.NO_PEER;
  }
  if (ctx.io !== null) {
    if (out.sock < 0) {
      return DropReason.SEND_FAILED;
    }
    ctx.io.queue(
      out.sock,
      out.peerIp,
      out.connected ? 0 : out.peerPort,
      ctx.slot,
      ctx.len,
      leg.sock,
      ctx.cls,
    );
    leg.forwarded++;
    return ctx.cls;
  }
  const socket = out.socket!;
  try {
    if (ctx.egress !== null) {
      ctx.egress.send(socket, ctx.buf, out.peerPort, out.peerAddress);
    } else if (out.connected) {
      socket.send(ctx.buf);
    } else {
      socket.send(ctx.buf, out.peerPort, out.peerAddress);
    }
  } catch {
    // Only a socket closed under us throws here; the packet is counted as a failed send.
    return DropReason.SEND_FAILED;
  }
  leg.forwarded++;
  return ctx.cls;
}
