import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingCall, UserAgent } from '../../../src/sip/index.js';
import {
  eventually,
  openFds,
  openOutsideLab,
  peerOffer,
  placeFrom,
  type OutsideLab,
} from '../../support/outside-lab.js';

/**
 * A batch of hostile INVITEs on both sides of the Mediation Server, from outside peers (the
 * Chicago gateway and the Portland user are played by the test's own user agents). Every
 * description a peer must not be trusted with gets 488 (400 for a syntax error), nothing is
 * routed onward, no relay leg ever points at the address, and every relay session and file
 * descriptor the lab opened along the way (error paths after an allocation included) is back
 * to its baseline afterwards.
 */

const FIXTURE = 'test/fixtures/scenarios/outside-peers.yaml';

/** An offer from `address`, with its c= line and m= line edited. */
function hostile(address: string, edit: (sdp: string) => string): string {
  return edit(peerOffer(address));
}

const cLine = (c: string) => (sdp: string) => sdp.replace(/c=IN IP4 \S+/g, `c=${c}`);

/** The hostile descriptions, each with the status it must get. */
function batch(address: string): [string, string, number][] {
  return [
    ['multicast', hostile(address, cLine('IN IP4 224.0.0.1')), 488],
    ['multicast with TTL', hostile(address, cLine('IN IP4 239.1.2.3/16')), 488],
    ['broadcast', hostile(address, cLine('IN IP4 255.255.255.255')), 488],
    ['unspecified', hostile(address, cLine('IN IP4 0.0.0.0')), 488],
    ['IPv6', hostile(address, cLine('IN IP6 2001:db8::5')), 488],
    ['host name', hostile(address, cLine('IN IP4 media.example.com')), 488],
    ['port out of range', hostile(address, (s) => s.replace(/m=audio \d+/, 'm=audio 99999')), 488],
    [
      'SRTP',
      hostile(address, (s) =>
        s
          .replace('RTP/AVP', 'RTP/SAVP')
          .replace(
            /\r\n$/,
            '\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n',
          ),
      ),
      488,
    ],
    ['no common codec', hostile(address, (s) => s.replace(/RTP\/AVP [\d ]+/, 'RTP/AVP 18')), 488],
    ['overlong', hostile(address, (s) => `${s}a=x-pad:${'x'.repeat(9000)}\r\n`), 488],
    ['no offer', '', 488],
    ['malformed', 'v=0\r\nthis is not SDP\r\n', 400],
    ['malformed m= line', hostile(address, (s) => s.replace(/m=audio \d+/, 'm=audio port')), 400],
  ];
}

describe('hostile INVITEs on both sides of the Mediation Server', () => {
  let o: OutsideLab;
  let gw: UserAgent;
  let alice: UserAgent;
  const gwInvites: IncomingCall[] = [];
  let gwAnswer: (inc: IncomingCall) => void = (inc) => inc.reject(486);
  let baseline: { sessions: number; fds: number };

  beforeAll(async () => {
    o = await openOutsideLab(FIXTURE, ['gw-chi', 'alice']);
    gw = o.peers.get('gw-chi')!;
    alice = o.peers.get('alice')!;
    gw.onInvite = (inc) => {
      gwInvites.push(inc);
      gwAnswer(inc);
    };
    baseline = { sessions: (await o.lab.relayCounters()).sessions, fds: openFds() };
  });

  afterAll(async () => {
    await o.close();
  });

  const msGateway = () => o.lab.sipListener('ms-chi', 'gateway');
  const msClient = () => o.lab.sipListener('ms-chi', 'client');

  it('gateway side: 488 or 400 for every hostile offer, nothing routed to the client', async () => {
    const ms = msGateway();
    const uri = `sip:+13125550101@${ms.address}:${ms.port}`;
    for (const [what, sdp, status] of batch(gw.stack.address)) {
      const r = await placeFrom(gw, uri, sdp);
      expect({ what, status: r.status }).toEqual({ what, status });
    }
    // Nothing reached bob: the emulated client never saw an INVITE of this batch.
    const rec = await o.lab.result({ final: false, aborted: false });
    expect(rec.calls).toEqual([]);
  });

  it('client side: 488 or 400 for every hostile offer, nothing routed to the gateway', async () => {
    const ms = msClient();
    const uri = `sip:+13125550199@${ms.address}:${ms.port}`;
    for (const [what, sdp, status] of batch(alice.stack.address)) {
      const r = await placeFrom(alice, uri, sdp);
      expect({ what, status: r.status }).toEqual({ what, status });
    }
    expect(gwInvites).toEqual([]);
  });

  it('frees the relay session of a call the gateway refuses after the relay was allocated', async () => {
    const ms = msClient();
    gwAnswer = (inc) => inc.reject(486);
    const r = await placeFrom(
      alice,
      `sip:+13125550199@${ms.address}:${ms.port}`,
      peerOffer(alice.stack.address),
    );
    expect(r.status).toBe(486);
    expect(gwInvites).toHaveLength(1);
    // The gateway was offered the relay's address, never alice's.
    expect(gwInvites[0]?.offerSdp).toContain(`c=IN IP4 ${o.addressing.gatewaySideOf('ms-chi')}`);
  });

  it('refuses a gateway answer aimed at a multicast group: 488 to the caller, BYE to the gateway', async () => {
    const ms = msClient();
    let ended = false;
    gwAnswer = (inc) => {
      inc.on('ended', () => (ended = true));
      inc.answer(peerOffer(gw.stack.address).replace(/c=IN IP4 \S+/g, 'c=IN IP4 224.0.0.9'));
    };
    const r = await placeFrom(
      alice,
      `sip:+13125550199@${ms.address}:${ms.port}`,
      peerOffer(alice.stack.address),
    );
    expect(r.status).toBe(488);
    expect(r.reason).toContain('multicast');
    expect(await eventually(() => ended)).toBe(true);
  });

  it('takes c=0.0.0.0 with sendonly as a hold: the call goes on and nothing is sent to 0.0.0.0', async () => {
    const ms = msGateway();
    const held = peerOffer(gw.stack.address)
      .replace(/c=IN IP4 \S+/g, 'c=IN IP4 0.0.0.0')
      .replace('a=sendrecv', 'a=sendonly');
    const r = await placeFrom(gw, `sip:bob@${ms.address}:${ms.port}`, held);
    expect(r.status).toBe(200);
    // bob's media reaches the relay, which has nowhere to send it: dropped, never sent.
    expect(
      await eventually(async () => ((await o.lab.relayCounters()).dropped['no-peer'] ?? 0) > 5),
    ).toBe(true);
    expect((await o.lab.relayCounters()).forwarded).toBe(0);
    expect(await r.call.bye()).toBe(200);
  });

  it('answers a datagram over the size limit with 413', async () => {
    const ms = msGateway();
    const sdp = `${peerOffer(gw.stack.address)}a=x-pad:${'x'.repeat(20_000)}\r\n`;
    const r = await placeFrom(gw, `sip:bob@${ms.address}:${ms.port}`, sdp);
    expect(r.status).toBe(413);
  });

  it('leaves no relay session and no file descriptor behind', async () => {
    const back = await eventually(
      async () =>
        (await o.lab.relayCounters()).sessions === baseline.sessions && openFds() <= baseline.fds,
      3000,
    );
    const counters = await o.lab.relayCounters();
    expect({ sessions: counters.sessions, fds: openFds() }).toEqual(baseline);
    expect(back).toBe(true);
    // The relay forwarded nothing anywhere during the batch.
    expect(counters.forwarded).toBe(0);
  });
});
