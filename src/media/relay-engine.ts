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
 * Control operations (allocate, setPeer, close, stats) are ordinary methods. A coarse
 * ticker releases sessions that carried no valid packet for the inactivity timeout.
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import {
  ErrorCodes,
  SimError,
  systemClock,
  type Clock,
  type ComponentLogger,
  type DatagramEgress,
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
  readonly socket: dgram.Socket;
  address = '';
  port = 0;
  peerAddress = '';
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
  readonly onMessage: (msg: Buffer, rinfo: dgram.RemoteInfo) => void;

  constructor(engine: RelayEngine, session: Session, index: number, bufferBytes: number) {
    this.engine = engine;
    this.session = session;
    this.index = index;
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

  constructor(engine: RelayEngine, id: string, now: number, bufferBytes: number) {
    this.id = id;
    this.idleSince = now;
    const a = new Leg(engine, this, LEG_A, bufferBytes);
    const b = new Leg(engine, this, LEG_B, bufferBytes);
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
  srcAddress = '';
  srcPort = 0;
  /** The packet class found by the classifier. */
  cls = 0;
  /** Set by the source stage when it latched a new peer. */
  latched = false;
  maxLength = DEFAULT_MAX_PACKET_LENGTH;
  now = 0;
  /** Where forwarded packets go out through, when links are impaired. */
  egress: DatagramEgress | null = null;
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
    this.#bufferBytes = options.socketBufferBytes ?? 0;
    this.#idPrefix = options.idPrefix ?? 'r';
    this.#ctx.maxLength = options.maxPacketLength ?? DEFAULT_MAX_PACKET_LENGTH;
    this.#stats = new StreamStatsTable(this.#maxSessions * 2);
    this.#ticker = new CoarseTicker(options.tickMs ?? 1000, this.#clock);
    if (this.#timeoutMs > 0) {
      this.#ticker.add(this);
    }
  }

  /** Number of open sessions. */
  get sessionCount(): number {
    return this.#sessions.size;
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
    const session = new Session(this, id, this.#clock.now(), this.#bufferBytes);
    const [a, b] = session.legs;
    try {
      await this.#bind(a, addrA);
      await this.#bind(b, addrB);
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
    a.socket.on('message', a.onMessage);
    b.socket.on('message', b.onMessage);
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
   * The per-packet entry point, called from each leg's bound 'message' handler.
   *
   * @internal
   */
  onPacket(leg: Leg, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const ctx = this.#ctx;
    ctx.leg = leg;
    ctx.buf = msg;
    ctx.len = msg.length;
    ctx.srcAddress = rinfo.address;
    ctx.srcPort = rinfo.port;
    this.#received++;
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
    leg.peerPort = port;
    leg.peerState = state;
    if (!this.#connect || (!changed && leg.connected)) {
      return;
    }
    // Until the connect completes, sends go to the address explicitly.
    if (leg.connected) {
      leg.connected = false;
      try {
        leg.socket.disconnect();
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
      leg.socket.connect(port, address, () => {
        if (leg.peerAddress === address && leg.peerPort === port && leg.session.active) {
          leg.connected = true;
        }
      });
    } catch (e) {
      this.#log?.warn({ err: e, id: leg.session.id }, 'connect failed; sending unconnected');
    }
  }

  #bind(leg: Leg, address: string): Promise<void> {
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
          leg.socket.off('listening', onListening);
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
          leg.socket.off('error', onError);
          const bound = leg.socket.address();
          leg.address = bound.address;
          leg.port = bound.port;
          // Errors after bind (none are expected on UDP) must not crash the process.
          leg.socket.on('error', this.#onSocketError);
          resolve();
        };
        leg.socket.once('error', onError);
        leg.socket.once('listening', onListening);
        leg.socket.bind({ port, address, exclusive: true });
      });
    };
    return tryOnce(0);
  }

  #releaseLeg(leg: Leg): void {
    leg.socket.off('message', leg.onMessage);
    try {
      leg.socket.close();
    } catch {
      // Already closed, or never bound.
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
  if (leg.peerPort === ctx.srcPort && leg.peerAddress === ctx.srcAddress) {
    leg.learnUntil = 0;
    return ctx.cls;
  }
  if (leg.learnUntil !== 0) {
    if (clock.now() <= leg.learnUntil) {
      leg.peerAddress = ctx.srcAddress;
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

/** Stage 5: send the same Buffer out of the other leg's socket to that leg's peer. */
function stageForward(ctx: PacketContext): number {
  const leg = ctx.leg!;
  const out = leg.other!;
  if (out.peerPort === 0) {
    return DropReason.NO_PEER;
  }
  try {
    if (ctx.egress !== null) {
      ctx.egress.send(out.socket, ctx.buf, out.peerPort, out.peerAddress);
    } else if (out.connected) {
      out.socket.send(ctx.buf);
    } else {
      out.socket.send(ctx.buf, out.peerPort, out.peerAddress);
    }
  } catch {
    // Only a socket closed under us throws here; the packet is counted as a failed send.
    return DropReason.SEND_FAILED;
  }
  leg.forwarded++;
  return ctx.cls;
}
