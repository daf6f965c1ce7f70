import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/index.js';
import {
  classifyPacket,
  CoarseTicker,
  createRelay,
  MediaEndpoint,
  PacketClass,
  rtpPayloadType,
  rtpSequenceNumber,
  rtpTimestamp,
  type Relay,
} from '../../../src/media/index.js';
import { buildRtp } from '../../support/media-packets.js';
import { bindPeer, closeAll, waitFor } from '../../support/media-udp.js';

const endpoints: MediaEndpoint[] = [];
const relays: Relay[] = [];

afterEach(async () => {
  for (const e of endpoints.splice(0)) {
    e.close();
  }
  await Promise.all(relays.splice(0).map((r) => r.shutdown()));
  closeAll();
});

async function endpoint(
  options: Parameters<typeof MediaEndpoint.create>[0],
): Promise<MediaEndpoint> {
  const e = await MediaEndpoint.create(options);
  endpoints.push(e);
  return e;
}

describe('MediaEndpoint', () => {
  it('sends G.711 every 20 ms with consecutive sequence numbers and timestamps +160', async () => {
    const sink = await bindPeer();
    const e = await endpoint({
      bindAddress: '127.0.0.1',
      payloadType: 8,
      remote: { address: sink.address, port: sink.port },
    });
    e.start();
    expect(await waitFor(() => sink.received.length >= 12, 3000)).toBe(true);
    e.stop();
    const isRtcp = (d: Buffer): boolean => classifyPacket(d, d.length) === PacketClass.RTCP;
    // The stop report follows the start report.
    expect(await waitFor(() => sink.received.filter((r) => isRtcp(r.data)).length === 2)).toBe(
      true,
    );
    const rtp = sink.received.filter(
      (r) => classifyPacket(r.data, r.data.length) === PacketClass.RTP,
    );
    const rtcp = sink.received.filter(
      (r) => classifyPacket(r.data, r.data.length) === PacketClass.RTCP,
    );
    expect(rtcp.length).toBeGreaterThanOrEqual(2);
    expect(rtcp[0]!.data[1]).toBe(200);
    for (let i = 1; i < rtp.length; i++) {
      const prev = rtp[i - 1]!.data;
      const cur = rtp[i]!.data;
      expect(cur.length).toBe(12 + 160);
      expect(rtpPayloadType(cur)).toBe(8);
      expect(rtpSequenceNumber(cur)).toBe((rtpSequenceNumber(prev) + 1) & 0xffff);
      expect(rtpTimestamp(cur)).toBe((rtpTimestamp(prev) + 160) >>> 0);
    }
    expect(e.report().sent.packets).toBe(rtp.length);
  });

  it('records loss, jitter and latency per source, through the relay as well', async () => {
    const relay = await createRelay();
    relays.push(relay);
    const alice = await endpoint({ bindAddress: '127.0.0.1' });
    const gw = await endpoint({ bindAddress: '127.0.0.2' });
    const session = await relay.allocate({
      legA: { bindAddress: '127.0.0.1' },
      legB: { bindAddress: '127.0.0.1' },
    });
    await relay.setPeer(session.id, 'A', alice.local);
    await relay.setPeer(session.id, 'B', gw.local);
    alice.setRemote(session.legA);
    gw.setRemote(session.legB);
    alice.start();
    gw.start();
    expect(await waitFor(() => (gw.report().sources[0]?.packets ?? 0) >= 25, 3000)).toBe(true);
    alice.stop();
    gw.stop();
    await waitFor(() => (gw.report().sources[0]?.rtcpPackets ?? 0) >= 2, 1000);
    const atGw = gw.report().sources;
    expect(atGw).toHaveLength(1);
    // The gateway sees the relay's leg-B port, not Alice: the media path is observable.
    expect(atGw[0]!.source).toBe(`${session.legB.address}:${session.legB.port}`);
    expect(atGw[0]!.ssrc).toBe(alice.ssrc);
    expect(atGw[0]!.lost).toBe(0);
    expect(atGw[0]!.rtcpPackets).toBeGreaterThanOrEqual(2);
    expect(atGw[0]!.latencyMs!.samples).toBe(atGw[0]!.packets);
    expect(atGw[0]!.latencyMs!.p50).toBeGreaterThan(0);
    expect(atGw[0]!.jitterMs).toBeGreaterThanOrEqual(0);
    const stats = await relay.stats(session.id);
    expect(stats.legA.rtpPackets).toBe(alice.report().sent.packets);
  });

  it('follows a remote change and keeps sources apart', async () => {
    const a = await endpoint({ bindAddress: '127.0.0.1' });
    const b = await endpoint({ bindAddress: '127.0.0.1' });
    const c = await endpoint({ bindAddress: '127.0.0.1', remote: b.local });
    a.setRemote(b.local);
    a.start();
    c.start();
    await waitFor(
      () => b.report().sources.length === 2 && b.report().sources.every((s) => s.packets > 3),
      2000,
    );
    a.setRemote(c.local);
    const before = b.report().sources.find((s) => s.port === a.local.port)!.packets;
    expect(await waitFor(() => (c.report().sources[0]?.packets ?? 0) > 3, 2000)).toBe(true);
    a.stop();
    c.stop();
    const after = b.report().sources.find((s) => s.port === a.local.port)!.packets;
    expect(after - before).toBeLessThanOrEqual(2);
    expect(b.report().sources).toHaveLength(2);
  });

  it('after a stalled event loop skips the backlog without a gap in sequence numbers', async () => {
    const sink = await bindPeer();
    const e = await endpoint({
      bindAddress: '127.0.0.1',
      remote: { address: sink.address, port: sink.port },
    });
    e.start();
    expect(await waitFor(() => sink.received.length >= 5, 3000)).toBe(true);
    // Hold the event loop for 400 ms: twenty packets' worth, more than the catch-up allows.
    const until = Date.now() + 400;
    while (Date.now() < until) {
      // Busy on purpose.
    }
    const had = sink.received.length;
    expect(await waitFor(() => sink.received.length >= had + 10, 3000)).toBe(true);
    e.stop();
    const rtp = sink.received
      .map((r) => r.data)
      .filter((d) => classifyPacket(d, d.length) === PacketClass.RTP);
    let jump = 0;
    for (let i = 1; i < rtp.length; i++) {
      // Never a gap a receiver would count as loss: those packets were never sent.
      expect(rtpSequenceNumber(rtp[i]!)).toBe((rtpSequenceNumber(rtp[i - 1]!) + 1) & 0xffff);
      jump = Math.max(jump, (rtpTimestamp(rtp[i]!) - rtpTimestamp(rtp[i - 1]!)) >>> 0);
    }
    // The timestamp carries the time skipped: at least ten packets' worth in one step.
    expect(jump).toBeGreaterThanOrEqual(160 * 10);
    expect(jump % 160).toBe(0);
  });

  it('drops malformed packets by reason and stops after its duration', async () => {
    const ticker = new CoarseTicker(2, systemClock);
    const peer = await bindPeer();
    const e = await endpoint({
      bindAddress: '127.0.0.1',
      durationMs: 200,
      ticker,
      remote: { address: peer.address, port: peer.port },
    });
    let stopped = false;
    e.on('stopped', () => {
      stopped = true;
    });
    e.start();
    expect(ticker.size).toBe(1);
    await peer.send(Buffer.from([1, 0, 0, 0]), e.local);
    const bad = buildRtp();
    bad[0] = 0x8f;
    await peer.send(bad.subarray(0, 20), e.local);
    await peer.send(buildRtp({ seq: 1 }), e.local);
    expect(await waitFor(() => stopped, 2000)).toBe(true);
    expect(ticker.size).toBe(0);
    const report = e.report();
    expect(report.state).toBe('stopped');
    expect(report.dropped).toEqual({ stun: 1, 'csrc-overflow': 1 });
    expect(report.sources[0]!.packets).toBe(1);
    expect(report.sent.packets).toBeGreaterThanOrEqual(8);
    expect(report.sent.packets).toBeLessThanOrEqual(12);
  });

  it('sends any codec: its payload type, size, interval and clock; video frames in packets', async () => {
    const sink = await bindPeer();
    // RTAudio narrowband: 30 bytes every 20 ms at 8 kHz.
    const audio = await endpoint({
      bindAddress: '127.0.0.1',
      format: {
        payloadType: 115,
        clockRate: 8000,
        packetMs: 20,
        payloadBytes: 30,
        packetsPerFrame: 1,
      },
      remote: { address: sink.address, port: sink.port },
    });
    // RTVideo CIF: 2 packets a frame, 15 frames a second, 992 bytes each, 90 kHz.
    const video = await endpoint({
      bindAddress: '127.0.0.1',
      format: {
        payloadType: 121,
        clockRate: 90000,
        packetMs: 1000 / 30,
        payloadBytes: 992,
        packetsPerFrame: 2,
      },
      remote: { address: sink.address, port: sink.port },
    });
    audio.start();
    video.start();
    await new Promise((r) => setTimeout(r, 1000));
    audio.stop();
    video.stop();
    const rtp = sink.received.filter(
      (r) => classifyPacket(r.data, r.data.length) === PacketClass.RTP,
    );
    const a = rtp.filter((r) => r.port === audio.local.port).map((r) => r.data);
    const v = rtp.filter((r) => r.port === video.local.port).map((r) => r.data);
    expect(a.length).toBeGreaterThanOrEqual(45);
    expect(a.length).toBeLessThanOrEqual(55);
    expect(a.every((d) => d.length === 12 + 30 && rtpPayloadType(d) === 115)).toBe(true);
    expect(rtpTimestamp(a[1]!) - rtpTimestamp(a[0]!)).toBe(160);
    expect(v.length).toBeGreaterThanOrEqual(27);
    expect(v.length).toBeLessThanOrEqual(33);
    expect(v.every((d) => d.length === 12 + 992 && rtpPayloadType(d) === 121)).toBe(true);
    // The two packets of a frame share a timestamp; the next frame is 6000 ticks later
    // (90 kHz / 15 fps), and the last packet of each frame has the marker bit.
    const first = v.findIndex((d) => (d[1]! & 0x80) !== 0);
    const [p1, p2, p3] = [v[first + 1]!, v[first + 2]!, v[first + 3]!];
    expect(rtpTimestamp(p2)).toBe(rtpTimestamp(p1));
    expect((p1[1]! & 0x80) === 0 && (p2[1]! & 0x80) !== 0).toBe(true);
    expect((rtpTimestamp(p3) - rtpTimestamp(p2)) >>> 0).toBe(6000);
    expect(audio.report().sent.payloadBytes).toBe(audio.report().sent.packets * 30);
  });

  it('sends no RTCP when told so, and reports a peer without RTCP once', async () => {
    const quiet = await endpoint({ bindAddress: '127.0.0.1', rtcp: false });
    const watcher = await endpoint({
      bindAddress: '127.0.0.1',
      rtcpTimeoutMs: 300,
      inactivityTimeoutMs: 5000,
    });
    quiet.setRemote(watcher.local);
    watcher.setRemote(quiet.local);
    const silent: number[] = [];
    watcher.on('rtcp-inactive', (ms) => silent.push(ms));
    quiet.start();
    watcher.start();
    expect(await waitFor(() => silent.length === 1, 2000)).toBe(true);
    expect(silent[0]).toBeGreaterThanOrEqual(300);
    const seen = watcher.report().sources[0]!;
    expect(seen.packets).toBeGreaterThan(10);
    expect(seen.rtcpPackets).toBe(0);
    expect(seen.payloadType).toBe(0);
    expect(seen.payloadBytes).toBe(seen.packets * 160);
    // The watcher itself reports as usual.
    expect(quiet.report().sources[0]!.rtcpPackets).toBeGreaterThan(0);
  });

  it('marks what each source sent by a moment', async () => {
    const a = await endpoint({ bindAddress: '127.0.0.1' });
    const b = await endpoint({ bindAddress: '127.0.0.1' });
    a.setRemote(b.local);
    a.start();
    expect(await waitFor(() => (b.report().sources[0]?.packets ?? 0) >= 5, 2000)).toBe(true);
    expect(b.report().sources[0]!.packetsAtMark).toBeNull();
    b.mark();
    const at = b.report().sources[0]!.packetsAtMark!;
    expect(await waitFor(() => b.report().sources[0]!.packets >= at + 5, 2000)).toBe(true);
    expect(b.report().sources[0]!.packetsAtMark).toBe(at);
    expect(b.report().markedAt).not.toBeNull();
  });

  it('drives hundreds of endpoints from one ticker', async () => {
    const ticker = new CoarseTicker(2, systemClock);
    const sink = await bindPeer();
    const many: MediaEndpoint[] = [];
    for (let i = 0; i < 200; i++) {
      many.push(
        await endpoint({
          bindAddress: '127.0.0.1',
          ticker,
          remote: { address: sink.address, port: sink.port },
        }),
      );
    }
    for (const e of many) {
      e.start();
    }
    expect(ticker.size).toBe(200);
    expect(await waitFor(() => sink.received.length >= 200 * 5, 3000)).toBe(true);
    for (const e of many) {
      e.close();
    }
    expect(ticker.size).toBe(0);
  });

  it('rejects bad options with TypeError and bind failures with MEDIA_BIND', async () => {
    await expect(MediaEndpoint.create({ bindAddress: 'example.com' })).rejects.toThrow(TypeError);
    await expect(
      MediaEndpoint.create({ bindAddress: '127.0.0.1', payloadType: 9 as 0 }),
    ).rejects.toThrow(TypeError);
    await expect(MediaEndpoint.create({ bindAddress: '192.0.2.7' })).rejects.toMatchObject({
      code: 'SIM_ERR_MEDIA_BIND',
    });
  });
});
