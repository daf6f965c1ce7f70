import { describe, expect, it } from 'vitest';
import type { RunCallResult } from '../../../src/report/index.js';
import { runFixtureLive } from '../../support/live-fixture.js';

/**
 * The streams a live call carries (c.4): the decided codec's payload type and packet size on
 * each hop, a video stream each way beside the audio of a video call, and the Mediation
 * Server's two legs carrying different codecs when it transcodes. And RTCP supervision
 * (b.5 #40): a peer that sends no RTCP, and who tears its calls down.
 */

async function liveCalls(file: string): Promise<readonly RunCallResult[]> {
  return (await runFixtureLive(file)).calls;
}

function streamOf(c: RunCallResult, receiver: string, source: string, modality: string) {
  const s = c.media.received.find(
    (r) => r.receiver === receiver && r.source === source && (r.modality ?? 'audio') === modality,
  );
  if (!s) {
    throw new Error(`no ${modality} stream ${source} -> ${receiver}`);
  }
  return s;
}

describe('live streams', () => {
  it('sends the decided codecs, video beside audio, and transcodes at the Mediation Server', async () => {
    const calls = await liveCalls('live-streams.yaml');
    const video = calls.find((c) => c.call.id === 'video')!;
    const transcoded = calls.find((c) => c.call.id === 'transcoded')!;
    expect(video.failures).toEqual([]);
    expect(transcoded.failures).toEqual([]);

    // RTAudio narrowband: PT 115, 30 bytes every 20 ms, both ways.
    for (const [to, from] of [
      ['bob', 'alice'],
      ['alice', 'bob'],
    ] as const) {
      const audio = streamOf(video, to, from, 'audio');
      expect(audio.payloadType).toBe(115);
      expect(audio.payloadBytes).toBe(30);
      expect(audio.packets).toBeGreaterThan(80);
      expect(audio.packets).toBeLessThan(120);
      // RTVideo CIF: PT 121, 30 packets a second of 992 bytes, about 240 kbps of RTP.
      const v = streamOf(video, to, from, 'video');
      expect(v.payloadType).toBe(121);
      expect(v.payloadBytes).toBe(992);
      expect(v.packets).toBeGreaterThan(50);
      expect(v.packets).toBeLessThan(70);
      expect(v.kbps).toBeGreaterThan(220);
      expect(v.kbps).toBeLessThan(270);
    }
    // The video stream is not part of the audio path.
    expect(video.observed.forward.hops).toEqual(['alice', 'bob']);

    // The Mediation Server's legs: RTAudio narrowband towards alice, PCMU towards the gateway.
    expect(streamOf(transcoded, 'ms-chi', 'alice', 'audio').payloadType).toBe(115);
    expect(streamOf(transcoded, 'alice', 'ms-chi', 'audio').payloadBytes).toBe(30);
    expect(streamOf(transcoded, 'ms-chi', 'gw-chi', 'audio').payloadType).toBe(0);
    expect(streamOf(transcoded, 'gw-chi', 'ms-chi', 'audio').payloadBytes).toBe(160);
    expect(transcoded.observed.media).toBe('both-ways');

    // Inbound, the client is offered RTAudio narrowband first and answers with it.
    const inbound = calls.find((c) => c.call.id === 'inbound-transcoded')!;
    expect(inbound.failures).toEqual([]);
    expect(streamOf(inbound, 'alice', 'ms-chi', 'audio').payloadType).toBe(115);
    expect(streamOf(inbound, 'ms-chi', 'alice', 'audio').payloadBytes).toBe(30);
    expect(streamOf(inbound, 'gw-chi', 'ms-chi', 'audio').payloadType).toBe(0);
  }, 20_000);
});

describe('live RTCP supervision', () => {
  it('tears down a call whose peer sends no RTCP: the client when bypassed, the Mediation Server when relayed', async () => {
    const calls = await liveCalls('live-rtcp.yaml');
    const byId = (id: string): RunCallResult => calls.find((c) => c.call.id === id)!;
    for (const c of calls) {
      expect(c.failures).toEqual([]);
    }
    const bypassed = byId('bypassed');
    expect(bypassed.state).toBe('media-timeout');
    expect(bypassed.finalReason).toMatch(/^alice: no RTCP received for 1\.\d s$/);
    const relayed = byId('relayed');
    expect(relayed.state).toBe('media-timeout');
    expect(relayed.finalReason).toMatch(/^ms-chi: no RTCP from gw-quiet for 1\.\d s$/);
    // Torn down well before the planned 4 s.
    expect(relayed.endedAt! - relayed.call.atMs).toBeLessThan(3000);
    expect(byId('flags-off').state).toBe('completed');
    expect(byId('sends-rtcp').state).toBe('completed');
  }, 20_000);
});
