import { describe, expect, it } from 'vitest';
import { hasCode } from '../../../src/core/index.js';
import {
  Ledger,
  LedgerInvariants,
  PolicyService,
  reservationBases,
  runTimeline,
  type CallDecision,
  type TimelineEntry,
} from '../../../src/policy/index.js';
import { Random } from '../../../src/planning/random.js';
import type { Modality } from '../../../src/scenario/index.js';
import type { Topology } from '../../../src/topology/index.js';
import { ScenarioBuilder } from '../../support/scenario-builder.js';

type Item = Record<string, unknown>;

/**
 * A random scenario around the builder's default (Chicago headquarters, Portland branch):
 * a second branch, small random limits, bypass on or off, an Edge or not, voice mail, users
 * whose voice policy overrides the bandwidth policy, an IP-PBX without a media termination
 * point (its legs are accounted without a check), gateway channels, and the simulation
 * settings that change what a refusal leads to; then a random timeline of calls.
 */
function randomScenario(seed: number): ScenarioBuilder {
  const r = new Random(seed);
  const coin = (p = 0.5): boolean => r.next() < p;
  const between = (lo: number, hi: number): number => lo + Math.floor(r.next() * (hi - lo + 1));
  const b = new ScenarioBuilder();
  b.profile('Branch', {
    audioBWLimit: between(1, 12) * 50,
    videoBWLimit: coin(0.3) ? 0 : between(2, 6) * 200,
  });
  b.add('network.bwPolicyProfiles', {
    name: 'Small',
    audioBWLimit: coin(0.2) ? 0 : between(1, 8) * 40,
    audioBWSessionLimit: 175,
    videoBWLimit: between(1, 4) * 260,
    videoBWSessionLimit: 700,
  });
  b.add('network.sites', { name: 'Reno', region: 'NorthAmerica', bwPolicyProfile: 'Small' });
  b.add('network.subnets', { subnet: '10.3.0.0', maskBits: 24, site: 'Reno' });
  if (coin()) {
    b.add('network.subnets', { subnet: '10.9.0.10', maskBits: 32, site: 'Chicago' });
    b.add('hosts.edges', { name: 'edge', ip: '10.9.0.10', site: 'Chicago' });
  }
  b.add('hosts.voicemail', { name: 'vm', ip: '10.1.0.60' });
  b.bypass({ enabled: coin(0.7) });
  b.simulation({
    pstnCallRefused: coin() ? 'full-chain' : 'internet-then-reject',
    codecBandwidth: coin() ? 'table1' : 'table2',
    zeroBandwidthLimit: coin(0.8) ? 'unlimited' : 'block',
  });
  b.set('voicePolicies', [
    {
      name: 'global',
      allowPstnReRouting: coin(0.7),
      routes: [{ numberPattern: '^\\+1', trunks: coin() ? ['gw-por', 'gw-chi'] : ['gw-chi'] }],
    },
    { name: 'Exec', enableBWPolicyOverride: true },
  ]);
  b.gateway('gw-chi', { numbers: '^\\+1312', ...(coin() ? { channels: between(2, 6) } : {}) });
  b.gateway('gw-por', { numbers: '^\\+1503' });
  b.add('hosts.gateways', {
    name: 'pbx',
    kind: 'ip-pbx',
    ip: '10.2.0.210',
    mediationServer: 'ms-chi',
    mediaTerminationPoint: false,
  });
  b.set('hosts.clients', []);
  const clients: string[] = [];
  for (const [site, net, area] of [
    ['Chicago', '10.1.0', '312'],
    ['Portland', '10.2.0', '503'],
    ['Reno', '10.3.0', '775'],
  ] as const) {
    for (let i = 0; i < 3; i++) {
      const name = `${site.toLowerCase()}${i}`;
      clients.push(name);
      b.add('hosts.clients', {
        name,
        ip: `${net}.${20 + i}`,
        maskBits: 24,
        lineUri: `tel:+1${area}555010${i}`,
        voicemail: coin(),
        ...(coin(0.25) ? { voicePolicy: 'Exec' } : {}),
        ...(coin(0.3) ? { codecs: ['PCMU', 'RTAudio-NB'] } : {}),
      });
    }
  }
  const gateways = ['gw-chi', 'gw-por', 'pbx'];
  const codecs = [undefined, 'PCMU', 'RTAudio-NB', 'SILK-WB', 'G.722'];
  const calls: Item[] = [];
  const n = between(20, 70);
  for (let i = 0; i < n; i++) {
    const from = r.pick(clients);
    const at = Math.round(r.next() * 60_000) / 1000;
    const duration = 1 + Math.round(r.next() * 30_000) / 1000;
    const codec = r.pick(codecs);
    const kind = r.next();
    const common = { id: `c${i}`, at, duration, ...(codec ? { codec } : {}) };
    if (kind < 0.5) {
      let to = r.pick(clients);
      while (to === from) {
        to = r.pick(clients);
      }
      calls.push({ ...common, from, to, ...(coin(0.15) ? { modality: 'video' } : {}) });
    } else if (kind < 0.8) {
      calls.push({ ...common, from, to: r.pick(gateways), number: '+13125559999' });
    } else {
      calls.push({ ...common, from: r.pick(['gw-chi', 'gw-por']), to: from });
    }
  }
  b.calls(...calls);
  return b;
}

