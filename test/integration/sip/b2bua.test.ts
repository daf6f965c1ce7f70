/**
 * Calls client UA -> B2BUA -> gateway UA over real UDP on three loopback addresses: the full
 * INVITE/180/200/ACK/BYE ladder (no 100 Trying: each leg rings within 200 ms) in both hang-up
 * directions, CANCEL before the answer, error paths (486 from the callee, 503 from the delegate), and a call from the gateway side.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bypassIdOf, mediaAddressOf, type IncomingCall } from '../../../src/sip/index.js';
import { Closer, captureLogger, waitFor } from '../../support/sip-harness.js';
import { SDP, callTopology, ladder } from '../../support/sip-topology.js';

const closer = new Closer();
afterEach(async () => {
  await closer.closeAll();
});

describe('B2BUA call flows', () => {
  it('completes INVITE/180/200/ACK and a caller BYE, relaying SDP through the delegate', async () => {
    const { logger } = captureLogger('warn');
    const t = await callTopology(logger, closer);
    let gwCall: IncomingCall | undefined;
    let acked = false;
    let gwEnded = '';
    t.gateway.onInvite = (call) => {
      gwCall = call;
      call.on('acked', () => (acked = true));
      call.on('ended', (cause) => (gwEnded = cause));
      call.ring();
      setTimeout(() => call.answer(SDP.gatewayAnswer), 30);
    };
    const events: string[] = [];
    let answer = '';
    const call = t.client.invite(
      `sip:+15550100@${t.b2bua.ua('client').stack.hostport}`,
      SDP.client,
      {
        provisional: (p) => events.push(`provisional ${p.status}`),
        answered: (sdp) => {
          events.push('answered');
          answer = sdp;
        },
        failed: (s) => events.push(`failed ${s}`),
      },
    );
    await waitFor(() => acked, 3000, 'the ACK at the gateway');
    expect(events).toEqual(['provisional 180', 'answered']);
    // The delegate decided the SDP of both legs.
    expect(mediaAddressOf(gwCall!.offerSdp)).toEqual({
      address: '198.51.100.20',
      port: 41000,
      rtcpPort: 41001,
    });
    expect(t.delegate.routed[0]!.call.offerSdp).toBe(SDP.client);
    expect(bypassIdOf(t.delegate.routed[0]!.call.offerSdp)).toBe('site-a');
    expect(t.delegate.answers).toEqual([SDP.gatewayAnswer]);
    expect(mediaAddressOf(answer)?.address).toBe('198.51.100.21');
    expect(t.b2bua.activeCalls).toBe(1);

    expect(await call.bye()).toBe(200);
    await waitFor(() => gwEnded !== '' && t.ended.length === 1, 3000, 'the end of both legs');
    expect(gwEnded).toBe('remote-bye');
    expect(t.ended[0]).toMatchObject({ cause: 'caller-bye', side: 'client', answered: true });
    expect(t.b2bua.activeCalls).toBe(0);

    expect(ladder(t.logs.client)).toEqual([
      '> INVITE',
      '< 180 INVITE',
      '< 200 INVITE',
      '> ACK',
      '> BYE',
      '< 200 BYE',
    ]);
    expect(ladder(t.logs.gateway)).toEqual([
      '< INVITE',
      '> 180 INVITE',
      '> 200 INVITE',
      '< ACK',
      '< BYE',
      '> 200 BYE',
    ]);
    // The outgoing leg is a new dialog: other Call-ID, Max-Forwards decremented.
    const inInvite = t.logs.client[0]!.message!;
    const outInvite = t.logs.gateway[0]!.message!;
    expect(outInvite.headers['call-id']).not.toBe(inInvite.headers['call-id']);
    expect(outInvite.headers['max-forwards']).toBe('69');
  });

  it('relays a BYE from the callee to the caller', async () => {
    const { logger } = captureLogger('warn');
    const t = await callTopology(logger, closer);
    let gwCall: IncomingCall | undefined;
    t.gateway.onInvite = (call) => {
      gwCall = call;
      call.answer(SDP.gatewayAnswer);
    };
    let ended = '';
    let answered = false;
    t.client.invite(`sip:x@${t.b2bua.ua('client').stack.hostport}`, SDP.client, {
      answered: () => (answered = true),
      ended: (cause) => (ended = cause),
    });
    await waitFor(() => answered && gwCall?.state === 'confirmed', 3000, 'the answered call');
    expect(await gwCall!.bye()).toBe(200);
    await waitFor(() => ended !== '' && t.ended.length === 1, 3000, 'the caller to see the BYE');
    expect(ended).toBe('remote-bye');
    expect(t.ended[0]?.cause).toBe('callee-bye');
    expect(ladder(t.logs.client).slice(-2)).toEqual(['< BYE', '> 200 BYE']);
  });

  it('bridges a CANCEL before the answer: the callee sees CANCEL and the caller gets 487', async () => {
    const { logger } = captureLogger('warn');
    const t = await callTopology(logger, closer);
    let cancelled = false;
    t.gateway.onInvite = (call) => {
      call.ring();
      call.on('cancelled', () => (cancelled = true));
    };
    let failed = 0;
    const call = t.client.invite(`sip:x@${t.b2bua.ua('client').stack.hostport}`, SDP.client, {
      provisional: () => call.cancel(),
      failed: (status) => (failed = status),
    });
    // The ACK for the 487 is hop by hop and may trail the caller's failure: wait for it too.
    await waitFor(
      () =>
        failed !== 0 &&
        cancelled &&
        t.ended.length === 1 &&
        ladder(t.logs.gateway).includes('< ACK') &&
        ladder(t.logs.client).includes('> ACK'),
      3000,
      'the cancellation',
    );
    expect(failed).toBe(487);
    expect(t.ended[0]).toMatchObject({ cause: 'cancelled', answered: false });
    expect(ladder(t.logs.gateway)).toEqual(
      expect.arrayContaining(['< CANCEL', '> 200 CANCEL', '> 487 INVITE', '< ACK']),
    );
    expect(ladder(t.logs.client)).toEqual(
      expect.arrayContaining(['> CANCEL', '< 200 CANCEL', '< 487 INVITE', '> ACK']),
    );
    expect(t.gateway.activeCalls).toBe(0);
  });

  it('relays a 486 from the callee', async () => {
    const { logger } = captureLogger('warn');
    const t = await callTopology(logger, closer);
    t.gateway.onInvite = (call) => call.reject(486, 'Busy Here');
    let failed = '';
    t.client.invite(`sip:x@${t.b2bua.ua('client').stack.hostport}`, SDP.client, {
      failed: (status, reason) => (failed = `${status} ${reason}`),
    });
    await waitFor(() => failed !== '' && t.ended.length === 1, 3000, 'the 486');
    expect(failed).toBe('486 Busy Here');
    expect(t.ended[0]).toMatchObject({ cause: 'callee-rejected', status: 486 });
    // The non-2xx is ACKed hop by hop on both legs (RFC 3261 17.1.1.3).
    expect(ladder(t.logs.client)).toContain('> ACK');
    expect(ladder(t.logs.gateway)).toContain('< ACK');
  });

  it('answers 503 when the delegate refuses, without an outgoing leg', async () => {
    const { logger } = captureLogger('warn');
    const t = await callTopology(logger, closer);
    t.delegate.decide = () => ({ reject: 503, reason: 'No Bandwidth' });
    let failed = '';
    t.client.invite(`sip:x@${t.b2bua.ua('client').stack.hostport}`, SDP.client, {
      failed: (status, reason) => (failed = `${status} ${reason}`),
    });
    await waitFor(() => failed !== '', 3000, 'the 503');
    expect(failed).toBe('503 No Bandwidth');
    expect(t.ended[0]).toMatchObject({ cause: 'route-rejected', status: 503 });
    expect(t.logs.gateway).toEqual([]);
  });

  it('places calls from the gateway side towards the client side', async () => {
    const { logger } = captureLogger('warn');
    const t = await callTopology(logger, closer);
    t.delegate.decide = (incoming) => ({
      target: `sip:alice@${t.client.stack.hostport}`,
      offerSdp: SDP.toClient,
      from: incoming.call.from.uri,
    });
    let acked = false;
    let offer = '';
    t.client.onInvite = (call) => {
      offer = call.offerSdp;
      call.on('acked', () => (acked = true));
      call.answer(SDP.client);
    };
    let answered = false;
    const call = t.gateway.invite(
      `sip:alice@${t.b2bua.ua('gateway').stack.hostport}`,
      SDP.gatewayAnswer,
      {
        answered: () => (answered = true),
      },
    );
    await waitFor(() => answered && acked, 3000, 'the inbound call');
    expect(t.delegate.routed[0]?.side).toBe('gateway');
    expect(offer).toBe(SDP.toClient);
    expect(await call.bye()).toBe(200);
    await waitFor(() => t.ended.length === 1, 3000, 'the end');
    expect(t.ended[0]?.cause).toBe('caller-bye');
  });

  it('answers 483 to an INVITE with Max-Forwards 0 and creates no outgoing leg', async () => {
    const { logger } = captureLogger('warn');
    const t = await callTopology(logger, closer);
    let failed = 0;
    t.client.invite(
      `sip:x@${t.b2bua.ua('client').stack.hostport}`,
      SDP.client,
      { failed: (s) => (failed = s) },
      { maxForwards: 0 },
    );
    await waitFor(() => failed !== 0, 3000, 'the 483');
    expect(failed).toBe(483);
    expect(t.delegate.routed).toEqual([]);
    expect(t.logs.gateway).toEqual([]);
  });
});
