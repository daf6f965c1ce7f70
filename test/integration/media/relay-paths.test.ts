import { afterEach, expect, it } from 'vitest';
import type { Clock } from '../../../src/core/index.js';
import {
  RelayEngine,
  StreamStatsTable,
  type RelayCounters,
  type RelayIoCounters,
} from '../../../src/media/index.js';
import { buildRtcpCompound, buildRtp } from '../../support/media-packets.js';
import { bindPeer, closeAll, sleep, waitFor } from '../../support/media-udp.js';
import { describeEachIo } from './relay-io.js';

/** A clock moved by hand. */
class ManualClock implements Clock {
  t = 5000;
  now(): number {
    return this.t;
  }
  wallNow(): number {
    return 1_700_000_000_000 + this.t;
  }
}

const engines: RelayEngine[] = [];

afterEach(() => {
  for (const e of engines.splice(0)) {
    e.shutdown();
  }
  closeAll();
});

const loopback = { legA: { bindAddress: '127.0.0.1' }, legB: { bindAddress: '127.0.0.1' } };

/** One packet of the reference traffic: its RTP fields and when it arrives (clock ms). */
interface Step {
  readonly seq: number;
  readonly ssrc: number;
  readonly timestamp: number;
  readonly at: number;
  readonly rtcp?: boolean;
}

/**
 * Traffic that exercises every branch of RFC 3550 A.1 and A.8: probation, loss, a duplicate,
 * a reordered packet, a wrap of the sequence number, a large jump and the resynchronisation
 * after it, a new SSRC, RTCP in between, and arrival times that wander.
 */
function referenceTraffic(): Step[] {
  const steps: Step[] = [];
  let at = 1000;
  const push = (seq: number, ssrc = 0xabc, rtcp = false): void => {
    at += 20 + ((seq * 7) % 11);
    steps.push({ seq: seq & 0xffff, ssrc, timestamp: (seq * 160) >>> 0, at, rtcp });
  };
  for (const seq of [65525, 65526, 65527, 65529, 65529, 65531, 65530, 65532]) {
    push(seq);
  }
  push(0, 0xabc, true);
  for (let seq = 65533; seq <= 65540; seq++) {
    push(seq);
  }
  // A jump of 20,000 and two packets in sequence after it: the sender restarted.
  push(20_000);
  push(20_001);
  push(20_002);
  // Another sender on the same leg (a new SSRC) starts its own probation.
  push(7, 0xdef);
  push(8, 0xdef);
  push(10, 0xdef);
  return steps;
}

/** What the statistics table makes of the reference traffic on one leg. */
function expectedStream(steps: readonly Step[]): ReturnType<StreamStatsTable['snapshot']> {
  const table = new StreamStatsTable(1);
  const slot = table.allocate();
  for (const s of steps) {
    if (s.rtcp !== true) {
      const len = buildRtp({ seq: s.seq, ssrc: s.ssrc, timestamp: s.timestamp }).length;
      table.onRtp(slot, s.ssrc, s.seq, len);
      table.onJitter(slot, s.timestamp, s.at * 8);
    }
  }
  return table.snapshot(slot, 8000);
}

