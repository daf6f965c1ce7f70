/**
 * Link impairment on real UDP sockets on 127.0.0.1: G.711-sized streams at 50 packets/s go
 * through an ImpairedEgress (real clock, 1 ms release tick) and the receiver measures loss,
 * one-way delay and RFC 3550 interarrival jitter.
 *
 * Each datagram carries its stream, sequence number and the time it was handed to the
 * egress, so delay is measured against the actual send time (the sender's own timer jitter
 * does not count). Loopback loses nothing, so the receiver counts exactly what the emulator
 * says it delivered. Tolerances are stated next to each check.
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ImpairedEgress,
  LinkEmulator,
  WIRE_OVERHEAD_BYTES,
} from '../../../src/media/impairment.js';
import type { Impairment } from '../../../src/scenario/index.js';
import { bindPeer, closeAll, waitFor, type TestPeer } from '../../support/media-udp.js';

const egresses: ImpairedEgress[] = [];
const timers: NodeJS.Timeout[] = [];

afterEach(() => {
  for (const t of timers.splice(0)) {
    clearInterval(t);
  }
  for (const e of egresses.splice(0)) {
    e.close();
  }
  closeAll();
});

const NONE: Impairment = {
  delayMs: 0,
  jitterMs: 0,
  lossPercent: 0,
  burstLoss: null,
  rateKbps: null,
  queueMs: 100,
};

interface Arrival {
  stream: number;
  seq: number;
  sentAt: number;
  arrivedAt: number;
  bytes: number;
}

/** Records arrivals on `peer` with their receive time. */
function record(peer: TestPeer): Arrival[] {
  const arrivals: Arrival[] = [];
  peer.socket.on('message', (data: Buffer) => {
    arrivals.push({
      stream: data[0]!,
      seq: data.readUInt16BE(2),
      sentAt: data.readDoubleBE(8),
      arrivedAt: performance.now(),
      bytes: data.length,
    });
  });
  return arrivals;
}

/**
 * Sends `count` datagrams of `size` bytes from each sender every 20 ms through `egress` to
 * `to`. Resolves when the last one has been handed over.
 */
