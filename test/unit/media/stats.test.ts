import { describe, expect, it } from 'vitest';
import type { StreamStatsTable } from '../../../src/media/index.js';
import { STATS_TABLES } from './native-media.js';

// Every case runs on stats.ts and on the relay's native statistics (the addon's fast path),
// which work on the same rows and must agree number for number.
describe.each(STATS_TABLES)('StreamStatsTable (%s; RFC 3550 A.1, A.3, A.8)', (_impl, Table) => {
  /** Feeds sequence numbers into a new stream. */
  function feed(seqs: number[]): ReturnType<StreamStatsTable['snapshot']> {
    const table = new Table(4);
    const slot = table.allocate();
    for (const seq of seqs) {
      table.onRtp(slot, 1234, seq & 0xffff, 172);
    }
    return table.snapshot(slot, 8000);
  }

  it('counts a clean stream with the first packet in probation', () => {
    const s = feed([100, 101, 102, 103, 104]);
    // A.1: packet 100 starts probation, 101 validates the source and resets base to 101.
    expect(s.packets).toBe(5);
    expect(s.bytes).toBe(5 * 172);
    expect(s.received).toBe(4);
    expect(s.expected).toBe(4);
    expect(s.lost).toBe(0);
    expect(s.extendedHighestSeq).toBe(104);
  });

  it('computes loss from the extended highest sequence number', () => {
    // 10..29 with 13, 14 and 20 missing: expected 11..29 = 19, received 16.
    const seqs = [];
    for (let i = 10; i < 30; i++) {
      if (i !== 13 && i !== 14 && i !== 20) {
        seqs.push(i);
      }
    }
    const s = feed(seqs);
    expect(s.expected).toBe(19);
    expect(s.received).toBe(16);
    expect(s.lost).toBe(3);
    expect(s.fractionLost).toBeCloseTo(3 / 19, 10);
  });

  it('extends the sequence number across a wrap', () => {
    const seqs = [];
    for (let i = 65530; i < 65540; i++) {
      seqs.push(i);
    }
    const s = feed(seqs);
    expect(s.cycles).toBe(1);
    expect(s.extendedHighestSeq).toBe(65536 + 3);
    expect(s.expected).toBe(65539 - 65531 + 1);
    expect(s.lost).toBe(0);
  });

  it('counts duplicates and reordered packets as A.1 does', () => {
    const s = feed([1, 2, 3, 3, 5, 4, 6]);
    // Base 2; received 2,3,3,5,4,6 = 6; expected 2..6 = 5; lost -1 (a duplicate).
    expect(s.duplicates).toBe(1);
    expect(s.misordered).toBe(1);
    expect(s.received).toBe(6);
    expect(s.expected).toBe(5);
    expect(s.lost).toBe(-1);
    expect(s.fractionLost).toBe(0);
  });

  it('ignores one big jump and resynchronises after two sequential packets', () => {
    const s = feed([1, 2, 3, 20000, 4, 5, 30000, 30001, 30002]);
    // 20000 is a lone jump (ignored); 30000 sets bad_seq, 30001 matches it: restart at
    // 30001 with received 1, then 30002. All three big steps count as jumps.
    expect(s.sequenceJumps).toBe(3);
    expect(s.received).toBe(2);
    expect(s.expected).toBe(2);
    expect(s.extendedHighestSeq).toBe(30002);
  });

  it('restarts the sequence state when the SSRC changes', () => {
    const table = new Table(2);
    const slot = table.allocate();
    table.onRtp(slot, 1, 10, 100);
    table.onRtp(slot, 1, 11, 100);
    table.onRtp(slot, 2, 500, 100);
    table.onRtp(slot, 2, 501, 100);
    table.onRtp(slot, 2, 502, 100);
    const s = table.snapshot(slot, 8000);
    expect(s.ssrc).toBe(2);
    expect(s.received).toBe(2);
    expect(s.expected).toBe(2);
  });

  it('computes interarrival jitter by A.8 against a hand computation', () => {
    const table = new Table(1);
    const slot = table.allocate();
    // 8 kHz clock, timestamps +160 each; arrival times (in timestamp units) with transit
    // deltas D = 0, +40, -40, +80, 0.
    const ts = [0, 160, 320, 480, 640, 800];
    const arrival = [1000, 1160, 1360, 1480, 1720, 1880];
    for (let i = 0; i < ts.length; i++) {
      table.onJitter(slot, ts[i]!, arrival[i]!);
    }
    // J1 = 0 + (0 - 0)/16 = 0; J2 = 0 + (40 - 0)/16 = 2.5; J3 = 2.5 + (40 - 2.5)/16 = 4.84375;
    // J4 = 4.84375 + (80 - 4.84375)/16 = 9.541015625; J5 = 9.541015625 + (0 - 9.541015625)/16.
    let j = 0;
    for (const d of [0, 40, 40, 80, 0]) {
      j += (d - j) / 16;
    }
    expect(j).toBeCloseTo(8.944702148, 8);
    const s = table.snapshot(slot, 8000);
    expect(s.jitter).toBeCloseTo(8.944702148, 8);
    expect(s.jitterMs).toBeCloseTo(8.944702148 / 8, 8);
  });

  it('handles the RTP timestamp wrap in jitter', () => {
    const table = new Table(1);
    const slot = table.allocate();
    table.onJitter(slot, 0xffffff60, 1000);
    table.onJitter(slot, 0, 1160);
    expect(table.snapshot(slot, 8000).jitter).toBe(0);
  });

  it('hands out and takes back rows, zeroed', () => {
    const table = new Table(2);
    const a = table.allocate();
    const b = table.allocate();
    expect(table.allocate()).toBe(-1);
    table.onRtp(a, 1, 1, 10);
    table.release(a);
    table.release(a);
    expect(table.used).toBe(1);
    const c = table.allocate();
    expect(c).toBe(a);
    expect(table.packets(c)).toBe(0);
    expect(b).not.toBe(a);
    expect(() => new Table(0)).toThrow(RangeError);
  });
});
