import { describe, expect, it } from 'vitest';
import {
  batchInterval,
  normalQuantile,
  timePercentile,
  tQuantile,
  wilson,
} from '../../../src/planning/statistics.js';
import { Random } from '../../../src/planning/random.js';

describe('quantiles', () => {
  it('the normal quantile matches the table', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 5);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
  });

  it("Student's t quantile matches the table from 4 degrees of freedom", () => {
    // t tables (two-sided 95 % and 99 %).
    const table: [number, number, number][] = [
      [4, 0.975, 2.776],
      [9, 0.975, 2.262],
      [19, 0.975, 2.093],
      [9, 0.995, 3.25],
      [29, 0.95, 1.699],
    ];
    for (const [df, p, t] of table) {
      expect(Math.abs(tQuantile(p, df) - t)).toBeLessThan(0.01);
    }
    expect(() => tQuantile(0.975, 2)).toThrow(RangeError);
  });
});

describe('intervals', () => {
  it("Wilson's interval contains the ratio and stays in [0, 1]", () => {
    const w = wilson(10, 1000, 0.95);
    expect(w.low).toBeLessThan(0.01);
    expect(w.high).toBeGreaterThan(0.01);
    expect(wilson(0, 100, 0.95).low).toBe(0);
    expect(wilson(0, 100, 0.95).high).toBeGreaterThan(0.02);
    expect(wilson(100, 100, 0.95).high).toBe(1);
    expect(wilson(0, 0, 0.95)).toEqual({ low: 0, high: 1 });
  });

  it('batch means cover the true ratio about as often as the confidence says (seeded)', () => {
    const rnd = new Random(5);
    let covered = 0;
    const runs = 400;
    for (let run = 0; run < runs; run++) {
      const blocked = new Float64Array(10);
      const offered = new Float64Array(10);
      for (let b = 0; b < 10; b++) {
        for (let i = 0; i < 200; i++) {
          offered[b]!++;
          blocked[b]! += rnd.next() < 0.05 ? 1 : 0;
        }
      }
      const ci = batchInterval(blocked, offered, 0.95);
      covered += ci.low <= 0.05 && ci.high >= 0.05 ? 1 : 0;
    }
    expect(covered / runs).toBeGreaterThan(0.91);
    expect(covered / runs).toBeLessThan(0.99);
  });

  it('falls back to Wilson with too few batches or no blocked call', () => {
    expect(batchInterval([0, 0, 0, 0, 0], [10, 10, 10, 10, 10], 0.95)).toEqual(wilson(0, 50, 0.95));
    expect(batchInterval([1, 2], [10, 10], 0.95)).toEqual(wilson(3, 20, 0.95));
  });
});

describe('timePercentile', () => {
  it('is the level held at or below for that share of the time', () => {
    const at = new Map([
      [0, 50],
      [100, 45],
      [200, 5],
    ]);
    expect(timePercentile(at, 0.5)).toBe(0);
    expect(timePercentile(at, 0.95)).toBe(100);
    expect(timePercentile(at, 0.96)).toBe(200);
    expect(timePercentile(new Map(), 0.95)).toBe(0);
  });
});
