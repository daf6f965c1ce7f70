/**
 * A Teams call's escalation (docs/rules.md g.3) whose re-INVITE fails, over real UDP: the
 * dialogs are real SIP dialogs on loopback and the Media Processor a real relay. A refused or
 * unanswered re-INVITE leaves every party where it was (the Teams SIP proxy re-INVITEs the
 * callee back to its first description) and the relay session is closed.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRelay, type Relay } from '../../../src/media/index.js';
import type { CallDecision } from '../../../src/policy/index.js';
import { mediaAddressOf } from '../../../src/sip/index.js';
import type { CallRecord } from '../../../src/lab/call-observations.js';
import type { MediaSession } from '../../../src/lab/media-session.js';
import { scheduleEscalation } from '../../../src/lab/teams-escalation.js';
import { Closer, waitFor } from '../../support/sip-harness.js';
import { SDP, confirmedCall, ladder } from '../../support/sip-topology.js';

const closer = new Closer();
let relay: Relay | null = null;
afterEach(async () => {
  await closer.closeAll();
  await relay?.shutdown();
  relay = null;
});

const timers = { t1: 20, t2: 160, t4: 200 };

/** The escalation's run context: the Media Processor's relay on `mp`, a warning log. */
async function contextAt(mp: string) {
  relay = await createRelay({ portRange: { min: 47000, max: 47100 } });
  const r = relay;
  const tracked: string[] = [];
  const warnings: string[] = [];
  const ctx = {
    addressing: { addressOf: () => mp },
    relayOf: () => r,
    trackRelay: (_rec: CallRecord, _host: string, id: string) => tracked.push(id),
    later: (ms: number, fn: () => void) => setTimeout(fn, ms),
    log: Object.assign(pino({ level: 'silent' }), {
      warn: (_o: unknown, msg: string) => warnings.push(msg),
    }),
  } as unknown as Parameters<typeof scheduleEscalation>[0];
  return { ctx, tracked, warnings, relay: r };
}

const rec = {
  state: null,
  call: { id: 'esc', atMs: 0, from: 'bob', to: 'carol', trunk: null, codec: null },
} as unknown as CallRecord;

const decision = {
  streams: [],
  teams: { escalation: { atMs: 0, mediaProcessor: 'mp', mediaPath: ['bob', 'mp', 'carol'] } },
} as unknown as CallDecision;

describe("a Teams call's escalation whose re-INVITE fails", () => {
  it('between two clients: a refused re-INVITE leaves the caller sending where it did', async () => {
    const t = await confirmedCall(closer, '127.0.1.70', '127.0.1.71', {
      timers,
      offer: SDP.toGateway,
    });
    const { ctx, tracked, warnings, relay: r } = await contextAt('127.0.1.72');
    t.inc.on('reoffer', (o) => o.refuse(488, 'Not Acceptable Here'));
    const moved: string[] = [];
    const media = {
      address: '127.0.1.70',
      port: 40000,
      setRemote: (address: string, port: number) => moved.push(`${address}:${port}`),
    } as unknown as MediaSession;
    scheduleEscalation(ctx, rec, decision, { by: 'caller', dialog: t.out, media });
    await waitFor(() => warnings.length > 0, 3000, 'the escalation to give up');
    expect(ladder(t.callerLog.entries).slice(3)).toEqual(['> INVITE', '< 488 INVITE', '> ACK']);
    expect(moved).toEqual([]);
    expect(tracked).toEqual([]);
    expect((await r.counters()).sessions).toBe(0);
    expect(warnings[0]).toMatch(/re-INVITE to the callee failed: the media stays on its path/);
  });

  it('through the proxy: the callee moved first is re-INVITEd back when the caller does not answer', async () => {
    // The proxy's two dialogs: with the caller (it received that INVITE) and with the callee.
    const toCaller = await confirmedCall(closer, '127.0.1.73', '127.0.1.74', {
      timers,
      offer: SDP.toGateway,
    });
    const toCallee = await confirmedCall(closer, '127.0.1.75', '127.0.1.76', {
      timers,
      offer: SDP.toGateway,
    });
    const { ctx, tracked, warnings, relay: r } = await contextAt('127.0.1.77');
    const calleeGot: string[] = [];
    toCallee.inc.on('reoffer', (o) => {
      calleeGot.push(o.sdp);
      o.accept(SDP.gatewayAnswer);
    });
    // The caller never answers its re-INVITE: 408 after 64*T1.
    toCaller.out.on('reoffer', () => undefined);
    scheduleEscalation(ctx, rec, decision, {
      by: 'proxy',
      dialogs: () => ({ caller: toCaller.inc, callee: toCallee.out }),
    });
    await waitFor(() => warnings.length > 0, 5000, 'the escalation to give up');
    expect(calleeGot).toHaveLength(2);
    expect(mediaAddressOf(calleeGot[0]!)?.address).toBe('127.0.1.77');
    // Back to its first description.
    expect(calleeGot[1]).toBe(toCallee.out.request.content);
    expect(ladder(toCallee.calleeLog.entries).slice(3)).toEqual([
      '< INVITE',
      '> 200 INVITE',
      '< ACK',
      '< INVITE',
      '> 200 INVITE',
      '< ACK',
    ]);
    expect(tracked).toEqual([]);
    expect((await r.counters()).sessions).toBe(0);
    expect(warnings[0]).toMatch(/re-INVITE to the caller failed/);
  });
});
