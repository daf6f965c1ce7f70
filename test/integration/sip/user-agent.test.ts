/**
 * The user agent over real UDP: 2xx retransmission when the ACK is lost (RFC 3261 13.3.1.4),
 * BYE after 64*T1 without ACK, and the answers to requests it does not take calls from.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  UserAgent,
  type IncomingCall,
  type SipRemote,
  type SipRequest,
} from '../../../src/sip/index.js';
import {
  Closer,
  RawPeer,
  captureLogger,
  rawRequest,
  sleep,
  statusOf,
  waitFor,
} from '../../support/sip-harness.js';
import { SDP, ladder, messageLog } from '../../support/sip-topology.js';

const closer = new Closer();
afterEach(async () => {
  await closer.closeAll();
});

const timers = { t1: 50, t2: 400, t4: 500 };

/** Wraps the caller's stack so that its first `n` ACKs are lost. */
function dropAcks(ua: UserAgent, n: number): { dropped: () => number } {
  const stack = ua.stack;
  const original = stack.sendAck.bind(stack);
  let dropped = 0;
  stack.sendAck = (ack: SipRequest, target?: SipRemote): Buffer | undefined => {
    if (dropped < n) {
      dropped++;
      return undefined;
    }
    return original(ack, target);
  };
  return { dropped: () => dropped };
}

describe('UserAgent 2xx reliability', () => {
  it('retransmits the 200 while the ACK is lost, and the caller ACKs each retransmission', async () => {
    const { logger } = captureLogger('warn');
    const callerLog = messageLog();
    const calleeLog = messageLog();
    const caller = closer.add(
      await UserAgent.create({
        address: '127.0.1.10',
        logger,
        timers,
        observer: callerLog.observer,
      }),
    );
    const callee = closer.add(
      await UserAgent.create({
        address: '127.0.1.30',
        logger,
        timers,
        observer: calleeLog.observer,
      }),
    );
    const lost = dropAcks(caller, 2);
    let acked = false;
    callee.onInvite = (call) => {
      call.on('acked', () => (acked = true));
      call.answer(SDP.gatewayAnswer);
    };
    let answered = 0;
    caller.invite(`sip:gw@${callee.stack.hostport}`, SDP.client, { answered: () => answered++ });
    await waitFor(() => acked, 3000, 'the third ACK to arrive');
    expect(lost.dropped()).toBe(2);
    // One 200 plus two retransmissions (after T1 and 2*T1); answered is reported once.
    const oks = ladder(calleeLog.entries).filter((l) => l === '> 200 INVITE');
    expect(oks).toHaveLength(3);
    expect(answered).toBe(1);
    expect(ladder(calleeLog.entries).filter((l) => l === '< ACK')).toHaveLength(1);
    // Once ACKed, no more retransmissions.
    await sleep(4 * timers.t1);
    expect(ladder(calleeLog.entries).filter((l) => l === '> 200 INVITE')).toHaveLength(3);
  });

  it('ACKs a 2xx retransmitted after the call has ended (the transaction keeps only the ACK)', async () => {
    const { logger } = captureLogger('warn');
    const caller = closer.add(await UserAgent.create({ address: '127.0.1.10', logger, timers }));
    const raw = closer.add(await RawPeer.bind('127.0.1.31'));
    /** The response `status` to a request the raw peer received, echoing its dialog headers. */
    const responseTo = (request: string, status: string, body = ''): string => {
      const lines = request.split('\r\n');
      const keep = lines.filter((l) => /^(via|from|call-id|cseq):/i.test(l));
      const to = lines.find((l) => /^to:/i.test(l)) ?? 'To: <sip:gw@127.0.1.31>';
      return [
        `SIP/2.0 ${status}`,
        ...keep,
        to.includes('tag=') ? to : `${to};tag=raw2`,
        `Contact: <sip:gw@${raw.address}:${raw.port}>`,
        ...(body ? ['Content-Type: application/sdp'] : []),
        `Content-Length: ${body.length}`,
        '',
        body,
      ].join('\r\n');
    };
    let ok = '';
    raw.onDatagram = (d, peer) => {
      const from = d.from;
      if (d.text.startsWith('INVITE ')) {
        ok = responseTo(d.text, '200 OK', SDP.gatewayAnswer);
        void peer.send(ok, from.port, from.address);
      } else if (d.text.startsWith('BYE ')) {
        void peer.send(responseTo(d.text, '200 OK'), from.port, from.address);
      }
    };
    let call: ReturnType<UserAgent['invite']> | undefined;
    const answered = new Promise<void>((resolve) => {
      call = caller.invite(`sip:gw@${raw.address}:${raw.port}`, SDP.client, {
        answered: () => resolve(),
      });
    });
    await answered;
    expect(await call!.bye()).toBe(200);
    expect(raw.starting('ACK ')).toHaveLength(1);
    // The peer's 200 again, as if its first ACK were lost and the BYE overtook it.
    await raw.send(ok, caller.stack.port, caller.stack.address);
    await waitFor(() => raw.starting('ACK ').length === 2, 2000, 'the ACK again');
    expect(raw.starting('ACK ')[1]!.text).toBe(raw.starting('ACK ')[0]!.text);
  });

  it('ends the dialog with BYE when no ACK arrives within 64*T1', async () => {
    const { logger } = captureLogger('warn');
    const calleeLog = messageLog();
    const caller = closer.add(await UserAgent.create({ address: '127.0.1.11', logger, timers }));
    const callee = closer.add(
      await UserAgent.create({
        address: '127.0.1.31',
        logger,
        timers,
        observer: calleeLog.observer,
      }),
    );
    dropAcks(caller, 1000);
    let calleeEnded = '';
    let callerEnded = '';
    callee.onInvite = (call) => {
      call.on('ended', (cause) => (calleeEnded = cause));
      call.answer(SDP.gatewayAnswer);
    };
    const started = performance.now();
    caller.invite(`sip:gw@${callee.stack.hostport}`, SDP.client, {
      ended: (c) => (callerEnded = c),
    });
    await waitFor(() => calleeEnded !== '' && callerEnded !== '', 64 * timers.t1 + 2000, 'the BYE');
    expect(performance.now() - started).toBeGreaterThanOrEqual(64 * timers.t1 - 5);
    expect(calleeEnded).toBe('no-ack');
    expect(callerEnded).toBe('remote-bye');
    const gaps = ladder(calleeLog.entries).filter((l) => l === '> 200 INVITE').length;
    // 0, T1, 3T1, 7T1, then every T2 (8*T1) up to 64*T1: 1 + 3 + 7 = 11 sends.
    expect(gaps).toBeGreaterThanOrEqual(10);
    expect(gaps).toBeLessThanOrEqual(11);
    await waitFor(
      () => ladder(calleeLog.entries).includes('< 200 BYE'),
      2000,
      'the 200 for the BYE',
    );
    expect(ladder(calleeLog.entries).slice(-2)).toEqual(['> BYE', '< 200 BYE']);
  });
});

