import { beforeAll, describe, expect, it } from 'vitest';
import type { Addressing } from '../../../src/lab/index.js';
import type { LedgerEvent } from '../../../src/policy/index.js';
import type { RunCallResult } from '../../../src/report/index.js';
import { runFixtureLive } from '../../support/live-fixture.js';
import { callOf, expectMediaAlong } from '../../support/live-expect.js';

/**
 * Live runs of the lab's call paths, the way `mediapath run` makes them: every host a real SIP
 * endpoint on its own loopback address, real RTP both ways. Each test reads what the sockets
 * received (the observed media path, hop by hop and both ways), the decision, the final SIP
 * outcome and what went over the wire in the SIP messages.
 */

interface LiveRun {
  readonly calls: readonly RunCallResult[];
  readonly addressing: Addressing;
  readonly ledger: readonly LedgerEvent[];
  readonly durationMs: number;
}

async function live(file: string): Promise<LiveRun> {
  const { calls, result } = await runFixtureLive(file);
  return {
    calls,
    addressing: result.addressing,
    ledger: result.ledger,
    durationMs: result.durationMs,
  };
}

/**
 * The call was answered and hung up normally, and its media took `path` both ways: every hop
 * received from the one before it, in each direction, about one packet per 20 ms of the call.
 */
function expectAnsweredAlong(c: RunCallResult, path: readonly string[]): void {
  expect(c.state).toBe('completed');
  expect(c.finalStatus).toBe(200);
  expect(c.observed.divergences).toEqual([]);
  expect(c.failures).toEqual([]);
  expectMediaAlong(c, path);
  expect(c.media.drops).toEqual([]);
}

/** The SIP messages a host sent or received for the call: `in INVITE`, `out 200`, ... */
function sipOf(c: RunCallResult, host: string): string[] {
  return c.sip
    .filter((m) => m.host === host)
    .map((m) => `${m.dir} ${m.summary.split(' ')[0] ?? ''}`);
}

/** The full text of the first message a host sent or received whose summary starts so. */
function sipText(c: RunCallResult, host: string, dir: 'in' | 'out', start: string): string {
  const m = c.sip.find((x) => x.host === host && x.dir === dir && x.summary.startsWith(start));
  if (!m?.text) {
    throw new Error(`${host} has no ${dir} ${start} for ${c.call.id}`);
  }
  return m.text;
}

describe('live: a client-to-client call admitted by CAC', () => {
  let run: LiveRun;
  beforeAll(async () => {
    run = await live('live-p2p.yaml');
  });

  it('flows straight between the clients both ways; nothing touches the Mediation Server', () => {
    const c = callOf(run, 'p2p');
    expect(c.decision.decision).toBe('CAC-ADMITTED');
    expectAnsweredAlong(c, ['p1', 'c1']);
    expect(sipOf(c, 'ms-chi')).toEqual([]);
    // A client does not ring, and answers within 200 ms, so no 100 Trying either (RFC 3261
    // 17.2.1): the whole dialog as the caller saw it.
    expect(sipOf(c, 'p1')).toEqual(['out INVITE', 'in 200', 'out ACK', 'out BYE', 'in 200']);
    // The caller offered its own media address and the callee answered with its own.
    expect(sipText(c, 'c1', 'in', 'INVITE')).toContain(
      `c=IN IP4 ${run.addressing.addressOf('p1')}`,
    );
    expect(sipText(c, 'c1', 'out', '200')).toContain(`c=IN IP4 ${run.addressing.addressOf('c1')}`);
  });

  it('gives its bandwidth back when it ends (the caller releases it: no Mediation Server)', () => {
    const c = callOf(run, 'p2p');
    const reserved = run.ledger.filter((e) => e.callId === 'p2p' && e.op === 'reserve');
    const released = run.ledger.filter((e) => e.callId === 'p2p' && e.op === 'release');
    expect(reserved.length).toBeGreaterThan(0);
    expect(released.map((e) => [e.link, e.kbps])).toEqual(reserved.map((e) => [e.link, e.kbps]));
    // Released at the hang-up, not when the run ends.
    const at = c.call.atMs + c.call.durationMs;
    for (const e of released) {
      expect(e.t).toBeGreaterThan(at - 100);
      expect(e.t).toBeLessThan(at + 1000);
    }
  });
});

