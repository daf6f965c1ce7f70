/**
 * The relay's packet stages, after rtpengine's `stream_packet`: one datagram travels through
 * named stages in one {@link PacketContext} per engine, reused for every datagram.
 *
 * ```
 * receive -> stageClassify -> stageSession -> stageSource -> stageCount -> stageForward
 *                 |               |              |                            |
 *                 +---------------+--------------+----------------------------+--> countDrop
 * ```
 *
 * No stage allocates, creates a closure or a promise, throws or logs. The stages must not know
 * the engine: it runs them in order (`RelayEngine`'s `#relay`), counts what they decide and
 * tells its listeners about a latched peer.
 */
import type { Clock, DatagramEgress } from '../core/index.js';
import {
  classifyPacket,
  DEFAULT_MAX_PACKET_LENGTH,
  DropReason,
  PacketClass,
} from './classifier.js';
import { LEG_BYTES, LEG_FORWARDED, LEG_RTCP, LEG_RTP, LEG_STRIDE } from './relay-counters.js';
import type { Leg } from './relay-session.js';
import { rtpSequenceNumber, rtpSsrc, rtpTimestamp } from './rtp-header.js';
import type { StreamStatsTable } from './stats.js';
import type { UdpBatchIo } from './udp-batch.js';

/** The per-packet context, one per engine, reused for every packet. */
export class PacketContext {
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
  /** Arrival time of the datagram (of its batch, with batched I/O), clock milliseconds. */
  now = 0;
  /** Where forwarded packets go out through, when links are impaired. */
  egress: DatagramEgress | null = null;
  /** The batch context with batched I/O; null on the dgram path. */
  io: UdpBatchIo | null = null;
  /** The engine's leg counters (`relay-counters.ts`), a row per leg. */
  legCounters: Float64Array = new Float64Array(0);
}

/*
 * Every stage returns the packet class to continue with, or a drop reason to stop.
 */

/** Stage 1: length and structure (see classifier.ts). */
export function stageClassify(ctx: PacketContext): number {
  const verdict = classifyPacket(ctx.buf, ctx.len, ctx.maxLength);
  ctx.cls = verdict;
  return verdict;
}

/** Stage 2: the leg's session must still be forwarding. */
export function stageSession(ctx: PacketContext): number {
  return ctx.leg!.session.active ? ctx.cls : DropReason.INACTIVE;
}

/**
 * RTP packets in sequence, from one source with one SSRC, that a source on probation must send
 * within the learning window before a leg latches onto it (Asterisk's strictrtp learning takes
 * the same number by default).
 */
export const LEARN_PACKETS = 4;

/**
 * Stage 3: the source must be the leg's peer. Strangers are dropped without a reply (RTP
 * bleed). In learning mode the signalled peer is preferred: its first packet ends learning.
 * Another source is on probation: it latches only once it has sent {@link LEARN_PACKETS} RTP
 * packets in sequence with one SSRC within the window, and everything it sent until then is
 * dropped as a stranger's. A stranger that sends first therefore gets nothing, and takes the
 * leg only with a consistent stream before the signalled peer's first packet.
 */
export function stageSource(ctx: PacketContext, clock: Clock): number {
  const leg = ctx.leg!;
  ctx.latched = false;
  if (
    leg.peerPort === ctx.srcPort &&
    (ctx.io !== null ? leg.peerIp === ctx.srcIp : leg.peerAddress === ctx.srcAddress)
  ) {
    leg.learnUntil = 0;
    return ctx.cls;
  }
  if (leg.learnUntil === 0) {
    // Without a peer yet, nobody is a stranger: the media came before signalling said whose
    // it is (an answerer's early media racing its answer through a chain of relays).
    return leg.peerPort === 0 ? DropReason.NO_PEER : DropReason.STRANGER;
  }
  if (clock.now() > leg.learnUntil) {
    leg.learnUntil = 0;
    return DropReason.STRANGER;
  }
  if (ctx.cls !== PacketClass.RTP) {
    return DropReason.STRANGER;
  }
  const buf = ctx.buf;
  const ssrc = rtpSsrc(buf);
  const seq = rtpSequenceNumber(buf);
  if (
    leg.candCount > 0 &&
    leg.candPort === ctx.srcPort &&
    (ctx.io !== null ? leg.candIp === ctx.srcIp : leg.candAddress === ctx.srcAddress) &&
    leg.candSsrc === ssrc &&
    ((leg.candSeq + 1) & 0xffff) === seq
  ) {
    leg.candCount++;
  } else {
    leg.candIp = ctx.srcIp;
    leg.candAddress = ctx.srcAddress;
    leg.candPort = ctx.srcPort;
    leg.candSsrc = ssrc;
    leg.candCount = 1;
  }
  leg.candSeq = seq;
  if (leg.candCount < LEARN_PACKETS) {
    return DropReason.STRANGER;
  }
  // The engine completes the other form of the address once latched (#onLatched).
  leg.peerAddress = ctx.srcAddress;
  leg.peerIp = ctx.srcIp;
  leg.peerPort = ctx.srcPort;
  leg.learnUntil = 0;
  leg.candCount = 0;
  ctx.latched = true;
  return ctx.cls;
}

/**
 * Stage 4: per-leg counters, RFC 3550 A.1 sequence statistics and A.8 interarrival jitter
 * (arrival time `ctx.now` in milliseconds, taken once per datagram or per batch, converted to
 * the 8 kHz clock of G.711).
 */
export function stageCount(ctx: PacketContext, stats: StreamStatsTable): void {
  const leg = ctx.leg!;
  const counters = ctx.legCounters;
  const row = leg.statsSlot * LEG_STRIDE;
  counters[row + LEG_BYTES]! += ctx.len;
  if (ctx.cls === PacketClass.RTCP) {
    counters[row + LEG_RTCP]! += 1;
  } else {
    counters[row + LEG_RTP]! += 1;
    const buf = ctx.buf;
    stats.onRtp(leg.statsSlot, rtpSsrc(buf), rtpSequenceNumber(buf), ctx.len);
    stats.onJitter(leg.statsSlot, rtpTimestamp(buf), ctx.now * RTP_CLOCK_PER_MS);
  }
}

/** RTP timestamp units per millisecond of the G.711 clock (8 kHz). */
export const RTP_CLOCK_PER_MS = 8;

/**
 * Stage 5: send the same bytes out of the other leg's socket to that leg's peer. With
 * batched I/O the send is queued (the batch's slot goes out as it is) and the whole batch
 * is flushed at its end; a send the kernel refuses then is counted as `send-failed`.
 */
export function stageForward(ctx: PacketContext): number {
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
    ctx.legCounters[leg.statsSlot * LEG_STRIDE + LEG_FORWARDED]! += 1;
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
  ctx.legCounters[leg.statsSlot * LEG_STRIDE + LEG_FORWARDED]! += 1;
  return ctx.cls;
}
