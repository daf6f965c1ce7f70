import { beforeAll, describe, expect, it } from 'vitest';
import { callJson, type RunCallResult } from '../../../src/report/index.js';
import { runFixtureLive, type LiveFixtureRun } from '../../support/live-fixture.js';
import { callOf, packets, expectMediaAlong } from '../../support/live-expect.js';

/**
 * Teams Direct Routing run live (docs/fidelity.md, Live runs): the Transport Relay, the proxy
 * SBC and the Media Processor are hosts of the run, and the media path each call took is read
 * from the packets each host's sockets received.
 */

/**
 * The call was answered and its media took `path` both ways: each hop received about one
 * packet per 20 ms from the one before it, in each direction, and nobody else received any.
 */
function expectAlong(c: RunCallResult, path: readonly string[]): void {
  expect(c.state).toBe('completed');
  expect(c.observed.divergences).toEqual([]);
  expect(c.failures).toEqual([]);
  expectMediaAlong(c, path);
}

describe('live: Teams Direct Routing', () => {
  let run: LiveFixtureRun;
  beforeAll(async () => {
    run = await runFixtureLive('live-teams.yaml');
  });

  it('gives the cloud relays loopback addresses of their own', () => {
    const a = run.result.addressing;
    expect(a.hostOf(a.addressOf('teams-mp'))).toBe('teams-mp');
    expect(a.hostOf(a.addressOf('teams-tr'))).toBe('teams-tr');
    expect(a.scenarioIpOf(a.addressOf('teams-tr'))).toBe('203.0.113.20');
  });

  it('sends an internal user media straight to the SBC (bypass, no relay at all)', () => {
    const c = callOf(run, 'branch-user-local-sbc');
    expect(c.decision.decision).toBe('BYPASS');
    expectAlong(c, ['alice', 'sbc-por']);
    // The Teams SIP proxy (the Mediation Server host) carried the signalling only.
    expect(c.sip.some((m) => m.host === 'ms-chi')).toBe(true);
  });

  it('takes an outside user through the Transport Relay, both ways, without transcoding', () => {
    const out = callOf(run, 'external-user');
    expectAlong(out, ['xavier', 'teams-tr', 'sbc-chi']);
    const inbound = callOf(run, 'inbound-to-external');
    expectAlong(inbound, ['sbc-chi', 'teams-tr', 'xavier']);
    // Forwarded as they came: what reaches the SBC is G.711 as the client sent it.
    const s = out.media.received.find((x) => x.receiver === 'sbc-chi' && x.source === 'teams-tr');
    expect(s?.payloadType).toBe(0);
    expect(callOf(run, 'external-to-user').observed.forward.hops).toEqual([
      'xavier',
      'teams-tr',
      'carol',
    ]);
  });

  it('anchors an SBC without media bypass on the Media Processor, which transcodes', () => {
    const c = callOf(run, 'sbc-without-bypass');
    expect(c.decision.decision).toBe('RELAY');
    expectAlong(c, ['bob', 'teams-mp', 'sbc-old']);
    const fromClient = c.media.received.find(
      (x) => x.receiver === 'teams-mp' && x.source === 'bob',
    );
    const toSbc = c.media.received.find((x) => x.receiver === 'sbc-old' && x.source === 'teams-mp');
    expect(fromClient?.payloadType).toBe(114);
    expect(toSbc?.payloadType).toBe(0);
    expectAlong(callOf(run, 'user-to-sfb-user'), ['bob', 'teams-mp', 'sam']);
  });

  it('sends a user outside the SBC site through the proxy SBC (Local Media Optimization)', () => {
    const c = callOf(run, 'hq-user-branch-sbc');
    expect(c.decision.teams?.mediaSbc).toBe('sbc-chi');
    expectAlong(c, ['bob', 'sbc-chi', 'sbc-por']);
  });

  it('offers an inbound call the SBC address itself', () => {
    const c = callOf(run, 'inbound-to-user');
    expect(c.decision.decision).toBe('BYPASS');
    expectAlong(c, ['sbc-chi', 'carol']);
  });

  it('moves an escalating call with re-INVITEs on the wire: from the proxy, or the caller', () => {
    for (const [id, reinvites] of [
      // Client to client: the escalating caller re-INVITEs the other party.
      ['escalates-to-group', [['bob', 'carol']]],
      // Through the Teams SIP proxy (the Mediation Server host): the callee, then the caller.
      [
        'pstn-escalates',
        [
          ['ms-chi', 'sbc-chi'],
          ['ms-chi', 'carol'],
        ],
      ],
    ] as const) {
      const c = callOf(run, id);
      const after = c.sip.filter((m) => m.t >= c.call.atMs + 2000);
      // Each re-INVITE, its 200 with the answer and its ACK, as each end saw them.
      for (const [from, to] of reinvites) {
        const ladder = after
          .filter((m) => m.host === from || m.host === to)
          .filter((m) => /^(INVITE|ACK) |^200 OK/.test(m.summary))
          .filter((m) => !/^CSeq:\s*\d+\s+BYE/im.test(m.text ?? ''))
          .filter((m) => (m.host === from ? m.peer === to : m.peer === from))
          .map((m) => `${m.host} ${m.dir} ${m.summary.split(' ')[0]}`);
        expect(ladder, `${id}: ${from} to ${to}`).toEqual([
          `${from} out INVITE`,
          `${to} in INVITE`,
          `${to} out 200`,
          `${from} in 200`,
          `${from} out ACK`,
          `${to} in ACK`,
        ]);
        // The new offer names the Media Processor's address.
        const offer = after.find((m) => m.host === from && m.summary.startsWith('INVITE '));
        expect(offer?.text, `${id}`).toContain(
          `c=IN IP4 ${run.result.addressing.addressOf('teams-mp')}`,
        );
      }
      expect(callJson(c).escalationObserved, `${id}`).toMatchObject({
        reinvites: reinvites.map(([from, to]) => ({ from, to, status: 200, reason: 'OK' })),
      });
    }
  });

  it('re-anchors an escalating call on the Media Processor from the escalation on', () => {
    for (const [id, a, b] of [
      ['escalates-to-group', 'bob', 'carol'],
      ['pstn-escalates', 'carol', 'sbc-chi'],
    ] as const) {
      const c = callOf(run, id);
      expect(c.state, `${id}`).toBe('completed');
      expect(c.failures, `${id}`).toEqual([]);
      // Half the call went directly, half through the Media Processor, both ways.
      const half = (c.call.durationMs / 1000) * 25;
      for (const [receiver, source] of [
        [b, a],
        [a, b],
        ['teams-mp', a],
        ['teams-mp', b],
        [a, 'teams-mp'],
        [b, 'teams-mp'],
      ] as const) {
        const n = packets(c, receiver, source);
        expect(n, `${id}: ${receiver} from ${source}`).toBeGreaterThan(half * 0.6);
        expect(n, `${id}: ${receiver} from ${source}`).toBeLessThan(half * 1.4);
      }
      const json = callJson(c);
      expect(json.escalationObserved, `${id}`).toMatchObject({
        atMs: 2000,
        mediaProcessor: 'teams-mp',
        forward: { hops: [a, 'teams-mp', b], complete: true },
        backward: { hops: [b, 'teams-mp', a], complete: true },
      });
    }
  });
});
