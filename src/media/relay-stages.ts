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
import type { Leg } from './relay-session.js';
import { rtpSequenceNumber, rtpSsrc } from './rtp-header.js';
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
  now = 0;
  /** Where forwarded packets go out through, when links are impaired. */
  egress: DatagramEgress | null = null;
  /** The batch context with batched I/O; null on the dgram path. */
  io: UdpBatchIo | null = null;
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
 * Stage 3: the source must be the leg's peer. Strangers are dropped without a reply (RTP
 * bleed). In learning mode, the first valid packet within the window latches its source.
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
export function stageCount(ctx: PacketContext, stats: StreamStatsTable): void {
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
