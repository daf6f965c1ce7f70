import { describe, expect, it } from 'vitest';
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
 * alice (Portland, uplink 1000 kbps) calls bob (Chicago) with bypass off on the trunk. bob's
 * number +1312... is served by gw-chi; alice's voice policy routes it out through gw-por, her
 * local gateway. The A/V Edge sits in Chicago, and Portland reaches it over the WAN (A16), so
 * a full Portland uplink also blocks the Internet alternate path and the chain goes on.
 */
const chain = (): ScenarioBuilder =>
  new ScenarioBuilder()
    .site('Portland', { edgeReach: 'via-wan' })
    .add('network.subnets', { subnet: '131.107.0.10', maskBits: 32, site: 'Chicago' })
    .add('hosts.edges', { name: 'edge-chi', ip: '131.107.0.10', site: 'Chicago' })
    .gateway('gw-chi', { numbers: '^\\+1312' })
    .client('bob', { lineUri: 'tel:+13125550101' })
    .add('voicePolicies', {
      name: 'global',
      routes: [{ numberPattern: '^\\+1312', trunks: ['gw-por'] }],
    })
    .calls({ id: 'c1', at: 0, from: 'alice', to: 'bob' });

const PORTLAND_FULL = usage({ 'site:Portland': 1000, 'site:Portland|video': 1400 });

/**
 * Two regions with an Edge in each: gina (London, EMEA) calls bob (Chicago, NorthAmerica)
 * over NA-EMEA-LINK (500 kbps audio).
 */
const twoRegions = (): ScenarioBuilder =>
  new ScenarioBuilder()
    .add('network.regions', { name: 'EMEA', centralSite: 'London' })
    .add('network.sites', { name: 'London', region: 'EMEA' })
    .add('network.bwPolicyProfiles', { name: 'Link', audioBWLimit: 500, audioBWSessionLimit: 175 })
    .set('network.regionLinks', [
      { name: 'NA-EMEA-LINK', regions: ['NorthAmerica', 'EMEA'], bwPolicyProfile: 'Link' },
    ])
    .set('network.regionRoutes', [
      { name: 'NA_EMEA', regions: ['NorthAmerica', 'EMEA'], links: ['NA-EMEA-LINK'] },
    ])
    .add('network.subnets', { subnet: '10.30.0.0', maskBits: 24, site: 'London' })
    .add('network.subnets', { subnet: '131.107.0.10', maskBits: 32, site: 'Chicago' })
    .add('network.subnets', { subnet: '131.107.0.20', maskBits: 32, site: 'London' })
    .add('hosts.edges', { name: 'edge-chi', ip: '131.107.0.10', site: 'Chicago' })
    .add('hosts.edges', { name: 'edge-lon', ip: '131.107.0.20', site: 'London' })
    .add('hosts.clients', { name: 'gina', ip: '10.30.0.20', maskBits: 24 })
    .calls({ id: 'c1', at: 0, from: 'gina', to: 'bob' });

const LINK_FULL = usage({ 'region-link:NA-EMEA-LINK': 500 });

/** The sites reach the A/V Edge over the WAN (A16), so that CAC checks the sub-paths. */
function viaWan(b: ScenarioBuilder, ...sites: string[]): ScenarioBuilder {
  for (const site of sites) {
    b.site(site, { edgeReach: 'via-wan' });
  }
  return b;
}

