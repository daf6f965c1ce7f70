/**
 * Per-packet classification for the relay and the media endpoints.
 *
 * {@link classifyPacket} takes a received datagram and returns one small integer: a packet
 * class ({@link PacketClass}) when the packet is structurally valid RTP or RTCP, or a drop
 * reason ({@link DropReason}) otherwise. It reads bytes at offsets, never allocates, never
 * throws and runs in a bounded number of steps.
 *
 * Order of checks:
 *
 * 1. Length: empty packets are `too-short`, packets over the configured maximum `too-large`.
 * 2. First byte, RFC 7983 section 7:
 *
 * ```
 *               +----------------+
 *               |        [0..3] -+--> STUN     (dropped: the relay does no ICE)
 *               |      [16..19] -+--> ZRTP     (unknown-first-byte)
 *   packet -->  |      [20..63] -+--> DTLS     (dropped: no DTLS-SRTP here)
 *               |      [64..79] -+--> TURN channel (unknown-first-byte)
 *               |    [128..191] -+--> RTP/RTCP
 *               +----------------+    other: version field is not 2 (bad-version)
 * ```
 *
 * 3. RTP or RTCP: with RTP and RTCP multiplexed on one port, byte 1 in 192-223 (payload type
 *    64-95 with the marker bit) is RTCP (RFC 5761 section 4).
 * 4. Structure. RTP: fixed header present, CSRC list and extension inside the packet, padding
 *    not longer than the payload (RFC 3550 section 5.1 and A.1). RTCP: every packet of the
 *    compound has version 2, an RTCP packet type, a length field that stays inside the
 *    datagram, the lengths add up to the datagram, and only the last packet is padded
 *    (RFC 3550 section 6.4.1 and A.2).
 */
import {
  HEADER_BAD_PADDING,
  HEADER_CSRC_OVERFLOW,
  RTCP_MIN_LENGTH,
  RTP_FIXED_HEADER_LENGTH,
  rtpHeaderLength,
  rtpPaddingLength,
} from './rtp-header.js';

/** Classes of valid packets. Values are below every {@link DropReason} code. */
export const PacketClass = {
  /** A structurally valid RTP packet. */
  RTP: 0,
  /** A structurally valid RTCP compound packet. */
  RTCP: 1,
} as const;

/**
 * Why a packet was dropped. The first group is decided by {@link classifyPacket}; the rest
 * by the relay and endpoints after classification.
 */
export const DropReason = {
  TOO_SHORT: 2,
  TOO_LARGE: 3,
  BAD_VERSION: 4,
  CSRC_OVERFLOW: 5,
  EXTENSION_OVERFLOW: 6,
  BAD_PADDING: 7,
  RTCP_BAD_LENGTH: 8,
  RTCP_BAD_TYPE: 9,
  STUN: 10,
  DTLS: 11,
  UNKNOWN_FIRST_BYTE: 12,
  /** The source is not the signalled or latched peer of the leg (RTP bleed protection). */
  STRANGER: 13,
  /** The packet arrived on a port no session owns (any more). */
  NO_SESSION: 14,
  /** The session is not forwarding (closing or timed out). */
  INACTIVE: 15,
  /** The other leg has no peer yet, so there is nowhere to forward to. */
  NO_PEER: 16,
  /** The kernel refused the send (for example a full socket buffer). */
  SEND_FAILED: 17,
} as const;

/** A packet class value. */
export type PacketClassCode = (typeof PacketClass)[keyof typeof PacketClass];
/** A drop reason value. */
export type DropReasonCode = (typeof DropReason)[keyof typeof DropReason];

/** Number of verdict codes: classes plus drop reasons; sizes counter arrays. */
export const VERDICT_COUNT = 18;

/** Stable names of verdicts, indexed by code. Users match on these names. */
export const VERDICT_NAMES = [
  'rtp',
  'rtcp',
  'too-short',
  'too-large',
  'bad-version',
  'csrc-overflow',
  'extension-overflow',
  'bad-padding',
  'rtcp-bad-length',
  'rtcp-bad-type',
  'stun',
  'dtls',
  'unknown-first-byte',
  'stranger',
  'no-session',
  'inactive',
  'no-peer',
  'send-failed',
] as const;

/** The name of a drop reason, as shown in counters and reports. */
export type DropReasonName = Exclude<(typeof VERDICT_NAMES)[number], 'rtp' | 'rtcp'>;

