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
 * On the batch path the addon also forwards established streams itself, on a thread of its
 * own (native forwarding, the mediasoup shape: a native data plane behind this control
 * side). A leg's stream is established when its source is final (signalled, or latched, and
 * no learning window open) and its other leg has a peer; the engine tells the addon so
 * (`#refreshFast`) whenever that changes, and the addon's forwarding thread then takes the
 * leg's socket: for each datagram it does what the stages would do on such a leg (classify,
 * check the source, count, forward or drop by reason) in the same shared tables
 * (`relay-counters.ts`, the statistics slab), without the event loop or JavaScript. Legs still
 * learning or without a peer to send to stay with the stages. The engine reads the tables the
 * thread writes only while it holds the thread (`UdpBatchIo.paused`), and hands a leg over
 * only between batches, so that each leg's counters have one writer at a time.
 *
 * Control operations (allocate, setPeer, close, stats) are ordinary methods. A coarse
 * ticker releases sessions that carried no valid packet for the inactivity timeout, and
 * reports legs that went silent (`relay-timeouts.ts`).
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
  type DatagramTap,
} from '../core/index.js';
import { DEFAULT_MAX_PACKET_LENGTH, DropReason } from './classifier.js';
import { checkMediaPeer } from './media-address.js';
import { PortPool } from './port-pool.js';
import {
  ENGINE_COUNTERS,
  ENGINE_FORWARDED,
  ENGINE_FORWARDED_BYTES,
  ENGINE_RECEIVED,
  ENGINE_VERDICTS,
  LEG_FORWARDED,
  LEG_STRIDE,
  relayCounters,
} from './relay-counters.js';
import {
  countSessionDrop,
  isEstablished,
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
import { bindBatchLeg, bindDgramLeg, connectLeg } from './relay-sockets.js';
import { resolveNativeForwarding, resolveRelayIo } from './relay-io-path.js';
import {
  PacketContext,
  RTP_CLOCK_PER_MS,
  stageClassify,
  stageCount,
  stageForward,
  stageSession,
  stageSource,
} from './relay-stages.js';
import { idleSessions, silentLegs, startLegTimeouts } from './relay-timeouts.js';
import {
  type AllocateRequest,
  type LegName,
  type RelayCounters,
  type RelayEngineOptions,
  type RelayEvents,
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
  uint32ToIpv4,
} from './udp-batch.js';

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
  /** The addon forwards established streams (batch path, no tap). */
  readonly #native: boolean;
  /** With native forwarding and an injected clock: the clock's time as the addon sees it. */
  readonly #clockCell: Float64Array | null;
  /** Legs by socket index in the batch context; null once closed. */
  readonly #legsBySock: (Leg | null)[] = [];
  /** Relay-wide counters of the stages (layout in relay-counters.ts). */
  readonly #counters = new Float64Array(ENGINE_COUNTERS);
  /** The same, of the addon's forwarding thread. */
  readonly #nativeCounters = new Float64Array(ENGINE_COUNTERS);
  /** A batch is being handled: legs handed to the forwarding thread wait in `#pendingFast`. */
  #inBatch = false;
  readonly #pendingFast: Leg[] = [];
  /** Per-leg counters, a row per statistics slot, shared with the addon. */
  readonly #legCounters: Float64Array;
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
    this.#legCounters = new Float64Array(this.#maxSessions * 2 * LEG_STRIDE);
    this.#ctx.legCounters = this.#legCounters;
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
    this.#native =
      this.#io !== null && this.#tap === null && resolveNativeForwarding(options.nativeForwarding);
    // The addon reads the monotonic clock itself; an injected clock (tests) is shown to it
    // through a cell the engine writes at every control call, tick and batch.
    this.#clockCell = this.#native && this.#clock !== systemClock ? new Float64Array(1) : null;
    if (this.#native) {
      this.#io!.enableNative(
        this.#nativeCounters,
        this.#legCounters,
        this.#stats.slab,
        this.#ctx.maxLength,
        this.#clock.now(),
        this.#clockCell,
      );
    }
  }

  /** Number of open sessions. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** The I/O path in use: the batched addon or `node:dgram`. */
  get io(): 'batch' | 'dgram' {
    return this.#io === null ? 'dgram' : 'batch';
  }

  /** True when the addon forwards established streams itself (see the file's header). */
  get nativeForwarding(): boolean {
    return this.#native;
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
    this.#syncClock();
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
    for (const leg of session.legs) {
      this.#legCounters.fill(0, leg.statsSlot * LEG_STRIDE, (leg.statsSlot + 1) * LEG_STRIDE);
    }
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
    this.#syncClock();
    const l = session.legs[leg === 'A' ? LEG_A : LEG_B];
    // The forwarding thread lets go of both legs while the peer (and maybe a connection)
    // changes, and takes them again below: nothing is sent to a half-changed peer.
    this.#takeBack(l);
    this.#takeBack(l.other!);
    this.#setLegPeer(l, peer.address, peer.port, PEER_SIGNALLED);
    if (this.#learningWindowMs > 0) {
      l.learnUntil = this.#clock.now() + this.#learningWindowMs;
    }
    this.#refreshFast(l);
    this.#refreshFast(l.other!);
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
    // Both legs come back from the forwarding thread before either socket closes.
    for (const leg of session.legs) {
      this.#refreshFast(leg);
    }
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
    this.#syncClock();
    return this.#read(() => ({
      id,
      state: session.active ? 'active' : 'closed',
      legA: legStats(session, session.legs[LEG_A], this.#stats, this.#legCounters),
      legB: legStats(session, session.legs[LEG_B], this.#stats, this.#legCounters),
    }));
  }

  /** Relay-wide counters; with batched I/O, also the I/O path's own (`io`). */
  counters(): RelayCounters {
    this.#syncClock();
    const io = this.#io?.ioCounters();
    return this.#read(() =>
      relayCounters(this.#sessions.size, this.#counters, this.#nativeCounters, io),
    );
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
   * The coarse checks: the per-leg media timeouts of the sessions that have them (reported
   * once per leg with `media-timeout`; closing the session is its owner's decision), then
   * inactivity (a session with no valid packet for the timeout is closed).
   */
  onTick(now: number): void {
    this.#syncClock();
    const sessions = this.#sessions.values();
    const silent =
      this.#timed > 0 ? this.#read(() => silentLegs(sessions, now, this.#legCounters)) : undefined;
    for (const t of silent ?? []) {
      this.#log?.info({ ...t }, 'relay leg timed out');
      this.emit('media-timeout', t);
    }
    if (this.#timeoutMs <= 0) {
      return;
    }
    const expired = this.#read(() =>
      idleSessions(this.#sessions.values(), now, this.#timeoutMs, this.#legCounters),
    );
    for (const id of expired ?? []) {
      this.#log?.info({ id, timeoutMs: this.#timeoutMs }, 'session timed out');
      this.close(id, 'timeout');
    }
  }

  /**
   * Runs the coarse checks now. Tests that drive an injected clock by hand call it after
   * moving the clock: with native forwarding, it also shows the addon the clock's new time.
   */
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
    this.#syncClock();
    this.#inBatch = true;
    try {
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
    } finally {
      this.#inBatch = false;
    }
    // Legs whose stream became established during the batch go to the forwarding thread now
    // that the batch holds none of their datagrams.
    while (this.#pendingFast.length > 0) {
      const leg = this.#pendingFast.pop()!;
      leg.fastPending = false;
      this.#refreshFast(leg);
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
      const c = this.#counters;
      c[ENGINE_FORWARDED]! -= 1;
      c[ENGINE_FORWARDED_BYTES]! -= len;
      c[ENGINE_VERDICTS + cls]! -= 1;
      c[ENGINE_VERDICTS + DropReason.SEND_FAILED]! += 1;
      const leg = this.#legsBySock[send[d + SEND_TAG]!];
      if (leg !== undefined && leg !== null) {
        this.#legCounters[leg.statsSlot * LEG_STRIDE + LEG_FORWARDED]! -= 1;
        countSessionDrop(leg.session, leg.index, DropReason.SEND_FAILED);
      }
    }
  }

  /** Runs one datagram, described by the context, through the stages. */
  #relay(leg: Leg): void {
    const ctx = this.#ctx;
    const c = this.#counters;
    ctx.leg = leg;
    c[ENGINE_RECEIVED]! += 1;
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
      c[ENGINE_FORWARDED]! += 1;
      c[ENGINE_FORWARDED_BYTES]! += ctx.len;
    } else {
      countSessionDrop(leg.session, leg.index, verdict);
    }
    c[ENGINE_VERDICTS + verdict]! += 1;
    ctx.buf = EMPTY;
    ctx.leg = null;
    // A datagram that came up may have ended the leg's learning: its stream is then
    // established and the addon forwards it from the next datagram on.
    if (this.#native && leg.fast !== isEstablished(leg)) {
      this.#refreshFast(leg);
    }
  }

  #onLatched(leg: Leg): void {
    if (this.#io !== null) {
      leg.peerAddress = uint32ToIpv4(leg.peerIp);
    }
    // Once per leg at most: connect and tell the owner which source was latched.
    this.#setLegPeer(leg, leg.peerAddress, leg.peerPort, PEER_LATCHED);
    this.#refreshFast(leg);
    this.#refreshFast(leg.other!);
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
      startLegTimeouts(leg, this.#clock.now(), this.#legCounters);
    }
    leg.peerAddress = address;
    leg.peerIp = ipv4ToUint32(address);
    leg.peerPort = port;
    leg.peerState = state;
    if (!this.#connect || (!changed && leg.connected)) {
      return;
    }
    // In learning mode, connecting before the latch would let the kernel hide the real
    // source; connect only once the peer is final.
    const final = !(state === PEER_SIGNALLED && leg.learnUntil !== 0 && this.#learningWindowMs > 0);
    connectLeg(this.#io, leg, final, this.#log);
  }

  /**
   * Tells the addon whether a leg's stream is established (see {@link isEstablished}): its
   * source, where its packets go and the row they are counted on. Called on every change of
   * either leg's peer, of a connection and of learning.
   */
  #refreshFast(leg: Leg): void {
    if (!this.#native) {
      return;
    }
    const io = this.#io!;
    if (isEstablished(leg)) {
      if (this.#inBatch && !leg.fast) {
        // The batch may still hold this leg's datagrams: the stages count those first.
        if (!leg.fastPending) {
          leg.fastPending = true;
          this.#pendingFast.push(leg);
        }
        return;
      }
      const out = leg.other!;
      leg.fast = io.setFast(
        leg.sock,
        leg.peerIp,
        leg.peerPort,
        out.sock,
        out.peerIp,
        out.connected ? 0 : out.peerPort,
        leg.statsSlot,
        RTP_CLOCK_PER_MS,
      );
    } else {
      this.#takeBack(leg);
    }
  }

  /** Takes a leg back from the forwarding thread: its datagrams come to the stages again. */
  #takeBack(leg: Leg): void {
    if (leg.fast) {
      this.#io!.clearFast(leg.sock);
      leg.fast = false;
    }
  }

  /**
   * Runs `read` over the shared tables while the forwarding thread waits (so that what it
   * writes is read at one moment); directly without native forwarding.
   */
  #read<T>(read: () => T): T {
    return this.#native ? this.#io!.paused(read) : read();
  }

  /** With native forwarding and an injected clock, shows the addon the clock's time. */
  #syncClock(): void {
    if (this.#clockCell !== null) {
      this.#clockCell[0] = this.#clock.now();
    }
  }

  #releaseLeg(leg: Leg): void {
    this.#takeBack(leg);
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