describe('c.5 when the primary path is refused', () => {
  it('c.5#17 an incoming call to a user with EnableBWPolicyOverride is admitted and still accounted', () => {
    const d = decide(
      chain()
        .add('voicePolicies', { name: 'vip', enableBWPolicyOverride: true })
        .client('bob', { voicePolicy: 'vip' })
        .calls({ id: 'c1', at: 0, from: 'alice', to: 'bob' })
        .topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(verdicts(d, 'c.5#17')).toEqual(['pass']);
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.reroute).toEqual({ via: 'override' });
    expect(reserved(d)).toEqual(['site:Portland|audio=62']);
  });

  it('c.5#17 the override never applies to the same user outgoing calls', () => {
    const d = decide(
      chain()
        .add('voicePolicies', { name: 'vip', enableBWPolicyOverride: true })
        .client('alice', { voicePolicy: 'vip' })
        .topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(verdicts(d, 'c.5#17')).toEqual(['fail']);
    expect(d.reroute).not.toEqual({ via: 'override' });
  });

  it('c.5#17 an inbound PSTN call to a user with the override is admitted', () => {
    const d = decide(
      chain()
        .trunk('global', { enableBypass: false })
        .add('voicePolicies', { name: 'vip', enableBWPolicyOverride: true })
        .client('alice', { voicePolicy: 'vip' })
        .calls({ id: 'c1', at: 0, from: 'gw-chi', to: 'alice' })
        .topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(verdicts(d, 'c.5#17')).toEqual(['pass']);
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.mediaPath).toEqual(['gw-chi', 'ms-chi', 'alice']);
    expect(reserved(d)).toEqual(['site:Portland|audio=44.8']);
  });

  it('c.5#18 the Internet alternate path is used when its sub-paths pass (Litware Reno-Albuquerque)', () => {
    const d = decide(
      viaWan(litware(), 'Reno', 'Albuquerque').topology(),
      'reno-albuquerque-p2p',
      usage({ 'inter-site:Reno_Albuquerque': 12000 }),
    );
    expect(verdicts(d, 'c.5#18')).toEqual(['pass']);
    expect(d.decision).toBe('CAC-REROUTED-INTERNET');
    expect(d.mediaPath).toEqual(['erin', 'edge-chi', 'frank']);
    expect(d.reroute).toEqual({ via: 'internet', edges: ['edge-chi'] });
    // Sub-paths over the WAN (A16 via-wan): Reno <-> Chicago and Albuquerque <-> Chicago.
    expect(reserved(d)).toEqual(['site:Albuquerque|audio=62', 'site:Reno|audio=62']);
    expect(verdicts(d, 'A16')).toEqual(['info']);
  });

  it('c.5#18 A16 internet-breakout (default): the branch reaches the Edge over its own Internet link', () => {
    const d = decide(litware().topology(), 'reno-albuquerque-p2p', usage({ 'site:Reno': 4000 }));
    // The full Reno uplink refuses the WAN path but is not on the Internet path.
    expect(d.legs[0]?.verdict).toBe('refused');
    expect(verdicts(d, 'A16')).toEqual(['pass']);
    expect(verdicts(d, 'c.5#18')).toEqual(['pass']);
    expect(d.decision).toBe('CAC-REROUTED-INTERNET');
    expect(d.mediaPath).toEqual(['erin', 'edge-chi', 'frank']);
    expect(d.holding.reservations).toEqual([]);
    expect(steps(d, 'A16')[0]?.detail).toContain('not checked');
  });

  it('c.5#18 only sub-paths that pass are used: a full local uplink also blocks the Internet path', () => {
    const d = decide(
      viaWan(litware(), 'Reno').topology(),
      'reno-albuquerque-p2p',
      usage({ 'site:Reno': 4000 }),
    );
    expect(verdicts(d, 'c.5#18')).toEqual(['fail']);
    expect(d.decision).toBe('REJECTED');
  });

  it('c.5#18 AudioAlternatePath false in the region prevents the Internet path', () => {
    const d = decide(
      litware().region('NorthAmerica', { audioAlternatePath: false }).topology(),
      'reno-albuquerque-p2p',
      usage({ 'inter-site:Reno_Albuquerque': 12000 }),
    );
    expect(steps(d, 'c.5#18')[0]).toMatchObject({
      verdict: 'fail',
      inputs: { region: 'NorthAmerica' },
    });
    expect(d.decision).toBe('REJECTED');
  });

  it('c.5#18 without an A/V Edge there is no Internet path', () => {
    const d = decide(
      litware()
        .set('hosts.edges', [])
        .calls({ id: 'x', at: 0, from: 'erin', to: 'frank' })
        .topology(),
      'x',
      usage({ 'inter-site:Reno_Albuquerque': 12000 }),
    );
    expect(verdicts(d, 'c.5#18')).toEqual(['fail']);
    expect(d.decision).toBe('REJECTED');
  });

  it('c.5#19 PSTN re-route (AllowPSTNReRouting default true): out through the caller gateway, in to the callee', () => {
    const topo = chain().topology();
    expect(topo.scenario.voicePolicies.find((v) => v.name === 'global')?.allowPstnReRouting).toBe(
      true,
    );
    const d = decide(topo, 'c1', PORTLAND_FULL);
    expect(verdicts(d, 'c.5#18')).toEqual(['fail']);
    expect(verdicts(d, 'c.5#19')).toEqual(['pass']);
    expect(d.decision).toBe('CAC-REROUTED-PSTN');
    expect(d.mediaPath).toEqual(['alice', 'gw-por', 'pstn', 'gw-chi', 'bob']);
    expect(d.reroute).toEqual({ via: 'pstn', trunks: ['gw-por', 'gw-chi'] });
    // Both PSTN legs bypass locally, so nothing crosses Portland's full uplink.
    expect(d.holding.reservations).toEqual([]);
  });

  it('c.5#19 no re-route when no route of the caller matches the callee number', () => {
    const d = decide(
      chain().client('bob', { lineUri: 'tel:+44205550101' }).topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(verdicts(d, 'c.5#19')).toEqual(['fail']);
    expect(d.decision).toBe('REJECTED');
  });

  it('c.5#20 voice mail comes after a failed PSTN re-route', () => {
    const d = decide(
      chain()
        .add('voicePolicies', { name: 'nopstn', allowPstnReRouting: false })
        .client('alice', { voicePolicy: 'nopstn' })
        .client('bob', { voicemail: true })
        .add('hosts.voicemail', { name: 'vm', ip: '10.1.0.50' })
        .topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(d.trace.map((s) => s.rule).filter((r) => r.startsWith('c.5'))).toEqual([
      'c.5#17',
      'c.5#18',
      'c.5#19',
      'c.5#20',
    ]);
    expect(d.decision).toBe('CAC-REROUTED-VOICEMAIL');
    expect(d.reroute).toEqual({ via: 'voicemail', host: 'vm' });
  });

  it('c.5#21 with nothing left the call is blocked and the reason is CAC', () => {
    const d = decide(chain().set('voicePolicies', undefined).topology(), 'c1', PORTLAND_FULL);
    expect(verdicts(d, 'c.5#21')).toEqual(['fail']);
    expect(d.decision).toBe('REJECTED');
    expect(d.mediaPath).toEqual([]);
    expect(d.holding).toEqual({ reservations: [], channels: [] });
    expect(d.sip?.status).toBe(488);
    expect(d.sip?.reason).toContain('call admission control');
  });

  it('c.5#22 refused video gets only the Internet path, never PSTN or voice mail', () => {
    const b = chain()
      .client('bob', { voicemail: true })
      .add('hosts.voicemail', { name: 'vm', ip: '10.1.0.50' })
      .calls({ id: 'c1', at: 0, from: 'alice', to: 'bob', modality: 'video' });
    const d = decide(b.topology(), 'c1', usage({ 'site:Portland|video': 1400 }));
    expect(verdicts(d, 'c.5#22')).toEqual(['fail']);
    expect(steps(d, 'c.5#19')).toEqual([]);
    expect(steps(d, 'c.5#20')).toEqual([]);
    expect(d.decision).toBe('REJECTED');
  });

  it('c.5#22 refused video may take the Internet alternate path', () => {
    const d = decide(
      viaWan(litware(), 'Reno')
        .calls({ id: 'v', at: 0, from: 'erin', to: 'frank', modality: 'video' })
        .topology(),
      'v',
      usage({ 'inter-site:Reno_Albuquerque|video': 5000 }),
    );
    expect(d.decision).toBe('CAC-REROUTED-INTERNET');
    expect(reserved(d)).toContain('site:Reno|video=260');
  });

  it('c.5#23 CAC also applies to a join to a conferencing MCU', () => {
    const d = decide(
      chain()
        .add('hosts.clients', { name: 'mcu', ip: '10.1.0.60', maskBits: 24, conferenceMcu: true })
        .calls({ id: 'c1', at: 0, from: 'alice', to: 'mcu' })
        .topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(d.legs[0]?.verdict).toBe('refused');
    expect(d.decision).not.toBe('CAC-ADMITTED');
  });
});

describe('A7 whose voice policy', () => {
  const b = (): ScenarioBuilder =>
    chain()
      .set('voicePolicies', [
        {
          name: 'caller',
          allowPstnReRouting: false,
          routes: [{ numberPattern: '^\\+1312', trunks: ['gw-por'] }],
        },
        {
          name: 'callee',
          allowPstnReRouting: true,
          routes: [{ numberPattern: '^\\+1312', trunks: ['gw-por'] }],
        },
      ])
      .client('alice', { voicePolicy: 'caller' })
      .client('bob', { voicePolicy: 'callee' });

  it("A7 docs (default): PSTN re-route follows the caller's policy", () => {
    const topo = b().topology();
    expect(topo.scenario.simulation.voicePolicyOwner).toBe('docs');
    const d = decide(topo, 'c1', PORTLAND_FULL);
    expect(steps(d, 'c.5#19')[0]).toMatchObject({
      verdict: 'fail',
      inputs: { voicePolicy: 'caller' },
    });
    expect(d.decision).toBe('REJECTED');
  });

  it("A7 receiving-user: PSTN re-route follows the callee's policy", () => {
    const d = decide(
      b().simulation({ voicePolicyOwner: 'receiving-user' }).topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(verdicts(d, 'c.5#19')).toEqual(['pass']);
    expect(d.decision).toBe('CAC-REROUTED-PSTN');
  });
});

describe('A14 which region allows the Internet path', () => {
  const emeaOff = (): ScenarioBuilder => twoRegions().region('EMEA', { audioAlternatePath: false });
  const naOff = (): ScenarioBuilder =>
    twoRegions().region('NorthAmerica', { audioAlternatePath: false });

  it('A14 with both flags on, the call goes through the two Edges', () => {
    const d = decide(twoRegions().topology(), 'c1', LINK_FULL);
    expect(d.decision).toBe('CAC-REROUTED-INTERNET');
    expect(d.mediaPath).toEqual(['gina', 'edge-lon', 'edge-chi', 'bob']);
  });

  it('A14 every-refusing-region (default): every region of the refusing link must allow it', () => {
    const topo = emeaOff().topology();
    expect(topo.scenario.simulation.alternatePathRegions).toBe('every-refusing-region');
    expect(decide(topo, 'c1', LINK_FULL).decision).toBe('REJECTED');
    expect(decide(naOff().topology(), 'c1', LINK_FULL).decision).toBe('REJECTED');
  });

  it("A14 caller-region: only the caller's region flag counts", () => {
    const sim = { alternatePathRegions: 'caller-region' };
    expect(decide(emeaOff().simulation(sim).topology(), 'c1', LINK_FULL).decision).toBe('REJECTED');
    expect(decide(naOff().simulation(sim).topology(), 'c1', LINK_FULL).decision).toBe(
      'CAC-REROUTED-INTERNET',
    );
  });

  it("A14 callee-region: only the callee's region flag counts", () => {
    const sim = { alternatePathRegions: 'callee-region' };
    expect(decide(emeaOff().simulation(sim).topology(), 'c1', LINK_FULL).decision).toBe(
      'CAC-REROUTED-INTERNET',
    );
    expect(decide(naOff().simulation(sim).topology(), 'c1', LINK_FULL).decision).toBe('REJECTED');
  });

  it('A14 bwAlternatePaths is the same flag in list form', () => {
    const d = decide(
      twoRegions()
        .region('EMEA', { bwAlternatePaths: [{ bwPolicyModality: 'audio', alternatePath: false }] })
        .topology(),
      'c1',
      LINK_FULL,
    );
    expect(steps(d, 'c.5#18')[0]?.inputs.region).toBe('EMEA');
    expect(d.decision).toBe('REJECTED');
  });
});

describe('A6/A15 a refused PSTN call', () => {
  /** alice dials a Chicago number; her routes offer gw-chi first and gw-por second. */
  const out = (): ScenarioBuilder =>
    chain()
      .set('voicePolicies', [
        { name: 'global', routes: [{ numberPattern: '^\\+1312', trunks: ['gw-chi', 'gw-por'] }] },
      ])
      .calls({ id: 'c1', at: 0, from: 'alice', to: 'gw-chi', number: '+13125550199' });

  it('A6 internet-then-reject (default): a refused outbound leg A is rejected, no PSTN re-route', () => {
    const topo = out().topology();
    expect(topo.scenario.simulation.pstnCallRefused).toBe('internet-then-reject');
    const d = decide(topo, 'c1', PORTLAND_FULL);
    expect(d.legs[0]).toMatchObject({ name: 'A', verdict: 'refused' });
    expect(verdicts(d, 'c.5#18')).toEqual(['fail']);
    expect(steps(d, 'c.5#19')).toEqual([]);
    expect(d.decision).toBe('REJECTED');
  });

  it('A6 full-chain: a refused outbound call is re-routed through another trunk of its routes', () => {
    const d = decide(
      out().simulation({ pstnCallRefused: 'full-chain' }).topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(verdicts(d, 'c.5#19')).toContain('pass');
    expect(d.decision).toBe('CAC-REROUTED-PSTN');
    expect(d.trunk).toBe('gw-por');
    expect(d.mediaPath).toEqual(['alice', 'gw-por']);
  });

  it('A6 leg A of a PSTN call may take the Internet path through the Edges', () => {
    const d = decide(
      twoRegions()
        .add('hosts.gateways', {
          name: 'gw-lon',
          kind: 'pstn-gateway',
          ip: '10.30.0.200',
          mediationServer: 'ms-chi',
        })
        .calls({ id: 'c1', at: 0, from: 'gina', to: 'gw-chi' })
        .topology(),
      'c1',
      LINK_FULL,
    );
    expect(d.decision).toBe('CAC-REROUTED-INTERNET');
    expect(d.mediaPath).toEqual(['gina', 'edge-lon', 'edge-chi', 'ms-chi', 'gw-chi']);
  });

  it('A6 internet-then-reject: a refused inbound call is rejected, not sent to voice mail', () => {
    const d = decide(
      chain()
        .client('alice', { voicemail: true })
        .add('hosts.voicemail', { name: 'vm', ip: '10.1.0.50' })
        .calls({ id: 'c1', at: 0, from: 'gw-chi', to: 'alice' })
        .topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(steps(d, 'c.5#20')).toEqual([]);
    expect(d.decision).toBe('REJECTED');
  });

  it('A6 full-chain: a refused inbound call goes to voice mail', () => {
    const d = decide(
      chain()
        .simulation({ pstnCallRefused: 'full-chain' })
        .client('alice', { voicemail: true })
        .add('hosts.voicemail', { name: 'vm', ip: '10.1.0.50' })
        .calls({ id: 'c1', at: 0, from: 'gw-chi', to: 'alice' })
        .topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(verdicts(d, 'c.5#20')).toEqual(['pass']);
    expect(d.decision).toBe('CAC-REROUTED-VOICEMAIL');
    expect(d.mediaPath).toEqual(['gw-chi', 'ms-chi', 'vm']);
    expect(d.holding.reservations).toEqual([]);
  });

  it('A15 a refused leg B cannot take the Edge path and is rejected by default', () => {
    const d = decide(
      out()
        .calls({ id: 'c1', at: 0, from: 'bob', to: 'gw-por', number: '+13125550199' })
        .topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(d.legs.map((l) => [l.name, l.verdict])).toEqual([
      ['A', 'admitted'],
      ['B', 'refused'],
    ]);
    expect(steps(d, 'c.5#18')[0]?.detail).toContain('leg B');
    expect(d.decision).toBe('REJECTED');
  });

  it('A15 full-chain: a refused leg B is re-routed like a refused leg A', () => {
    const d = decide(
      out()
        .simulation({ pstnCallRefused: 'full-chain' })
        .calls({ id: 'c1', at: 0, from: 'bob', to: 'gw-por', number: '+13125550199' })
        .topology(),
      'c1',
      PORTLAND_FULL,
    );
    expect(d.decision).toBe('CAC-REROUTED-PSTN');
    expect(d.trunk).toBe('gw-chi');
    expect(d.mediaPath).toEqual(['bob', 'gw-chi']);
  });
});
