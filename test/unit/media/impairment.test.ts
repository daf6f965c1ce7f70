/**
 * Link impairment decisions and release, driven by a hand-moved clock.
 *
 * Statistical checks use a tolerance of 4 standard deviations of the estimator for the N
 * samples drawn (binomial for independent loss, the asymptotic variance of a two-state
 * Markov chain for burst loss). Every generator is seeded, so each check is deterministic:
 * the tolerance says how far a correct implementation may land, not how often it fails.
 */
import type dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/core/index.js';
import {
  createLinkEmulatorPair,
  deriveSeed,
  ImpairedEgress,
  LinkDrop,
  LinkEmulator,
  WIRE_OVERHEAD_BYTES,
  Xoshiro128,
  type LinkEmulatorStats,
} from '../../../src/media/impairment.js';
import type { Impairment } from '../../../src/scenario/index.js';

/** A clock moved by hand. */
class ManualClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  wallNow(): number {
    return 1_700_000_000_000 + this.t;
  }
}

/** A socket stand-in that records what is sent, bound to `source`. */
class FakeSocket {
  readonly sent: { buf: Buffer; port: number; address: string; at: number }[] = [];
  closed = false;
  constructor(
    readonly source: string,
    readonly clock: ManualClock,
  ) {}
  address(): { address: string; family: string; port: number } {
    return { address: this.source, family: 'IPv4', port: 5060 };
  }
  send(buf: Buffer, port: number, address: string): void {
    if (this.closed) {
      throw new Error('Not running');
    }
    this.sent.push({ buf, port, address, at: this.clock.t });
  }
  get socket(): dgram.Socket {
    return this as unknown as dgram.Socket;
  }
}

const NONE: Impairment = {
  delayMs: 0,
  jitterMs: 0,
  lossPercent: 0,
  burstLoss: null,
  rateKbps: null,
  queueMs: 100,
};

function impairment(over: Partial<Impairment>): Impairment {
  return { ...NONE, ...over };
}

function link(over: Partial<Impairment>, seed = 1, capacity?: number): LinkEmulator {
  return new LinkEmulator(
    capacity === undefined
      ? { impairment: impairment(over), seed }
      : { impairment: impairment(over), seed, capacity },
  );
}

/** `offered` equals the sum of every outcome (see LinkEmulatorStats). */
function balanced(s: LinkEmulatorStats): boolean {
  return (
    s.offered ===
    s.delivered +
      s.droppedRandom +
      s.droppedBurst +
      s.droppedQueue +
      s.droppedOverflow +
      s.flushed +
      s.pending
  );
}

