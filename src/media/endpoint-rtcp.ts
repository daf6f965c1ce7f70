/**
 * The RTCP compound packet a media endpoint sends (RFC 3550 sections 6.4 and 6.5): a sender
 * report, or a receiver report while nothing was sent, with one report block per source
 * heard, followed by an SDES CNAME. It builds bytes from plain figures; it must not know
 * sockets, timers or how the figures were gathered.
 *
 * ```
 *  SR:  V=2 P RC | PT=200 | length | SSRC | NTP sec | NTP frac | RTP ts | packets | octets
 *  RR:  V=2 P RC | PT=201 | length | SSRC
 *  then RC report blocks of 24 bytes: SSRC | fraction lost | cumulative lost (24 bit) |
 *       extended highest sequence | jitter | LSR (0) | DLSR (0)
 *  SDES: V=2 P SC=1 | PT=202 | length | SSRC | CNAME=1 | len | text | 0, padded to 4 bytes
 * ```
 */

/** One report block's figures (RFC 3550 section 6.4.1). */
export interface RtcpReportBlock {
  readonly ssrc: number;
  readonly fractionLost: number;
  readonly lost: number;
  readonly extendedHighestSeq: number;
  /** Interarrival jitter in timestamp units. */
  readonly jitter: number;
}

/** What the sender of a report says about itself. */
export interface RtcpSender {
  readonly ssrc: number;
  readonly cname: Buffer;
  /** Null: nothing sent yet (a receiver report). */
  readonly sent: {
    readonly rtpTimestamp: number;
    readonly packets: number;
    readonly payloadOctets: number;
  } | null;
}

/** At most this many report blocks go in one report (the RC field has 5 bits). */
export const MAX_REPORT_BLOCKS = 31;

/**
 * Builds one compound RTCP packet: SR (or RR) with the report blocks, then SDES CNAME.
 * `wallMs` is the wall clock in milliseconds since the Unix epoch (for the NTP timestamp).
 */
export function buildRtcpReport(
  sender: RtcpSender,
  blocks: readonly RtcpReportBlock[],
  wallMs: number,
): Buffer {
  const n = Math.min(blocks.length, MAX_REPORT_BLOCKS);
  const isSr = sender.sent !== null;
  const reportLength = (isSr ? 28 : 8) + n * 24;
  const cname = sender.cname.subarray(0, 255);
  // SDES: header 4, SSRC 4, item (type, length, text), end null, padded to 4 bytes.
  const sdesLength = (4 + 4 + 2 + cname.length + 1 + 3) & ~3;
  const buf = Buffer.alloc(reportLength + sdesLength);
  buf[0] = 0x80 | n;
  buf[1] = isSr ? 200 : 201;
  buf.writeUInt16BE(reportLength / 4 - 1, 2);
  buf.writeUInt32BE(sender.ssrc >>> 0, 4);
  let off = 8;
  if (sender.sent !== null) {
    const seconds = Math.floor(wallMs / 1000) + 2_208_988_800;
    const fraction = Math.floor(((wallMs % 1000) / 1000) * 0x100000000);
    buf.writeUInt32BE(seconds >>> 0, 8);
    buf.writeUInt32BE(fraction >>> 0, 12);
    buf.writeUInt32BE(sender.sent.rtpTimestamp >>> 0, 16);
    buf.writeUInt32BE(sender.sent.packets >>> 0, 20);
    buf.writeUInt32BE(sender.sent.payloadOctets >>> 0, 24);
    off = 28;
  }
  for (let i = 0; i < n; i++) {
    const st = blocks[i]!;
    buf.writeUInt32BE(st.ssrc >>> 0, off);
    buf[off + 4] = Math.min(255, Math.floor(st.fractionLost * 256));
    const lost = Math.max(-0x800000, Math.min(0x7fffff, st.lost));
    buf.writeIntBE(lost, off + 5, 3);
    buf.writeUInt32BE(st.extendedHighestSeq >>> 0, off + 8);
    buf.writeUInt32BE(Math.floor(st.jitter) >>> 0, off + 12);
    off += 24;
  }
  buf[off] = 0x81;
  buf[off + 1] = 202;
  buf.writeUInt16BE(sdesLength / 4 - 1, off + 2);
  buf.writeUInt32BE(sender.ssrc >>> 0, off + 4);
  buf[off + 8] = 1;
  buf[off + 9] = cname.length;
  cname.copy(buf, off + 10);
  return buf;
}
