import dgram from 'node:dgram';
import { afterEach, expect, it } from 'vitest';
import type { Clock } from '../../../src/core/index.js';
import { ErrorCodes } from '../../../src/core/index.js';
import {
  createRelay,
  RelayEngine,
  type Relay,
  type RelayEvents,
} from '../../../src/media/index.js';
import { buildRtcpCompound, buildRtp } from '../../support/media-packets.js';
import { bindPeer, closeAll, sleep, waitFor, type TestPeer } from '../../support/media-udp.js';
import { describeEachIo } from './relay-io.js';

/** A clock moved by hand. */
class ManualClock implements Clock {
  t = 1000;
  now(): number {
    return this.t;
  }
  wallNow(): number {
    return 1_700_000_000_000 + this.t;
  }
}

const engines: RelayEngine[] = [];
const relays: Relay[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) {
    e.shutdown();
  }
  await Promise.all(relays.splice(0).map((r) => r.shutdown()));
  closeAll();
});

type EngineOptions = NonNullable<ConstructorParameters<typeof RelayEngine>[0]>;

const loopback = { legA: { bindAddress: '127.0.0.1' }, legB: { bindAddress: '127.0.0.1' } };

/** Allocates a session and signals two fresh peers. */
async function call(relay: RelayEngine | Relay): Promise<{
  id: string;
  a: TestPeer;
  b: TestPeer;
  toA: { address: string; port: number };
  toB: { address: string; port: number };
}> {
  const info = await relay.allocate(loopback);
  const a = await bindPeer();
  const b = await bindPeer();
  await relay.setPeer(info.id, 'A', { address: a.address, port: a.port });
  await relay.setPeer(info.id, 'B', { address: b.address, port: b.port });
  return { id: info.id, a, b, toA: info.legA, toB: info.legB };
}