describe('Xoshiro128 and deriveSeed', () => {
  it('repeats a stream for a seed and differs across seeds', () => {
    const a = new Xoshiro128(42);
    const b = new Xoshiro128(42);
    const c = new Xoshiro128(43);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    const sb = Array.from({ length: 8 }, () => b.nextUint32());
    const sc = Array.from({ length: 8 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    for (const v of sa) {
      expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
    }
  });

  it('draws uniformly in [0, 1): mean within 4 sigma, no value out of range', () => {
    const rng = new Xoshiro128(7);
    const n = 200_000;
    let sum = 0;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.next();
      sum += x;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    // The mean of n U(0,1) draws has sigma sqrt(1/12/n) = 0.00065 for n = 200,000.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
  });

  it('derives different seeds for different labels and seeds', () => {
    expect(deriveSeed(1, 'a>b')).toBe(deriveSeed(1, 'a>b'));
    expect(deriveSeed(1, 'a>b')).not.toBe(deriveSeed(1, 'b>a'));
    expect(deriveSeed(1, 'a>b')).not.toBe(deriveSeed(2, 'a>b'));
  });
});

describe('LinkEmulator: loss', () => {
  it('drops lossPercent of datagrams within 4 binomial sigma', () => {
    const n = 100_000;
    const p = 0.05;
    const l = link({ lossPercent: 5 }, 11);
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      if (l.offer(i * 20, 172) === LinkDrop.RANDOM) {
        dropped++;
      }
    }
    // sigma = sqrt(p (1 - p) / n) = 0.00069; tolerance 4 sigma = 0.0028 (absolute).
    const tolerance = 4 * Math.sqrt((p * (1 - p)) / n);
    expect(Math.abs(dropped / n - p)).toBeLessThan(tolerance);
    const s = l.stats();
    expect(s.droppedRandom).toBe(dropped);
    expect(s.offered).toBe(n);
  });

  it('drops nothing at 0 % and everything at 100 %', () => {
    const none = link({ lossPercent: 0 });
    const all = link({ lossPercent: 100 });
    for (let i = 0; i < 1000; i++) {
      expect(none.offer(i, 100)).toBeGreaterThanOrEqual(0);
      expect(all.offer(i, 100)).toBe(LinkDrop.RANDOM);
    }
  });

  it('Gilbert-Elliott: mean burst length 1/pBadToGood and stationary loss pGB/(pGB+pBG)', () => {
    const pGB = 0.01;
    const pBG = 0.25;
    const n = 200_000;
    const l = link(
      { burstLoss: { pGoodToBad: pGB, pBadToGood: pBG, lossInBad: 1, lossInGood: 0 } },
      5,
    );
    let lost = 0;
    let bursts = 0;
    let run = 0;
    for (let i = 0; i < n; i++) {
      if (l.offer(i, 172) === LinkDrop.BURST) {
        lost++;
        run++;
      } else if (run > 0) {
        bursts++;
        run = 0;
      }
    }
    const piBad = pGB / (pGB + pBG);
    // Loss runs are Bad sojourns: geometric, mean 1/r = 4, variance (1 - r)/r^2 = 12.
    const meanBurst = lost / bursts;
    const burstSigma = Math.sqrt((1 - pBG) / pBG ** 2 / bursts);
    expect(Math.abs(meanBurst - 1 / pBG)).toBeLessThan(4 * burstSigma);
    // Asymptotic variance of the Bad indicator's mean: piB piG (1 + lambda) / (1 - lambda) / n,
    // lambda = 1 - pGB - pBG (0.0011 for these figures, so 4 sigma = 0.0045 absolute).
    const lambda = 1 - pGB - pBG;
    const lossSigma = Math.sqrt((piBad * (1 - piBad) * (1 + lambda)) / (1 - lambda) / n);
    expect(Math.abs(lost / n - piBad)).toBeLessThan(4 * lossSigma);
    expect(l.stats().droppedBurst).toBe(lost);
  });

  it('Gilbert-Elliott with partial loss in both states matches piG*lossInGood + piB*lossInBad', () => {
    const b = { pGoodToBad: 0.02, pBadToGood: 0.1, lossInBad: 0.5, lossInGood: 0.01 };
    const n = 200_000;
    const l = link({ burstLoss: b }, 9);
    let lost = 0;
    for (let i = 0; i < n; i++) {
      if (l.offer(i, 172) < 0) {
        lost++;
      }
    }
    const piB = b.pGoodToBad / (b.pGoodToBad + b.pBadToGood);
    const piG = 1 - piB;
    const expected = piG * b.lossInGood + piB * b.lossInBad;
    const lambda = 1 - b.pGoodToBad - b.pBadToGood;
    const stateVar = (piB * piG * (1 + lambda)) / (1 - lambda);
    const bernoulliVar =
      piG * b.lossInGood * (1 - b.lossInGood) + piB * b.lossInBad * (1 - b.lossInBad);
    const sigma = Math.sqrt((bernoulliVar + (b.lossInBad - b.lossInGood) ** 2 * stateVar) / n);
    expect(Math.abs(lost / n - expected)).toBeLessThan(4 * sigma);
  });

  it('replays the same drop pattern for a seed, another for another seed, whatever the delay', () => {
    const pattern = (seed: number, over: Partial<Impairment> = {}): string => {
      const l = link(
        {
          lossPercent: 3,
          burstLoss: { pGoodToBad: 0.02, pBadToGood: 0.3, lossInBad: 0.8, lossInGood: 0 },
          ...over,
        },
        seed,
      );
      let s = '';
      for (let i = 0; i < 5000; i++) {
        s += l.offer(i * 20, 172) < 0 ? 'x' : '.';
      }
      return s;
    };
    expect(pattern(1)).toBe(pattern(1));
    expect(pattern(1)).not.toBe(pattern(2));
    // Loss and jitter draw from separate streams: jitter does not move the losses.
    expect(pattern(1, { delayMs: 50, jitterMs: 10 })).toBe(pattern(1));
  });

  it('gives both directions of a link independent seeds', () => {
    const pair = createLinkEmulatorPair(['a', 'b'], impairment({ lossPercent: 20 }), 1);
    expect(pair.forward.name).toBe('a>b');
    expect(pair.reverse.name).toBe('b>a');
    let same = 0;
    for (let i = 0; i < 1000; i++) {
      if (pair.forward.offer(i, 100) < 0 === pair.reverse.offer(i, 100) < 0) {
        same++;
      }
    }
    expect(same).toBeLessThan(1000);
  });
});

describe('LinkEmulator: rate limit and queue', () => {
  // 256 kbps = 32 bytes/ms; a 172-byte payload is 200 bytes on the wire, 6.25 ms.
  const rateKbps = 256;
  const payload = 172;
  const wire = payload + WIRE_OVERHEAD_BYTES;
  const serializeMs = (wire * 8) / rateKbps;

  it('passes traffic under the rate with only the serialization delay', () => {
    const l = link({ rateKbps });
    for (let i = 0; i < 1000; i++) {
      // 160 kbps offered.
      const now = i * 10;
      expect(l.offer(now, payload)).toBeCloseTo(now + serializeMs, 9);
    }
    expect(l.stats().droppedQueue).toBe(0);
  });

  it('delivers exactly rateKbps (IP and UDP headers counted) when offered 3x the rate', () => {
    const l = link({ rateKbps, queueMs: 100 });
    const releases: number[] = [];
    // One datagram every 2 ms for 10 s: 800 kbps on the wire.
    for (let now = 0; now < 10_000; now += 2) {
      const at = l.offer(now, payload);
      if (at >= 0) {
        releases.push(at);
      }
    }
    const bits = releases.length * wire * 8;
    const kbps = bits / (releases.at(-1)! - 0);
    expect(Math.abs(kbps - rateKbps) / rateKbps).toBeLessThan(0.005);
    // Back to back at the rate once saturated.
    for (let i = 100; i < releases.length; i++) {
      expect(releases[i]! - releases[i - 1]!).toBeCloseTo(serializeMs, 6);
    }
    const s = l.stats();
    expect(s.droppedQueue).toBe(5000 - releases.length);
    expect(s.offered).toBe(5000);
  });

  it('tail-drops a burst beyond queueMs worth of bytes, then accepts again once drained', () => {
    // queueMs 52: a datagram may wait at most 52 ms to start, i.e. 8 ahead of it (50 ms).
    const l = link({ rateKbps, queueMs: 52 });
    const verdicts: number[] = [];
    for (let i = 0; i < 30; i++) {
      verdicts.push(l.offer(0, payload));
    }
    const accepted = verdicts.filter((v) => v >= 0).length;
    expect(accepted).toBe(Math.floor((52 * rateKbps) / 8 / wire) + 1);
    expect(accepted).toBe(9);
    expect(verdicts.slice(9).every((v) => v === LinkDrop.QUEUE)).toBe(true);
    expect(l.stats().droppedQueue).toBe(21);
    // 9 * 6.25 ms later the link is idle again.
    expect(l.offer(9 * serializeMs, payload)).toBeCloseTo(10 * serializeMs, 9);
  });
});

describe('LinkEmulator: delay and jitter', () => {
  it('delays uniformly in [delay - jitter, delay + jitter]: mean, spread and bounds', () => {
    const delay = 40;
    const jitter = 5;
    const n = 10_000;
    const l = link({ delayMs: delay, jitterMs: jitter }, 3);
    const d: number[] = [];
    for (let i = 0; i < n; i++) {
      const now = i * 20;
      d.push(l.offer(now, 172) - now);
    }
    const mean = d.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    const sigma = jitter / Math.sqrt(3);
    // Mean: 4 sigma / sqrt(n) = 0.12 ms. Standard deviation of a uniform sample's std:
    // sigma * sqrt((kurtosis - 1) / 4n) with kurtosis 1.8, i.e. 0.45 %; tolerance 2 %.
    expect(Math.abs(mean - delay)).toBeLessThan((4 * sigma) / Math.sqrt(n));
    expect(Math.abs(std - sigma) / sigma).toBeLessThan(0.02);
    expect(Math.min(...d)).toBeGreaterThanOrEqual(delay - jitter);
    expect(Math.max(...d)).toBeLessThanOrEqual(delay + jitter);
    // Flat: each of 10 bins holds 10 % within 4 binomial sigma.
    const bins = new Array<number>(10).fill(0);
    for (const x of d) {
      bins[Math.min(9, Math.floor(((x - delay + jitter) / (2 * jitter)) * 10))]! += 1;
    }
    const binSigma = Math.sqrt(0.1 * 0.9 * n);
    for (const b of bins) {
      expect(Math.abs(b - n / 10)).toBeLessThan(4 * binSigma);
    }
  });

  it('clamps negative samples at zero delay', () => {
    const n = 10_000;
    const l = link({ delayMs: 2, jitterMs: 10 }, 4);
    let zero = 0;
    for (let i = 0; i < n; i++) {
      const now = i * 50;
      const d = l.offer(now, 100) - now;
      expect(d).toBeGreaterThanOrEqual(0);
      if (d === 0) {
        zero++;
      }
    }
    // P(2 + U(-10, 10) < 0) = 8/20.
    expect(Math.abs(zero / n - 0.4)).toBeLessThan(4 * Math.sqrt((0.4 * 0.6) / n));
  });

  it('never reorders: dense traffic with large jitter leaves in order', () => {
    const l = link({ delayMs: 40, jitterMs: 20 }, 8);
    let last = -Infinity;
    let held = 0;
    for (let i = 0; i < 5000; i++) {
      const at = l.offer(i, 100);
      expect(at).toBeGreaterThanOrEqual(last);
      expect(at).toBeGreaterThanOrEqual(i + 20);
      if (at === last) {
        held++;
      }
      last = at;
    }
    // The FIFO clamp was exercised.
    expect(held).toBeGreaterThan(0);
  });
});

describe('ImpairedEgress (manual clock, fake sockets)', () => {
  function setup(resolve: (s: string, d: string) => readonly LinkEmulator[]): {
    clock: ManualClock;
    egress: ImpairedEgress;
    sock: FakeSocket;
  } {
    const clock = new ManualClock();
    const egress = new ImpairedEgress({ resolve, clock, timer: false });
    return { clock, egress, sock: new FakeSocket('127.0.0.1', clock) };
  }

  it('sends at once on a path that crosses no link', () => {
    const { egress, sock } = setup(() => []);
    egress.send(sock.socket, Buffer.from('x'), 5060, '127.0.0.2');
    expect(sock.sent).toHaveLength(1);
    expect(egress.stats()).toMatchObject({ direct: 1, impaired: 0, sent: 1, queued: 0 });
    egress.close();
  });

  it('walks a chain of links hop by hop and sends after the sum of their delays', () => {
    const up = link({ delayMs: 10 });
    const region = link({ delayMs: 20 });
    const down = link({ delayMs: 30 });
    const calls: string[] = [];
    const { clock, egress, sock } = setup((s, d) => {
      calls.push(`${s}>${d}`);
      return [up, region, down];
    });
    const buf = Buffer.from('hello');
    egress.send(sock.socket, buf, 5004, '127.0.0.2');
    egress.send(sock.socket, buf, 5004, '127.0.0.2');
    expect(calls).toEqual(['127.0.0.1>127.0.0.2']);
    for (const t of [5, 10, 29, 30, 59]) {
      clock.t = t;
      egress.onTick(t);
      expect(sock.sent).toHaveLength(0);
    }
    clock.t = 60;
    egress.onTick(60);
    expect(sock.sent).toHaveLength(2);
    expect(sock.sent[0]!.buf).toBe(buf);
    expect(sock.sent[0]).toMatchObject({ port: 5004, address: '127.0.0.2', at: 60 });
    expect(up.stats().delay.meanMs).toBe(10);
    expect(region.stats().delay.meanMs).toBe(20);
    expect(down.stats().delay.meanMs).toBe(30);
    for (const l of [up, region, down]) {
      expect(l.stats()).toMatchObject({ offered: 2, delivered: 2, pending: 0 });
    }
    expect(egress.stats()).toMatchObject({ impaired: 2, sent: 2, queued: 0 });
    expect(egress.links()).toEqual([up, region, down]);
    egress.close();
  });

  it('delivers in order through a jittered link, measuring release lateness', () => {
    const l = link({ delayMs: 40, jitterMs: 20 }, 2);
    const { clock, egress, sock } = setup(() => [l]);
    for (let i = 0; i < 2000; i++) {
      clock.t = i;
      const b = Buffer.alloc(4);
      b.writeUInt32BE(i);
      egress.send(sock.socket, b, 5004, '127.0.0.2');
      egress.onTick(i);
    }
    for (let t = 2000; t <= 2100; t++) {
      clock.t = t;
      egress.onTick(t);
    }
    expect(sock.sent).toHaveLength(2000);
    sock.sent.forEach((s, i) => expect(s.buf.readUInt32BE(0)).toBe(i));
    const d = l.stats().delay;
    // Ticks every 1 ms: released at most 1 ms after the due time.
    expect(d.minMs).toBeGreaterThanOrEqual(20);
    expect(d.maxMs).toBeLessThanOrEqual(61);
    expect(egress.stats().queued).toBe(0);
    egress.close();
  });

  it('serializes datagrams of several paths sharing a rate-limited link at its rate', () => {
    const upA = link({ delayMs: 5 });
    const region = link({ rateKbps: 256, queueMs: 1000 });
    const { clock, egress } = setup((s) => (s === '127.0.0.1' ? [upA, region] : [region]));
    const a = new FakeSocket('127.0.0.1', clock);
    const b = new FakeSocket('127.0.0.3', clock);
    for (let i = 0; i < 20; i++) {
      egress.send(a.socket, Buffer.alloc(172), 5004, '127.0.0.2');
      egress.send(b.socket, Buffer.alloc(172), 5004, '127.0.0.2');
    }
    for (let t = 1; t <= 400; t++) {
      clock.t = t;
      egress.onTick(t);
    }
    const times = [...a.sent, ...b.sent].map((s) => s.at).sort((x, y) => x - y);
    expect(times).toHaveLength(40);
    // 40 datagrams of 200 wire bytes at 32 bytes/ms: the last leaves at 250 ms (+1 tick).
    expect(times.at(-1)).toBeGreaterThanOrEqual(250);
    expect(times.at(-1)).toBeLessThanOrEqual(251);
    expect(region.stats()).toMatchObject({ offered: 40, delivered: 40, droppedQueue: 0 });
    egress.close();
  });

  it('drops on a full ring and keeps counters balanced', () => {
    const l = link({ delayMs: 10, lossPercent: 10 }, 1, 4);
    const { clock, egress, sock } = setup(() => [l]);
    for (let i = 0; i < 20; i++) {
      egress.send(sock.socket, Buffer.alloc(10), 5004, '127.0.0.2');
    }
    let s = l.stats();
    expect(s.pending).toBe(4);
    expect(s.droppedOverflow + s.droppedRandom).toBe(16);
    expect(balanced(s)).toBe(true);
    clock.t = 10;
    egress.onTick(10);
    s = l.stats();
    expect(sock.sent).toHaveLength(4);
    expect(s.delivered).toBe(4);
    expect(balanced(s)).toBe(true);
    egress.close();
  });

  it('close() drops held datagrams, stops sending and counts later offers', () => {
    const l = link({ delayMs: 10 });
    const { clock, egress, sock } = setup(() => [l]);
    for (let i = 0; i < 5; i++) {
      egress.send(sock.socket, Buffer.alloc(10), 5004, '127.0.0.2');
    }
    egress.close();
    egress.close();
    clock.t = 100;
    egress.onTick(100);
    egress.send(sock.socket, Buffer.alloc(10), 5004, '127.0.0.2');
    expect(sock.sent).toHaveLength(0);
    expect(l.stats()).toMatchObject({ flushed: 5, pending: 0 });
    expect(egress.stats()).toMatchObject({ droppedClosed: 1, queued: 0 });
    expect(egress.closed).toBe(true);
  });

  it('counts a send on a socket closed while the datagram was held, without throwing', () => {
    const l = link({ delayMs: 10 });
    const { clock, egress, sock } = setup(() => [l]);
    egress.send(sock.socket, Buffer.alloc(10), 5004, '127.0.0.2');
    sock.closed = true;
    clock.t = 10;
    expect(() => egress.onTick(10)).not.toThrow();
    expect(egress.stats().sendErrors).toBe(1);
    egress.close();
  });

  it('drops datagrams of a path whose resolution failed, asking again after invalidate()', () => {
    let fail = true;
    const { egress, sock } = setup(() => {
      if (fail) {
        throw new Error('no such site');
      }
      return [];
    });
    egress.send(sock.socket, Buffer.alloc(10), 5004, '127.0.0.2');
    egress.send(sock.socket, Buffer.alloc(10), 5004, '127.0.0.2');
    expect(egress.stats()).toMatchObject({ unresolved: 2, sent: 0 });
    fail = false;
    egress.invalidate();
    egress.send(sock.socket, Buffer.alloc(10), 5004, '127.0.0.2');
    expect(egress.stats()).toMatchObject({ unresolved: 2, direct: 1, sent: 1 });
    egress.close();
  });

  it('rejects invalid parameters when a link is built', () => {
    expect(() => link({ lossPercent: 101 })).toThrow(TypeError);
    expect(() => link({ delayMs: -1 })).toThrow(TypeError);
    expect(() => link({ rateKbps: 0 })).toThrow(TypeError);
    expect(() =>
      link({ burstLoss: { pGoodToBad: 2, pBadToGood: 0, lossInBad: 1, lossInGood: 0 } }),
    ).toThrow(TypeError);
    expect(() => link({}, 1, 3)).toThrow(RangeError);
  });
});
