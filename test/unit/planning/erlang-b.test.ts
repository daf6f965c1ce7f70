import { describe, expect, it } from 'vitest';
import {
  BusyHourSimulation,
  erlangB,
  limitFor,
  offeredFor,
  serversFor,
} from '../../../src/planning/index.js';
import { Topology } from '../../../src/topology/index.js';
import { ScenarioBuilder } from '../../support/scenario-builder.js';

/**
 * Published Erlang B tables, each value as printed (so to the table's precision):
 *
 * - TABLE_A: D. Collins, "Carrier Grade Voice over IP", 2nd ed., McGraw-Hill, Appendix A,
 *   "Table of Erlang B" (offered Erlangs for N channels at a blocking probability, one decimal;
 *   https://www.globalspec.com/reference/55139/203279/appendix-a-table-of-erlang-b).
 * - The Erlang B calculator manual of erlang.com ("How much traffic can a trunk group
 *   handle?", https://erlang.com/calculatormanual/howmuchtrafficcanatrunkgrouphandle.htm):
 *   15 lines at 1 % carry 8.108 Erlangs.
 * - TABLE_N: lines needed for a load at a blocking (P. Dordal, Loyola University, "Erlang
 *   Models", https://pld.cs.luc.edu/courses/346/sum15/mnotes/erlang.html, from erlang.com).
 *   Its row "100 Erlangs, 1 %: 118 lines" is left out: the recursion gives 117 lines
 *   (B(117, 100) = 0.979 %, B(116, 100) = 1.157 %), so that row is one line on the safe side.
 * - The Mathematica documentation's example: 30 lines offered 25 Erlangs block about 5 %.
 */
const TABLE_A: readonly { n: number; blocking: number; erlangs: number; digits: number }[] = [
  { n: 5, blocking: 0.01, erlangs: 1.4, digits: 1 },
  { n: 5, blocking: 0.02, erlangs: 1.7, digits: 1 },
  { n: 5, blocking: 0.05, erlangs: 2.2, digits: 1 },
  { n: 6, blocking: 0.01, erlangs: 1.9, digits: 1 },
  { n: 7, blocking: 0.01, erlangs: 2.5, digits: 1 },
  { n: 7, blocking: 0.03, erlangs: 3.2, digits: 1 },
  { n: 7, blocking: 0.05, erlangs: 3.7, digits: 1 },
  { n: 8, blocking: 0.01, erlangs: 3.1, digits: 1 },
  { n: 8, blocking: 0.05, erlangs: 4.5, digits: 1 },
  { n: 9, blocking: 0.02, erlangs: 4.3, digits: 1 },
  { n: 9, blocking: 0.05, erlangs: 5.4, digits: 1 },
  { n: 15, blocking: 0.01, erlangs: 8.108, digits: 3 },
];

const TABLE_N: readonly { erlangs: number; blocking: number; lines: number }[] = [
  { erlangs: 10, blocking: 0.01, lines: 18 },
  { erlangs: 20, blocking: 0.01, lines: 30 },
  { erlangs: 50, blocking: 0.01, lines: 64 },
  { erlangs: 1000, blocking: 0.01, lines: 1029 },
  { erlangs: 10, blocking: 0.001, lines: 21 },
  { erlangs: 20, blocking: 0.001, lines: 35 },
];

describe('Erlang B by the recursion B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1))', () => {
  it.each(TABLE_A)(
    'agrees with the published table: $n channels at $blocking carry $erlangs Erlangs',
    ({ n, blocking, erlangs, digits }) => {
      expect(offeredFor(n, blocking).toFixed(digits)).toBe(erlangs.toFixed(digits));
      // And forwards: the table's load blocks about the table's share (the load is rounded).
      const step = 0.5 * 10 ** -digits;
      expect(erlangB(n, erlangs - step)).toBeLessThan(blocking);
      expect(erlangB(n, erlangs + step)).toBeGreaterThan(blocking);
    },
  );

  it.each(TABLE_N)(
    '$erlangs Erlangs at $blocking need $lines lines, as published',
    ({ erlangs, blocking, lines }) => {
      expect(serversFor(erlangs, blocking)).toBe(lines);
      expect(erlangB(lines, erlangs)).toBeLessThanOrEqual(blocking);
      expect(erlangB(lines - 1, erlangs)).toBeGreaterThan(blocking);
    },
  );

  it('30 lines offered 25 Erlangs block about 5 %', () => {
    expect(erlangB(30, 25)).toBeCloseTo(0.05, 2);
  });

  it('agrees with the closed form A^N/N! / sum A^k/k! where that does not overflow', () => {
    for (const [n, a] of [
      [1, 0.5],
      [3, 2],
      [10, 7.3],
      [25, 20],
    ] as const) {
      let term = 1;
      let sum = 1;
      for (let k = 1; k <= n; k++) {
        term *= a / k;
        sum += term;
      }
      expect(erlangB(n, a)).toBeCloseTo(term / sum, 12);
    }
    expect(erlangB(0, 5)).toBe(1);
    expect(erlangB(10, 0)).toBe(0);
    expect(erlangB(2000, 1800)).toBeGreaterThan(0);
  });

  it('refuses what has no meaning', () => {
    expect(() => erlangB(-1, 1)).toThrow(RangeError);
    expect(() => erlangB(1.5, 1)).toThrow(RangeError);
    expect(() => serversFor(1, 0)).toThrow(RangeError);
    expect(() => offeredFor(0, 0.01)).toThrow(RangeError);
  });
});