/**
 * Checks the ledger's invariants from outside, on the reservations and releases of a timeline
 * with each link's limit read from its profile: never negative; never above the limit beyond
 * what calls admitted by an override or accounted without a check hold; zero at the end.
 */
function checkFromOutside(topo: Topology, entries: readonly TimelineEntry[]): string[] {
  const problems: string[] = [];
  const zeroUnlimited = topo.scenario.simulation.zeroBandwidthLimit === 'unlimited';
  const limitOf = (link: string, m: Modality): number | null => {
    const l = topo.linkProfile(link)?.[m].limit ?? null;
    return l === 0 && zeroUnlimited ? null : l;
  };
  const exemptCall = (d: CallDecision): boolean =>
    d.reroute?.via === 'override' ||
    d.legs.some((leg) => leg.verdict === 'unchecked' && leg.why.startsWith('accounted'));
  const events = entries.flatMap(({ call, decision }) =>
    decision.holding.reservations.flatMap((res) => [
      { t: call.atMs, d: 1, res, exempt: exemptCall(decision), id: call.id },
      { t: call.atMs + call.durationMs, d: -1, res, exempt: exemptCall(decision), id: call.id },
    ]),
  );
  // As the timeline does: at one instant, releases before reservations.
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  const used = new Map<string, number>();
  const exempt = new Map<string, number>();
  for (const e of events) {
    const key = `${e.res.link}|${e.res.modality}`;
    const u = (used.get(key) ?? 0) + e.d * e.res.kbps;
    used.set(key, u);
    if (e.exempt) {
      exempt.set(key, (exempt.get(key) ?? 0) + e.d * e.res.kbps);
    }
    if (u < -1e-6) {
      problems.push(`${key} negative (${u}) at ${e.t}`);
    }
    const limit = limitOf(e.res.link, e.res.modality);
    if (e.d > 0 && limit !== null && u - (exempt.get(key) ?? 0) > limit + 1e-6) {
      problems.push(`${key} at ${u} above ${limit} after ${e.id} beyond the exempt calls`);
    }
  }
  for (const [key, u] of used) {
    if (Math.abs(u) > 1e-6) {
      problems.push(`${key} still holds ${u} at the end`);
    }
  }
  return problems;
}