/** Every drop reason name, in code order. */
export const DROP_REASON_NAMES: readonly DropReasonName[] = VERDICT_NAMES.slice(
  2,
) as readonly DropReasonName[];

/** Largest datagram the relay accepts by default: an Ethernet MTU. */
export const DEFAULT_MAX_PACKET_LENGTH = 1500;

/** Upper bound on packets inside one RTCP compound, to keep the walk bounded. */
const MAX_RTCP_COMPOUND_PACKETS = 64;

/** True when `verdict` is a packet class rather than a drop reason. */
export function isForwardable(verdict: number): boolean {
  return verdict < 2;
}

/**
 * Classifies one datagram.
 *
 * @param buf - The datagram; only the first `len` bytes are read.
 * @param len - The datagram length.
 * @param maxLength - Longest acceptable datagram.
 * @returns A {@link PacketClass} or a {@link DropReason} code. Never throws.
 */
export function classifyPacket(
  buf: Buffer,
  len: number,
  maxLength: number = DEFAULT_MAX_PACKET_LENGTH,
): number {
  if (len <= 0) {
    return DropReason.TOO_SHORT;
  }
  if (len > maxLength) {
    return DropReason.TOO_LARGE;
  }
  const b0 = buf[0]!;
  if (b0 < 128) {
    // RFC 7983 section 7: 0-3 STUN, 20-63 DTLS, 16-19 ZRTP and 64-79 TURN channels.
    if (b0 <= 3) {
      return DropReason.STUN;
    }
    if (b0 >= 20 && b0 <= 63) {
      return DropReason.DTLS;
    }
    if (b0 < 80) {
      return DropReason.UNKNOWN_FIRST_BYTE;
    }
    return DropReason.BAD_VERSION;
  }
  if (b0 > 191) {
    return DropReason.BAD_VERSION;
  }
  if (len < 2) {
    return DropReason.TOO_SHORT;
  }
  const b1 = buf[1]!;
  if (b1 >= 192 && b1 <= 223) {
    return classifyRtcp(buf, len);
  }
  return classifyRtp(buf, len);
}

/** Structural checks of an RTP packet (RFC 3550 section 5.1 and A.1). */
function classifyRtp(buf: Buffer, len: number): number {
  if (len < RTP_FIXED_HEADER_LENGTH) {
    return DropReason.TOO_SHORT;
  }
  const headerLength = rtpHeaderLength(buf, len);
  if (headerLength < 0) {
    return headerLength === HEADER_CSRC_OVERFLOW
      ? DropReason.CSRC_OVERFLOW
      : DropReason.EXTENSION_OVERFLOW;
  }
  if (rtpPaddingLength(buf, len, headerLength) === HEADER_BAD_PADDING) {
    return DropReason.BAD_PADDING;
  }
  return PacketClass.RTP;
}

/** Walks an RTCP compound packet (RFC 3550 section 6.4.1 and A.2). */
function classifyRtcp(buf: Buffer, len: number): number {
  if (len < RTCP_MIN_LENGTH) {
    return DropReason.TOO_SHORT;
  }
  if ((len & 3) !== 0) {
    return DropReason.RTCP_BAD_LENGTH;
  }
  let offset = 0;
  for (let i = 0; i < MAX_RTCP_COMPOUND_PACKETS; i++) {
    const b0 = buf[offset]!;
    if ((b0 & 0xc0) !== 0x80) {
      return DropReason.BAD_VERSION;
    }
    const pt = buf[offset + 1]!;
    if (pt < 192 || pt > 223) {
      return DropReason.RTCP_BAD_TYPE;
    }
    const size = (((buf[offset + 2]! << 8) | buf[offset + 3]!) + 1) << 2;
    const next = offset + size;
    if (next > len) {
      return DropReason.RTCP_BAD_LENGTH;
    }
    if ((b0 & 0x20) !== 0) {
      // Only the last packet of a compound may be padded; its last byte counts the padding.
      const padding = buf[next - 1]!;
      if (next !== len || padding === 0 || padding > size - 4) {
        return DropReason.BAD_PADDING;
      }
    }
    if (next === len) {
      return PacketClass.RTCP;
    }
    offset = next;
  }
  return DropReason.RTCP_BAD_LENGTH;
}
