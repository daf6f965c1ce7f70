/**
 * The relay core of one thread: its control side (allocate, setPeer, close, stats, counters,
 * shutdown and the inactivity tick) and the two entry points of the per-packet path.
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
 * The per-packet path runs through the named stages of `relay-stages.ts` with one reused
 * context object, and does no allocation, no closure, no promise, no throw and no logging of
 * its own:
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
 *
 * Sessions and legs are in `relay-session.ts`, binding a leg's socket in `relay-sockets.ts`,
 * the types of the control API in `relay-types.ts`. The engine must not know SIP, SDP or
 * policy (the signalling side gives orders through `relay.ts`); the checks a packet goes
 * through belong to the stages, and the engine runs them, counts their outcome and handles
 * a latched peer.
 */
import type dgram from 'node:dgram';
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
  DEFAULT_MAX_PACKET_LENGTH,
  DropReason,
  PacketClass,
  VERDICT_COUNT,
  VERDICT_NAMES,
  type DropReasonName,
} from './classifier.js';
import { checkMediaPeer } from './media-address.js';
import { PortPool } from './port-pool.js';
import {
  countSessionDrop,
  LEG_A,
  LEG_B,
  legStats,
  PEER_LATCHED,
  PEER_NONE,
  PEER_SIGNALLED,
  Session,
  type Leg,
  type LegPacketHandler,
} from './relay-session.js';
import { bindBatchLeg, bindDgramLeg } from './relay-sockets.js';
import {
  PacketContext,
  stageClassify,
  stageCount,
  stageForward,
  stageSession,
  stageSource,
} from './relay-stages.js';
import {
  RELAY_IO_ENV,
  type AllocateRequest,
  type LegName,
  type MediaTimeout,
  type RelayCounters,
  type RelayEngineOptions,
  type RelayEvents,
  type RelayIo,
  type RelaySessionInfo,
  type RelaySessionStats,
  type SessionCloseReason,
  type TransportAddress,
} from './relay-types.js';
import { StreamStatsTable } from './stats.js';
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

/**
 * The relay of one thread. Use {@link createRelay} for the public, possibly sharded, relay;
 * this class is its in-thread core.
 */
export class RelayEngine extends EventEmitter<RelayEvents> implements Tickable, LegPacketHandler {
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
  /** Open sessions with per-leg media timeouts (the ticker runs while there are any). */
  #timed = 0;
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
        await bindDgramLeg(a, addrA, this.#pool, this.#onSocketError);
        await bindDgramLeg(b, addrB, this.#pool, this.#onSocketError);
      } else {
        bindBatchLeg(this.#io, a, addrA, this.#pool, this.#bufferBytes);
        bindBatchLeg(this.#io, b, addrB, this.#pool, this.#bufferBytes);
      }
    } catch (e) {
      this.#releaseLeg(a);
      this.#releaseLeg(b);
      throw e;
    }
    a.statsSlot = this.#stats.allocate();
    b.statsSlot = this.#stats.allocate();
    session.rtpTimeoutMs = request.timeouts?.rtpMs ?? 0;
    session.rtcpTimeoutMs = request.timeouts?.rtcpMs ?? 0;
    if (session.rtpTimeoutMs > 0 || session.rtcpTimeoutMs > 0) {
      this.#timed++;
      this.#ticker.add(this);
    }
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
   * @throws SimError `MEDIA_UNKNOWN_SESSION`; TypeError for a bad address or port, or an
   *   address that is not unicast (multicast, broadcast, reserved, unspecified).
   */
  setPeer(id: string, leg: LegName, peer: TransportAddress): void {
    const session = this.#session(id);
    // A unicast address only: no description may aim the relay at a group or every host.
    checkMediaPeer(peer);
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
    if (session.rtpTimeoutMs > 0 || session.rtcpTimeoutMs > 0) {
      this.#timed--;
      if (this.#timed === 0 && this.#timeoutMs <= 0) {
        this.#ticker.remove(this);
      }
    }
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
      legA: legStats(session, session.legs[LEG_A], this.#stats),
      legB: legStats(session, session.legs[LEG_B], this.#stats),
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
   * previous tick accumulates idle time, and is closed once it reaches the timeout. Then the
   * per-leg media timeouts of the sessions that have them.
   */
  onTick(now: number): void {
    if (this.#timed > 0) {
      this.#checkLegTimeouts(now);
    }
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

  /**
   * Per-leg media timeouts: a leg whose peer is known and that received no valid RTP (or RTCP)
   * since the previous tick accumulates idle time; at the session's timeout it is reported once
   * (`media-timeout`). Closing the session is its owner's decision (it ends the call first).
   */
  #checkLegTimeouts(now: number): void {
    let silent: MediaTimeout[] | undefined;
    for (const session of this.#sessions.values()) {
      if (session.rtpTimeoutMs <= 0 && session.rtcpTimeoutMs <= 0) {
        continue;
      }
      for (const leg of session.legs) {
        if (leg.peerState === PEER_NONE || leg.timedOut) {
          continue;
        }
        if (leg.rtp !== leg.tickRtp) {
          leg.tickRtp = leg.rtp;
          leg.rtpIdleSince = now;
        }
        if (leg.rtcp !== leg.tickRtcp) {
          leg.tickRtcp = leg.rtcp;
          leg.rtcpIdleSince = now;
        }
        const rtpIdle = now - leg.rtpIdleSince;
        const rtcpIdle = now - leg.rtcpIdleSince;
        const kind =
          session.rtpTimeoutMs > 0 && rtpIdle >= session.rtpTimeoutMs
            ? 'rtp'
            : session.rtcpTimeoutMs > 0 && rtcpIdle >= session.rtcpTimeoutMs
              ? 'rtcp'
              : null;
        if (kind !== null) {
          leg.timedOut = true;
          (silent ??= []).push({
            id: session.id,
            leg: leg.index === LEG_A ? 'A' : 'B',
            kind,
            idleMs: Math.round(kind === 'rtp' ? rtpIdle : rtcpIdle),
          });
        }
      }
    }
    for (const t of silent ?? []) {
      this.#log?.info({ ...t }, 'relay leg timed out');
      this.emit('media-timeout', t);
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
    ctx.now = this.#clock.now();
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
    // One arrival time for the batch: its datagrams were all read at this wake-up.
    ctx.now = this.#clock.now();
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
    if (leg.peerState === PEER_NONE) {
      // A leg's media timeouts count from the moment it has a peer.
      const now = this.#clock.now();
      leg.rtpIdleSince = now;
      leg.rtcpIdleSince = now;
      leg.tickRtp = leg.rtp;
      leg.tickRtcp = leg.rtcp;
    }
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
}

const EMPTY = Buffer.alloc(0);
