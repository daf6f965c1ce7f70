import { describe, expect, it } from 'vitest';
import { classifyPacket, StreamStatsTable } from '../../../src/media/index.js';
import { Xoshiro128 } from '../../../src/media/seeded-random.js';
import { buildRtcpCompound, buildRtp } from '../../support/media-packets.js';
import { nativeBuilt, nativeClassify, NativeStatsTable } from './native-media.js';

/**
 * Beyond the shared cases of classifier.test.ts and stats.test.ts: the relay's native
 * classifier and statistics must agree with the TypeScript ones on whatever comes, so both
 * are fed the same seeded random packets and sequences and compared verdict for verdict and
 * number for number.
 */
describe.runIf(nativeBuilt)('the native fast path agrees with the TypeScript stages', () => {
  it('classifies 100,000 seeded random datagrams as classifier.ts does', () => {
    const random = new Xoshiro128(7983);
    const templates = [buildRtp(), buildRtp({ csrcs: [1, 2] }), buildRtcpCompound()];
    const buf = Buffer.alloc(256);
    const verdicts = new Map<number, number>();
    const mismatches: { bytes: string; maxLength: number; got: number; expected: number }[] = [];
    for (let i = 0; i < 100_000; i++) {
      const len = random.nextUint32() % 200;
      // Half the datagrams are valid packets with a few bytes flipped, the rest random bytes:
      // both reach every check of the classifier.
      const template = templates[random.nextUint32() % templates.length]!;
      if ((i & 1) === 0) {
        template.copy(buf, 0, 0, Math.min(len, template.length));
        for (let k = 0; k < 3; k++) {
          buf[random.nextUint32() % Math.max(1, len)] = random.nextUint32() & 255;
        }
      } else {
        for (let k = 0; k < len; k++) {
          buf[k] = random.nextUint32() & 255;
        }
        buf[0] = 0x80 | (buf[0]! & 0x3f);
      }
      const maxLength = (random.nextUint32() & 7) === 0 ? len - 1 : 1500;
      const expected = classifyPacket(buf, len, maxLength);
      const got = nativeClassify(buf, len, Math.max(0, maxLength));
      if (got !== expected && mismatches.length < 5) {
        mismatches.push({ bytes: buf.subarray(0, len).toString('hex'), maxLength, got, expected });
      }
      verdicts.set(expected, (verdicts.get(expected) ?? 0) + 1);
    }
    expect(mismatches).toEqual([]);
    // The random packets reached most verdicts, valid ones included.
    expect(verdicts.size).toBeGreaterThanOrEqual(10);
  });

  it('keeps the same RFC 3550 rows as stats.ts over seeded random streams', () => {
    const random = new Xoshiro128(3550);
    const ts = new StreamStatsTable(8);
    const native = new NativeStatsTable(8);
    const slots = Array.from({ length: 8 }, () => [ts.allocate(), native.allocate()] as const);
    let seq = 65000;
    let timestamp = 0xffffe000;
    let arrival = 0;
    for (let i = 0; i < 50_000; i++) {
      const [a, b] = slots[random.nextUint32() % slots.length]!;
      // Mostly in order, with losses, repeats, reordering, jumps and an SSRC change now and then.
      const r = random.nextUint32() % 100;
      seq =
        (seq +
          (r < 80 ? 1 : r < 88 ? 2 + (r % 5) : r < 94 ? -(r % 4) : r < 98 ? 4000 + r * 300 : 0)) &
        0xffff;
      timestamp = (timestamp + 160 + (r < 90 ? 0 : r * 7)) >>> 0;
      arrival += 20 + (random.nextUint32() % 4000) / 1000 - 2;
      const ssrc = r === 99 ? random.nextUint32() : 0x1234abcd;
      const len = 40 + (r % 200);
      expect(native.onRtp(b, ssrc, seq, len)).toBe(ts.onRtp(a, ssrc, seq, len));
      ts.onJitter(a, timestamp, arrival * 8);
      native.onJitter(b, timestamp, arrival * 8);
    }
    for (const [a, b] of slots) {
      expect(native.slab.subarray(b * 16, b * 16 + 16)).toEqual(
        ts.slab.subarray(a * 16, a * 16 + 16),
      );
    }
  });
});
