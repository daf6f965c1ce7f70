/**
 * SIPp as a real third-party SIP peer: as a UAS behind the B2BUA answering a call placed by
 * our UA, and as a UAC calling into the B2BUA. The media-path assertions (bypass vs relay)
 * are left to the lab, which uses the same helper.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildOffer, mediaAddressOf, type IncomingCall } from '../../../src/sip/index.js';
import { Closer, captureLogger, waitFor } from '../../support/sip-harness.js';
import { SIPP_SCENARIOS, sippAvailable, startSipp } from '../../support/sip-sipp.js';
import { SDP, callTopology } from '../../support/sip-topology.js';

const closer = new Closer();
afterEach(async () => {
  await closer.closeAll();
});

if (process.env.CI === 'true' && !sippAvailable()) {
  throw new Error('CI needs sipp (Debian package sip-tester; .ci/run installs it)');
}

describe.runIf(sippAvailable())('SIPp interoperability', () => {
  it('SIPp as UAS answers a call placed through the B2BUA, and receives the SDP we chose', async () => {
    const { logger } = captureLogger('warn');
    const t = await callTopology(logger, closer, { base: 3 });
    const sipp = closer.add(
      await startSipp({
        scenario: SIPP_SCENARIOS.uasAnswer,
        address: '127.0.3.40',
        rtpEcho: true,
        timeoutSec: 10,
      }),
    );
    // The test decides the offer towards SIPp: address 127.0.3.50, port 45000.
    const towardsSipp = buildOffer({ address: '127.0.3.50', port: 45000, sessionId: 9 });
    t.delegate.decide = () => ({ target: `sip:sipp@${sipp.hostport}`, offerSdp: towardsSipp });
    let answer = '';
    const events: string[] = [];
    const call = t.client.invite(`sip:sipp@${t.b2bua.ua('client').stack.hostport}`, SDP.client, {
      provisional: (p) => events.push(String(p.status)),
      answered: (sdp) => {
        events.push('answered');
        answer = sdp;
      },
      failed: (s, r) => events.push(`failed ${s} ${r}`),
    });
    await waitFor(
      () => answer !== '' || events.some((e) => e.startsWith('failed')),
      5000,
      'the answer',
    );
    expect(events).toEqual(['180', 'answered']);
    // SIPp answered with its own media address and echo port; the delegate saw it.
    expect(mediaAddressOf(t.delegate.answers[0]!)).toMatchObject({
      address: '127.0.3.40',
      port: sipp.mediaPort,
    });
    expect(await call.bye()).toBe(200);
    const result = await sipp.wait();
    expect(result.code).toBe(0);
    // What SIPp received: the INVITE with our SDP, then ACK and BYE.
    const received = result.messages
      .filter((m) => m.dir === 'received')
      .map((m) => m.text.split(/\r?\n/)[0]);
    expect(received.map((l) => l?.split(' ')[0])).toEqual(['INVITE', 'ACK', 'BYE']);
    const inviteSdp = sipp.receivedBody('INVITE');
    expect(inviteSdp).toBeDefined();
    expect(mediaAddressOf(inviteSdp!)).toEqual({
      address: '127.0.3.50',
      port: 45000,
      rtcpPort: 45001,
    });
    expect(result.errors).toBe('');
  });

  it('SIPp as UAC calls into the B2BUA and the call completes', async () => {
    const { logger } = captureLogger('warn');
    const t = await callTopology(logger, closer, { base: 4 });
    let offer = '';
    t.client.onInvite = (call: IncomingCall) => {
      offer = call.offerSdp;
      call.ring();
      call.answer(SDP.client);
    };
    t.delegate.decide = () => ({
      target: `sip:alice@${t.client.stack.hostport}`,
      offerSdp: SDP.toClient,
    });
    const sipp = closer.add(
      await startSipp({
        scenario: SIPP_SCENARIOS.uacCall,
        address: '127.0.4.40',
        remote: t.b2bua.ua('gateway').stack.hostport,
        service: 'alice',
        holdMs: 300,
        timeoutSec: 10,
      }),
    );
    const result = await sipp.wait();
    expect(result.code).toBe(0);
    expect(offer).toBe(SDP.toClient);
    // The delegate saw SIPp's offer with SIPp's media address.
    expect(t.delegate.routed[0]?.side).toBe('gateway');
    expect(mediaAddressOf(t.delegate.routed[0]!.call.offerSdp)).toMatchObject({
      address: '127.0.4.40',
      port: sipp.mediaPort,
    });
    const got = result.messages
      .filter((m) => m.dir === 'received')
      .map((m) => m.text.split(/\r?\n/)[0]);
    expect(got).toEqual(expect.arrayContaining(['SIP/2.0 180 Ringing', 'SIP/2.0 200 OK']));
    await waitFor(() => t.ended.length === 1, 3000, 'the B2BUA to end the call');
    expect(t.ended[0]).toMatchObject({ side: 'gateway', cause: 'caller-bye', answered: true });
  });
});
