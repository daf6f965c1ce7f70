import { describe, expect, it } from 'vitest';
import { decideCall, Ledger, REFUSAL_SIP } from '../../../src/policy/index.js';
import { Topology } from '../../../src/topology/index.js';
import { decide, ScenarioBuilder, steps, usage } from '../../support/scenario-builder.js';

describe('the bypass check memo', () => {
  const topo = (): Topology => new ScenarioBuilder().topology();

  it('replays the same trace steps and warnings for the same parties', () => {
    const t = new ScenarioBuilder()
      .gateway('gw-por', { acceptsMediaFrom: 'mediation-server' })
      .topology();
    const call = t.scenario.calls[0]!;
    const first = decideCall(t, call, new Ledger());
    const again = decideCall(t, call, new Ledger());
    expect(again.trace).toEqual(first.trace);
    expect(again.warnings).toEqual(first.warnings);
    expect(first.warnings).toHaveLength(1);
  });

  it('keeps trace on and trace off apart', () => {
    const t = topo();
    const call = t.scenario.calls[0]!;
    expect(decideCall(t, call, new Ledger(), { trace: false }).trace).toEqual([]);
    const on = decideCall(t, call, new Ledger(), { trace: true });
    expect(steps(on, 'b.1#12')).toHaveLength(1);
  });

  it('belongs to its topology: the topology has no memo field, another topology its own answers', () => {
    const a = topo();
    expect('memo' in a).toBe(false);
    expect(decide(a).decision).toBe('BYPASS');
    const b = new ScenarioBuilder().trunk('global', { enableBypass: false }).topology();
    expect(decide(b).decision).not.toBe('BYPASS');
    expect(decide(new Topology(a.scenario)).decision).toBe('BYPASS');
  });
});

describe('REFUSAL_SIP: one table of SIP answers', () => {
  it('a client-to-client call without a common codec is answered 488 from the table', () => {
    const d = decide(
      new ScenarioBuilder()
        .client('alice', { codecs: ['SILK-WB'] })
        .client('bob', { codecs: ['PCMU'] })
        .calls({ id: 'c1', at: 0, from: 'alice', to: 'bob' })
        .topology(),
    );
    expect(d.decision).toBe('REJECTED');
    expect(d.sip).toEqual(REFUSAL_SIP.noCommonCodec);
    expect(d.sip?.status).toBe(488);
  });

  it('a call refused for bandwidth, a full gateway and an unknown trunk answer from the table', () => {
    const full = decide(
      new ScenarioBuilder()
        .trunk('global', { enableBypass: false })
        .gateway('gw-por', { channels: 1 })
        .topology(),
      undefined,
      usage({}, { 'gw-por': 1 }),
    );
    expect(full.sip).toEqual(REFUSAL_SIP.channels);
    const cac = decide(
      new ScenarioBuilder().trunk('global', { enableBypass: false }).topology(),
      undefined,
      usage({ 'site:Portland': 1000 }),
    );
    expect(cac.sip).toEqual(REFUSAL_SIP.bandwidth);
    const noTrunk = decide(
      new Topology(
        new ScenarioBuilder()
          .calls({ id: 'c1', at: 0, from: 'alice', to: 'nowhere', trunk: 'nowhere' })
          .unvalidated(),
      ),
    );
    expect(noTrunk.sip).toEqual(REFUSAL_SIP.noRoute);
  });
});

describe('c.5#19 a nested decision never re-routes again', () => {
  it('A6 full-chain: an outbound call refused on every trunk ends after one round of trunks', () => {
    // alice (Portland, uplink full) calls out through gw-por; leg A crosses the full uplink
    // on every trunk. The re-route through gw-chi is decided as a call of its own, which may
    // not re-route again (back to gw-por, and so on for ever).
    const d = decide(
      new ScenarioBuilder()
        .trunk('global', { enableBypass: false })
        .simulation({ pstnCallRefused: 'full-chain' })
        .add('voicePolicies', {
          name: 'global',
          routes: [{ numberPattern: '^\\+1312', trunks: ['gw-por', 'gw-chi'] }],
        })
        .calls({ id: 'c1', at: 0, from: 'alice', to: 'gw-por', number: '+13125550199' })
        .topology(),
      'c1',
      usage({ 'site:Portland': 1000 }),
    );
    expect(steps(d, 'c.5#19')).toEqual([
      {
        rule: 'c.5#19',
        title: 'PSTN re-route',
        inputs: {},
        verdict: 'fail',
        detail: 'no other trunk admitted the call (gw-chi)',
      },
    ]);
    expect(d.decision).toBe('REJECTED');
  });

  it('the re-route shows the callee number of the line URI with its +, parameters dropped', () => {
    const d = decide(
      new ScenarioBuilder()
        .client('bob', { lineUri: 'tel:+44205550101;ext=12' })
        .add('voicePolicies', {
          name: 'global',
          routes: [{ numberPattern: '^\\+1312', trunks: ['gw-por'] }],
        })
        .calls({ id: 'c1', at: 0, from: 'alice', to: 'bob' })
        .topology(),
      'c1',
      usage({ 'site:Portland': 1000 }),
    );
    expect(steps(d, 'c.5#19')[0]).toMatchObject({
      verdict: 'fail',
      detail: 'no route of global matches +44205550101',
      inputs: { number: '+44205550101' },
    });
  });
});