describe('the ledger under random call timelines (seeded)', () => {
  it('keeps its invariants in every case, checked inside (the service) and outside', () => {
    let overrides = 0;
    let unchecked = 0;
    let refusals = 0;
    for (let seed = 1; seed <= 250; seed++) {
      const topo = randomScenario(seed).topology();
      // The timeline's Bandwidth Policy Service checks the invariants at every reservation and
      // release, and throws when one breaks.
      const result = runTimeline(topo, { trace: false });
      expect(result.ledgerAtEnd, `seed ${seed}`).toEqual([]);
      expect(checkFromOutside(topo, result.entries), `seed ${seed}`).toEqual([]);
      for (const e of result.entries) {
        const bases = reservationBases(e.decision);
        overrides += bases.includes('override') ? 1 : 0;
        unchecked += bases.includes('unchecked') ? 1 : 0;
        refusals += e.decision.legs.some((l) => l.verdict === 'refused') ? 1 : 0;
      }
    }
    // The cases reached what they are for.
    expect(overrides).toBeGreaterThan(20);
    expect(unchecked).toBeGreaterThan(20);
    expect(refusals).toBeGreaterThan(200);
  });

  it('counts the calls admitted by an override, and is back at zero when every call ended', () => {
    let counted = 0;
    for (let seed = 300; seed < 340; seed++) {
      const topo = randomScenario(seed).topology();
      const service = new PolicyService(topo, { trace: false, keepDecisions: false });
      const calls = [...topo.scenario.calls].sort((a, b) => a.atMs - b.atMs);
      const ends: { at: number; id: string }[] = [];
      let overrides = 0;
      for (const c of calls) {
        ends.sort((a, b) => a.at - b.at);
        while (ends.length > 0 && (ends[0]?.at ?? Infinity) <= c.atMs) {
          service.release(ends.shift()?.id ?? '');
        }
        const d = service.decide(c);
        if (service.holds(c.id)) {
          ends.push({ at: c.atMs + c.durationMs, id: c.id });
          overrides += reservationBases(d).includes('override') ? 1 : 0;
        }
      }
      for (const e of ends) {
        service.release(e.id);
      }
      const checks = service.ledgerChecks();
      expect(checks?.overrideAdmissions).toBe(overrides);
      expect(checks?.drained).toBeGreaterThanOrEqual(1);
      expect(service.snapshot()).toEqual([]);
      counted += overrides;
    }
    expect(counted).toBeGreaterThan(0);
  });
});

describe('LedgerInvariants', () => {
  const decision = (over: Partial<CallDecision>): CallDecision =>
    ({
      callId: 'x',
      legs: [
        {
          name: 'A',
          verdict: 'admitted',
          links: [
            {
              link: 'site:Portland',
              modality: 'audio',
              usedKbps: 0,
              requestKbps: 97,
              limitKbps: 100,
              sessionLimitKbps: null,
              ok: true,
            },
          ],
        },
      ],
      holding: {
        reservations: [{ link: 'site:Portland', modality: 'audio', kbps: 97 }],
        channels: [],
      },
      reroute: null,
      ...over,
    }) as unknown as CallDecision;

  it('throws an internal error when a checked call takes a link above its limit', () => {
    const ledger = new Ledger();
    const inv = new LedgerInvariants(() => null);
    ledger.reserve('a', decision({}).holding);
    inv.reserved(ledger, decision({ callId: 'a' }));
    ledger.reserve('b', decision({}).holding);
    let thrown: unknown;
    try {
      inv.reserved(ledger, decision({ callId: 'b' }));
    } catch (e) {
      thrown = e;
    }
    expect(hasCode(thrown, 'SIM_ERR_INTERNAL')).toBe(true);
  });

  it('lets an override go above the limit, and counts it', () => {
    const ledger = new Ledger();
    const inv = new LedgerInvariants(() => null);
    ledger.reserve('a', decision({}).holding);
    inv.reserved(ledger, decision({ callId: 'a' }));
    const refused = decision({
      callId: 'b',
      reroute: { via: 'override' },
      legs: [
        {
          ...decision({}).legs[0]!,
          verdict: 'refused',
          links: [{ ...decision({}).legs[0]!.links[0]!, ok: false }],
        },
      ],
    });
    ledger.reserve('b', refused.holding);
    inv.reserved(ledger, refused);
    expect(inv.counts).toMatchObject({ overrideAdmissions: 1, overLimitByOverride: 1 });
    inv.released(ledger, 'b', ledger.release('b'));
    inv.released(ledger, 'a', ledger.release('a'));
    expect(inv.counts).toMatchObject({ reserved: 2, released: 2, drained: 1 });
  });

  it('throws when a gateway carries more calls than it has channels', () => {
    const ledger = new Ledger();
    const inv = new LedgerInvariants((g) => (g === 'gw' ? 1 : null));
    const d = decision({ holding: { reservations: [], channels: ['gw'] }, legs: [] });
    ledger.reserve('a', d.holding);
    inv.reserved(ledger, { ...d, callId: 'a' });
    ledger.reserve('b', d.holding);
    expect(() => inv.reserved(ledger, { ...d, callId: 'b' })).toThrow(/more than its 1 channels/);
  });

  it('throws when a call it never saw is released', () => {
    const ledger = new Ledger();
    const inv = new LedgerInvariants(() => null);
    ledger.reserve('a', decision({}).holding);
    expect(() => inv.released(ledger, 'a', ledger.release('a'))).toThrow(/never saw/);
  });
});