describe('UserAgent answers to other requests', () => {
  it('481 for BYE outside a dialog, 200 for OPTIONS, 405/501 for others, 415 and 406 for INVITEs', async () => {
    const { logger } = captureLogger('warn');
    const ua = closer.add(await UserAgent.create({ address: '127.0.1.40', logger }));
    const invites: IncomingCall[] = [];
    ua.onInvite = (c) => invites.push(c);
    const raw = closer.add(await RawPeer.bind('127.0.1.41'));
    const me = { address: raw.address, port: raw.port };
    const uri = `sip:ua@${ua.stack.hostport}`;
    const send = async (text: string): Promise<number> => {
      const before = raw.received.length;
      await raw.send(text, ua.stack.port, ua.stack.address);
      await waitFor(
        () => raw.received.some((d, i) => i >= before && statusOf(d.text) >= 200),
        2000,
        'a final response',
      );
      return statusOf(raw.received.filter((d) => statusOf(d.text) >= 200).at(-1)!.text);
    };
    expect(await send(rawRequest('BYE', uri, me, { toTag: 'nope' }))).toBe(481);
    expect(await send(rawRequest('OPTIONS', uri, me))).toBe(200);
    expect(await send(rawRequest('REGISTER', uri, me))).toBe(405);
    expect(await send(rawRequest('FROBNICATE', uri, me))).toBe(501);
    expect(raw.received.at(-1)!.text).toMatch(
      /^Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY\r$/m,
    );
    expect(
      await send(
        rawRequest('INVITE', uri, me, { body: 'hello', headers: [] }).replace(
          'application/sdp',
          'text/plain',
        ),
      ),
    ).toBe(415);
    expect(raw.received.at(-1)!.text).toMatch(/^Accept: application\/sdp\r$/m);
    expect(
      await send(
        rawRequest('INVITE', uri, me, {
          body: SDP.client,
          headers: ['Accept: text/nobodyKnowsThis'],
        }),
      ),
    ).toBe(406);
    expect(await send(rawRequest('INVITE', uri, me, { body: SDP.client, toTag: 'unknown' }))).toBe(
      481,
    );
    expect(invites).toEqual([]);
  });

  it('answers ringing calls with 503 and ends answered ones with BYE on close', async () => {
    const { logger } = captureLogger('warn');
    const caller = closer.add(await UserAgent.create({ address: '127.0.1.12', logger }));
    const callee = await UserAgent.create({ address: '127.0.1.32', logger });
    let failed = 0;
    callee.onInvite = (call) => call.ring();
    let provisional = false;
    caller.invite(`sip:x@${callee.stack.hostport}`, SDP.client, {
      provisional: () => (provisional = true),
      failed: (s) => (failed = s),
    });
    await waitFor(() => provisional, 2000, 'ringing');
    await callee.close();
    await waitFor(() => failed !== 0, 2000, 'the 503');
    expect(failed).toBe(503);
    expect(callee.stack.closed).toBe(true);
  });
});

describe('UserAgent bookkeeping', () => {
  it('forgets every call once it ends, however it ends: a long-running UA holds only calls that are up', async () => {
    const { logger } = captureLogger('warn');
    const a = closer.add(await UserAgent.create({ address: '127.0.1.40', logger, timers }));
    const b = closer.add(await UserAgent.create({ address: '127.0.1.41', logger, timers }));
    let answer = true;
    b.onInvite = (inc: IncomingCall) => {
      if (answer) {
        inc.answer(SDP.gatewayAnswer);
      } else {
        inc.reject(486);
      }
    };
    const place = (): Promise<{ status: number; call: ReturnType<UserAgent['invite']> }> =>
      new Promise((resolve) => {
        const call = a.invite(b.uri, SDP.client, {
          answered: () => resolve({ status: 200, call }),
          failed: (status) => resolve({ status, call }),
        });
      });
    // Hung up by the caller; one left up while another is refused; then that one hung up.
    const first = await place();
    expect(first.status).toBe(200);
    expect(await first.call.bye()).toBe(200);
    const second = await place();
    expect(second.status).toBe(200);
    await waitFor(() => b.activeCalls === 1);
    answer = false;
    const third = await place();
    expect(third.status).toBe(486);
    await second.call.bye();
    await waitFor(() => a.heldCalls === 0 && b.heldCalls === 0, 3000, 'both UAs to forget');
    expect([a.activeCalls, b.activeCalls]).toEqual([0, 0]);
  });
});
