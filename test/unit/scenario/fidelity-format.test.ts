import { describe, expect, it } from 'vitest';
import { problemsOf, ScenarioBuilder } from '../../support/scenario-builder.js';

/** The builder's scenario with alice signed in on two endpoints. */
const withUser = (): ScenarioBuilder =>
  new ScenarioBuilder()
    .add('hosts.clients', { name: 'alice-phone', ip: '10.1.0.20', maskBits: 24 })
    .set('users', [
      { name: 'ann', voicePolicy: 'global', voicemail: true, endpoints: ['alice', 'alice-phone'] },
    ]);

const messages = (b: ScenarioBuilder): string[] =>
  problemsOf(b.load()).map(
    (p) => `${p.severity} ${p.path}: ${p.message}${p.rule ? ` [${p.rule}]` : ''}`,
  );

describe('users and their endpoints (b.5#37)', () => {
  it('a call to a user goes to the answering endpoint and remembers the user', () => {
    const s = withUser()
      .calls(
        { id: 'a', at: 0, from: 'gw-chi', to: 'ann' },
        { id: 'b', at: 1, from: 'gw-chi', to: 'ann', answeredBy: 'alice-phone', answerAfter: '2s' },
        { id: 'c', at: 2, from: 'bob', to: 'alice' },
      )
      .build();
    expect(s.calls.map((c) => [c.kind, c.to, c.user, c.answerAfterMs])).toEqual([
      ['inbound-pstn', 'alice', 'ann', 0],
      ['inbound-pstn', 'alice-phone', 'ann', 2000],
      ['p2p', 'alice', null, 0],
    ]);
    expect(s.hosts.clients.map((c) => [c.name, c.user, c.voicemail])).toEqual([
      ['alice', 'ann', true],
      ['bob', null, false],
      ['alice-phone', 'ann', true],
    ]);
  });

  it('reports an endpoint that is not a client, a user named like a host, and endpoint settings', () => {
    const b = withUser()
      .client('alice', { lineUri: 'tel:+1555' })
      .set('users', [
        { name: 'ann', endpoints: ['alice', 'ghost'] },
        { name: 'bob', endpoints: ['alice'] },
      ]);
    expect(messages(b)).toEqual([
      'warning hosts.clients[0].lineUri: lineUri of an endpoint is not used: alice takes it from user ann',
      'error users[0].endpoints[1]: unknown client "ghost"',
      'error users[1].name: user name "bob" is also a host name',
      'error users[1].endpoints[0]: client "alice" is already an endpoint of user "ann"',
    ]);
  });

  it('answeredBy names an endpoint of the called user', () => {
    expect(
      messages(withUser().calls({ id: 'a', at: 0, from: 'gw-chi', to: 'ann', answeredBy: 'bob' })),
    ).toEqual(['error calls[0].answeredBy: "bob" is not an endpoint of user ann']);
    expect(
      messages(withUser().calls({ id: 'a', at: 0, from: 'gw-chi', to: 'bob', answeredBy: 'bob' })),
    ).toEqual(['error calls[0].answeredBy: answeredBy is for a call to a user; bob is not one']);
  });

  it('b.5#37 warns when a user has more endpoints than the trunk forwards early dialogs', () => {
    const b = withUser()
      .trunk('global', { maxEarlyDialogs: 1 })
      .calls({ id: 'a', at: 0, from: 'gw-chi', to: 'ann' });
    expect(messages(b)).toEqual([
      'warning calls[0].to: user ann has 2 endpoints but global forwards at most 1 early dialogs (maxEarlyDialogs) to gw-chi [b.5#37]',
    ]);
  });
});

