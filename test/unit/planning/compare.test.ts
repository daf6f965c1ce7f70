import { describe, expect, it } from 'vitest';
import {
  compareBypass,
  compareJson,
  drawCalls,
  formatCompare,
  RELAY_CPU_US_PER_PACKET,
  withoutBypass,
} from '../../../src/planning/index.js';
import { styler } from '../../../src/report/index.js';
import { Topology } from '../../../src/topology/index.js';
import { ScenarioBuilder } from '../../support/scenario-builder.js';

const file = (name: string): string =>
  new URL(`../../../scenarios/${name}`, import.meta.url).pathname;

describe('compareBypass', () => {
  it('on the branch office: bypass keeps three calls off the Mediation Server and the WAN', () => {
    const s = ScenarioBuilder.fromFile(file('branch-office.yaml')).build();
    const c = compareBypass(s, s.calls, { details: true });
    expect(c.calls).toBe(5);
    expect(c.configured).toMatchObject({ bypassEnabled: true, bypassed: 3, refused: 0 });
    expect(c.off).toMatchObject({ bypassEnabled: false, bypassed: 0, refused: 0 });
    const on = c.configured.relays[0];
    const off = c.off.relays[0];
    expect(on).toMatchObject({ mediationServer: 'ms-chi', relayedCalls: 2, relayedStreams: 4 });
    expect(off).toMatchObject({ relayedCalls: 5, relayedStreams: 10, peakCalls: 5 });
    // 4 s calls, two streams of 50 packets/s each.
    expect(on?.packets).toBe(2 * 100 * 4);
    expect(off?.peakCpu).toBeCloseTo((5 * 100 * RELAY_CPU_US_PER_PACKET) / 1e6, 9);
    const portland = (side: typeof c.configured): number | undefined =>
      side.links.find((l) => l.link === 'site:Portland')?.peakKbps;
    expect(portland(c.configured)).toBe(194);
    expect(portland(c.off)).toBe(582);
    expect(c.diff?.changed.map((x) => x.id)).toEqual([
      'branch-out-local',
      'branch-in-local',
      'hq-out-local',
    ]);
    const text = formatCompare(
      s,
      c,
      { file: 'branch-office.yaml', calls: 'timeline' },
      styler(false),
    );
    expect(text).toMatch(/ms-chi relayed streams +4 +10 +6/);
    expect(text).toMatch(/site:Portland audio kbps at once, peak +194 +582 +388/);
    expect(text).toContain('branch-out-local  alice -> gw-por: BYPASS => CAC-ADMITTED');
  });

  it('changes nothing but the bypass switch', () => {
    const s = ScenarioBuilder.fromFile(file('branch-office.yaml')).build();
    const off = withoutBypass(s);
    expect(off.networkConfiguration.mediaBypassSettings.enabled).toBe(false);
    expect(off.networkConfiguration.enableBandwidthPolicyCheck).toBe(true);
    expect(off.trunkConfigurations).toBe(s.trunkConfigurations);
    expect(s.networkConfiguration.mediaBypassSettings.enabled).toBe(true);
  });

  it('over a busy hour: without bypass the branch WAN refuses more calls', () => {
    const s = ScenarioBuilder.fromFile(file('busy-hour.yaml')).build();
    const calls = drawCalls(new Topology(s), 1, { model: 'poisson' });
    const c = compareBypass(s, calls);
    expect(c.diff).toBeNull();
    expect(c.calls).toBe(calls.length);
    expect(c.configured.bypassed).toBeGreaterThan(0);
    expect(c.off.relays[0]!.relayedCalls).toBeGreaterThan(c.configured.relays[0]!.relayedCalls);
    expect(c.off.refused).toBeGreaterThan(c.configured.refused);
    const doc = compareJson(
      s,
      c,
      { file: 'busy-hour.yaml', calls: 'busy-hour', hours: 1 },
      null,
    ) as {
      format: string;
      calls: { count: number; from: string };
    };
    expect(doc.format).toBe('mediapath-compare');
    expect(doc.calls).toMatchObject({ count: calls.length, from: 'busy-hour' });
  });

  it('says so when the scenario has bypass off already', () => {
    const s = new ScenarioBuilder().bypass({ enabled: false }).build();
    const c = compareBypass(s);
    expect(c.configured).toEqual(c.off);
    expect(formatCompare(s, c, { file: 'x.yaml', calls: 'timeline' }, styler(false))).toContain(
      'Media bypass is off in this scenario already',
    );
  });
});
