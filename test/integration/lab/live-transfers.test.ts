import { describe, expect, it } from 'vitest';
import type { RunCallResult } from '../../../src/report/index.js';
import { runFixtureLive } from '../../support/live-fixture.js';

/**
 * Transfers live (b.5 #39): the enterprise client sends REFER at the transfer time; the
 * Mediation Server passes it to the gateway (refer), or carries it out itself with re-INVITEs
 * to the gateway (mediation-server: relayed after; third-party call control: bypassed after);
 * to a number, the gateway hands the call to the PSTN or the Mediation Server relays it out.
 * Each part of a call has its own final state and its own observed path.
 */

/** What `host` sent (`>`) or received (`<`) of a call: the method, or the status and its method. */
function ladder(c: RunCallResult, host: string): string[] {
  return c.sip
    .filter((m) => m.host === host)
    .map((m) => `${m.dir === 'out' ? '>' : '<'} ${m.summary.split(' ')[0] ?? ''}`);
}

/** The observed forward path of a call. */
function path(c: RunCallResult): string {
  return c.observed.forward.hops.join(' -> ');
}

describe('live transfers', () => {
  it('carries out each method on the wire, with the path before and after', async () => {
    const { calls } = await runFixtureLive('live-transfers.yaml');
    const byId = (id: string): RunCallResult => calls.find((c) => c.call.id === id)!;
    expect(calls.flatMap((c) => c.failures)).toEqual([]);
    // Every part listed right after the call it comes from.
    expect(calls.map((c) => c.call.id)).toEqual([
      'refer-to-the-peer',
      'refer-to-the-peer/transfer',
      'mediation-server-transfers',
      'mediation-server-transfers/transfer',
      'third-party-call-control',
      'third-party-call-control/transfer',
      'to-a-number-by-refer',
      'to-a-number-by-refer/transfer',
      'to-a-number-relayed',
      'to-a-number-relayed/transfer',
    ]);
    expect(calls.map((c) => `${c.call.id} ${c.state} ${c.observed.media}`)).toEqual(
      calls.map((c) => `${c.call.id} ${c.call.transferOf ? 'completed' : 'transferred'} both-ways`),
    );

    // refer: alice's REFER goes on to the gateway; its NOTIFYs come back; it calls bob anew.
    const refer = byId('refer-to-the-peer');
    expect(path(refer)).toBe('gw-refer -> alice');
    expect(ladder(refer, 'alice').filter((l) => !/ACK|100|180|INVITE/.test(l))).toEqual([
      '> 200', // the INVITE's
      '> REFER',
      '< 202',
      '< NOTIFY',
      '> 200',
      '< NOTIFY',
      '> 200',
      '> BYE',
      '< 200',
    ]);
    expect(ladder(refer, 'gw-refer')).toEqual(expect.arrayContaining(['< REFER', '> NOTIFY']));
    expect(ladder(byId('refer-to-the-peer/transfer'), 'gw-refer')[0]).toBe('> INVITE');
    expect(path(byId('refer-to-the-peer/transfer'))).toBe('gw-refer -> bob');

    // The Mediation Server's own transfer: the gateway is re-INVITEd twice (on hold, then the
    // relay's address); a bypassed call is relayed after it.
    const mscc = byId('mediation-server-transfers/transfer');
    expect(ladder(mscc, 'gw-mscc').filter((l) => l.startsWith('< INVITE'))).toHaveLength(2);
    expect(path(mscc)).toBe('gw-mscc -> ms-chi -> bob');
    expect(path(byId('third-party-call-control/transfer'))).toBe('gw-3pcc -> bob');

    // To a number: handed to the PSTN by the gateway, or relayed out through gw-chi.
    expect(path(byId('to-a-number-by-refer/transfer'))).toBe('gw-refer -> pstn');
    expect(byId('to-a-number-by-refer/transfer').decision.decision).toBe('HANDED-OFF');
    expect(path(byId('to-a-number-relayed/transfer'))).toBe('gw-mscc -> ms-chi -> gw-chi -> pstn');

    // The first part's dialogs that carried on are `transferred`; every other leg ended.
    const first = byId('mediation-server-transfers');
    expect(first.legs?.find((l) => l.host === 'gw-mscc')?.end).toBe('transferred');
    expect(calls.flatMap((c) => c.legs?.filter((l) => l.end === 'open') ?? [])).toEqual([]);
  }, 30_000);

  it('ends every dialog when the part after the transfer is refused', async () => {
    const { calls } = await runFixtureLive('live-transfer-refused.yaml');
    expect(calls.flatMap((c) => c.failures)).toEqual([]);
    expect(calls.map((c) => `${c.call.id} ${c.state} ${c.decision.decision}`)).toEqual([
      'refused-after-the-transfer failed BYPASS',
      'refused-after-the-transfer/transfer failed REJECTED',
    ]);
    expect(calls.flatMap((c) => c.legs?.filter((l) => l.end === 'open') ?? [])).toEqual([]);
    // The transferor learnt the failure from the final NOTIFY, then got BYE.
    const alice = ladder(calls[0]!, 'alice');
    expect(alice.slice(alice.indexOf('> REFER'))).toEqual(
      expect.arrayContaining(['< NOTIFY', '< BYE']) as unknown,
    );
  }, 20_000);
});