describeEachIo('the same figures on every packet path', (path) => {
  function engine(options: ConstructorParameters<typeof RelayEngine>[0] = {}): RelayEngine {
    const e = new RelayEngine({ ...path.options, ...options });
    engines.push(e);
    return e;
  }

  it('counts what the statistics table counts for the same traffic, A.1 and A.8 included', async () => {
    const clock = new ManualClock();
    const relay = engine({ clock });
    const info = await relay.allocate(loopback);
    const a = await bindPeer();
    const b = await bindPeer();
    relay.setPeer(info.id, 'A', { address: a.address, port: a.port });
    relay.setPeer(info.id, 'B', { address: b.address, port: b.port });
    const steps = referenceTraffic();
    let bytes = 0;
    for (const [i, s] of steps.entries()) {
      clock.t = s.at;
      // The relay sees the new time (the native path reads it at the next tick or control call).
      relay.tickNow();
      const packet =
        s.rtcp === true
          ? buildRtcpCompound(s.ssrc)
          : buildRtp({ seq: s.seq, ssrc: s.ssrc, timestamp: s.timestamp });
      bytes += packet.length;
      await a.send(packet, info.legA);
      expect(await waitFor(() => b.received.length === i + 1)).toBe(true);
    }
    const leg = relay.stats(info.id).legA;
    expect(leg.rtpPackets).toBe(steps.length - 1);
    expect(leg.rtcpPackets).toBe(1);
    expect(leg.bytes).toBe(bytes);
    expect(leg.forwarded).toBe(steps.length);
    expect(leg.dropped).toEqual({});
    expect(leg.stream).toEqual(expectedStream(steps));
    // The packets went out unchanged and in order.
    expect(b.received.map((r) => r.data.readUInt16BE(2))).toEqual(
      steps.map((s) => (s.rtcp === true ? buildRtcpCompound(s.ssrc).readUInt16BE(2) : s.seq)),
    );
    const counters = relay.counters();
    expect(counters).toMatchObject({
      received: steps.length,
      forwarded: steps.length,
      forwardedBytes: bytes,
      rtp: steps.length - 1,
      rtcp: 1,
      droppedTotal: 0,
    });
    // On the native path, the addon itself counted every one of them.
    expect(ioOf(counters).forwardedNatively).toBe(path.nativeForwarding ? steps.length : 0);
  });

  it('hands an established stream to the forwarding thread, and only then', async () => {
    const relay = engine({ learningWindowMs: 10_000 });
    const info = await relay.allocate(loopback);
    const a = await bindPeer();
    const b = await bindPeer();
    const stranger = await bindPeer('127.0.0.7');
    relay.setPeer(info.id, 'A', { address: a.address, port: a.port });
    relay.setPeer(info.id, 'B', { address: b.address, port: b.port });
    const io0 = ioOf(relay.counters());
    // Learning: A's first packet goes through the stages and ends A's window.
    await a.send(buildRtp({ seq: 1 }), info.legA);
    expect(await waitFor(() => b.received.length === 1)).toBe(true);
    // From then on A's stream is established; B's is not until B's first packet.
    for (let seq = 2; seq <= 11; seq++) {
      await a.send(buildRtp({ seq }), info.legA);
    }
    await b.send(buildRtp({ seq: 1, ssrc: 9 }), info.legB);
    expect(await waitFor(() => a.received.length === 1)).toBe(true);
    await b.send(buildRtp({ seq: 2, ssrc: 9 }), info.legB);
    // A stranger, STUN and a malformed packet on an established leg: dropped and counted
    // by reason, by whichever path has the leg.
    await stranger.send(buildRtp({ seq: 5 }), info.legA);
    await a.send(Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]), info.legA);
    await a.send(Buffer.from([0x80, 0, 0]), info.legA);
    expect(await waitFor(() => b.received.length === 11 && a.received.length === 2)).toBe(true);
    expect(await waitFor(() => relay.counters().droppedTotal === 3)).toBe(true);
    const c = relay.counters();
    expect(c.forwarded).toBe(13);
    expect(c.dropped).toMatchObject({ stranger: 1, stun: 1, 'too-short': 1 });
    expect(relay.stats(info.id).legA.dropped).toEqual({ stranger: 1, stun: 1, 'too-short': 1 });
    // The dgram path has no I/O counters of its own.
    expect(c.io === undefined).toBe(path.io === 'dgram');
    const io = ioOf(c);
    const got = {
      received: io.received - io0.received,
      forwardedNatively: io.forwardedNatively - io0.forwardedNatively,
      droppedNatively: io.droppedNatively - io0.droppedNatively,
      toScript: io.toScript - io0.toScript,
    };
    // The thread: A's packets after its first, B's after its first, and what came on A once
    // established; the stages: the first packet of each leg.
    expect(got).toEqual(
      path.io === 'dgram'
        ? { received: 0, forwardedNatively: 0, droppedNatively: 0, toScript: 0 }
        : path.nativeForwarding
          ? { received: 16, forwardedNatively: 11, droppedNatively: 3, toScript: 2 }
          : { received: 16, forwardedNatively: 0, droppedNatively: 0, toScript: 16 },
    );
  });

  it('follows a new peer from signalling at once: the old one is a stranger', async () => {
    const relay = engine();
    const info = await relay.allocate(loopback);
    const a = await bindPeer();
    const moved = await bindPeer('127.0.0.6');
    const b = await bindPeer();
    relay.setPeer(info.id, 'A', { address: a.address, port: a.port });
    relay.setPeer(info.id, 'B', { address: b.address, port: b.port });
    for (let seq = 1; seq <= 3; seq++) {
      await a.send(buildRtp({ seq }), info.legA);
      await b.send(buildRtp({ seq, ssrc: 9 }), info.legB);
    }
    expect(await waitFor(() => b.received.length === 3 && a.received.length === 3)).toBe(true);
    // A re-INVITE moves A: its old address is refused, B's packets go to the new one.
    relay.setPeer(info.id, 'A', { address: moved.address, port: moved.port });
    await a.send(buildRtp({ seq: 4 }), info.legA);
    await moved.send(buildRtp({ seq: 5 }), info.legA);
    await b.send(buildRtp({ seq: 4, ssrc: 9 }), info.legB);
    expect(await waitFor(() => b.received.length === 4 && moved.received.length === 1)).toBe(true);
    await sleep(30);
    expect(a.received).toHaveLength(3);
    expect(b.received.map((r) => r.data.readUInt16BE(2))).toEqual([1, 2, 3, 5]);
    const stats = relay.stats(info.id);
    expect(stats.legA.dropped).toEqual({ stranger: 1 });
    expect(stats.legA.peer).toEqual({ address: moved.address, port: moved.port });
    // One stream on leg A: the moved sender went on with the same SSRC and sequence.
    expect(stats.legA.stream?.received).toBe(3);
  });

  it('counts a send the kernel refuses as send-failed (the addon paths see it)', async () => {
    const relay = engine();
    const info = await relay.allocate(loopback);
    const a = await bindPeer();
    relay.setPeer(info.id, 'A', { address: a.address, port: a.port });
    // A socket bound to loopback cannot send to a documentation address elsewhere: EINVAL.
    relay.setPeer(info.id, 'B', { address: '192.0.2.99', port: 9 });
    for (let seq = 1; seq <= 3; seq++) {
      await a.send(buildRtp({ seq }), info.legA);
    }
    expect(await waitFor(() => relay.stats(info.id).legA.rtpPackets === 3)).toBe(true);
    const leg = relay.stats(info.id).legA;
    const c = relay.counters();
    // node:dgram reports a refused send only to a per-send callback, which the relay does not
    // pass (no closure per datagram): the dgram path cannot tell, and counts a forward.
    const refused = path.io === 'batch' ? 3 : 0;
    expect({ forwarded: leg.forwarded, dropped: leg.dropped }).toEqual({
      forwarded: 3 - refused,
      dropped: refused > 0 ? { 'send-failed': refused } : {},
    });
    expect(c).toMatchObject({ forwarded: 3 - refused, rtp: 3 - refused });
    expect(c.dropped['send-failed']).toBe(refused);
  });
});

const NO_IO: RelayIoCounters = {
  wakeups: 0,
  forwardingWakeups: 0,
  received: 0,
  forwardedNatively: 0,
  droppedNatively: 0,
  toScript: 0,
  scriptCalls: 0,
  sendCalls: 0,
};

function ioOf(c: RelayCounters): RelayIoCounters {
  return c.io ?? NO_IO;
}