describe('transfers (b.5#39)', () => {
  const call = (transfer: Record<string, unknown>, more: Record<string, unknown> = {}) =>
    new ScenarioBuilder().calls({
      id: 't',
      at: 0,
      from: 'gw-por',
      to: 'alice',
      duration: 10,
      transfer,
      ...more,
    });

  it('normalizes the target: a client, a user (its first endpoint) or a number', () => {
    const s = call({
      at: 4,
      to: '+15035550100',
      trunk: 'gw-chi',
      expect: { decision: 'RELAY' },
    }).build();
    expect(s.calls[0]?.transfer).toEqual({
      atMs: 4000,
      to: '+15035550100',
      toClient: null,
      toUser: null,
      trunk: 'gw-chi',
      expect: { decision: 'RELAY' },
    });
    expect(s.calls[0]?.transferOf).toBeNull();
  });

  it('reports a transfer outside the call, to itself, to a gateway, or on a call between clients', () => {
    expect(messages(call({ at: 12, to: 'bob' }))).toEqual([
      'error calls[0].transfer.at: transfer.at (12000 ms) is not within the call (duration 10000 ms)',
    ]);
    expect(messages(call({ at: 2, to: 'alice' }))).toEqual([
      'error calls[0].transfer.to: alice cannot transfer the call to itself',
    ]);
    expect(messages(call({ at: 2, to: 'gw-chi' }))).toEqual([
      'error calls[0].transfer.to: "gw-chi" is a pstn-gateway: a transfer goes to a user, a client or a number',
    ]);
    expect(
      messages(
        new ScenarioBuilder().calls({
          id: 't',
          at: 0,
          from: 'alice',
          to: 'bob',
          transfer: { at: 1, to: 'bob' },
        }),
      ),
    ).toEqual(['error calls[0].transfer: transfers are modelled on PSTN calls only']);
  });

  it('b.5#39 warns when the Mediation Server carries out the transfer on a bypass trunk', () => {
    const b = call({ at: 4, to: 'bob' }).trunk('global', {
      enableReferSupport: false,
      rtcpActiveCalls: false,
      rtcpCallsOnHold: false,
    });
    expect(messages(b)).toEqual([
      'warning calls[0].transfer: the transfer is carried out by the Mediation Server (global: enableReferSupport and enable3pccRefer off): a bypassed call becomes relayed after it (d.V14) [b.5#39]',
    ]);
  });
});

describe('the other new keys', () => {
  it('b.5#40 warns about a peer without RTCP on a trunk that tears its calls down', () => {
    expect(messages(new ScenarioBuilder().gateway('gw-por', { rtcp: 'none' }))).toEqual([
      'warning hosts.gateways[1].rtcp: gw-por sends no RTCP and global has rtcpActiveCalls on: its calls are torn down after 30 s [b.5#40]',
    ]);
    // The scenario's own timeout, which the decision and the live run use too.
    const b = new ScenarioBuilder()
      .gateway('gw-por', { rtcp: 'none' })
      .simulation({ rtcpTimeout: '5s' });
    expect(messages(b)).toEqual([
      'warning hosts.gateways[1].rtcp: gw-por sends no RTCP and global has rtcpActiveCalls on: its calls are torn down after 5 s [b.5#40]',
    ]);
  });

  it('A17 a nested subnet is a warning; the same subnet twice an error (d.V10)', () => {
    expect(
      messages(
        new ScenarioBuilder().add('network.subnets', {
          subnet: '10.2.0.128',
          maskBits: 25,
          site: 'Chicago',
        }),
      ),
    ).toEqual([
      'warning network.subnets[2].subnet: 10.2.0.128/25 is nested in 10.2.0.0/24 (network.subnets[1]): bypass uses only exact matches (b.1#10), CAC the longest prefix (c.1#1)',
    ]);
    expect(
      messages(
        new ScenarioBuilder().add('network.subnets', {
          subnet: '10.0.0.0',
          maskBits: 8,
          site: 'Chicago',
        }),
      )[0],
    ).toContain('10.0.0.0/8 holds 10.1.0.0/24 (network.subnets[0])');
  });

  it('Teams settings: an SBC that is no gateway, a proxy that is no SBC, a bad trusted range', () => {
    const b = new ScenarioBuilder()
      .set('deployment', { contrast: 'teams-direct-routing' })
      .set('teamsDirectRouting', {
        sbcs: [{ gateway: 'gw-x', proxySbc: 'gw-chi' }],
        trustedIps: [{ ip: '192.0.2.1', maskBits: 24 }],
      });
    expect(messages(b)).toEqual([
      'error teamsDirectRouting.sbcs[0].gateway: unknown gateway "gw-x"',
      'error teamsDirectRouting.sbcs[0].proxySbc: proxySbc "gw-chi" is not another SBC of teamsDirectRouting.sbcs',
      'error teamsDirectRouting.trustedIps[0]: 192.0.2.1/24 is not a valid range (the first address, 1 to 32 bits)',
    ]);
    const s = new ScenarioBuilder().set('deployment', { contrast: 'teams-direct-routing' }).build();
    expect(s.teamsDirectRouting.mediaProcessors.map((r) => r.name)).toEqual(['teams-mp']);
    expect(new ScenarioBuilder().build().teamsDirectRouting.mediaProcessors).toEqual([]);
  });

  it('codecTable: each codec once', () => {
    expect(
      messages(
        new ScenarioBuilder().set('codecTable', [
          { codec: 'PCMU', kbps: 90 },
          { codec: 'PCMU', kbps: 80 },
        ]),
      ),
    ).toEqual(['error codecTable[1].codec: codec PCMU is listed twice (codecTable[0])']);
  });
});
