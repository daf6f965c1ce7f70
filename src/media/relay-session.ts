/**
 * The state of relay sessions: a session and its two legs, each with its socket (or its
 * socket index in the batch context), its peer and how it was learnt, the learning window,
 * the row of its counters (in the engine's shared leg table, `relay-counters.ts`) and
 * statistics, and the session's drop table. Fields are all set in the constructors so that
 * the packet path sees stable shapes. It must not know the packet stages, the engine's
 * control operations or its events: a leg hands each datagram of the dgram path to its
 * {@link LegPacketHandler}, the engine.
 */
import dgram from 'node:dgram';
import { literalLookup } from '../core/index.js';
import { VERDICT_COUNT, VERDICT_NAMES, type DropReasonName } from './classifier.js';
import {
  LEG_BYTES,
  LEG_DROPS,
  LEG_FORWARDED,
  LEG_RTCP,
  LEG_RTP,
  LEG_STRIDE,
} from './relay-counters.js';
import type { RelayLegStats } from './relay-types.js';
import type { StreamStatsTable } from './stats.js';

/** Leg indexes in {@link Session.legs}. */
export const LEG_A = 0;
export const LEG_B = 1;
/** How a leg knows its peer: not yet, from signalling, latched from its first packet. */
export const PEER_NONE = 0;
export const PEER_SIGNALLED = 1;
export const PEER_LATCHED = 2;

/** Where a leg's bound 'message' handler hands each datagram on the dgram path. */
export interface LegPacketHandler {
  onPacket(leg: Leg, msg: Buffer, rinfo: dgram.RemoteInfo): void;
}

/** One side of a session. All fields are set in the constructor (stable shape). */
export class Leg {
  readonly engine: LegPacketHandler;
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
  /**
   * The source on probation in learning mode: it latches only after LEARN_PACKETS RTP
   * packets in sequence with one SSRC (`candCount`); the signalled peer wins meanwhile.
   */
  candIp = 0;
  candAddress = '';
  candPort = 0;
  candSsrc = 0;
  candSeq = 0;
  candCount = 0;
  /** Valid RTP and RTCP packets at the last inactivity tick, and since when none came. */
  tickRtp = 0;
  tickRtcp = 0;
  rtpIdleSince = 0;
  rtcpIdleSince = 0;
  /** The leg's media timeout was reported (once per leg). */
  timedOut = false;
  connected = false;
  /** The addon's forwarding thread has this leg's socket (batch path only). */
  fast = false;
  /** A change of the leg's forwarding waits for the end of the batch being handled. */
  fastPending = false;
  other: Leg | null = null;
  /** The leg's row in the statistics table and in the engine's leg counters. */
  statsSlot = -1;
  readonly onMessage: ((msg: Buffer, rinfo: dgram.RemoteInfo) => void) | null;

  constructor(
    engine: LegPacketHandler,
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
export class Session {
  readonly id: string;
  readonly legs: [Leg, Leg];
  /**
   * Drops by reason, `leg * VERDICT_COUNT + reason`; allocated on the session's first drop
   * (most sessions never drop a packet), so at most once per session.
   */
  drops: Float64Array | null = null;
  active = true;
  /** Valid packets seen at the last tick, and since when none arrived. */
  lastSeen = 0;
  idleSince: number;
  /** Per-leg media timeouts of this session, milliseconds (0: off). */
  rtpTimeoutMs = 0;
  rtcpTimeoutMs = 0;

  constructor(
    engine: LegPacketHandler,
    id: string,
    now: number,
    bufferBytes: number,
    batch: boolean,
  ) {
    this.id = id;
    this.idleSince = now;
    const a = new Leg(engine, this, LEG_A, bufferBytes, batch);
    const b = new Leg(engine, this, LEG_B, bufferBytes, batch);
    a.other = b;
    b.other = a;
    this.legs = [a, b];
  }
}

/** Counts a drop on a session's leg; the table is created on the session's first drop. */
export function countSessionDrop(session: Session, leg: number, verdict: number): void {
  const drops = (session.drops ??= new Float64Array(VERDICT_COUNT * 2));
  drops[leg * VERDICT_COUNT + verdict]! += 1;
}

/**
 * The figures of one leg of a session (allocates; not for the packet path).
 *
 * @param counters - The engine's leg counters (`relay-counters.ts`).
 */
export function legStats(
  session: Session,
  leg: Leg,
  stats: StreamStatsTable,
  counters: Float64Array,
): RelayLegStats {
  const row = leg.statsSlot * LEG_STRIDE;
  const dropped: Partial<Record<DropReasonName, number>> = {};
  for (let code = 2; code < VERDICT_COUNT; code++) {
    // The stages' drops of this leg, and the forwarding thread's.
    const n =
      (session.drops?.[leg.index * VERDICT_COUNT + code] ?? 0) + counters[row + LEG_DROPS + code]!;
    if (n > 0) {
      dropped[VERDICT_NAMES[code] as DropReasonName] = n;
    }
  }
  const rtp = counters[row + LEG_RTP]!;
  return {
    local: { address: leg.address, port: leg.port },
    peer: leg.peerState === PEER_NONE ? null : { address: leg.peerAddress, port: leg.peerPort },
    peerSource:
      leg.peerState === PEER_NONE
        ? 'none'
        : leg.peerState === PEER_LATCHED
          ? 'latched'
          : 'signalled',
    rtpPackets: rtp,
    rtcpPackets: counters[row + LEG_RTCP]!,
    bytes: counters[row + LEG_BYTES]!,
    forwarded: counters[row + LEG_FORWARDED]!,
    dropped,
    stream: rtp > 0 && session.active ? stats.snapshot(leg.statsSlot, 8000) : null,
  };
}

/**
 * A leg's stream is established, and may be forwarded natively, when its session forwards,
 * both sockets are open, its source is final (a peer, and no learning window open) and the
 * other leg has a peer to send to. Anything short of that needs the stages' checks.
 */
export function isEstablished(leg: Leg): boolean {
  const out = leg.other!;
  return (
    leg.session.active &&
    leg.sock >= 0 &&
    out.sock >= 0 &&
    leg.statsSlot >= 0 &&
    leg.peerState !== PEER_NONE &&
    leg.learnUntil === 0 &&
    out.peerPort !== 0
  );
}