describe('live: an external user through the A/V Edge', () => {
  let run: LiveRun;
  beforeAll(async () => {
    run = await live('live-edge.yaml');
  });

  it('client to client: media goes through the Edge relay both ways', () => {
    const c = callOf(run, 'external-p2p');
    expect(c.decision.decision).toBe('CAC-ADMITTED');
    expectAnsweredAlong(c, ['xavier', 'edge-chi', 'bob']);
    // The caller offers the Edge's far side, as a relayed ICE candidate would.
    expect(sipText(c, 'bob', 'in', 'INVITE')).toContain(
      `c=IN IP4 ${run.addressing.addressOf('edge-chi')}`,
    );
  });

  it('out to a gateway: through the Edge and the Mediation Server relay', () => {
    const c = callOf(run, 'external-out');
    expect(c.decision.decision).toBe('CAC-ADMITTED');
    expectAnsweredAlong(c, ['xavier', 'edge-chi', 'ms-chi', 'gw-chi']);
    expect(sipText(c, 'gw-chi', 'in', 'INVITE')).toContain(
      `c=IN IP4 ${run.addressing.gatewaySideOf('ms-chi')}`,
    );
    // The client is answered with the Edge's client-facing side.
    expect(sipText(c, 'xavier', 'in', '200')).toContain(
      `c=IN IP4 ${run.addressing.addressOf('edge-chi')}`,
    );
  });

  it('in from a gateway: the client takes the relay candidate and names it in its answer', () => {
    const c = callOf(run, 'external-in');
    expect(c.decision.decision).toBe('CAC-ADMITTED');
    expectAnsweredAlong(c, ['gw-chi', 'ms-chi', 'edge-chi', 'xavier']);
    const edge = run.addressing.addressOf('edge-chi');
    const offer = sipText(c, 'xavier', 'in', 'INVITE');
    // b.5 #37: the gateway's address, no bypass ID (external), the relay as an ICE candidate.
    expect(offer).toContain(`c=IN IP4 ${run.addressing.addressOf('gw-chi')}`);
    expect(offer).not.toContain('a=x-bypassid');
    const candidate = new RegExp(
      `\\r\\na=candidate:1 1 UDP 1 ${edge.replace(/\./g, '\\.')} (\\d+) typ relay\\r\\n`,
    ).exec(offer);
    expect(candidate).not.toBeNull();
    const answer = sipText(c, 'xavier', 'out', '200');
    expect(answer).toContain(`\r\na=remote-candidates:1 ${edge} ${candidate?.[1] ?? ''}\r\n`);
    // The gateway is answered with the Mediation Server's gateway side.
    expect(sipText(c, 'gw-chi', 'in', '200')).toContain(
      `c=IN IP4 ${run.addressing.gatewaySideOf('ms-chi')}`,
    );
  });
});

describe('live: a PSTN re-route (c.5 #19)', () => {
  let run: LiveRun;
  beforeAll(async () => {
    run = await live('live-pstn-reroute.yaml');
  });

  it('goes out through one gateway, through the PSTN, in through another, media both ways', () => {
    const c = callOf(run, 'rerouted');
    expect(c.decision.decision).toBe('CAC-REROUTED-PSTN');
    expectAnsweredAlong(c, ['p1', 'gw-por', 'pstn', 'gw-chi', 'c1']);
    // Signalling: out to the Mediation Server for the branch trunk, which sends it to gw-por;
    // the PSTN passes it to gw-chi, which sends it in through the Mediation Server to c1.
    expect(sipOf(c, 'ms-chi')).toEqual(
      expect.arrayContaining(['in INVITE', 'out INVITE', 'out 200', 'in 200']),
    );
    for (const host of ['gw-por', 'pstn', 'gw-chi']) {
      expect(sipOf(c, host), `${host}`).toEqual(
        expect.arrayContaining(['in INVITE', 'out INVITE', 'in 200', 'out 200']),
      );
    }
    expect(sipText(c, 'ms-chi', 'in', 'INVITE')).toMatch(/^INVITE sip:13125550141@/);
    // Both parts are bypassed: gw-por gets the caller's address and bypass ID; c1 is offered
    // gw-chi's relay address with gw-chi's bypass ID and takes it.
    const out = sipText(c, 'gw-por', 'in', 'INVITE');
    expect(out).toContain(`c=IN IP4 ${run.addressing.addressOf('p1')}`);
    expect(out).toMatch(/\r\na=x-bypassid:\S+\r\n/);
    const inbound = sipText(c, 'c1', 'in', 'INVITE');
    expect(inbound).toContain(`c=IN IP4 ${run.addressing.addressOf('gw-chi')}`);
    expect(inbound).toMatch(/\r\na=x-bypassid:\S+\r\n/);
    expect(inbound).toMatch(/\r\na=candidate:1 1 UDP 1 \S+ \d+ typ relay\r\n/);
    expect(sipText(c, 'c1', 'out', '200')).not.toContain('a=remote-candidates');
  });
});

describe('live: a call to voice mail (c.5 #20)', () => {
  let run: LiveRun;
  beforeAll(async () => {
    run = await live('live-voicemail.yaml');
  });

  it('is answered by the voice mail server; the callee never rings', () => {
    const c = callOf(run, 'to-voicemail');
    expect(c.decision.decision).toBe('CAC-REROUTED-VOICEMAIL');
    expectAnsweredAlong(c, ['p1', 'exum']);
    expect(sipOf(c, 'c1')).toEqual([]);
    expect(sipOf(c, 'exum')).toEqual(
      expect.arrayContaining(['in INVITE', 'out 180', 'out 200', 'in ACK', 'in BYE', 'out 200']),
    );
    expect(sipText(c, 'exum', 'out', '200')).toContain(
      `c=IN IP4 ${run.addressing.addressOf('exum')}`,
    );
  });
});
