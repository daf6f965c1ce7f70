/**
 * REFER, its NOTIFYs and re-INVITE within a confirmed dialog over real UDP, in both directions
 * of a call (RFC 3515, RFC 3261 section 14): 202 and the sipfrag NOTIFYs, the offer/answer of a
 * re-INVITE with its ACK, 491 when re-INVITEs cross, 481 for a REFER outside a dialog and 400
 * for a malformed Refer-To.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ReferProgress } from '../../../src/sip/index.js';
import { Closer, RawPeer, rawRequest, statusOf, waitFor } from '../../support/sip-harness.js';
import { SDP, confirmedCall, ladder } from '../../support/sip-topology.js';

const closer = new Closer();
afterEach(async () => {
  await closer.closeAll();
});

const timers = { t1: 50, t2: 400, t4: 500 };

describe('REFER within a dialog', () => {
  it('the callee refers the caller: 202, NOTIFY 100 and 200 as message/sipfrag', async () => {
    const t = await confirmedCall(closer, '127.0.1.50', '127.0.1.51', {
      timers,
      offer: SDP.client,
    });
    const progress: ReferProgress[] = [];
    t.inc.on('refer-progress', (p) => progress.push(p));
    let target = '';
    t.out.on('refer', (r) => {
      target = r.target;
      void r.notify(100, 'Trying').then(() => r.notify(200, 'OK'));
    });
    expect(await t.inc.refer('sip:bob@127.0.1.52:5060')).toBe(202);
    await waitFor(() => progress.length === 2, 3000, 'both NOTIFYs');
    expect(target).toBe('sip:bob@127.0.1.52:5060');
    expect(progress).toEqual([
      { status: 100, reason: 'Trying', terminated: false },
      { status: 200, reason: 'OK', terminated: true },
    ]);
    const notifies = t.callerLog.entries.filter((e) => e.label === 'NOTIFY' && e.dir === 'out');
    expect(notifies[0]!.raw).toMatch(/^Event: refer\r$/m);
    expect(notifies[0]!.raw).toMatch(/^Subscription-State: active;expires=60\r$/m);
    expect(notifies[0]!.raw).toMatch(/^Content-Type: message\/sipfrag;version=2.0\r$/m);
    expect(notifies[0]!.raw).toMatch(/\r\n\r\nSIP\/2\.0 100 Trying\r\n$/);
    expect(notifies[1]!.raw).toMatch(/^Subscription-State: terminated;reason=noresource\r$/m);
    const refer = t.calleeLog.entries.find((e) => e.label === 'REFER')!;
    expect(refer.raw).toMatch(/^Refer-To: +<sip:bob@127\.0\.1\.52:5060>\r$/m);
    const calleeLadder = ladder(t.calleeLog.entries);
    expect(calleeLadder.slice(calleeLadder.indexOf('> REFER'))).toEqual([
      '> REFER',
      '< 202 REFER',
      '< NOTIFY',
      '> 200 NOTIFY',
      '< NOTIFY',
      '> 200 NOTIFY',
    ]);
  });

  it('the caller refers the callee; nobody listening declines with 603', async () => {
    const t = await confirmedCall(closer, '127.0.1.53', '127.0.1.54', {
      timers,
      offer: SDP.client,
    });
    expect(await t.out.refer('sip:carol@127.0.1.55')).toBe(603);
    const progress: ReferProgress[] = [];
    t.out.on('refer-progress', (p) => progress.push(p));
    t.inc.on('refer', (r) => void r.notify(503, 'Service Unavailable'));
    expect(await t.out.refer('sip:carol@127.0.1.55')).toBe(202);
    await waitFor(() => progress.length === 1, 3000, 'the final NOTIFY');
    expect(progress[0]).toEqual({ status: 503, reason: 'Service Unavailable', terminated: true });
  });

  it('a REFER nobody answers times out with 408 (Timer F), and the call stays up', async () => {
    const t = await confirmedCall(closer, '127.0.1.66', '127.0.1.67', {
      timers,
      offer: SDP.client,
    });
    const deliver = t.callee.stack.onRequest;
    t.callee.stack.onRequest = (rq) => {
      if (rq.message.method !== 'REFER') {
        deliver?.(rq);
      }
    };
    expect(await t.out.refer('sip:carol@127.0.1.55')).toBe(408);
    expect(t.out.state).toBe('confirmed');
    expect(await t.out.bye()).toBe(200);
  }, 15000);

  it('481 for a REFER outside a dialog, 400 for a malformed Refer-To, 489 for a NOTIFY of another event', async () => {
    const t = await confirmedCall(closer, '127.0.1.56', '127.0.1.57', {
      timers,
      offer: SDP.client,
    });
    const raw = closer.add(await RawPeer.bind('127.0.1.58'));
    const me = { address: raw.address, port: raw.port };
    const uri = `sip:b@${t.callee.stack.hostport}`;
    const send = async (text: string): Promise<number> => {
      const before = raw.received.length;
      await raw.send(text, t.callee.stack.port, t.callee.stack.address);
      await waitFor(
        () => raw.received.some((d, i) => i >= before && statusOf(d.text) >= 200),
        2000,
        'a final response',
      );
      return statusOf(raw.received.filter((d) => statusOf(d.text) >= 200).at(-1)!.text);
    };
    const referTo = ['Refer-To: <sip:bob@127.0.1.59>'];
    expect(await send(rawRequest('REFER', uri, me, { headers: referTo }))).toBe(481);
    expect(await send(rawRequest('REFER', uri, me, { headers: referTo, toTag: 'x' }))).toBe(481);
    expect(await send(rawRequest('NOTIFY', uri, me, { toTag: 'x' }))).toBe(481);
    // In the real dialog: the raw peer speaks for the caller (same Call-ID and tags).
    const d = t.inc.dialog!;
    const inDialog = (method: string, headers: string[], body = ''): string =>
      rawRequest(method, uri, me, { callId: d.callId, toTag: d.localTag, cseq: 10, headers })
        .replace(/tag=raw1/, `tag=${d.remoteTag}`)
        .replace(/Content-Length: 0\r\n\r\n$/, `Content-Length: ${body.length}\r\n\r\n${body}`);
    expect(await send(inDialog('REFER', ['Refer-To: not a uri at all']))).toBe(400);
    expect(await send(inDialog('REFER', []))).toBe(400);
    expect(await send(inDialog('NOTIFY', ['Event: presence']))).toBe(489);
  });
});

describe('re-INVITE within a dialog', () => {
  it('either side sends a new offer; the other answers, and the ACK ends the exchange', async () => {
    const t = await confirmedCall(closer, '127.0.1.60', '127.0.1.61', {
      timers,
      offer: SDP.client,
    });
    const offers: string[] = [];
    t.inc.on('reoffer', (o) => {
      offers.push(o.sdp);
      o.accept(SDP.toClient);
    });
    const r1 = await t.out.reinvite(SDP.toGateway);
    expect(r1.status).toBe(200);
    expect(r1.sdp).toBe(SDP.toClient);
    expect(offers).toEqual([SDP.toGateway]);
    await waitFor(
      () => t.calleeLog.entries.filter((e) => e.label === 'ACK').length === 2,
      3000,
      'the ACK of the first re-INVITE',
    );
    t.out.on('reoffer', (o) => o.accept(SDP.client));
    const r2 = await t.inc.reinvite(SDP.toClient);
    expect(r2).toMatchObject({ status: 200, sdp: SDP.client });
    await waitFor(
      () => t.callerLog.entries.filter((e) => e.label === 'ACK').length === 2,
      3000,
      'the ACK of the second re-INVITE',
    );
    const calleeLadder = ladder(t.calleeLog.entries).filter((l) => !l.includes(' 100 '));
    expect(calleeLadder.slice(3)).toEqual([
      '< INVITE',
      '> 200 INVITE',
      '< ACK',
      '> INVITE',
      '< 200 INVITE',
      '> ACK',
    ]);
    // The call is still up: BYE ends it.
    expect(await t.out.bye()).toBe(200);
  });

  it('a refused offer keeps the session (488); crossing re-INVITEs get 491', async () => {
    const t = await confirmedCall(closer, '127.0.1.62', '127.0.1.63', {
      timers,
      offer: SDP.client,
    });
    expect((await t.out.reinvite(SDP.toGateway)).status).toBe(488);
    const pending: (() => void)[] = [];
    t.inc.on('reoffer', (o) => pending.push(() => o.accept(SDP.toClient)));
    const first = t.out.reinvite(SDP.toGateway);
    await waitFor(() => pending.length === 1, 3000, 'the re-INVITE at the callee');
    expect((await t.out.reinvite(SDP.toGateway)).status).toBe(491);
    // The callee's own offer would cross the one it has not answered: refused before sending.
    expect((await t.inc.reinvite(SDP.toClient)).status).toBe(491);
    pending[0]!();
    expect((await first).status).toBe(200);
  });

  it('a re-INVITE nobody answers times out with 408, and the call stays up', async () => {
    const t = await confirmedCall(closer, '127.0.1.64', '127.0.1.65', {
      timers,
      offer: SDP.client,
    });
    t.inc.on('reoffer', () => undefined);
    expect((await t.out.reinvite(SDP.toGateway)).status).toBe(408);
    expect(t.out.state).toBe('confirmed');
  }, 15000);
});
