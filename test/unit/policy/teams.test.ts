import { describe, expect, it } from 'vitest';
import { decideCall, Ledger, runTimeline } from '../../../src/policy/index.js';
import { decide, ScenarioBuilder, steps, verdicts } from '../../support/scenario-builder.js';

/**
 * A Teams Direct Routing deployment over the builder's network: gw-chi and gw-por are the SBCs
 * (media bypass on for both; gw-por under Local Media Optimization with gw-chi as its proxy);
 * the tenant's trusted IPs are 192.0.2.0/24.
 */
const teams = (sbcPor: Record<string, unknown> = {}): ScenarioBuilder =>
  new ScenarioBuilder()
    .set('deployment', { kind: 'teams-direct-routing' })
    .set('teamsDirectRouting', {
      sbcs: [
        { gateway: 'gw-chi', mediaBypass: true },
        {
          gateway: 'gw-por',
          mediaBypass: true,
          bypassMode: 'OnlyForLocalUsers',
          proxySbc: 'gw-chi',
          ...sbcPor,
        },
      ],
      trustedIps: [{ ip: '192.0.2.0', maskBits: 24 }],
    })
    .client('alice', { publicIp: '192.0.2.7' })
    .client('bob', { publicIp: '192.0.2.8' })
    .add('hosts.clients', {
      name: 'xavier',
      ip: '198.51.100.23',
      maskBits: 24,
      location: 'external',
    })
    .add('hosts.clients', {
      name: 'sam',
      ip: '10.1.0.30',
      maskBits: 24,
      publicIp: '192.0.2.9',
      teamsUpgradeMode: 'SfBOnly',
    });

describe('g Teams Direct Routing', () => {
  it('g.1 no bypass IDs and no CAC: the trace says so and nothing is reserved', () => {
    const d = decide(teams().calls({ id: 'c', at: 0, from: 'bob', to: 'gw-chi' }).topology(), 'c');
    expect(d.deployment).toBe('teams-direct-routing');
    expect(verdicts(d, 'g.1')).toEqual(['info']);
    expect(steps(d, 'b.1#12')).toEqual([]);
    expect(steps(d, 'c.3#11')).toEqual([]);
    expect(d.holding.reservations).toEqual([]);
    expect(d.decision).toBe('BYPASS');
    expect(d.mediaPath).toEqual(['bob', 'gw-chi']);
  });

  it('g.2 an SBC with media bypass off gets a Media Processor', () => {
    const d = decide(
      teams()
        .set('teamsDirectRouting.sbcs', [{ gateway: 'gw-chi', mediaBypass: false }])
        .calls({ id: 'c', at: 0, from: 'bob', to: 'gw-chi' })
        .topology(),
      'c',
    );
    expect(d.decision).toBe('RELAY');
    expect(d.mediaPath).toEqual(['bob', 'teams-mp', 'gw-chi']);
    expect(d.teams?.mediaProcessor).toBe('teams-mp');
    expect(d.streams.map((x) => x.between.join('<->'))).toEqual([
      'bob<->teams-mp',
      'teams-mp<->gw-chi',
    ]);
  });

  it('g.4 a client outside reaches the SBC through a Transport Relay, still bypassed', () => {
    const d = decide(
      teams().calls({ id: 'c', at: 0, from: 'xavier', to: 'gw-chi' }).topology(),
      'c',
    );
    expect(d.decision).toBe('BYPASS');
    expect(d.mediaPath).toEqual(['xavier', 'teams-tr', 'gw-chi']);
    // The relay forwards: the stream is between the client and the SBC.
    expect(d.streams.map((x) => x.between.join('<->'))).toEqual(['xavier<->gw-chi']);
  });

  it('g.5 OnlyForLocalUsers: a local user gets the internal address, another goes through the proxy SBC', () => {
    const local = decide(
      teams().calls({ id: 'c', at: 0, from: 'alice', to: 'gw-por' }).topology(),
      'c',
    );
    expect(local.mediaPath).toEqual(['alice', 'gw-por']);
    expect(local.teams?.sbcAddress).toBe('internal');
    const other = decide(
      teams().calls({ id: 'c', at: 0, from: 'bob', to: 'gw-por' }).topology(),
      'c',
    );
    expect(other.mediaPath).toEqual(['bob', 'gw-chi', 'gw-por']);
    expect(other.teams?.mediaSbc).toBe('gw-chi');
    expect(verdicts(other, 'g.5')).toEqual(['pass']);
  });

  it('g.5 Always: every user inside gets the internal address', () => {
    const d = decide(
      teams({ bypassMode: 'Always' })
        .calls({ id: 'c', at: 0, from: 'bob', to: 'gw-por' })
        .topology(),
      'c',
    );
    expect(d.mediaPath).toEqual(['bob', 'gw-por']);
  });

  it('g.5 a client whose public address is not trusted counts as outside', () => {
    const d = decide(
      teams()
        .client('bob', { publicIp: '203.0.113.99' })
        .calls({ id: 'c', at: 0, from: 'bob', to: 'gw-por' })
        .topology(),
      'c',
    );
    expect(d.teams?.clientInternal).toBe(false);
    expect(d.mediaPath).toEqual(['bob', 'teams-tr', 'gw-chi', 'gw-por']);
  });

  it('g.3 a transfer to a Skype for Business user brings in the Media Processor', () => {
    const b = teams().calls({
      id: 't',
      at: 0,
      from: 'gw-chi',
      to: 'bob',
      duration: 10,
      transfer: { at: 4, to: 'sam' },
    });
    const result = runTimeline(b.topology());
    expect(result.entries[0]?.decision.decision).toBe('BYPASS');
    const part = result.transfers[0]?.decision;
    expect(part?.decision).toBe('RELAY');
    expect(part?.mediaPath).toEqual(['gw-chi', 'teams-mp', 'sam']);
    expect(steps(part!, 'g.3').length).toBe(1);
  });

  it('g.3 an escalation to a group call adds the Media Processor from then on', () => {
    const d = decide(
      teams()
        .calls({ id: 'e', at: 0, from: 'bob', to: 'alice', duration: 20, escalateAt: 5 })
        .topology(),
      'e',
    );
    expect(d.decision).toBe('DIRECT');
    expect(d.teams?.escalation).toEqual({
      atMs: 5000,
      mediaProcessor: 'teams-mp',
      mediaPath: ['bob', 'teams-mp', 'alice'],
    });
  });

  it('a scenario with a contrast decides every call under both deployments', () => {
    const topo = new ScenarioBuilder(teams().raw)
      .set('deployment', { kind: 'sfb-server', contrast: 'teams-direct-routing' })
      .calls({ id: 'c', at: 0, from: 'bob', to: 'gw-por' })
      .topology();
    const result = runTimeline(topo);
    expect(result.entries[0]?.decision.decision).toBe('CAC-ADMITTED');
    expect(result.contrast?.deployment).toBe('teams-direct-routing');
    expect(result.contrast?.result.entries[0]?.decision.mediaPath).toEqual([
      'bob',
      'gw-chi',
      'gw-por',
    ]);
    const asked = decideCall(topo, topo.scenario.calls[0]!, new Ledger(), {
      deployment: 'teams-direct-routing',
    });
    expect(asked.deployment).toBe('teams-direct-routing');
  });
});
