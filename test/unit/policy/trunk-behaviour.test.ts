import { describe, expect, it } from 'vitest';
import { runTimeline, transferCallOf } from '../../../src/policy/index.js';
import { decide, ScenarioBuilder, steps, verdicts } from '../../support/scenario-builder.js';

/** alice and bob in Portland; gw-por (Portland) calls alice, who transfers to bob after 4 s. */
const transferred = (trunk: Record<string, unknown> = {}): ScenarioBuilder =>
  new ScenarioBuilder()
    .add('hosts.clients', { name: 'bea', ip: '10.2.0.16', maskBits: 24 })
    .trunk('global', { enableBypass: true, ...trunk })
    .calls({
      id: 't',
      at: 0,
      from: 'gw-por',
      to: 'alice',
      duration: 10,
      transfer: { at: 4, to: 'bea' },
    });

/** The part of call `t` after its transfer, as the timeline decides it. */
function afterTransfer(b: ScenarioBuilder) {
  const result = runTimeline(b.topology());
  const part = result.transfers.find((e) => e.call.transferOf?.callId === 't');
  return { result, part };
}

describe('b.5#39 transfers', () => {
  it('EnableReferSupport: the REFER goes to the peer, bypass is decided again for the target', () => {
    const b = transferred();
    const d = decide(b.topology(), 't');
    expect(d.transfer).toMatchObject({ method: 'refer', bypassLost: false, callId: 't/transfer' });
    expect(verdicts(d, 'b.5#39')).toEqual(['pass']);
    const { part } = afterTransfer(b);
    expect(part?.decision.decision).toBe('BYPASS');
    expect(part?.decision.mediaPath).toEqual(['gw-por', 'bea']);
    expect(part?.call.atMs).toBe(4000);
  });

  it('neither REFER nor 3pcc: the Mediation Server transfers and a bypassed call becomes relayed', () => {
    const b = transferred({
      enableReferSupport: false,
      rtcpActiveCalls: false,
      rtcpCallsOnHold: false,
    });
    expect(decide(b.topology(), 't').transfer?.bypassLost).toBe(true);
    const { part, result } = afterTransfer(b);
    expect(part?.decision.decision).toBe('CAC-ADMITTED');
    expect(part?.decision.mediaPath).toEqual(['gw-por', 'ms-chi', 'bea']);
    expect(verdicts(part!.decision, 'b.5#39')).toEqual(['fail']);
    // The bypassed call held nothing; the relayed part held the uplink until the end.
    expect(result.entries[0]?.endsAtMs).toBe(4000);
    expect(part?.endsAtMs).toBe(10_000);
    expect(result.ledgerAtEnd).toEqual([]);
  });

  it('Enable3pccRefer: the Mediation Server transfers and the call stays bypassed', () => {
    const b = transferred({ enableReferSupport: false, enable3pccRefer: true });
    expect(decide(b.topology(), 't').transfer?.method).toBe('third-party-call-control');
    expect(afterTransfer(b).part?.decision.decision).toBe('BYPASS');
  });

  it('to a number: handed to the peer by REFER, or relayed out by the Mediation Server', () => {
    const refer = transferred().calls({
      id: 't',
      at: 0,
      from: 'alice',
      to: 'gw-por',
      duration: 10,
      transfer: { at: 4, to: '+13125550100' },
    });
    const handed = afterTransfer(refer).part;
    expect(handed?.decision.decision).toBe('HANDED-OFF');
    expect(handed?.decision.mediaPath).toEqual(['gw-por', 'pstn']);
    expect(handed?.decision.streams).toEqual([]);
    const relayed = afterTransfer(
      transferred({
        enableReferSupport: false,
        rtcpActiveCalls: false,
        rtcpCallsOnHold: false,
      }).calls({
        id: 't',
        at: 0,
        from: 'alice',
        to: 'gw-por',
        duration: 10,
        transfer: { at: 4, to: '+13125550100', trunk: 'gw-chi' },
      }),
    ).part;
    expect(relayed?.decision.decision).toBe('CAC-ADMITTED');
    expect(relayed?.decision.mediaPath).toEqual(['gw-por', 'ms-chi', 'gw-chi', 'pstn']);
  });

  it('transferCallOf builds the part after the transfer, and nothing for a call without one', () => {
    const topo = transferred().topology();
    const call = topo.scenario.calls[0]!;
    const d = decide(topo, 't');
    const part = transferCallOf(call, d);
    expect(part).toMatchObject({
      id: 't/transfer',
      kind: 'inbound-pstn',
      from: 'gw-por',
      to: 'bea',
      atMs: 4000,
      durationMs: 6000,
      transferOf: { callId: 't', by: 'alice', gateway: 'gw-por' },
    });
    expect(transferCallOf({ ...call, transfer: null }, d)).toBeNull();
  });
});

describe('b.5#40 RTCP supervision', () => {
  const quiet = (trunk: Record<string, unknown> = {}, duration = 40): ScenarioBuilder =>
    new ScenarioBuilder()
      .gateway('gw-por', { rtcp: 'none' })
      .trunk('global', { enableBypass: true, ...trunk })
      .calls({ id: 'q', at: 0, from: 'alice', to: 'gw-por', duration });

  it('RTCPActiveCalls on: the client of a bypassed call tears it down after 30 s', () => {
    const d = decide(quiet().topology(), 'q');
    expect(d.rtcp).toEqual({
      peerSendsRtcp: false,
      rtcpActiveCalls: true,
      teardownAfterMs: 30_000,
      by: 'alice',
    });
    expect(verdicts(d, 'b.5#40')).toEqual(['fail']);
    expect(runTimeline(quiet().topology()).entries[0]?.endsAtMs).toBe(30_000);
  });

  it('relayed: the Mediation Server tears it down', () => {
    const d = decide(
      quiet().calls({ id: 'q', at: 0, from: 'bob', to: 'gw-por', duration: 40 }).topology(),
      'q',
    );
    expect(d.rtcp?.by).toBe('ms-chi');
  });

  it('RTCPActiveCalls off, or a short call: the call is kept', () => {
    expect(
      decide(quiet({ rtcpActiveCalls: false }).topology(), 'q').rtcp?.teardownAfterMs,
    ).toBeNull();
    expect(decide(quiet({}, 20).topology(), 'q').rtcp?.teardownAfterMs).toBeNull();
  });

  it('a peer that sends RTCP leaves nothing in the trace', () => {
    const d = decide(new ScenarioBuilder().topology());
    expect(d.rtcp).toBeNull();
    expect(steps(d, 'b.5#40')).toEqual([]);
  });
});
