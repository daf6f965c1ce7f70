/**
 * Packet builders for media tests, on top of rtp.js (never used on the hot path). Every
 * builder returns a fresh Node `Buffer` holding exactly the packet.
 */
import { packets } from 'rtp.js';

const { RtpPacket, CompoundPacket, SenderReportPacket, ReceiverReportPacket, ReceptionReport } =
  packets;

/** Options of {@link buildRtp}. */
export interface RtpOptions {
  seq?: number;
  timestamp?: number;
  ssrc?: number;
  payloadType?: number;
  marker?: boolean;
  payloadLength?: number;
  csrcs?: number[];
  /** Adds a one-byte header extension (RFC 8285) with this element id. */
  extensionId?: number;
  /** Pads the packet to a multiple of 4 bytes (sets P when padding is needed). */
  padTo4?: boolean;
}

function toBuffer(view: DataView): Buffer {
  return Buffer.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
}

/** An RTP packet built with rtp.js. */
export function buildRtp(options: RtpOptions = {}): Buffer {
  const p = new RtpPacket();
  p.setPayloadType(options.payloadType ?? 0);
  p.setSequenceNumber(options.seq ?? 1);
  p.setTimestamp(options.timestamp ?? 160);
  p.setSsrc(options.ssrc ?? 0x11223344);
  p.setMarker(options.marker ?? false);
  if (options.csrcs !== undefined) {
    p.setCsrcs(options.csrcs);
  }
  if (options.extensionId !== undefined) {
    p.setExtension(options.extensionId, new DataView(new Uint8Array([1, 2, 3]).buffer));
  }
  const payload = new Uint8Array(options.payloadLength ?? 160).fill(0xff);
  p.setPayload(new DataView(payload.buffer));
  if (options.padTo4 === true) {
    p.padTo4Bytes();
  }
  return toBuffer(p.getView());
}

/** An RTCP compound packet: a sender report followed by a receiver report with one block. */
export function buildRtcpCompound(ssrc = 0x11223344): Buffer {
  const compound = new CompoundPacket();
  const sr = new SenderReportPacket();
  sr.setSsrc(ssrc);
  sr.setNtpSeconds(1);
  sr.setNtpFraction(2);
  sr.setRtpTimestamp(160);
  sr.setPacketCount(10);
  sr.setOctetCount(1600);
  const rr = new ReceiverReportPacket();
  rr.setSsrc(ssrc);
  const report = new ReceptionReport();
  report.setSsrc(0x55667788);
  report.setFractionLost(0);
  report.setTotalLost(0);
  report.setHighestSeqNumber(100);
  report.setJitter(3);
  rr.addReport(report);
  compound.addPacket(sr);
  compound.addPacket(rr);
  return toBuffer(compound.getView());
}

/** A lone receiver report without report blocks (8 bytes). */
export function buildRtcpReceiverReport(ssrc = 0x11223344): Buffer {
  const rr = new ReceiverReportPacket();
  rr.setSsrc(ssrc);
  return toBuffer(rr.getView());
}

/**
 * A hostile corpus: every entry is malformed or foreign for an RTP port, named by the drop
 * reason the classifier must give it.
 */
export function hostileCorpus(): { reason: string; packet: Buffer }[] {
  const good = buildRtp({ seq: 7 });
  const corpus: { reason: string; packet: Buffer }[] = [];
  corpus.push({ reason: 'too-short', packet: Buffer.alloc(0) });
  corpus.push({ reason: 'too-short', packet: good.subarray(0, 1) });
  corpus.push({ reason: 'too-short', packet: good.subarray(0, 11) });
  for (const version of [0, 1, 3]) {
    const p = Buffer.from(good);
    p[0] = (p[0]! & 0x3f) | (version << 6);
    // Version 0 first bytes collide with STUN, version 1 with TURN channels: keep the CC
    // nibble out of those ranges so that the packet really is a bad version.
    if (version === 0) {
      p[0] = 0x0c;
      corpus.push({ reason: 'unknown-first-byte', packet: p });
      continue;
    }
    if (version === 1) {
      p[0] = 0x5f;
    }
    corpus.push({ reason: 'bad-version', packet: p });
  }
  {
    // CC says 15 CSRCs (60 bytes) but the packet ends after 12 + 8 bytes.
    const p = Buffer.from(good.subarray(0, 20));
    p[0] = 0x8f;
    corpus.push({ reason: 'csrc-overflow', packet: p });
  }
  {
    // X set, extension header claims 200 words.
    const p = Buffer.from(good);
    p[0] = p[0]! | 0x10;
    p.writeUInt16BE(0xbede, 12);
    p.writeUInt16BE(200, 14);
    corpus.push({ reason: 'extension-overflow', packet: p });
  }
  {
    // X set but fewer than 4 bytes after the fixed header.
    const p = Buffer.from(good.subarray(0, 14));
    p[0] = p[0]! | 0x10;
    corpus.push({ reason: 'extension-overflow', packet: p });
  }
  {
    // P set, last byte claims more padding than the payload holds.
    const p = Buffer.from(good);
    p[0] = p[0]! | 0x20;
    p[p.length - 1] = 255;
    const q = Buffer.from(p.subarray(0, 12 + 100));
    q[q.length - 1] = 200;
    corpus.push({ reason: 'bad-padding', packet: q });
  }
  {
    // P set with a zero padding count.
    const p = Buffer.from(good);
    p[0] = p[0]! | 0x20;
    p[p.length - 1] = 0;
    corpus.push({ reason: 'bad-padding', packet: p });
  }
  corpus.push({ reason: 'too-large', packet: Buffer.alloc(65_507, 0x80) });
  {
    const rtcp = buildRtcpCompound();
    const p = Buffer.from(rtcp);
    p.writeUInt16BE(500, 2);
    corpus.push({ reason: 'rtcp-bad-length', packet: p });
    corpus.push({
      reason: 'rtcp-bad-length',
      packet: Buffer.from(rtcp.subarray(0, rtcp.length - 4)),
    });
    corpus.push({ reason: 'rtcp-bad-length', packet: Buffer.from(rtcp.subarray(0, 10)) });
  }
  {
    // A STUN binding request header (RFC 5389): type 0x0001, magic cookie.
    const p = Buffer.alloc(20);
    p.writeUInt16BE(0x0001, 0);
    p.writeUInt32BE(0x2112a442, 4);
    corpus.push({ reason: 'stun', packet: p });
  }
  {
    // A DTLS 1.2 handshake record header: content type 22.
    const p = Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16]);
    corpus.push({ reason: 'dtls', packet: p });
  }
  return corpus;
}
