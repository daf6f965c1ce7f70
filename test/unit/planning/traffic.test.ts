import { describe, expect, it } from 'vitest';
import { drawCalls, TrafficCalls } from '../../../src/planning/index.js';
import type { Call } from '../../../src/scenario/index.js';
import { Topology } from '../../../src/topology/index.js';
import { ScenarioBuilder } from '../../support/scenario-builder.js';

/** The reference busy hour: Chicago headquarters, Portland and Reno branches. */
function busyHour(): ScenarioBuilder {
  return ScenarioBuilder.fromFile(
    new URL('../../../scenarios/busy-hour.yaml', import.meta.url).pathname,
  );
}

function withStreams(b: ScenarioBuilder, traffic: Record<string, unknown>): Topology {
  b.raw.traffic = traffic;
  return b.topology();
}

const siteOf = (topo: Topology, host: string): string | undefined => {
  const h = topo.host(host);
  return h ? topo.siteOfHost(h)?.name : undefined;
};

describe('the traffic: section', () => {
  it('gives each stream its load in Erlangs and in calls per hour, with the defaults filled in', () => {
    const t = withStreams(busyHour(), {
      holdingTime: '2m',
      codecs: { PCMU: 3, 'RTAudio-NB': 1 },
      streams: [
        { from: 'Portland', to: 'Chicago', erlangs: 6 },
        { from: 'Chicago', to: 'pstn', callsPerHour: 90, holdingTime: '4m', codecs: { PCMA: 1 } },
      ],
    }).scenario.traffic;
    expect(t?.seed).toBe(1);
    const [a, b] = t?.streams ?? [];
    expect(a).toMatchObject({ erlangs: 6, callsPerHour: 180, holdingMs: 120_000, video: 0 });
    expect(a?.codecs).toEqual([
      { codec: 'RTAudio-NB', share: 0.25 },
      { codec: 'PCMU', share: 0.75 },
    ]);
    expect(b).toMatchObject({ erlangs: 6, callsPerHour: 90, holdingMs: 240_000, trunks: [] });
    expect(b?.codecs).toEqual([{ codec: 'PCMA', share: 1 }]);
  });

  it('is null when the file has none', () => {
    expect(new ScenarioBuilder().build().traffic).toBeNull();
  });
});

describe('calls drawn from the traffic', () => {
  it('arrive at each stream rate, between clients of the right sites', () => {
    const topo = new Topology(busyHour().build());
    const calls = drawCalls(topo, 20, { model: 'poisson' });
    const streams = topo.scenario.traffic?.streams ?? [];
    const total = streams.reduce((s, x) => s + x.callsPerHour * 20, 0);
    expect(Math.abs(calls.length - total) / total).toBeLessThan(0.03);
    expect(calls.every((c, i) => i === 0 || c.atMs >= (calls[i - 1]?.atMs ?? 0))).toBe(true);
    const p2p = calls.filter((c) => c.kind === 'p2p');
    const pairs = new Set(p2p.map((c) => `${siteOf(topo, c.from)}>${siteOf(topo, c.to)}`));
    expect([...pairs].sort()).toEqual([
      'Chicago>Portland',
      'Chicago>Reno',
      'Portland>Chicago',
      'Reno>Chicago',
    ]);
    const inbound = calls.filter((c) => c.kind === 'inbound-pstn');
    expect(new Set(inbound.map((c) => c.trunk))).toEqual(new Set(['gw-chi']));
    expect(new Set(inbound.map((c) => siteOf(topo, c.to)))).toEqual(new Set(['Portland']));
    const holding = calls.reduce((s, c) => s + c.durationMs, 0) / calls.length;
    expect(Math.abs(holding - 180_000) / 180_000).toBeLessThan(0.03);
    expect(new Set(calls.map((c) => c.id)).size).toBe(calls.length);
  });

  it('send the PSTN share of a site-to-site stream to the PSTN, and the video share as video', () => {
    const topo = withStreams(busyHour(), {
      streams: [{ from: 'Reno', to: 'Chicago', callsPerHour: 4000, pstnShare: 0.25, video: 0.2 }],
    });
    const calls = drawCalls(topo, 1, { model: 'poisson', seed: 3 });
    const pstn = calls.filter((c) => c.kind === 'outbound-pstn');
    expect(pstn.length / calls.length).toBeCloseTo(0.25, 1);
    // Reno has no gateway of its own: every gateway of the scenario.
    expect(new Set(pstn.map((c) => c.trunk))).toEqual(new Set(['gw-chi', 'gw-por']));
    const p2p = calls.filter((c) => c.kind === 'p2p');
    expect(p2p.filter((c) => c.modality === 'video').length / p2p.length).toBeCloseTo(0.2, 1);
    expect(pstn.every((c) => c.modality === 'audio')).toBe(true);
  });

  it("use the site's own gateways for its PSTN calls, and the codec mix", () => {
    const topo = withStreams(busyHour(), {
      codecs: { PCMU: 1, 'RTAudio-NB': 1 },
      streams: [{ from: 'Portland', to: 'pstn', callsPerHour: 2000 }],
    });
    const calls = drawCalls(topo, 1, { model: 'poisson' });
    expect(new Set(calls.map((c) => c.trunk))).toEqual(new Set(['gw-por']));
    expect(calls.filter((c) => c.codec === 'PCMU').length / calls.length).toBeCloseTo(0.5, 1);
    expect(new Set(calls.map((c) => c.codec))).toEqual(new Set(['PCMU', 'RTAudio-NB']));
  });

  it('within one site, never call the caller', () => {
    const topo = withStreams(busyHour(), {
      streams: [{ from: 'Portland', to: 'Portland', callsPerHour: 1000 }],
    });
    const calls = drawCalls(topo, 1, { model: 'poisson' });
    expect(calls.length).toBeGreaterThan(900);
    expect(calls.filter((c) => c.from === c.to)).toEqual([]);
  });

  it('are evenly spaced and last the mean when deterministic', () => {
    const topo = withStreams(busyHour(), {
      holdingTime: '90s',
      streams: [{ from: 'Portland', to: 'Chicago', callsPerHour: 120 }],
    });
    const calls = drawCalls(topo, 1, { model: 'deterministic' });
    expect(calls).toHaveLength(120);
    expect(calls.map((c) => c.durationMs)).toEqual(calls.map(() => 90_000));
    const gaps = calls.slice(1).map((c, i) => c.atMs - (calls[i]?.atMs ?? 0));
    expect(gaps.every((g) => Math.abs(g - 30_000) < 1e-6)).toBe(true);
  });

  it('are the same for the same seed, and others for another', () => {
    const topo = new Topology(busyHour().build());
    const key = (cs: Call[]): string => cs.map((c) => `${c.atMs}|${c.from}|${c.to}`).join(',');
    const a = drawCalls(topo, 1, { model: 'poisson' });
    expect(key(drawCalls(topo, 1, { model: 'poisson' }))).toBe(key(a));
    expect(key(drawCalls(topo, 1, { model: 'poisson', seed: 99 }))).not.toBe(key(a));
  });

  it('have nothing to draw without load', () => {
    const topo = new Topology(busyHour().build());
    const traffic = topo.scenario.traffic!;
    const none = new TrafficCalls(
      topo,
      { ...traffic, streams: traffic.streams.map((s) => ({ ...s, callsPerHour: 0 })) },
      { model: 'poisson', seed: 1 },
    );
    expect(none.nextAt).toBe(Infinity);
    expect(() => none.take()).toThrow(/no stream offers any load/);
  });
});
