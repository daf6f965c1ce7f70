import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DROP_REASON_NAMES,
  DropReason,
  PacketClass,
  VERDICT_COUNT,
  VERDICT_NAMES,
} from '../../../src/media/index.js';
import {
  buildRtcpCompound,
  buildRtcpReceiverReport,
  buildRtp,
  hostileCorpus,
} from '../../support/media-packets.js';
import { CLASSIFIERS } from './native-media.js';

const name = (verdict: number): string => VERDICT_NAMES[verdict] ?? `?${verdict}`;

// Every case runs on classifier.ts and on the relay's native classifier (the addon's
// fast path), which must agree verdict for verdict.
describe.each(CLASSIFIERS)('classifyPacket (%s)', (_impl, classifyPacket) => {
  it('accepts valid RTP in its variants', () => {
    for (const p of [
      buildRtp(),
      buildRtp({ payloadType: 8, marker: true }),
      buildRtp({ csrcs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] }),
      buildRtp({ extensionId: 3 }),
      buildRtp({ payloadLength: 21, padTo4: true }),
      buildRtp({ payloadLength: 0 }),
    ]) {
      expect(name(classifyPacket(p, p.length))).toBe('rtp');
    }
  });

  it('accepts valid RTCP, single and compound, multiplexed by payload type (RFC 5761)', () => {
    const compound = buildRtcpCompound();
    const rr = buildRtcpReceiverReport();
    expect(classifyPacket(compound, compound.length)).toBe(PacketClass.RTCP);
    expect(classifyPacket(rr, rr.length)).toBe(PacketClass.RTCP);
  });

  it('treats RTP with a payload type outside 64-95 as RTP even with the marker bit', () => {
    const p = buildRtp({ payloadType: 96, marker: true });
    expect(classifyPacket(p, p.length)).toBe(PacketClass.RTP);
    const q = buildRtp({ payloadType: 63, marker: true });
    expect(classifyPacket(q, q.length)).toBe(PacketClass.RTP);
  });

  it('gives every hostile packet its drop reason', () => {
    for (const { reason, packet } of hostileCorpus()) {
      expect({ reason, got: name(classifyPacket(packet, packet.length)) }).toEqual({
        reason,
        got: reason,
      });
    }
  });

  it('rejects an RTCP compound whose inner packet is padded or not RTCP', () => {
    const compound = buildRtcpCompound();
    const padded = Buffer.from(compound);
    padded[0] = padded[0]! | 0x20;
    expect(classifyPacket(padded, padded.length)).toBe(DropReason.BAD_PADDING);
    const srLength = (compound.readUInt16BE(2) + 1) * 4;
    const wrongType = Buffer.from(compound);
    wrongType[srLength + 1] = 96;
    expect(classifyPacket(wrongType, wrongType.length)).toBe(DropReason.RTCP_BAD_TYPE);
    const badVersion = Buffer.from(compound);
    badVersion[srLength] = 0x41;
    expect(classifyPacket(badVersion, badVersion.length)).toBe(DropReason.BAD_VERSION);
  });

  it('honours the maximum length', () => {
    const p = buildRtp({ payloadLength: 200 });
    expect(classifyPacket(p, p.length, 100)).toBe(DropReason.TOO_LARGE);
    expect(classifyPacket(p, p.length, p.length)).toBe(PacketClass.RTP);
  });

  it('names every verdict once', () => {
    expect(VERDICT_NAMES).toHaveLength(VERDICT_COUNT);
    expect(new Set(VERDICT_NAMES).size).toBe(VERDICT_COUNT);
    expect(DROP_REASON_NAMES).toHaveLength(VERDICT_COUNT - 2);
    for (const [key, code] of Object.entries(DropReason)) {
      expect(VERDICT_NAMES[code]).toBe(key.toLowerCase().replaceAll('_', '-'));
    }
  });

  it('classifies the .raw fixtures by their file names', () => {
    const dir = fileURLToPath(new URL('../../fixtures/rtp/', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.raw'));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const expected = file.replace(/^\d+-/, '').replace(/\.raw$/, '');
      const buf = readFileSync(`${dir}${file}`);
      expect({ file, got: name(classifyPacket(buf, buf.length)) }).toEqual({ file, got: expected });
    }
  });
});
