import { packets } from 'rtp.js';
import { describe, expect, it } from 'vitest';
import {
  HEADER_BAD_PADDING,
  HEADER_CSRC_OVERFLOW,
  HEADER_EXTENSION_OVERFLOW,
  HEADER_TOO_SHORT,
  rtpCsrcCount,
  rtpExtension,
  rtpHeaderLength,
  rtpMarker,
  rtpPadding,
  rtpPaddingLength,
  rtpPayloadType,
  rtpSequenceNumber,
  rtpSsrc,
  rtpTimestamp,
  rtpVersion,
} from '../../../src/media/index.js';
import { buildRtp } from '../../support/media-packets.js';

describe('RTP header readers', () => {
  it('read the fixed fields rtp.js wrote', () => {
    const buf = buildRtp({
      seq: 0xfffe,
      timestamp: 0xfedcba98,
      ssrc: 0xdeadbeef,
      payloadType: 8,
      marker: true,
    });
    expect(rtpVersion(buf)).toBe(2);
    expect(rtpPadding(buf)).toBe(0);
    expect(rtpExtension(buf)).toBe(0);
    expect(rtpCsrcCount(buf)).toBe(0);
    expect(rtpMarker(buf)).toBe(1);
    expect(rtpPayloadType(buf)).toBe(8);
    expect(rtpSequenceNumber(buf)).toBe(0xfffe);
    expect(rtpTimestamp(buf)).toBe(0xfedcba98);
    expect(rtpSsrc(buf)).toBe(0xdeadbeef);
    expect(rtpHeaderLength(buf, buf.length)).toBe(12);
    expect(rtpPaddingLength(buf, buf.length, 12)).toBe(0);
  });

  it('agree with rtp.js on header length with CSRCs and an extension', () => {
    const buf = buildRtp({ csrcs: [1, 2, 3], extensionId: 1, payloadLength: 20 });
    const parsed = new packets.RtpPacket(new DataView(buf.buffer, buf.byteOffset, buf.length));
    expect(rtpCsrcCount(buf)).toBe(3);
    expect(rtpExtension(buf)).toBe(1);
    const headerLength = rtpHeaderLength(buf, buf.length);
    expect(headerLength).toBe(buf.length - parsed.getPayload().byteLength - parsed.getPadding());
    expect(headerLength).toBe(12 + 12 + 4 + 4);
  });

  it('read the padding length', () => {
    const buf = buildRtp({ payloadLength: 21, padTo4: true });
    expect(rtpPadding(buf)).toBe(1);
    expect(buf.length).toBe(12 + 21 + 3);
    expect(rtpPaddingLength(buf, buf.length, 12)).toBe(3);
  });

  it('return codes for lengths that do not fit', () => {
    const buf = buildRtp({ payloadLength: 8 });
    expect(rtpHeaderLength(buf, 11)).toBe(HEADER_TOO_SHORT);
    const csrc = Buffer.from(buf);
    csrc[0] = 0x85;
    expect(rtpHeaderLength(csrc, csrc.length)).toBe(HEADER_CSRC_OVERFLOW);
    const ext = Buffer.from(buf);
    ext[0] = 0x90;
    ext.writeUInt16BE(3, 14);
    expect(rtpHeaderLength(ext, ext.length)).toBe(HEADER_EXTENSION_OVERFLOW);
    expect(rtpHeaderLength(ext, 14)).toBe(HEADER_EXTENSION_OVERFLOW);
    const pad = Buffer.from(buf);
    pad[0] = 0xa0;
    pad[pad.length - 1] = 9;
    expect(rtpPaddingLength(pad, pad.length, 12)).toBe(HEADER_BAD_PADDING);
    pad[pad.length - 1] = 8;
    expect(rtpPaddingLength(pad, pad.length, 12)).toBe(8);
    pad[pad.length - 1] = 0;
    expect(rtpPaddingLength(pad, pad.length, 12)).toBe(HEADER_BAD_PADDING);
  });
});
