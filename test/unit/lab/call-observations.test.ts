/**
 * The per-call records of a run: which call an INVITE or a SIP message belongs to, the SIP log,
 * final outcomes, and relay sessions read once for the report.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { assignLoopback } from '../../../src/lab/addressing.js';
import { CALL_HEADER, CallObservations } from '../../../src/lab/call-observations.js';
import type { RelaySessionStats } from '../../../src/media/index.js';
import { loadScenarioFile } from '../../../src/scenario/index.js';
import type { IncomingCall, SipMessage } from '../../../src/sip/index.js';

const loaded = await loadScenarioFile('scenarios/default.yaml');
if (!loaded.ok) {
  throw new Error('default scenario must load');
}
const scenario = loaded.scenario;
const addressing = assignLoopback(scenario);
const [bypassed, relayed] = scenario.calls;
if (!bypassed || !relayed) {
  throw new Error('default scenario has calls');
}

function observations(
  over: {
    isExternal?: (host: string) => boolean;
    finished?: string[];
    relay?: { stats: () => Promise<RelaySessionStats>; close: () => Promise<boolean> };
    sipLog?: boolean;
  } = {},
): CallObservations {
  return new CallObservations(scenario.calls, {
    addressing,
    log: pino({ level: 'silent' }),
    sipLog: over.sipLog ?? true,
    elapsed: () => 42,
    relayOf: () =>
      over.relay ?? {
        stats: () => Promise.reject(new Error('no relay')),
        close: () => Promise.resolve(true),
      },
    isExternal: over.isExternal ?? (() => false),
    onFinished: (id, state) => {
      over.finished?.push(`${id} ${state}`);
    },
  });
}

function message(callId: string, headers: Record<string, string> = {}): SipMessage {
  return {
    method: 'INVITE',
    uri: 'sip:x@127.0.0.1',
    version: '2.0',
    headers: { 'call-id': callId, ...headers },
    content: '',
  } as unknown as SipMessage;
}

function invite(
  over: { header?: string; from?: string; uri?: string; callId?: string } = {},
): IncomingCall {
  return {
    callId: over.callId ?? 'sip-1',
    requestUri: over.uri ?? 'sip:gw-por@127.0.0.1:5060',
    remote: { address: over.from ?? addressing.addressOf('alice'), port: 5060 },
    request: message(over.callId ?? 'sip-1', over.header ? { [CALL_HEADER]: over.header } : {}),
  } as unknown as IncomingCall;
}

describe('CallObservations', () => {
  it('finds the call of an INVITE by the call header', () => {
    const o = observations();
    expect(o.recordOf(invite({ header: relayed.id }))?.call.id).toBe(relayed.id);
    expect(o.recordOf(invite({ header: 'no-such-call' }))).toBeUndefined();
    // Without the header, only an external peer's INVITE is matched.
    expect(o.recordOf(invite())).toBeUndefined();
  });

  it("matches an external peer's INVITE to its first undecided call to the Request-URI user", () => {
    // Any host may be played by a real peer; alice places the first call, to gw-por.
    const o = observations({ isExternal: (h) => h === 'alice' });
    const from = addressing.addressOf('alice');
    expect(bypassed.from).toBe('alice');
    expect(o.recordOf(invite({ from, uri: 'sip:nobody@127.0.0.1' }))).toBeUndefined();
    const rec = o.recordOf(invite({ from, uri: `sip:${bypassed.to}@127.0.0.1`, callId: 'ext' }));
    expect(rec?.call.id).toBe(bypassed.id);
    expect(o.scenarioCallOf('ext')).toBe(bypassed.id);
    // Once decided, the call is no longer a candidate.
    if (rec) {
      rec.decision = {} as NonNullable<typeof rec.decision>;
    }
    expect(o.recordOf(invite({ from, uri: `sip:${bypassed.to}@127.0.0.1` }))).toBeUndefined();
    // Not from an external peer: no match without the header.
    expect(o.recordOf(invite({ from: addressing.addressOf('bob') }))).toBeUndefined();
  });

  it('logs SIP messages of a call by its header, then by its Call-ID', () => {
    const o = observations();
    const alice = addressing.addressOf('alice');
    o.logSip(
      'alice',
      'out',
      message('c-1', { [CALL_HEADER]: bypassed.id }),
      {
        address: addressing.addressOf('ms-hq'),
        port: 5060,
      },
      'INVITE sip:x@y SIP/2.0\r\nCall-ID: c-1\r\n',
    );
    o.logSip(
      'ms-hq',
      'out',
      message('c-1'),
      { address: alice, port: 5060 },
      'SIP/2.0 180 Ringing\r\n',
    );
    o.logSip(
      'ms-hq',
      'out',
      message('unknown'),
      { address: '192.0.2.9', port: 5 },
      'BYE x SIP/2.0',
    );
    expect(o.scenarioCallOf('c-1')).toBe(bypassed.id);
    const rec = o.record(bypassed.id);
    expect(rec?.sip.map((m) => [m.t, m.host, m.dir, m.peer, m.summary, m.callId])).toEqual([
      [42, 'alice', 'out', 'ms-hq', 'INVITE sip:x@y', 'c-1'],
      [42, 'ms-hq', 'out', 'alice', '180 Ringing', 'c-1'],
    ]);
    expect(o.records.flatMap((r) => r.sip)).toHaveLength(2);
  });

  it('with the SIP log off, ties a message to its call and keeps none of it', () => {
    const o = observations({ sipLog: false });
    const to = { address: addressing.addressOf('ms-hq'), port: 5060 };
    o.logSip(
      'alice',
      'out',
      message('c-2', { [CALL_HEADER]: bypassed.id }),
      to,
      'INVITE x SIP/2.0',
    );
    o.logSip('ms-hq', 'in', message('c-2'), to, 'INVITE x SIP/2.0');
    expect(o.scenarioCallOf('c-2')).toBe(bypassed.id);
    expect([...(o.record(bypassed.id)?.sipCallIds ?? [])]).toEqual(['c-2']);
    expect(o.records.flatMap((r) => r.sip)).toEqual([]);
  });

  it('counts calls, gives the rest an outcome at the end, and reports local outcomes only', async () => {
    const finished: string[] = [];
    const o = observations({ finished });
    o.record(bypassed.id)?.finish('completed', 200, 'OK');
    o.record(relayed.id)?.finish('refused', 488, 'Not Acceptable Here', false);
    expect(o.counts()).toEqual({ total: scenario.calls.length, started: 2, ended: 2 });
    o.endRemaining(true);
    await o.allDone;
    expect(o.records.map((r) => r.state)).toEqual(['completed', 'refused', 'cancelled']);
    expect(finished).toEqual([`${bypassed.id} completed`, `${scenario.calls[2]?.id} cancelled`]);
  });

  it("reads a tracked relay session once, after the call, into the call's streams", async () => {
    let reads = 0;
    const peer = { address: addressing.addressOf('bob'), port: 4000 };
    const leg = { peer, rtpPackets: 250, bytes: 43_000, dropped: {} };
    const stats = {
      legA: leg,
      legB: { ...leg, peer: null, dropped: { 'unknown source': 3 } },
    } as unknown as RelaySessionStats;
    const o = observations({
      relay: {
        stats: () => {
          reads++;
          return Promise.resolve(stats);
        },
        close: () => Promise.resolve(true),
      },
    });
    const rec = o.record(relayed.id);
    if (!rec) {
      throw new Error('no record');
    }
    o.trackRelay(rec, 'ms-hq', 's-1');
    rec.finish('completed', 200, 'OK');
    const [, partial] = await o.collect();
    await o.readRelays(rec);
    expect(reads).toBe(1);
    expect(partial?.received).toEqual([
      expect.objectContaining({ receiver: 'ms-hq', source: 'bob', packets: 250 }),
    ]);
    expect(partial?.drops).toEqual([
      { host: 'ms-hq', source: null, packets: 3, reason: 'unknown source' },
    ]);
  });
});
