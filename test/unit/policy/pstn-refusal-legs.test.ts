import { describe, expect, it } from 'vitest';
import {
  decide,
  litware,
  reserved,
  ScenarioBuilder,
  usage,
  verdicts,
} from '../../support/scenario-builder.js';

/** Both legs of a refused PSTN call (b.2 #20, #23) through the refusal chain (c.5). */
describe('refused PSTN legs', () => {
  const chain = (): ScenarioBuilder =>
    new ScenarioBuilder()
      .trunk('global', { enableBypass: false })
      .add('network.sites', { name: 'Reno', region: 'NorthAmerica', bwPolicyProfile: 'Branch' })
      .add('network.subnets', { subnet: '10.3.0.0', maskBits: 24, site: 'Reno' })
      .add('hosts.gateways', {
        name: 'gw-reno',
        kind: 'pstn-gateway',
        ip: '10.3.0.200',
        mediationServer: 'ms-chi',
      });

  it('c.5#17 an override on an inbound call still checks and accounts leg B', () => {
    const d = decide(
      chain()
        .add('voicePolicies', { name: 'vip', enableBWPolicyOverride: true })
        .client('alice', { voicePolicy: 'vip' })
        .calls({ id: 'c1', at: 0, from: 'gw-reno', to: 'alice' })
        .topology(),
      'c1',
      usage({ 'site:Portland': 1000 }),
    );
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.reroute).toEqual({ via: 'override' });
    // Leg A (alice in Portland <-> MS in Chicago) is over the limit but accounted; leg B
    // (MS <-> gw-reno) is checked and reserved on Reno's uplink.
    expect(reserved(d)).toEqual(['site:Portland|audio=44.8', 'site:Reno|audio=97']);
    expect(d.legs.map((l) => `${l.name}:${l.verdict}`)).toEqual(['A:refused', 'B:admitted']);
  });

  it('c.5#20 an inbound call sent to voice mail holds no bandwidth (c.3#16)', () => {
    const d = decide(
      chain()
        .simulation({ pstnCallRefused: 'full-chain' })
        .client('alice', { voicemail: true })
        .add('hosts.voicemail', { name: 'exum', ip: '10.1.0.50' })
        .calls({ id: 'c1', at: 0, from: 'gw-reno', to: 'alice' })
        .topology(),
      'c1',
      usage({ 'site:Reno': 1000 }),
    );
    expect(d.decision).toBe('CAC-REROUTED-VOICEMAIL');
    expect(verdicts(d, 'c.5#20')).toEqual(['pass']);
    expect(reserved(d)).toEqual([]);
  });

  it('b.2#23 leg B is still checked after leg A took the Internet path', () => {
    const topo = litware()
      .add('hosts.edges', { name: 'edge-lon', ip: '131.107.1.10', site: 'London' })
      .add('network.subnets', { subnet: '131.107.1.10', maskBits: 32, site: 'London' })
      .calls({ id: 'c1', at: 0, from: 'gina', to: 'gw-por' })
      .topology();
    const full = decide(
      topo,
      'c1',
      usage({ 'region-link:NA-EMEA-LINK': 20000, 'site:Portland': 4000 }),
    );
    expect(verdicts(full, 'c.5#18')).toEqual(['pass', 'fail']);
    expect(full.decision).toBe('REJECTED');
    expect(full.legs.find((l) => l.name === 'B')?.verdict).toBe('refused');

    const room = decide(topo, 'c1', usage({ 'region-link:NA-EMEA-LINK': 20000 }));
    expect(room.decision).toBe('CAC-REROUTED-INTERNET');
    expect(reserved(room)).toContain('site:Portland|audio=97');
  });
});
