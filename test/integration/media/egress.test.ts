import type dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatagramEgress } from '../../../src/core/index.js';
import { createRelay, MediaEndpoint, type Relay } from '../../../src/media/index.js';
import { buildRtp } from '../../support/media-packets.js';
import { bindPeer, closeAll, waitFor } from '../../support/media-udp.js';

/** Counts what goes through it and holds each datagram for a fixed delay. */
class DelayEgress implements DatagramEgress {
  readonly sentAt: number[] = [];
  readonly #delayMs: number;
  readonly #timers = new Set<NodeJS.Timeout>();
  constructor(delayMs: number) {
    this.#delayMs = delayMs;
  }
  send(socket: dgram.Socket, buf: Buffer, port: number, address: string): void {
    this.sentAt.push(performance.now());
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

const toClose: { close(): unknown }[] = [];
afterEach(async () => {
  for (const c of toClose.splice(0)) {
    await c.close();
  }
  closeAll();
});

describe('media senders through an egress', () => {
  it('the relay forwards through the egress, never on a connected socket', async () => {
    const egress = new DelayEgress(60);
    toClose.push(egress);
    // An egress sends through dgram sockets: the relay uses the dgram path even when asked
    // for batched I/O.
    const relay: Relay = await createRelay({
      workers: 0,
      connectSockets: true,
      egress,
      io: 'batch',
    });
    toClose.push({ close: () => relay.shutdown() });
    expect(relay.io).toBe('dgram');
    const a = await bindPeer();
    const b = await bindPeer();
    const s = await relay.allocate({
      legA: { bindAddress: '127.0.0.1' },
      legB: { bindAddress: '127.0.0.1' },
    });
    await relay.setPeer(s.id, 'A', { address: a.address, port: a.port });
    await relay.setPeer(s.id, 'B', { address: b.address, port: b.port });
    const t0 = performance.now();
    await a.send(buildRtp({ seq: 1 }), s.legA);
    await waitFor(() => b.received.length === 1, 2000);
    expect(b.received).toHaveLength(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(58);
    expect(egress.sentAt).toHaveLength(1);
  });

  it('a worker-sharded relay refuses an egress (it works in one thread only)', async () => {
    await expect(createRelay({ workers: 1, egress: new DelayEgress(1) })).rejects.toThrow(
      TypeError,
    );
  });

  it('the endpoint sends RTP and RTCP through the egress', async () => {
    const egress = new DelayEgress(30);
    toClose.push(egress);
    const sink = await bindPeer();
    const ep = await MediaEndpoint.create({
      bindAddress: '127.0.0.1',
      egress,
      remote: { address: sink.address, port: sink.port },
    });
    toClose.push(ep);
    ep.start();
    await waitFor(() => sink.received.length >= 10, 2000);
    ep.stop();
    expect(sink.received.length).toBeGreaterThanOrEqual(10);
    expect(egress.sentAt.length).toBeGreaterThanOrEqual(sink.received.length);
  });
});