function stream(
  egress: ImpairedEgress,
  senders: readonly TestPeer[],
  to: TestPeer,
  count: number,
  size: number,
): Promise<void> {
  return new Promise((resolve) => {
    let seq = 0;
    const timer = setInterval(() => {
      for (let s = 0; s < senders.length; s++) {
        // A fresh Buffer per datagram: the egress holds it until it is sent.
        const buf = Buffer.alloc(size, 0xd5);
        buf[0] = s;
        buf.writeUInt16BE(seq, 2);
        buf.writeDoubleBE(performance.now(), 8);
        egress.send(senders[s]!.socket, buf, to.port, to.address);
      }
      seq++;
      if (seq >= count) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    timers.push(timer);
  });
}

/** RFC 3550 section 6.4.1 / A.8 interarrival jitter over arrivals in receive order, in ms. */
function rfc3550Jitter(arrivals: readonly Arrival[]): { jitter: number; meanAbsD: number } {
  let j = 0;
  let sumAbs = 0;
  for (let i = 1; i < arrivals.length; i++) {
    const a = arrivals[i - 1]!;
    const b = arrivals[i]!;
    const d = b.arrivedAt - a.arrivedAt - (b.sentAt - a.sentAt);
    j += (Math.abs(d) - j) / 16;
    sumAbs += Math.abs(d);
  }
  return { jitter: j, meanAbsD: sumAbs / Math.max(1, arrivals.length - 1) };
}

describe('ImpairedEgress on real UDP (127.0.0.1)', () => {
  it('applies 40 ms delay, 5 ms jitter and 5 % loss to a 50 packet/s G.711 stream', async () => {
    const delay = 40;
    const jitter = 5;
    const loss = 0.05;
    const count = 150;
    const link = new LinkEmulator({
      impairment: { ...NONE, delayMs: delay, jitterMs: jitter, lossPercent: loss * 100 },
      // The scenario default (`simulation.seed: 1`); the draws are fixed by the seed.
      seed: 1,
      name: 'a>b',
    });
    const egress = new ImpairedEgress({ resolve: () => [link] });
    egresses.push(egress);
    const sender = await bindPeer();
    const receiver = await bindPeer();
    const arrivals = record(receiver);

    await stream(egress, [sender], receiver, count, 172);
    const drained = await waitFor(
      () => egress.stats().queued === 0 && arrivals.length === link.stats().delivered,
      1000,
    );
    expect(drained).toBe(true);

    const s = link.stats();
    expect(s.offered).toBe(count);
    // Loopback loses nothing: every loss is the emulator's.
    expect(arrivals).toHaveLength(count - s.droppedRandom);
    // Binomial: sigma = sqrt(p (1 - p) / n) = 1.78 % for n = 150; tolerance 3 sigma = 5.3 %.
    const measuredLoss = 1 - arrivals.length / count;
    expect(Math.abs(measuredLoss - loss)).toBeLessThan(3 * Math.sqrt((loss * (1 - loss)) / count));

    // In order, never early.
    for (let i = 1; i < arrivals.length; i++) {
      expect(arrivals[i]!.seq).toBeGreaterThan(arrivals[i - 1]!.seq);
    }
    const delays = arrivals.map((a) => a.arrivedAt - a.sentAt);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(delay - jitter);
    // Mean: uniform sigma J/sqrt(3) = 2.89 ms, 4 sigma/sqrt(n) = 0.97 ms below; above, add
    // 3 ms for release lateness (1 ms tick) and the event loop.
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    const meanTol = (4 * (jitter / Math.sqrt(3))) / Math.sqrt(delays.length);
    expect(mean).toBeGreaterThan(delay - meanTol);
    expect(mean).toBeLessThan(delay + meanTol + 3);
    // RFC 3550 jitter: for independent U(-J, J) delays, E|D| = 2J/3 = 3.33 ms (|D| has sigma
    // sqrt(2/9) J = 2.36 ms). The running estimate (gain 1/16) averages about 31 samples:
    // sigma 0.42 ms, tolerance 2 ms = 4 sigma plus 0.3 ms for the tick. The mean |D| over
    // the run has sigma 2.36 / sqrt(n) = 0.2 ms: tolerance 1.5 ms = 4 sigma plus 0.7 ms for
    // the 1 ms tick and event-loop latency on a busy two-core machine.
    const { jitter: j, meanAbsD } = rfc3550Jitter(arrivals);
    expect(Math.abs(j - (2 * jitter) / 3)).toBeLessThan(2);
    expect(Math.abs(meanAbsD - (2 * jitter) / 3)).toBeLessThan(1.5);

    console.info(
      `impairment 40/5/5%: loss ${(measuredLoss * 100).toFixed(2)} %, mean delay ${mean.toFixed(2)} ms, ` +
        `RFC 3550 jitter ${j.toFixed(2)} ms, mean |D| ${meanAbsD.toFixed(2)} ms, ` +
        `link measured delay ${s.delay.meanMs.toFixed(2)} +- ${s.delay.stdMs.toFixed(2)} ms`,
    );
  });

  it('limits 8 streams of 87 kbps sharing a 256 kbps link to the rate, queueing up to queueMs', async () => {
    const rateKbps = 256;
    const queueMs = 100;
    const streams = 8;
    const count = 150;
    // 190 + 28 = 218 bytes on the wire at 50 packets/s = 87.2 kbps per stream, 697.6 in all.
    const size = 190;
    const wireBits = (size + WIRE_OVERHEAD_BYTES) * 8;
    const serializeMs = wireBits / rateKbps;
    const link = new LinkEmulator({
      impairment: { ...NONE, rateKbps, queueMs },
      seed: 1,
      name: 'region',
    });
    const egress = new ImpairedEgress({ resolve: () => [link] });
    egresses.push(egress);
    const senders: TestPeer[] = [];
    for (let i = 0; i < streams; i++) {
      senders.push(await bindPeer());
    }
    const receiver = await bindPeer();
    const arrivals = record(receiver);

    const started = performance.now();
    await stream(egress, senders, receiver, count, size);
    const sendMs = performance.now() - started;
    const drained = await waitFor(
      () => egress.stats().queued === 0 && arrivals.length === link.stats().delivered,
      2000,
    );
    expect(drained).toBe(true);

    const s = link.stats();
    const offered = streams * count;
    expect(s.offered).toBe(offered);
    expect(s.droppedQueue).toBe(offered - arrivals.length);
    expect(arrivals).toHaveLength(s.delivered);

    // Throughput while saturated: back to back at the rate. Release lateness is bounded
    // (about 1 ms) and does not accumulate, so over about 3 s it is within 2 %.
    const first = arrivals[0]!.arrivedAt;
    const last = arrivals.at(-1)!.arrivedAt;
    const kbps = ((arrivals.length - 1) * wireBits) / (last - first);
    expect(Math.abs(kbps - rateKbps) / rateKbps).toBeLessThan(0.02);
    // Delivered: the rate over the sending time plus what the queue held at the end, within
    // 3 % (the sender's own timer drift changes sendMs, not the rate).
    const expectedDelivered = (rateKbps * (sendMs + queueMs)) / wireBits;
    expect(Math.abs(arrivals.length - expectedDelivered) / expectedDelivered).toBeLessThan(0.03);
    // Loss: 1 - 256 / 697.6 = 63 % offered beyond the rate.
    const measuredLoss = 1 - arrivals.length / offered;
    expect(measuredLoss).toBeGreaterThan(0.58);
    expect(measuredLoss).toBeLessThan(0.68);
    // Once the queue is full (after 200 ms), a datagram is accepted only when at most queueMs
    // of bytes are ahead of it, and a burst of 8 every 20 ms refills the queue faster than
    // it drains (2.9 datagrams per 20 ms): the delay is just under queueMs plus its own
    // serialization. Mean within [queueMs - 2 datagrams, queueMs + serialization + 3 ms];
    // no delay beyond queueMs + serialization + 10 ms (release lateness under load).
    const steady = arrivals.filter((a) => a.sentAt - started > 200);
    const delays = steady.map((a) => a.arrivedAt - a.sentAt);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThan(queueMs - 2 * serializeMs);
    expect(mean).toBeLessThan(queueMs + serializeMs + 3);
    expect(Math.max(...delays)).toBeLessThan(queueMs + serializeMs + 10);
    // Every stream gets through.
    for (let i = 0; i < streams; i++) {
      expect(arrivals.some((a) => a.stream === i)).toBe(true);
    }

    console.info(
      `impairment 256 kbps: ${kbps.toFixed(1)} kbps delivered, loss ${(measuredLoss * 100).toFixed(1)} %, ` +
        `steady delay ${mean.toFixed(1)} ms (min ${Math.min(...delays).toFixed(1)}, max ${Math.max(...delays).toFixed(1)})`,
    );
  });
});
