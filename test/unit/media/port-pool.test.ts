import { describe, expect, it } from 'vitest';
import { CoarseTicker, PortPool, splitRange, sumCounters } from '../../../src/media/index.js';
import type { Clock } from '../../../src/core/index.js';

describe('PortPool', () => {
  it('hands out ports next-fit and reuses a freed port only after the others', () => {
    const pool = new PortPool(20000, 20002);
    expect([pool.take(), pool.take()]).toEqual([20000, 20001]);
    pool.give(20000);
    expect(pool.take()).toBe(20002);
    expect(pool.take()).toBe(20000);
    expect(pool.take()).toBe(-1);
    expect(pool.used).toBe(3);
    pool.give(20001);
    pool.give(20001);
    pool.give(1);
    expect(pool.used).toBe(2);
  });

  it('rejects impossible ranges', () => {
    expect(() => new PortPool(0, 10)).toThrow(RangeError);
    expect(() => new PortPool(10, 9)).toThrow(RangeError);
    expect(() => new PortPool(1, 65536)).toThrow(RangeError);
  });
});

describe('splitRange', () => {
  it('splits a port range into contiguous slices, the last one taking the rest', () => {
    expect(splitRange({ min: 100, max: 110 }, 2)).toEqual([
      { min: 100, max: 104 },
      { min: 105, max: 110 },
    ]);
    expect(splitRange(undefined, 3)).toEqual([undefined, undefined, undefined]);
    expect(() => splitRange({ min: 100, max: 102 }, 2)).toThrow(RangeError);
  });
});

describe('sumCounters', () => {
  it('adds counters of shards reason by reason', () => {
    const one = sumCounters([]);
    expect(one.dropped.stranger).toBe(0);
    const a = { ...one, forwarded: 3, dropped: { ...one.dropped, stranger: 2 }, droppedTotal: 2 };
    const b = { ...one, forwarded: 4, dropped: { ...one.dropped, stun: 1 }, droppedTotal: 1 };
    const sum = sumCounters([a, b]);
    expect(sum.forwarded).toBe(7);
    expect(sum.dropped.stranger).toBe(2);
    expect(sum.dropped.stun).toBe(1);
    expect(sum.droppedTotal).toBe(3);
  });
});

describe('CoarseTicker', () => {
  it('calls every subscriber with the clock time and skips removed ones', () => {
    const clock: Clock = { now: () => 42, wallNow: () => 0 };
    const ticker = new CoarseTicker(1000, clock);
    const seen: string[] = [];
    const a = { onTick: (t: number) => seen.push(`a${t}`) };
    const b = {
      onTick: (t: number) => {
        seen.push(`b${t}`);
        ticker.remove(c);
        ticker.remove(b);
      },
    };
    const d = { onTick: (t: number) => seen.push(`d${t}`) };
    const c = { onTick: (t: number) => seen.push(`c${t}`) };
    ticker.add(a);
    ticker.add(b);
    ticker.add(c);
    ticker.add(d);
    ticker.add(a);
    expect(ticker.size).toBe(4);
    ticker.tickNow();
    // b removed itself and c: d, after them, still gets its turn in the same tick.
    expect(seen).toEqual(['a42', 'b42', 'd42']);
    expect(ticker.size).toBe(2);
    ticker.remove(a);
    ticker.remove(d);
    expect(ticker.size).toBe(0);
    expect(() => new CoarseTicker(0, clock)).toThrow(RangeError);
  });
});
