/**
 * The writer's memo: what it gives is, byte for byte, what `sdp-transform` writes.
 */
import { write, type MediaDescription, type SessionDescription } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import { writeMemo, type SdpSlots } from '../../../src/sip/sdp-memo.js';

function audio(
  v: SdpSlots,
  codec: string,
  extra: Partial<MediaDescription> = {},
): MediaDescription {
  return {
    type: 'audio',
    port: v.port,
    protocol: 'RTP/AVP',
    payloads: '0 101',
    rtp: [
      { payload: 0, codec, rate: 8000 },
      { payload: 101, codec: 'telephone-event', rate: 8000 },
    ],
    fmtp: [{ payload: 101, config: '0-16' }],
    connection: { version: 4, ip: v.address },
    rtcp: { port: v.rtcpPort, netType: 'IN', ipVer: 4, address: v.address },
    direction: 'sendrecv',
    ...extra,
  };
}

function session(v: SdpSlots, media: MediaDescription[]): SessionDescription {
  return {
    version: 0,
    origin: {
      username: 'ms',
      sessionId: v.sessionId,
      sessionVersion: 1,
      netType: 'IN',
      ipVer: 4,
      address: v.address,
    },
    name: '-',
    timing: { start: 0, stop: 0 },
    connection: { version: 4, ip: v.address },
    media,
  };
}

const VALUES: SdpSlots[] = [
  { address: '127.77.0.3', sessionId: 1764921600, port: 20000, rtcpPort: 20000, videoPort: 0 },
  { address: '10.1.2.3', sessionId: '42', port: 65534, rtcpPort: 65535, videoPort: 0 },
  { address: '172.16.0.1', sessionId: 0, port: 1024, rtcpPort: 1025, videoPort: 0 },
];

describe('writeMemo', () => {
  it('gives what sdp-transform writes, for every set of values of a shape', () => {
    const make = (v: SdpSlots): SessionDescription =>
      session(v, [audio(v, 'PCMU', { invalid: [{ value: 'x-bypassid:site-1' }] })]);
    for (const v of VALUES) {
      expect(writeMemo('test audio', v, make)).toBe(write(make(v)));
    }
  });

  it('fills the video port and the audio ports apart', () => {
    const make = (v: SdpSlots): SessionDescription =>
      session(v, [
        audio(v, 'PCMA'),
        {
          type: 'video',
          port: v.videoPort,
          protocol: 'RTP/AVP',
          payloads: '121',
          rtp: [{ payload: 121, codec: 'x-rtvc1', rate: 90000 }],
          fmtp: [],
          connection: { version: 4, ip: v.address },
          rtcp: { port: v.videoPort, netType: 'IN', ipVer: 4, address: v.address },
        },
      ]);
    for (const v of VALUES) {
      const withVideo = { ...v, videoPort: v.port + 2 };
      const text = writeMemo('test video', withVideo, make);
      expect(text).toBe(write(make(withVideo)));
      expect(text).toContain(`m=video ${v.port + 2} RTP/AVP 121`);
    }
  });

  it('writes a shape whose fixed text holds a placeholder value with the writer every time', () => {
    // A codec named like a placeholder: the memo cannot tell its places from the codec's.
    const make = (v: SdpSlots): SessionDescription => session(v, [audio(v, 'x-3999999101')]);
    for (const v of VALUES) {
      const text = writeMemo('test clash', v, make);
      expect(text).toBe(write(make(v)));
      expect(text).toContain('a=rtpmap:0 x-3999999101/8000');
    }
  });
});
