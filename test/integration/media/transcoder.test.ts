import { afterEach, describe, expect, it } from 'vitest';
import {
  MediaEndpoint,
  Transcoder,
  type StreamFormat,
  type TranscoderTimeout,
} from '../../../src/media/index.js';
import { buildRtp } from '../../support/media-packets.js';
import { bindPeer, closeAll, waitFor } from '../../support/media-udp.js';

const RTAUDIO_NB: StreamFormat = {
  payloadType: 115,
  clockRate: 8000,
  packetMs: 20,
  payloadBytes: 30,
  packetsPerFrame: 1,
};
const PCMU: StreamFormat = {
  payloadType: 0,
  clockRate: 8000,
  packetMs: 20,
  payloadBytes: 160,
  packetsPerFrame: 1,
};
const G722_30: StreamFormat = {
  payloadType: 9,
  clockRate: 8000,
  packetMs: 30,
  payloadBytes: 240,
  packetsPerFrame: 1,
};

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) {
    o.close();
  }
  closeAll();
});

async function transcoder(a: StreamFormat, b: StreamFormat, timeouts = {}): Promise<Transcoder> {
  const t = await Transcoder.create({
    legA: { bindAddress: '127.0.0.1', format: a },
    legB: { bindAddress: '127.0.0.1', format: b },
    timeouts,
  });
  open.push(t);
  return t;
}

async function endpoint(format: StreamFormat, rtcp = true): Promise<MediaEndpoint> {
  const e = await MediaEndpoint.create({ bindAddress: '127.0.0.1', format, rtcp });
  open.push(e);
  return e;
}

describe('Transcoder', () => {
  it("carries each leg's own codec both ways, latency end to end", async () => {
    const t = await transcoder(RTAUDIO_NB, PCMU);
    const client = await endpoint(RTAUDIO_NB);
    const gw = await endpoint(PCMU);
    t.setPeer('A', client.local);
    t.setPeer('B', gw.local);
    client.setRemote(t.legA);
    gw.setRemote(t.legB);
    client.start();
    gw.start();
    expect(await waitFor(() => (gw.report().sources[0]?.packets ?? 0) >= 25, 3000)).toBe(true);
    client.stop();
    gw.stop();
    await new Promise((r) => setTimeout(r, 100));
    const atGw = gw.report().sources[0]!;
    const atClient = client.report().sources[0]!;
    expect(atGw.payloadType).toBe(0);
    expect(atGw.payloadBytes).toBe(atGw.packets * 160);
    expect(atClient.payloadType).toBe(115);
    expect(atClient.payloadBytes).toBe(atClient.packets * 30);
    expect(atGw.lost).toBe(0);
    expect(atGw.latencyMs!.p50).toBeGreaterThan(0);
    // The gateway sees the transcoder's leg B, as it would the relay's.
    expect(atGw.source).toBe(`${t.legB.address}:${t.legB.port}`);
    const s = t.stats();
    expect(s.legA.received!.packets).toBe(client.report().sent.packets);
    expect(s.legB.sent.packets).toBe(s.legA.received!.packets);
    // Each leg is an RTP session of its own: its RTCP reaches the peers.
    expect(atGw.rtcpPackets).toBeGreaterThan(0);
  });

  it('re-packetizes to another interval and passes loss on as missing packets', async () => {
    const t = await transcoder(PCMU, G722_30);
    const src = await bindPeer();
    const sink = await endpoint(G722_30);
    t.setPeer('A', { address: src.address, port: src.port });
    t.setPeer('B', sink.local);
    // 30 packets of 20 ms with 6 of them lost (sequence numbers 10-15): 600 ms sent, 480 ms
    // arrived. At 30 ms a packet that is 20 packets, the lost 120 ms 4 of them.
    for (let seq = 0; seq < 30; seq++) {
      if (seq >= 10 && seq < 16) {
        continue;
      }
      await src.send(buildRtp({ seq, payloadType: 0, payloadLength: 160 }), t.legA);
    }
    expect(await waitFor(() => (sink.report().sources[0]?.packets ?? 0) >= 16, 2000)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    const got = sink.report().sources[0]!;
    expect(got.packets).toBe(16);
    expect(got.lost).toBe(4);
    expect(got.payloadBytes).toBe(16 * 240);
  });

  it('takes media from its peer only and reports a silent leg once per kind', async () => {
    const t = await transcoder(RTAUDIO_NB, PCMU, { rtpMs: 5000, rtcpMs: 1600 });
    const client = await endpoint(RTAUDIO_NB);
    const quiet = await endpoint(PCMU, false);
    const stranger = await bindPeer();
    const timeouts: TranscoderTimeout[] = [];
    t.on('media-timeout', (x) => timeouts.push(x));
    t.setPeer('A', client.local);
    t.setPeer('B', quiet.local);
    client.setRemote(t.legA);
    quiet.setRemote(t.legB);
    client.start();
    quiet.start();
    await stranger.send(buildRtp({ seq: 1 }), t.legA);
    expect(await waitFor(() => timeouts.length >= 1, 4000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(timeouts).toEqual([{ leg: 'B', kind: 'rtcp', idleMs: expect.any(Number) as number }]);
    expect(t.stats().legA.strangers).toBe(1);
    expect(quiet.report().sources.every((s) => s.port === t.legB.port)).toBe(true);
  });
});
