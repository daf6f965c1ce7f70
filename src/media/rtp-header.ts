/**
 * Field readers for RTP and RTCP headers, working on raw `Buffer` offsets.
 *
 * Every function here reads bytes by index, never allocates, never throws and returns a
 * number: a field value, or a negative validity code when a length does not fit. Callers
 * must check `len >= RTP_FIXED_HEADER_LENGTH` (or the RTCP minimum) before reading fixed
 * fields; the length-dependent helpers check bounds themselves.
 *
 * RTP fixed header (RFC 3550 section 5.1):
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * |                             ....                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * Header extension when X is set (RFC 3550 section 5.3.1), after the CSRC list:
 *
 * ```
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      defined by profile       |           length              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        header extension                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * The length counts 32-bit words after the 4-byte extension header. When P is set, the
 * last byte of the packet holds the number of padding bytes, itself included.
 *
 * RTCP common header (RFC 3550 section 6.4.1):
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|    RC   |   PT=SR=200   |             length            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         SSRC of sender                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * The RTCP length counts 32-bit words minus one, header included.
 */

/** Length of the RTP fixed header in bytes (RFC 3550 section 5.1). */
export const RTP_FIXED_HEADER_LENGTH = 12;
/** Length of the RTCP common header plus the sender SSRC (RFC 3550 section 6.4). */
export const RTCP_MIN_LENGTH = 8;

/** Returned by {@link rtpHeaderLength} when the CSRC list runs past the packet. */
export const HEADER_CSRC_OVERFLOW = -1;
/** Returned by {@link rtpHeaderLength} when the header extension runs past the packet. */
export const HEADER_EXTENSION_OVERFLOW = -2;
/** Returned by {@link rtpPaddingLength} when the padding count is zero or beyond the payload. */
export const HEADER_BAD_PADDING = -3;
/** Returned by header readers when the packet is shorter than the fixed header. */
export const HEADER_TOO_SHORT = -4;

/** The version field, the top two bits of byte 0 (2 for RTP and RTCP). */
export function rtpVersion(buf: Buffer): number {
  return (buf[0]! >> 6) & 0x03;
}

/** 1 when the padding bit is set, else 0. */
export function rtpPadding(buf: Buffer): number {
  return (buf[0]! >> 5) & 0x01;
}

/** 1 when the header extension bit is set, else 0. */
export function rtpExtension(buf: Buffer): number {
  return (buf[0]! >> 4) & 0x01;
}

/** The CSRC count (0-15). */
export function rtpCsrcCount(buf: Buffer): number {
  return buf[0]! & 0x0f;
}

/** 1 when the marker bit is set, else 0. */
export function rtpMarker(buf: Buffer): number {
  return (buf[1]! >> 7) & 0x01;
}

/** The 7-bit payload type. */
export function rtpPayloadType(buf: Buffer): number {
  return buf[1]! & 0x7f;
}

/** The 16-bit sequence number. */
export function rtpSequenceNumber(buf: Buffer): number {
  return (buf[2]! << 8) | buf[3]!;
}

/** The 32-bit RTP timestamp, as an unsigned number. */
export function rtpTimestamp(buf: Buffer): number {
  return buf[4]! * 0x1000000 + ((buf[5]! << 16) | (buf[6]! << 8) | buf[7]!);
}

/** The 32-bit SSRC, as an unsigned number. */
export function rtpSsrc(buf: Buffer): number {
  return buf[8]! * 0x1000000 + ((buf[9]! << 16) | (buf[10]! << 8) | buf[11]!);
}

/**
 * Length of the RTP header in bytes: fixed header, CSRC list and header extension.
 *
 * @param buf - The packet.
 * @param len - Bytes of `buf` that belong to the packet.
 * @returns The header length, or {@link HEADER_TOO_SHORT}, {@link HEADER_CSRC_OVERFLOW} or
 *   {@link HEADER_EXTENSION_OVERFLOW}. Never throws.
 */
export function rtpHeaderLength(buf: Buffer, len: number): number {
  if (len < RTP_FIXED_HEADER_LENGTH) {
    return HEADER_TOO_SHORT;
  }
  let offset = RTP_FIXED_HEADER_LENGTH + ((buf[0]! & 0x0f) << 2);
  if (offset > len) {
    return HEADER_CSRC_OVERFLOW;
  }
  if ((buf[0]! & 0x10) !== 0) {
    // RFC 3550 section 5.3.1: a 4-byte extension header, then `length` 32-bit words.
    if (offset + 4 > len) {
      return HEADER_EXTENSION_OVERFLOW;
    }
    offset += 4 + (((buf[offset + 2]! << 8) | buf[offset + 3]!) << 2);
    if (offset > len) {
      return HEADER_EXTENSION_OVERFLOW;
    }
  }
  return offset;
}

/**
 * Number of padding bytes at the end of the packet (RFC 3550 section 5.1, P bit).
 *
 * @param buf - The packet.
 * @param len - Bytes of `buf` that belong to the packet.
 * @param headerLength - The header length from {@link rtpHeaderLength}.
 * @returns 0 when P is clear, the padding length when it fits after the header, else
 *   {@link HEADER_BAD_PADDING}. Never throws.
 */
export function rtpPaddingLength(buf: Buffer, len: number, headerLength: number): number {
  if ((buf[0]! & 0x20) === 0) {
    return 0;
  }
  if (len <= headerLength) {
    return HEADER_BAD_PADDING;
  }
  const padding = buf[len - 1]!;
  if (padding === 0 || padding > len - headerLength) {
    return HEADER_BAD_PADDING;
  }
  return padding;
}

/** The RTCP packet type (byte 1, 192-223 for RTCP per RFC 5761 section 4). */
export function rtcpPacketType(buf: Buffer): number {
  return buf[1]!;
}

/** The RTCP length field: 32-bit words minus one, header included. */
export function rtcpLengthWords(buf: Buffer, offset: number): number {
  return (buf[offset + 2]! << 8) | buf[offset + 3]!;
}

/** The RTCP sender SSRC (bytes 4-7), as an unsigned number. */
export function rtcpSenderSsrc(buf: Buffer): number {
  return buf[4]! * 0x1000000 + ((buf[5]! << 16) | (buf[6]! << 8) | buf[7]!);
}
