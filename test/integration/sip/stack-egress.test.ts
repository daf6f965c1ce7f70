import type dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatagramEgress } from '../../../src/core/index.js';
import { SipStack, buildResponse, newCallId, type SipRequest } from '../../../src/sip/index.js';
import { Closer, captureLogger, waitFor } from '../../support/sip-harness.js';

const closer = new Closer();
afterEach(async () => {
  await closer.closeAll();
});

/** An egress that holds every datagram for a fixed time, as a link with pure delay would. */
class DelayEgress implements DatagramEgress {
  sent = 0;
  readonly #delayMs: number;
  readonly #timers = new Set<NodeJS.Timeout>();
  constructor(delayMs: number) {
    this.#delayMs = delayMs;
  }
  send(socket: dgram.Socket, buf: Buffer, port: number, address: string): void {
    this.sent++;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      socket.send(buf, port, address);
    }, this.#delayMs);
    this.#timers.add(t);
  }
  close(): void {
    for (const t of this.#timers) {
      clearTimeout(t);
    }
  }
}

function options(from: SipStack, to: SipStack): SipRequest {
  const uri = `sip:peer@${to.hostport}`;
  return {
    method: 'OPTIONS',
    uri,
    version: '2.0',
    headers: {
      via: [],
      from: { uri: `sip:me@${from.hostport}`, params: { tag: 'a1' } },
      to: { uri, params: {} },
      'call-id': newCallId(from.address),
      cseq: { seq: 1, method: 'OPTIONS' },
    },
    content: '',
  };
}

describe('SIP stack egress', () => {
  it('sends requests and responses through the given egress (link impairment in user space)', async () => {
    const { logger } = captureLogger('warn');
    const egress = closer.add(new DelayEgress(80));
    const a = closer.add(await SipStack.bind({ address: '127.0.0.1', logger, egress }));
    const b = closer.add(await SipStack.bind({ address: '127.0.0.1', logger, egress }));
    b.onRequest = (rq) => {
      rq.respond(buildResponse(rq.message, 200, 'OK', { toTag: 'b1' }));
    };
    let status = 0;
    const t0 = performance.now();
    let rtt = 0;
    a.send(options(a, b), (rs) => {
      status = rs.status;
      rtt = performance.now() - t0;
    });
    await waitFor(() => status !== 0, 3000, 'the response');
    expect(status).toBe(200);
    // One delay each way: the request and the response both went through the egress.
    expect(rtt).toBeGreaterThanOrEqual(155);
    expect(egress.sent).toBe(2);
  });
});