describeEachIo('RelayEngine (single thread, real UDP on loopback)', (path) => {
  function engine(options: EngineOptions = {}): RelayEngine {
    const e = new RelayEngine({ ...path.options, ...options });
    engines.push(e);
    expect(e.io).toBe(path.io);
    expect(e.nativeForwarding).toBe(path.nativeForwarding);
    return e;
  }

  it('forwards RTP and RTCP both ways between the signalled peers, byte for byte', async () => {
    const relay = engine();
    const { id, a, b, toA, toB } = await call(relay);
    const rtp = buildRtp({ seq: 1 });
    const rtcp = buildRtcpCompound();
    for (let seq = 1; seq <= 5; seq++) {
      await a.send(buildRtp({ seq }), toA);
      await b.send(buildRtp({ seq: 100 + seq, ssrc: 99 }), toB);
    }
    await a.send(rtcp, toA);
    expect(await waitFor(() => b.received.length === 6 && a.received.length === 5)).toBe(true);
    expect(b.received[0]!.data.equals(rtp)).toBe(true);
    expect(b.received[5]!.data.equals(rtcp)).toBe(true);
    // Each peer sees the packets coming from the relay port it was given.
    expect(b.received.every((r) => r.port === toB.port)).toBe(true);
    expect(a.received.every((r) => r.port === toA.port)).toBe(true);
    const stats = relay.stats(id);
    expect(stats.legA.rtpPackets).toBe(5);
    expect(stats.legA.rtcpPackets).toBe(1);
    expect(stats.legA.forwarded).toBe(6);
    expect(stats.legB.forwarded).toBe(5);
    expect(stats.legA.stream?.received).toBe(4);
    expect(stats.legA.stream?.lost).toBe(0);
    expect(stats.legA.peerSource).toBe('signalled');
    const counters = relay.counters();
    expect(counters.forwarded).toBe(11);
    expect(counters.rtcp).toBe(1);
    expect(counters.droppedTotal).toBe(0);
  });

  it('drops packets from a stranger, counts them and sends the stranger nothing', async () => {
    const relay = engine();
    const { id, a, b, toA, toB } = await call(relay);
    const stranger = await bindPeer('127.0.0.2');
    const sameHostStranger = await bindPeer();
    for (let i = 0; i < 10; i++) {
      await stranger.send(buildRtp({ seq: i }), toA);
      await stranger.send(buildRtp({ seq: i }), toB);
      await sameHostStranger.send(buildRtp({ seq: i }), toB);
    }
    await a.send(buildRtp({ seq: 1 }), toA);
    await b.send(buildRtp({ seq: 1 }), toB);
    expect(await waitFor(() => a.received.length === 1 && b.received.length === 1)).toBe(true);
    await sleep(50);
    expect(stranger.bytes()).toBe(0);
    expect(sameHostStranger.bytes()).toBe(0);
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);
    const stats = relay.stats(id);
    expect(stats.legA.dropped).toEqual({ stranger: 10 });
    expect(stats.legB.dropped).toEqual({ stranger: 20 });
    expect(relay.counters().dropped.stranger).toBe(30);
  });

  it('drops everything before signalling, and forwards nowhere without the far peer', async () => {
    const relay = engine();
    const info = await relay.allocate(loopback);
    const a = await bindPeer();
    await a.send(buildRtp(), info.legA);
    expect(await waitFor(() => relay.counters().droppedTotal === 1)).toBe(true);
    relay.setPeer(info.id, 'A', { address: a.address, port: a.port });
    await a.send(buildRtp({ seq: 2 }), info.legA);
    expect(await waitFor(() => relay.counters().droppedTotal === 2)).toBe(true);
    // Before its own peer, a leg has no source to check against: no peer; after it, still no
    // peer to send to on the other leg.
    expect(relay.stats(info.id).legA.dropped).toEqual({ 'no-peer': 2 });
    // A source other than the signalled one is a stranger from then on.
    const b = await bindPeer('127.0.0.3');
    await b.send(buildRtp({ seq: 3 }), info.legA);
    expect(await waitFor(() => relay.counters().droppedTotal === 3)).toBe(true);
    expect(relay.stats(info.id).legA.dropped).toEqual({ 'no-peer': 2, stranger: 1 });
  });

  it('latches within the learning window only, onto a consistent stream of RTP', async () => {
    const clock = new ManualClock();
    const relay = engine({ learningWindowMs: 500, clock });
    const latched: RelayEvents['peer-latched'][0][] = [];
    relay.on('peer-latched', (e) => latched.push(e));
    const info = await relay.allocate(loopback);
    const signalled = await bindPeer();
    const natted = await bindPeer('127.0.0.3');
    const late = await bindPeer('127.0.0.4');
    const b = await bindPeer();
    relay.setPeer(info.id, 'A', { address: signalled.address, port: signalled.port });
    relay.setPeer(info.id, 'B', { address: b.address, port: b.port });
    // Neither a malformed packet nor RTCP nor out-of-sequence RTP latches; four RTP packets in
    // sequence with one SSRC do, and the ones before the fourth are dropped.
    await natted.send(Buffer.from([0x80]), info.legA);
    await natted.send(buildRtcpCompound(), info.legA);
    await natted.send(buildRtp({ seq: 1 }), info.legA);
    await natted.send(buildRtp({ seq: 5 }), info.legA);
    for (let seq = 6; seq <= 7; seq++) {
      await natted.send(buildRtp({ seq }), info.legA);
    }
    await sleep(30);
    expect(latched).toHaveLength(0);
    await natted.send(buildRtp({ seq: 8 }), info.legA);
    expect(await waitFor(() => latched.length === 1)).toBe(true);
    expect(latched[0]).toEqual({
      id: info.id,
      leg: 'A',
      peer: { address: '127.0.0.3', port: natted.port },
    });
    // B's packets now go to the latched source.
    await b.send(buildRtp({ seq: 1 }), info.legB);
    expect(await waitFor(() => natted.received.length === 1)).toBe(true);
    // Once latched, the leg is strict again: another source is a stranger.
    await late.send(buildRtp({ seq: 1 }), info.legA);
    // Leg B never latched; once its window is over, a new source is a stranger too.
    clock.t += 501;
    await late.send(buildRtp({ seq: 2 }), info.legB);
    expect(await waitFor(() => relay.counters().dropped.stranger === 7)).toBe(true);
    // Of the stranger-to-be's packets, only the latching one was forwarded.
    expect(relay.stats(info.id).legA.forwarded).toBe(1);
    expect(relay.stats(info.id).legA.peerSource).toBe('latched');
    expect(late.bytes()).toBe(0);
    expect(signalled.bytes()).toBe(0);
  });

  it('in learning mode, a stranger that sends first never takes the leg from the signalled peer', async () => {
    const relay = engine({ learningWindowMs: 10_000 });
    const latched: RelayEvents['peer-latched'][0][] = [];
    relay.on('peer-latched', (e) => latched.push(e));
    const info = await relay.allocate(loopback);
    const signalled = await bindPeer();
    const stranger = await bindPeer('127.0.0.5');
    const b = await bindPeer();
    relay.setPeer(info.id, 'A', { address: signalled.address, port: signalled.port });
    relay.setPeer(info.id, 'B', { address: b.address, port: b.port });
    // The stranger starts a sequence, then the signalled peer sends: it is preferred at once.
    for (let seq = 1; seq <= 3; seq++) {
      await stranger.send(buildRtp({ seq, ssrc: 7 }), info.legA);
    }
    await signalled.send(buildRtp({ seq: 100 }), info.legA);
    expect(await waitFor(() => b.received.length === 1)).toBe(true);
    // Learning is over: whatever the stranger sends now is dropped, and it gets nothing back.
    for (let seq = 4; seq <= 12; seq++) {
      await stranger.send(buildRtp({ seq, ssrc: 7 }), info.legA);
    }
    for (let seq = 1; seq <= 5; seq++) {
      await b.send(buildRtp({ seq, ssrc: 9 }), info.legB);
    }
    expect(await waitFor(() => signalled.received.length === 5)).toBe(true);
    await sleep(30);
    expect(latched).toEqual([]);
    expect(stranger.bytes()).toBe(0);
    expect(relay.stats(info.id).legA.dropped).toEqual({ stranger: 12 });
    expect(relay.stats(info.id).legA.peerSource).toBe('signalled');
  });

  it('reports a leg whose peer went silent, once, and leaves the session to its owner', async () => {
    const clock = new ManualClock();
    const relay = engine({ inactivityTimeoutMs: 0, clock });
    const silent: RelayEvents['media-timeout'][0][] = [];
    relay.on('media-timeout', (e) => silent.push(e));
    const info = await relay.allocate({ ...loopback, timeouts: { rtpMs: 3000 } });
    const a = await bindPeer();
    const b = await bindPeer();
    relay.setPeer(info.id, 'A', { address: a.address, port: a.port });
    relay.setPeer(info.id, 'B', { address: b.address, port: b.port });
    // Both send for two seconds, then B goes silent while A keeps sending.
    for (let i = 1; i <= 6; i++) {
      await a.send(buildRtp({ seq: i }), info.legA);
      if (i <= 2) {
        await b.send(buildRtp({ seq: i, ssrc: 9 }), info.legB);
      }
      await waitFor(() => relay.stats(info.id).legA.rtpPackets === i);
      clock.t += 1000;
      relay.tickNow();
    }
    expect(silent).toEqual([{ id: info.id, leg: 'B', kind: 'rtp', idleMs: 3000 }]);
    // Once reported, B is not reported again; A, silent now too, is reported in its turn.
    clock.t += 5000;
    relay.tickNow();
    relay.tickNow();
    expect(silent.map((e) => e.leg)).toEqual(['B', 'A']);
    expect(relay.sessionCount).toBe(1);
  });

  it('measures RFC 3550 interarrival jitter on each leg', async () => {
    const clock = new ManualClock();
    const relay = engine({ clock });
    const { id, a, toA } = await call(relay);
    // Packets 20 ms apart in RTP time, arriving alternately on time and 15 ms late.
    for (let seq = 1; seq <= 60; seq++) {
      clock.t = 1000 + seq * 20 + (seq % 2) * 15;
      // The native path reads a hand-driven clock as of the last tick or control call.
      relay.tickNow();
      await a.send(buildRtp({ seq, timestamp: seq * 160 }), toA);
      await waitFor(() => relay.stats(id).legA.rtpPackets === seq);
    }
    const jitter = relay.stats(id).legA.stream?.jitterMs ?? 0;
    // Each transit differs from the last by 15 ms: A.8 converges towards 15 ms.
    expect(jitter).toBeGreaterThan(13);
    expect(jitter).toBeLessThan(15.1);
  });

  it('closes an idle session after the inactivity timeout and frees its ports', async () => {
    const clock = new ManualClock();
    const relay = engine({
      portRange: { min: 23470, max: 23473 },
      inactivityTimeoutMs: 3000,
      clock,
    });
    const closed: RelayEvents['session-closed'][0][] = [];
    relay.on('session-closed', (e) => closed.push(e));
    const { id, a, toA } = await call(relay);
    const second = await relay.allocate(loopback);
    expect([toA.port, second.legA.port].every((p) => p >= 23470 && p <= 23473)).toBe(true);
    await expect(relay.allocate(loopback)).rejects.toMatchObject({
      code: ErrorCodes.MEDIA_PORTS_EXHAUSTED,
    });
    // Traffic keeps the first session alive; the second never carried any.
    for (let i = 0; i < 4; i++) {
      await a.send(buildRtp({ seq: i + 1 }), toA);
      await waitFor(() => relay.stats(id).legA.rtpPackets === i + 1);
      clock.t += 1000;
      relay.tickNow();
    }
    expect(closed).toEqual([{ id: second.id, reason: 'timeout' }]);
    clock.t += 3000;
    relay.tickNow();
    relay.tickNow();
    expect(closed.map((c) => c.id)).toEqual([second.id, id]);
    expect(relay.sessionCount).toBe(0);
    expect(() => relay.stats(id)).toThrow(
      expect.objectContaining({ code: ErrorCodes.MEDIA_UNKNOWN_SESSION }),
    );
    // The freed ports can be bound by anyone again.
    const probe = await bindPeer('127.0.0.1', toA.port);
    expect(probe.port).toBe(toA.port);
    expect((await relay.allocate(loopback)).id).toBeTruthy();
  });

  it('reports unknown sessions and bad peers with stable errors', async () => {
    const relay = engine();
    expect(() => relay.setPeer('nope', 'A', { address: '127.0.0.1', port: 1 })).toThrow(
      expect.objectContaining({ code: ErrorCodes.MEDIA_UNKNOWN_SESSION }),
    );
    const info = await relay.allocate(loopback);
    expect(() => relay.setPeer(info.id, 'A', { address: 'localhost', port: 1 })).toThrow(TypeError);
    expect(() => relay.setPeer(info.id, 'A', { address: '127.0.0.1', port: 0 })).toThrow(TypeError);
    expect(relay.close(info.id)).toBe(true);
    expect(relay.close(info.id)).toBe(false);
    await expect(
      relay.allocate({ legA: { bindAddress: '127.0.0.1' }, legB: { bindAddress: '192.0.2.1' } }),
    ).rejects.toMatchObject({ code: ErrorCodes.MEDIA_BIND });
    expect(relay.sessionCount).toBe(0);
  });

  it('forwards a burst larger than one batch, in order, and keeps the sequence statistics', async () => {
    const relay = engine();
    const { id, a, b, toA } = await call(relay);
    // Sent without waiting in between: the relay reads them in as few turns as it can.
    const sends: Promise<void>[] = [];
    for (let seq = 1; seq <= 120; seq++) {
      sends.push(a.send(buildRtp({ seq }), toA));
    }
    await Promise.all(sends);
    expect(await waitFor(() => b.received.length === 120)).toBe(true);
    expect(b.received.map((r) => r.data.readUInt16BE(2))).toEqual(
      Array.from({ length: 120 }, (_, i) => i + 1),
    );
    const stats = relay.stats(id);
    expect(stats.legA.forwarded).toBe(120);
    expect(stats.legA.stream?.lost).toBe(0);
    expect(relay.counters().droppedTotal).toBe(0);
  });

  it('stops relaying a session closed from an event handler in the middle of traffic', async () => {
    const relay = engine({ learningWindowMs: 10_000 });
    const info = await relay.allocate(loopback);
    const a = await bindPeer();
    const b = await bindPeer();
    relay.setPeer(info.id, 'B', { address: b.address, port: b.port });
    // The first valid packet latches A's source; the handler closes the session at once.
    relay.on('peer-latched', (e) => relay.close(e.id));
    const sends: Promise<void>[] = [];
    for (let seq = 1; seq <= 10; seq++) {
      sends.push(a.send(buildRtp({ seq }), info.legA));
    }
    await Promise.all(sends);
    await sleep(50);
    // At most the latching packet itself went through; nothing after the close.
    expect(b.received.length).toBeLessThanOrEqual(1);
    expect(relay.sessionCount).toBe(0);
    // Its ports are free and a new session relays normally.
    const probe = await bindPeer('127.0.0.1', info.legA.port);
    expect(probe.port).toBe(info.legA.port);
    const next = await call(relay);
    await next.a.send(buildRtp(), next.toA);
    expect(await waitFor(() => next.b.received.length === 1)).toBe(true);
  });

  it('forwards on connected sockets too', async () => {
    const relay = engine({ connectSockets: true });
    const { a, b, toA, toB } = await call(relay);
    await sleep(20);
    for (let seq = 1; seq <= 20; seq++) {
      await a.send(buildRtp({ seq }), toA);
      await b.send(buildRtp({ seq }), toB);
    }
    expect(await waitFor(() => a.received.length === 20 && b.received.length === 20)).toBe(true);
    expect(b.received.every((r) => r.port === toB.port)).toBe(true);
  });
});

