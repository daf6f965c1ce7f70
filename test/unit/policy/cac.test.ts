import { describe, expect, it } from 'vitest';
import {
  codecKbps,
  Ledger,
  runTimeline,
  streamKbps,
  VIDEO_KBPS,
} from '../../../src/policy/index.js';
import { Topology } from '../../../src/topology/index.js';
import {
  decide,
  litware,
  reserved,
  ScenarioBuilder,
  steps,
  usage,
  verdicts,
} from '../../support/scenario-builder.js';

/**
 * The default scenario with bypass off on the trunk, so that PSTN calls are relayed, and a
 * client-to-client call alice (Portland, uplink 1000 kbps audio) -> bob (Chicago). Their first
 * common codec is RTAudio-WB (62 kbps, table 1).
 */
const cac = (): ScenarioBuilder =>
  new ScenarioBuilder()
    .trunk('global', { enableBypass: false })
    .calls({ id: 'c1', at: 0, from: 'alice', to: 'bob' });

const PORTLAND_FULL = usage({ 'site:Portland': 1000 });

describe('b.2 CAC check', () => {
  it('b.2#18 with CAC off the call is admitted without reservation, even over a full link', () => {
    const p2p = decide(cac().cac(false).topology(), 'c1', PORTLAND_FULL);
    expect(p2p.decision).toBe('DIRECT');
    expect(p2p.holding.reservations).toEqual([]);
    expect(steps(p2p, 'b.2#18')[0]?.verdict).toBe('info');
    const pstn = decide(
      cac().cac(false).calls({ id: 'c1', at: 0, from: 'alice', to: 'gw-chi' }).topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(pstn.decision).toBe('RELAY');
    expect(pstn.mediaPath).toEqual(['alice', 'ms-chi', 'gw-chi']);
    expect(pstn.holding.reservations).toEqual([]);
  });

  it('b.2#19 when the Bandwidth Policy Service is down CAC is not enforced: admit, no reservation', () => {
    const d = decide(
      cac().region('NorthAmerica', { bandwidthPolicyServiceDown: true }).topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.holding.reservations).toEqual([]);
    expect(steps(d, 'b.2#19')).toHaveLength(1);
    expect(d.legs[0]?.verdict).toBe('unchecked');
  });

  it('b.2#20 a relayed PSTN call is checked on leg A (client<->MS) and leg B (MS<->gateway)', () => {
    const d = decide(cac().calls({ id: 'c1', at: 0, from: 'alice', to: 'gw-por' }).topology());
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.legs.map((l) => [l.name, l.fromSite, l.toSite, l.verdict])).toEqual([
      ['A', 'Portland', 'Chicago', 'admitted'],
      ['B', 'Chicago', 'Portland', 'admitted'],
    ]);
    // c.4: PSTN client<->MS without bypass 45 (RTAudio NB 44.8), MS<->gateway 97 (G.711).
    expect(reserved(d)).toEqual(['site:Portland|audio=44.8', 'site:Portland|audio=97']);
    expect(verdicts(d, 'b.2#23')).toEqual(['pass']);
  });

  it('b.2#20 only the leg that crosses a constrained link reserves', () => {
    const d = decide(cac().calls({ id: 'c1', at: 0, from: 'bob', to: 'gw-por' }).topology());
    expect(d.legs.map((l) => l.links.length)).toEqual([0, 1]);
    expect(reserved(d)).toEqual(['site:Portland|audio=97']);
  });

  it('b.2#21 outbound to an IP-PBX without MTP: only leg A is checked, leg B is accounted', () => {
    const b = cac()
      .gateway('gw-por', { kind: 'ip-pbx', mediaTerminationPoint: false })
      .calls({ id: 'c1', at: 0, from: 'bob', to: 'gw-por' });
    const d = decide(b.topology(), 'c1', PORTLAND_FULL);
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(steps(d, 'b.2#21')).toHaveLength(1);
    expect(d.legs.find((l) => l.name === 'B')?.verdict).toBe('unchecked');
    expect(reserved(d)).toEqual(['site:Portland|audio=97']);
  });

  it('b.2#21 inbound from an IP-PBX without MTP gets both checks', () => {
    const d = decide(
      cac()
        .gateway('gw-por', { kind: 'ip-pbx', mediaTerminationPoint: false })
        .calls({ id: 'c1', at: 0, from: 'gw-por', to: 'bob' })
        .topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(steps(d, 'b.2#21')).toEqual([]);
    expect(d.legs.find((l) => l.name === 'B')?.verdict).toBe('refused');
    expect(d.decision).toBe('REJECTED');
  });

  it('b.2#23 a call is admitted only if every leg is: leg A fits, leg B does not', () => {
    const d = decide(
      cac().calls({ id: 'c1', at: 0, from: 'bob', to: 'gw-por' }).topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(d.legs.map((l) => l.verdict)).toEqual(['admitted', 'refused']);
    expect(d.decision).toBe('REJECTED');
    expect(d.holding.reservations).toEqual([]);
    expect(steps(d, 'b.2#23')).toEqual([]);
  });
});

describe('c.1 locating endpoints', () => {
  it('c.1#1 CAC locates an endpoint by containment in a super-subnet', () => {
    const d = decide(
      cac()
        .patch('network.sites', 'Portland', {})
        .set('network.subnets', [
          { subnet: '10.1.0.0', maskBits: 24, site: 'Chicago' },
          { subnet: '10.2.0.0', maskBits: 16, site: 'Portland' },
        ])
        .client('alice', { ip: '10.2.77.15', maskBits: 24 })
        .gateway('gw-por', { ip: '10.2.0.200' })
        .topology(),
    );
    expect(d.legs[0]?.fromSite).toBe('Portland');
    expect(reserved(d)).toEqual(['site:Portland|audio=62']);
  });

  it('c.1#2 A12 admit (default): an unmapped endpoint is admitted without reservation', () => {
    const topo = cac().client('alice', { ip: '10.9.9.9' }).topology();
    expect(topo.scenario.simulation.unmappedEndpoint).toBe('admit');
    const d = decide(topo, 'c1', PORTLAND_FULL);
    expect(steps(d, 'c.1#2')[0]).toMatchObject({ verdict: 'pass', inputs: { ip: '10.9.9.9' } });
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.holding.reservations).toEqual([]);
  });

  it('c.1#2 A12 refuse: an unmapped endpoint is refused', () => {
    const d = decide(
      cac()
        .client('alice', { ip: '10.9.9.9' })
        .simulation({ unmappedEndpoint: 'refuse' })
        .topology(),
    );
    expect(verdicts(d, 'c.1#2')).toEqual(['fail']);
    expect(d.decision).toBe('REJECTED');
  });

  it('c.1#3 an external user is located by the A/V Edge /32 for the enterprise portion', () => {
    const b = cac()
      .add('network.subnets', { subnet: '131.107.0.10', maskBits: 32, site: 'Chicago' })
      .add('hosts.edges', { name: 'edge-chi', ip: '131.107.0.10', site: 'Chicago' })
      .add('hosts.clients', {
        name: 'xavier',
        ip: '198.51.100.23',
        maskBits: 24,
        location: 'external',
      });
    const toBranch = decide(b.calls({ id: 'c1', at: 0, from: 'xavier', to: 'alice' }).topology());
    expect(toBranch.mediaPath).toEqual(['xavier', 'edge-chi', 'alice']);
    expect(toBranch.legs[0]?.fromSite).toBe('Chicago');
    expect(reserved(toBranch)).toEqual(['site:Portland|audio=62']);
    const toCentre = decide(b.calls({ id: 'c1', at: 0, from: 'xavier', to: 'bob' }).topology());
    expect(toCentre.holding.reservations).toEqual([]);
  });

  it('c.1#4 policies follow the current address of the endpoint, not the user', () => {
    const home = decide(cac().topology());
    expect(reserved(home)).toEqual(['site:Portland|audio=62']);
    const visiting = decide(cac().client('alice', { ip: '10.1.0.16' }).topology());
    expect(visiting.holding.reservations).toEqual([]);
  });
});

describe('c.2 path between sites', () => {
  it('c.2#5 two endpoints in the same site are admitted with no reservation, even when the uplink is full', () => {
    const d = decide(
      cac()
        .add('hosts.clients', { name: 'amy', ip: '10.2.0.16', maskBits: 24 })
        .calls({ id: 'c1', at: 0, from: 'alice', to: 'amy' })
        .topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.holding.reservations).toEqual([]);
    expect(steps(d, 'c.2')[0]?.detail).toContain('c.2#5');
  });

  it('c.2#6 both sites uplinks are on the path', () => {
    const d = decide(
      cac()
        .add('network.sites', { name: 'Reno', region: 'NorthAmerica', bwPolicyProfile: 'Branch' })
        .add('network.subnets', { subnet: '10.6.0.0', maskBits: 24, site: 'Reno' })
        .add('hosts.clients', { name: 'erin', ip: '10.6.0.20', maskBits: 24 })
        .calls({ id: 'c1', at: 0, from: 'alice', to: 'erin' })
        .topology(),
    );
    expect(reserved(d)).toEqual(['site:Portland|audio=62', 'site:Reno|audio=62']);
  });

  it('c.2#7 NorthAmerica-APAC reserves on both region links (Litware)', () => {
    const d = decide(litware().topology(), 'beijing-newyork-p2p');
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(reserved(d)).toEqual([
      'region-link:EMEA-APAC-LINK|audio=62',
      'region-link:NA-EMEA-LINK|audio=62',
    ]);
  });

  it('c.2#7 a region link without a profile is unconstrained', () => {
    const d = decide(
      litware()
        .patch('network.regionLinks', 'NA-EMEA-LINK', { bwPolicyProfile: undefined })
        .topology(),
      'beijing-newyork-p2p',
    );
    expect(reserved(d)).toEqual(['region-link:EMEA-APAC-LINK|audio=62']);
  });

  it('c.2#7 at run time a missing route refuses by default, or admits with missingRoute: admit', () => {
    const b = litware()
      .remove('network.regionRoutes', 'NA_APAC_ROUTE')
      .site('Beijing', { edgeReach: 'via-wan' })
      .calls({ id: 'x', at: 0, from: 'hank', to: 'carol' });
    // The loader refuses this (d.V5); the run-time rule is for a model built without it.
    expect(b.load().ok).toBe(false);
    const refused = decide(new Topology(b.unvalidated()));
    // The WAN leg fails, and so does the Internet sub-path Beijing <-> Chicago Edge, which
    // Beijing reaches over the WAN (A16).
    expect(verdicts(refused, 'c.2#7')[0]).toBe('fail');
    expect(refused.legs[0]?.verdict).toBe('refused');
    expect(refused.decision).toBe('REJECTED');
    const admitted = decide(new Topology(b.simulation({ missingRoute: 'admit' }).unvalidated()));
    expect(verdicts(admitted, 'c.2#7')).toEqual(['pass']);
    expect(admitted.decision).toBe('CAC-ADMITTED');
    expect(admitted.holding.reservations).toEqual([]);
  });

  it('c.2#8 A4 add (default): the inter-site policy is added to both uplinks', () => {
    const d = decide(litware().topology(), 'reno-albuquerque-p2p');
    expect(reserved(d)).toEqual([
      'inter-site:Reno_Albuquerque|audio=62',
      'site:Albuquerque|audio=62',
      'site:Reno|audio=62',
    ]);
    // A full Albuquerque uplink refuses the call in add mode.
    const full = decide(
      litware().topology(),
      'reno-albuquerque-p2p',
      usage({ 'site:Albuquerque': 2000 }),
    );
    expect(full.legs[0]?.verdict).toBe('refused');
  });

  it('c.2#8 A4 replace: only the inter-site policy is on the path', () => {
    const topo = litware().simulation({ interSitePolicy: 'replace' }).topology();
    const d = decide(topo, 'reno-albuquerque-p2p', usage({ 'site:Albuquerque': 2000 }));
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(reserved(d)).toEqual(['inter-site:Reno_Albuquerque|audio=62']);
  });

  it('c.2#9 an MPLS cloud as one region: satellites reserve only their access links', () => {
    const d = decide(
      new ScenarioBuilder()
        .cac(true)
        .set('network.regions', [{ name: 'MPLS', centralSite: 'Hub' }])
        .set('network.sites', [
          { name: 'Hub', region: 'MPLS' },
          { name: 'Sat1', region: 'MPLS', bwPolicyProfile: 'Branch' },
          { name: 'Sat2', region: 'MPLS', bwPolicyProfile: 'Branch' },
        ])
        .set('network.subnets', [
          { subnet: '10.1.0.0', maskBits: 24, site: 'Hub' },
          { subnet: '10.2.0.0', maskBits: 24, site: 'Sat1' },
          { subnet: '10.3.0.0', maskBits: 24, site: 'Sat2' },
        ])
        .client('bob', { ip: '10.3.0.15' })
        .calls({ id: 'c1', at: 0, from: 'alice', to: 'bob' })
        .topology(),
    );
    expect(reserved(d)).toEqual(['site:Sat1|audio=62', 'site:Sat2|audio=62']);
  });

  it('c.2#10 an ITSP modelled as a zero-bandwidth site plus an inter-site policy carrying the limits', () => {
    const b = cac()
      .add('network.bwPolicyProfiles', { name: 'Zero', audioBWLimit: 0, videoBWLimit: 0 })
      .add('network.bwPolicyProfiles', {
        name: 'Trunk',
        audioBWLimit: 200,
        audioBWSessionLimit: 175,
      })
      .add('network.sites', { name: 'ITSP', region: 'NorthAmerica', bwPolicyProfile: 'Zero' })
      .add('network.subnets', { subnet: '192.0.2.10', maskBits: 32, site: 'ITSP' })
      .add('network.interSitePolicies', {
        name: 'Chicago_ITSP',
        sites: ['Chicago', 'ITSP'],
        bwPolicyProfile: 'Trunk',
      })
      .add('hosts.gateways', {
        name: 'sbc',
        kind: 'sbc',
        ip: '192.0.2.10',
        mediationServer: 'ms-chi',
      })
      .calls({ id: 'c1', at: 0, from: 'bob', to: 'sbc' });
    const topo = b.topology();
    const d = decide(topo);
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.holding.reservations.map((r) => r.link)).toContain('inter-site:Chicago_ITSP');
    // The inter-site policy carries the real limit: 97 + 97 + 97 > 200.
    const full = decide(topo, 'c1', usage({ 'inter-site:Chicago_ITSP': 150 }));
    expect(full.decision).toBe('REJECTED');
  });
});

