import { describe, expect, it } from 'vitest';
import {
  BusyHourSimulation,
  formatPlan,
  PLAN_CSV_COLUMNS,
  planCsv,
  planJson,
  serversFor,
} from '../../../src/planning/index.js';
import { styler } from '../../../src/report/index.js';
import { Topology } from '../../../src/topology/index.js';
import { ScenarioBuilder } from '../../support/scenario-builder.js';

function busyHour(): ScenarioBuilder {
  return ScenarioBuilder.fromFile(
    new URL('../../../scenarios/busy-hour.yaml', import.meta.url).pathname,
  );
}

describe('the busy hour of scenarios/busy-hour.yaml', () => {
  const scenario = busyHour().build();
  const result = new BusyHourSimulation(new Topology(scenario), { hours: 4 }).run();
  const link = (name: string, modality = 'audio') =>
    result.links.find((l) => l.link === name && l.modality === modality);

  it('counts every constrained link the calls were checked against', () => {
    expect(result.links.map((l) => `${l.link} ${l.modality}`)).toEqual([
      'site:Portland audio',
      'site:Portland video',
      'site:Reno audio',
    ]);
    const portland = link('site:Portland')!;
    expect(portland.limitKbps).toBe(2000);
    expect(portland.sessionLimitKbps).toBe(175);
    expect(portland.peakKbps).toBeLessThanOrEqual(2000);
    expect(portland.p95Kbps).toBeLessThanOrEqual(portland.peakKbps);
    expect(portland.meanKbps).toBeLessThan(portland.p95Kbps);
    expect(portland.blockedCalls).toBeGreaterThan(0);
    expect(portland.blocking).toBeCloseTo(portland.blockedCalls / portland.offeredCalls, 12);
    expect(portland.blockingInterval.low).toBeLessThanOrEqual(portland.blocking);
    expect(portland.blockingInterval.high).toBeGreaterThanOrEqual(portland.blocking);
    expect(portland.carriedErlangs).toBeLessThan(portland.offeredErlangs);
  });

  it('says where the refused calls went, and counts the override above the limit', () => {
    const portland = link('site:Portland')!;
    const r = portland.refused;
    expect(r.internet + r.pstn + r.voicemail + r.rejected + r.override).toBe(portland.blockedCalls);
    expect(r.pstn).toBeGreaterThan(0);
    const reno = link('site:Reno')!;
    expect(reno.refused.voicemail).toBeGreaterThan(0);
    expect(reno.refused.override).toBeGreaterThan(0);
    // Calls to ray are admitted by his voice policy's override: Reno goes above its limit.
    expect(reno.peakKbps).toBeGreaterThan(800);
    expect(result.ledger.overrideAdmissions).toBeGreaterThan(0);
    expect(result.ledger.overLimitByOverride).toBeGreaterThan(0);
    expect(result.ledger.reserved).toBe(result.ledger.released);
    expect(result.ledger.drained).toBeGreaterThanOrEqual(1);
  });

  it('advises a limit that meets the target for the load offered to the link', () => {
    const portland = link('site:Portland')!;
    expect(portland.advice?.limitKbps).toBeGreaterThan(2000);
    expect(portland.advice?.blocking).toBeLessThanOrEqual(0.01);
    const video = link('site:Portland', 'video')!;
    // One class (260 kbps video): Erlang B.
    expect(video.advice?.calls).toBe(serversFor(video.offeredErlangs, 0.01));
  });

  it('counts calls of the window by decision, apart from the warm-up', () => {
    const byDecision = Object.values(result.calls.byDecision).reduce((s, n) => s + (n ?? 0), 0);
    expect(byDecision).toBe(result.calls.measured);
    expect(result.calls.warmup).toBeGreaterThan(0);
    expect(result.settings).toMatchObject({
      hours: 4,
      warmupMs: 15 * 60_000,
      seed: 7,
      batches: 10,
    });
    expect(result.streams.reduce((s, n) => s + n, 0)).toBe(
      result.calls.measured + result.calls.warmup,
    );
  });

  it('reads as text, CSV and JSON', () => {
    const text = formatPlan(scenario, result, styler(false));
    expect(text).toContain('4 hours simulated after a 15 min warm-up; Poisson arrivals');
    expect(text).toMatch(/site:Portland audio +\d+\.\d\d +[\d,]+ +\d+\.\d\d +[\d.]+ %/);
    expect(text).toContain('admitted by a bandwidth policy override');
    expect(text).toContain('Ledger checked at every reservation and release');
    const csv = planCsv(result).trim().split('\n');
    expect(csv[0]).toBe(PLAN_CSV_COLUMNS.join(','));
    expect(csv).toHaveLength(1 + result.links.length);
    expect(csv[1]?.split(',')).toHaveLength(PLAN_CSV_COLUMNS.length);
    expect(csv[1]?.startsWith('site:Portland,audio,2000,175,')).toBe(true);
    const doc = planJson(scenario, result) as {
      format: string;
      links: unknown[];
      streams: { drawn: number }[];
    };
    expect(doc.format).toBe('mediapath-plan');
    expect(doc.links).toHaveLength(3);
    expect(doc.streams).toHaveLength(7);
  });
});

describe('BusyHourSimulation', () => {
  it('gives the same hour for the same seed, and another for another seed', () => {
    const topo = new Topology(busyHour().build());
    const a = new BusyHourSimulation(topo, { hours: 0.5 }).run();
    const b = new BusyHourSimulation(topo, { hours: 0.5 }).run();
    const c = new BusyHourSimulation(topo, { hours: 0.5, seed: 8 }).run();
    expect(b).toEqual(a);
    expect(c.calls).not.toEqual(a.calls);
  });

  it('advances a number of calls at a time, with its progress', () => {
    const sim = new BusyHourSimulation(new Topology(busyHour().build()), { hours: 1 });
    expect(sim.advance(100)).toBe(false);
    expect(sim.progress.calls).toBe(100);
    expect(sim.progress.endMs).toBe(75 * 60_000);
    expect(() => sim.result()).toThrow(/not over yet/);
    while (!sim.advance(1000)) {
      // Keep going.
    }
    expect(sim.progress.simulatedMs).toBe(sim.progress.endMs);
    expect(sim.result().calls.measured).toBeGreaterThan(500);
  });

  it('with deterministic arrivals and holding times, draws each stream evenly', () => {
    const b = busyHour();
    b.raw.traffic = {
      holdingTime: '60s',
      codecs: { PCMU: 1 },
      streams: [{ from: 'Portland', to: 'Chicago', erlangs: 10 }],
    };
    const r = new BusyHourSimulation(b.topology(), {
      hours: 1,
      model: 'deterministic',
      warmupMs: 0,
    }).run();
    expect(r.calls.measured).toBe(600);
    const portland = r.links[0]!;
    // Exactly ten calls at once, each 97 kbps, once the first minute is over; none refused.
    expect(portland.peakCalls).toBe(10);
    expect(portland.peakKbps).toBe(970);
    expect(portland.blockedCalls).toBe(0);
  });

  it('refuses settings that mean nothing, and a scenario without traffic', () => {
    const topo = new Topology(busyHour().build());
    expect(() => new BusyHourSimulation(topo, { hours: 0 })).toThrow(RangeError);
    expect(() => new BusyHourSimulation(topo, { batches: 3 })).toThrow(RangeError);
    expect(() => new BusyHourSimulation(topo, { targetBlocking: 0 })).toThrow(RangeError);
    expect(() => new BusyHourSimulation(new ScenarioBuilder().topology())).toThrow(/traffic/);
  });
});