describeEachIo('createRelay', (path) => {
  it('shards sessions over worker threads, each on its own port range', async () => {
    const relay = await createRelay({
      workers: 2,
      portRange: { min: 23480, max: 23499 },
      ...path.options,
    });
    relays.push(relay);
    expect(relay.workers).toBe(2);
    expect(relay.io).toBe(path.io);
    expect(relay.nativeForwarding).toBe(path.nativeForwarding);
    const calls: Awaited<ReturnType<typeof call>>[] = [];
    for (let i = 0; i < 4; i++) {
      calls.push(await call(relay));
    }
    const shards = new Set(calls.map((c) => c.id.split('.')[0]));
    expect(shards.size).toBe(2);
    for (const c of calls) {
      expect(c.toA.port).toBeGreaterThanOrEqual(23480);
      expect(c.toB.port).toBeLessThanOrEqual(23499);
      for (let seq = 1; seq <= 3; seq++) {
        await c.a.send(buildRtp({ seq }), c.toA);
        await c.b.send(buildRtp({ seq }), c.toB);
      }
    }
    expect(
      await waitFor(() =>
        calls.every((c) => c.a.received.length === 3 && c.b.received.length === 3),
      ),
    ).toBe(true);
    const counters = await relay.counters();
    expect(counters.forwarded).toBe(24);
    expect(counters.sessions).toBe(4);
    const stats = await relay.stats(calls[3]!.id);
    expect(stats.legB.rtpPackets).toBe(3);
    await expect(relay.stats('w0.999')).rejects.toMatchObject({
      code: ErrorCodes.MEDIA_UNKNOWN_SESSION,
    });
    const closed: string[] = [];
    relay.on('session-closed', (e) => closed.push(e.id));
    expect(await relay.close(calls[0]!.id)).toBe(true);
    expect(await waitFor(() => closed.length === 1)).toBe(true);
    await relay.shutdown();
    // Every worker closed its sockets: the ports are free.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(calls[1]!.toA.port, '127.0.0.1', resolve);
    });
    probe.close();
  });

  it('runs in the calling thread with workers: 0', async () => {
    const relay = await createRelay({ workers: 0, ...path.options });
    relays.push(relay);
    expect(relay.io).toBe(path.io);
    expect(relay.nativeForwarding).toBe(path.nativeForwarding);
    const c = await call(relay);
    await c.a.send(buildRtp(), c.toA);
    expect(await waitFor(() => c.b.received.length === 1)).toBe(true);
    await expect(relay.setPeer('x', 'A', { address: '127.0.0.1', port: 9 })).rejects.toMatchObject({
      code: ErrorCodes.MEDIA_UNKNOWN_SESSION,
    });
  });
});