describe('limitFor: the smallest limit in kbps (Kaufman-Roberts)', () => {
  it('with one codec, is the Erlang B number of calls times the codec bandwidth', () => {
    for (const { erlangs, blocking, lines } of TABLE_N) {
      const advice = limitFor([{ kbps: 97, erlangs, calls: 1000 }], blocking);
      expect(advice?.calls).toBe(lines);
      expect(advice?.limitKbps).toBe(lines * 97);
    }
    const rtaudio = limitFor([{ kbps: 44.8, erlangs: 8.108, calls: 1 }], 0.0101);
    expect(rtaudio?.calls).toBe(15);
    expect(rtaudio?.limitKbps).toBe(15 * 44.8);
  });

  it('with two codecs, lies between the limits sized for all calls at either bandwidth', () => {
    const mix = [
      { kbps: 44.8, erlangs: 6, calls: 600 },
      { kbps: 97, erlangs: 6, calls: 600 },
    ];
    const advice = limitFor(mix, 0.01);
    const n = serversFor(12, 0.01);
    expect(advice?.calls).toBeNull();
    expect(advice?.limitKbps).toBeGreaterThan(n * 44.8);
    expect(advice?.limitKbps).toBeLessThan(n * 97);
    expect(advice?.blocking).toBeLessThanOrEqual(0.01);
    // One 0.1 kbps less misses the target.
    expect(limitFor(mix, 0.01)?.limitKbps).toBe(advice?.limitKbps);
  });

  it('sizes a load of a thousand Erlangs without overflowing', () => {
    const advice = limitFor([{ kbps: 97, erlangs: 1000, calls: 1 }], 0.01);
    expect(advice?.calls).toBe(1029);
  });

  it('has nothing to size without load', () => {
    expect(limitFor([], 0.01)).toBeNull();
    expect(limitFor([{ kbps: 97, erlangs: 0, calls: 0 }], 0.01)).toBeNull();
  });
});

/**
 * The fixture's only constraint is Portland's uplink; every call of its one stream crosses it
 * with G.711 (97 kbps), and a refused call has nowhere to go: an Erlang loss system.
 */
function lossSystem(servers: number, erlangs: number): BusyHourSimulation {
  const b = ScenarioBuilder.fromFile(
    new URL('../../fixtures/scenarios/erlang-b-link.yaml', import.meta.url).pathname,
  ).profile('TenCalls', { audioBWLimit: servers * 97 });
  const traffic = b.raw.traffic as { streams: Record<string, unknown>[] };
  traffic.streams = [{ from: 'Portland', to: 'Chicago', erlangs }];
  const hours = 40_000 / (60 * erlangs);
  return new BusyHourSimulation(new Topology(b.build()), {
    hours,
    warmupMs: 20 * 60_000,
    batches: 20,
  });
}

/** (N, A) pairs from the tables above. */
const PAIRS: readonly [number, number][] = [
  [5, 2.2],
  [7, 3.7],
  [8, 3.1],
  [9, 4.3],
  [15, 8.108],
  [18, 10],
  [30, 25],
];

describe('the busy-hour simulation against Erlang B', () => {
  it.each(PAIRS)(
    'one link that fits %i calls, offered %d Erlangs, blocks as Erlang B says',
    (servers, erlangs) => {
      const r = lossSystem(servers, erlangs).run();
      expect(r.links).toHaveLength(1);
      const link = r.links[0]!;
      const expected = erlangB(servers, erlangs);
      expect(link.offeredCalls).toBeGreaterThan(35_000);
      expect(link.blockingInterval.low).toBeLessThanOrEqual(expected);
      expect(link.blockingInterval.high).toBeGreaterThanOrEqual(expected);
      // The interval is narrow enough to mean something.
      expect(link.blockingInterval.high - link.blockingInterval.low).toBeLessThan(
        Math.max(0.6 * expected, 0.006),
      );
      // Erlangs offered and carried: A and A·(1 - B).
      expect(link.offeredErlangs).toBeCloseTo(erlangs, 0);
      expect(link.carriedErlangs / link.offeredErlangs).toBeCloseTo(1 - link.blocking, 1);
      expect(link.peakCalls).toBe(servers);
      expect(link.peakKbps).toBe(servers * 97);
      // Every refused call was rejected: nothing else in the chain can carry it.
      expect(link.refused.rejected).toBe(link.blockedCalls);
      // The advised limit is the Erlang B answer for the load the link was offered.
      const n = serversFor(link.offeredErlangs, r.settings.targetBlocking);
      expect(link.advice?.calls).toBe(n);
      expect(link.advice?.limitKbps).toBe(n * 97);
    },
  );
});