describe('c.3 limit check per link', () => {
  it('c.3#11 used + request must not exceed the total: 938 + 62 fits 1000, 938.5 + 62 does not', () => {
    const topo = cac().topology();
    const fits = decide(topo, 'c1', usage({ 'site:Portland': 938 }));
    expect(steps(fits, 'c.3#11')[0]).toMatchObject({
      verdict: 'pass',
      inputs: { link: 'site:Portland', used: 938, request: 62, limit: 1000 },
    });
    expect(fits.decision).toBe('CAC-ADMITTED');
    const over = decide(topo, 'c1', usage({ 'site:Portland': 938.5 }));
    expect(steps(over, 'c.3#11')[0]?.verdict).toBe('fail');
    expect(over.decision).toBe('REJECTED');
  });

  it('c.3#11 limits are per modality: full video does not block audio', () => {
    const d = decide(cac().topology(), 'c1', usage({ 'site:Portland|video': 1400 }));
    expect(d.decision).toBe('CAC-ADMITTED');
  });

  it('c.3#12 an admitted stream adds its bandwidth to every constrained link, released at the end', () => {
    const d = decide(litware().topology(), 'reno-albuquerque-p2p');
    const ledger = new Ledger();
    ledger.reserve(d.callId, d.holding);
    for (const link of ['site:Reno', 'site:Albuquerque', 'inter-site:Reno_Albuquerque']) {
      expect(ledger.used(link, 'audio')).toBe(62);
    }
    expect(verdicts(d, 'c.3#12')).toEqual(['pass']);
    ledger.release(d.callId);
    expect(ledger.snapshot()).toEqual([]);
  });

  it('c.3#13 limits are one direction: a two-way G.711 call counts 97, not 194', () => {
    const d = decide(
      cac().calls({ id: 'c1', at: 0, from: 'alice', to: 'bob', codec: 'PCMU' }).topology(),
    );
    expect(reserved(d)).toEqual(['site:Portland|audio=97']);
  });

  it('c.3#14 the session limit governs the codec: RTAudio-WB (62) over a 60 kbps limit falls back to RTAudio-NB', () => {
    const d = decide(cac().profile('Branch', { audioBWSessionLimit: 60 }).topology());
    expect(steps(d, 'c.3#14')[0]?.verdict).toBe('info');
    expect(d.codecs.caller).toBe('RTAudio-NB');
    expect(reserved(d)).toEqual(['site:Portland|audio=44.8']);
  });

  it('c.3#14 when no offered codec fits the session limit the call is refused', () => {
    const d = decide(cac().profile('Branch', { audioBWSessionLimit: 40 }).topology());
    expect(steps(d, 'c.3#14')[0]).toMatchObject({
      verdict: 'fail',
      inputs: { link: 'site:Portland', sessionLimit: 40 },
    });
    expect(d.decision).toBe('REJECTED');
  });

  it('c.3#15 two near-simultaneous calls near the limit: the second is refused', () => {
    const topo = cac()
      .profile('Branch', { audioBWLimit: 150 })
      .add('hosts.clients', { name: 'amy', ip: '10.2.0.16', maskBits: 24 })
      .calls(
        { id: 'first', at: 0, from: 'alice', to: 'bob', codec: 'PCMU', duration: 5 },
        { id: 'second', at: 0, from: 'amy', to: 'bob', codec: 'PCMU', duration: 5 },
        { id: 'later', at: 6, from: 'amy', to: 'bob', codec: 'PCMU', duration: 5 },
      )
      .topology();
    const run = runTimeline(topo);
    expect(run.entries.map((e) => e.decision.decision)).toEqual([
      'CAC-ADMITTED',
      'REJECTED',
      'CAC-ADMITTED',
    ]);
    expect(run.entries[2]?.releasedBefore).toEqual(['first']);
    expect(run.ledgerAtEnd).toEqual([]);
  });

  it('c.3#16 a voice-mail deposit is never denied for bandwidth and reserves nothing', () => {
    const d = decide(
      cac()
        .add('hosts.voicemail', { name: 'vm', ip: '10.1.0.50' })
        .client('bob', { voicemail: true })
        .topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(d.decision).toBe('CAC-REROUTED-VOICEMAIL');
    expect(d.mediaPath).toEqual(['alice', 'vm']);
    expect(d.holding.reservations).toEqual([]);
    expect(verdicts(d, 'c.5#20')).toEqual(['pass']);
  });
});

describe('c.4 codec bandwidth (A11)', () => {
  it('c.4 table 1 (default) uses the "max without FEC" figures', () => {
    expect(codecKbps('PCMU', 'table1')).toBe(97);
    expect(codecKbps('PCMA', 'table1')).toBe(97);
    expect(codecKbps('RTAudio-NB', 'table1')).toBe(44.8);
    expect(codecKbps('RTAudio-WB', 'table1')).toBe(62);
    expect(codecKbps('SILK-WB', 'table1')).toBe(69);
    expect(codecKbps('G.722', 'table1')).toBe(100.6);
    expect(codecKbps('Siren', 'table1')).toBe(52.6);
  });

  it('c.4 table 2 uses the CAC planning figures', () => {
    expect(codecKbps('PCMU', 'table2')).toBe(102);
    expect(codecKbps('RTAudio-NB', 'table2')).toBe(49.8);
    expect(codecKbps('RTAudio-WB', 'table2')).toBe(67);
    expect(codecKbps('G.722', 'table2')).toBe(105.6);
    expect(codecKbps('Siren', 'table2')).toBe(57.6);
  });

  it('c.4 video is RTVideo CIF 15 fps, 260 kbps', () => {
    expect(VIDEO_KBPS).toBe(260);
    expect(streamKbps('video', 'PCMU', 'table1')).toBe(260);
    expect(streamKbps('audio', 'PCMU', 'table2')).toBe(102);
  });

  it('c.4 A11 table1 (default) vs table2 decide what a relayed PSTN call reserves', () => {
    const b = cac().calls({ id: 'c1', at: 0, from: 'alice', to: 'gw-por' });
    const t1 = b.topology();
    expect(t1.scenario.simulation.codecBandwidth).toBe('table1');
    expect(reserved(decide(t1))).toEqual(['site:Portland|audio=44.8', 'site:Portland|audio=97']);
    const t2 = b.simulation({ codecBandwidth: 'table2' }).topology();
    expect(reserved(decide(t2))).toEqual(['site:Portland|audio=102', 'site:Portland|audio=49.8']);
  });
});

describe('A9 zero bandwidth limits', () => {
  const zero = (): ScenarioBuilder =>
    cac().profile('Branch', {
      audioBWLimit: 0,
      videoBWLimit: undefined,
      videoBWSessionLimit: undefined,
    });

  it('A9 unlimited (default): a total of 0 does not limit the link', () => {
    const topo = zero().topology();
    expect(topo.scenario.simulation.zeroBandwidthLimit).toBe('unlimited');
    const d = decide(topo, 'c1', usage({ 'site:Portland': 5000 }));
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(steps(d, 'c.3#11')[0]?.inputs.limit).toBeNull();
  });

  it('A9 block: a total of 0 refuses every session', () => {
    const d = decide(zero().simulation({ zeroBandwidthLimit: 'block' }).topology());
    expect(steps(d, 'c.3#11')[0]).toMatchObject({ verdict: 'fail', inputs: { limit: 0 } });
    expect(d.decision).toBe('REJECTED');
  });
});
