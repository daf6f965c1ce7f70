/**
 * SDP offers and answers, compared as parsed objects.
 */
import { parse } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import {
  BYPASS_ID_ATTRIBUTE,
  answerFor,
  buildAnswer,
  buildOffer,
  bypassIdOf,
  codecsOf,
  firstCodecOf,
  mediaAddressOf,
  offerFor,
  payloadTypeOf,
  relayCandidateOf,
  withRelayCandidate,
  withRemoteCandidate,
} from '../../../src/sip/index.js';

describe('buildOffer', () => {
  it('describes one audio stream with address, port, PCMU/PCMA, RTCP and the bypass ID', () => {
    const sdp = buildOffer({ address: '192.0.2.10', port: 40000, bypassId: 'b-1', sessionId: 7 });
    const parsed = parse(sdp);
    expect(parsed.connection).toEqual({ version: 4, ip: '192.0.2.10' });
    expect(parsed.origin).toMatchObject({ sessionId: 7, address: '192.0.2.10' });
    expect(parsed.media).toHaveLength(1);
    const audio = parsed.media[0]!;
    expect(audio).toMatchObject({
      type: 'audio',
      port: 40000,
      protocol: 'RTP/AVP',
      payloads: '0 8',
    });
    expect(audio.rtp).toEqual([
      { payload: 0, codec: 'PCMU', rate: 8000 },
      { payload: 8, codec: 'PCMA', rate: 8000 },
    ]);
    expect(audio.rtcp).toEqual({ port: 40001, netType: 'IN', ipVer: 4, address: '192.0.2.10' });
    expect(audio.invalid).toEqual([{ value: `${BYPASS_ID_ATTRIBUTE}:b-1` }]);
    expect(BYPASS_ID_ATTRIBUTE).toBe('x-bypassid');
  });

  it('names other codecs and telephone-event, and leaves out the bypass ID when not given', () => {
    const sdp = buildOffer({
      address: '192.0.2.10',
      port: 40002,
      rtcpPort: 40100,
      codecs: ['G722', 'opus', 'telephone-event'],
    });
    const audio = parse(sdp).media[0]!;
    expect(audio.rtp).toEqual([
      { payload: 9, codec: 'G722', rate: 8000 },
      { payload: 111, codec: 'opus', rate: 48000, encoding: 2 },
      { payload: 101, codec: 'telephone-event', rate: 8000 },
    ]);
    expect(audio.fmtp).toEqual([{ payload: 101, config: '0-16' }]);
    expect(audio.rtcp?.port).toBe(40100);
    expect(audio.invalid).toBeUndefined();
    expect(bypassIdOf(sdp)).toBeUndefined();
  });
});

describe('buildAnswer', () => {
  it('picks the first codec of the offer that the answerer supports, keeping its payload type', () => {
    const offer = buildOffer({
      address: '192.0.2.10',
      port: 40000,
      codecs: ['G722', 'PCMA', 'PCMU', 'telephone-event'],
    });
    const answer = buildAnswer(offer, {
      address: '203.0.113.30',
      port: 42000,
      codecs: ['PCMU', 'PCMA', 'telephone-event'],
    });
    const audio = parse(answer).media[0]!;
    expect(audio.rtp).toEqual([
      { payload: 8, codec: 'PCMA', rate: 8000 },
      { payload: 101, codec: 'telephone-event', rate: 8000 },
    ]);
    expect(mediaAddressOf(answer)).toEqual({
      address: '203.0.113.30',
      port: 42000,
      rtcpPort: 42001,
    });
    expect(codecsOf(answer)).toEqual(['PCMA', 'telephone-event']);
  });

  it('names static payload types that the offer lists without rtpmap (RFC 3551)', () => {
    const offer =
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 18 0\r\n';
    expect(codecsOf(offer)).toEqual(['G729', 'PCMU']);
    const answer = buildAnswer(offer, { address: '192.0.2.2', port: 6000 });
    expect(codecsOf(answer)).toEqual(['PCMU']);
  });

  it('refuses an offer without a common codec or without audio, with a stable code', () => {
    const offer = buildOffer({ address: '192.0.2.10', port: 40000, codecs: ['G722'] });
    expect(() => buildAnswer(offer, { address: '192.0.2.2', port: 6000 })).toThrow(
      expect.objectContaining({
        code: 'SIM_ERR_SIP_BAD_MESSAGE',
        details: { reason: 'no-common-codec', offered: ['G722'] },
      }),
    );
    expect(() => buildAnswer('not sdp', { address: '192.0.2.2', port: 6000 })).toThrow(
      expect.objectContaining({ details: { reason: 'no-audio' } }),
    );
  });
});

describe('readers', () => {
  it('mediaAddressOf prefers the media-level c= over the session-level one', () => {
    const sdp =
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n' +
      'm=video 7000 RTP/AVP 96\r\nm=audio 5000 RTP/AVP 0\r\nc=IN IP4 192.0.2.99\r\na=x-bypassid:gw-7\r\n';
    expect(mediaAddressOf(sdp)).toEqual({ address: '192.0.2.99', port: 5000, rtcpPort: undefined });
    expect(bypassIdOf(sdp)).toBe('gw-7');
  });

  it('returns nothing for an SDP without audio', () => {
    const sdp = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=video 7000 RTP/AVP 96\r\n';
    expect(mediaAddressOf(sdp)).toBeUndefined();
    expect(bypassIdOf(sdp)).toBeUndefined();
    expect(codecsOf(sdp)).toEqual([]);
    expect(mediaAddressOf('')).toBeUndefined();
  });
});

describe('offerFor and answerFor', () => {
  it('are buildOffer and buildAnswer at one port for RTP and RTCP', () => {
    const at = { address: '192.0.2.10', port: 40000 };
    const offer = offerFor(at, ['PCMA', 'PCMU'], { bypassId: 'b-1' });
    expect(parse(offer)).toEqual(
      parse(
        buildOffer({
          address: '192.0.2.10',
          port: 40000,
          rtcpPort: 40000,
          codecs: ['PCMA', 'PCMU'],
          bypassId: 'b-1',
        }),
      ),
    );
    expect(mediaAddressOf(offer)).toEqual({ ...at, rtcpPort: 40000 });
    const answer = answerFor(offer, { address: '203.0.113.30', port: 42000 }, ['PCMU']);
    expect(mediaAddressOf(answer)).toEqual({
      address: '203.0.113.30',
      port: 42000,
      rtcpPort: 42000,
    });
    expect(codecsOf(answer)).toEqual(['PCMU']);
    expect(bypassIdOf(answer)).toBeUndefined();
  });

  it('advertise no bypass ID when it is missing or empty', () => {
    const at = { address: '192.0.2.10', port: 40000 };
    expect(bypassIdOf(offerFor(at, ['PCMU'], { bypassId: '' }))).toBeUndefined();
    expect(bypassIdOf(offerFor(at, ['PCMU'], { bypassId: undefined }))).toBeUndefined();
    const offer = offerFor(at, ['PCMU']);
    expect(bypassIdOf(answerFor(offer, at, ['PCMU'], { bypassId: 'c-2' }))).toBe('c-2');
  });
});

describe('payloadTypeOf', () => {
  it('gives the payload types of the offers: RFC 3551 static ones, fixed dynamic ones', () => {
    expect(payloadTypeOf('PCMU')).toBe(0);
    expect(payloadTypeOf('pcma')).toBe(8);
    expect(payloadTypeOf('G722')).toBe(9);
    expect(payloadTypeOf('opus')).toBe(111);
    expect(payloadTypeOf('RTAudio-WB')).toBeUndefined();
    for (const codec of ['PCMU', 'PCMA', 'G722', 'opus']) {
      expect(
        parse(buildOffer({ address: '192.0.2.1', port: 1, codecs: [codec] })).media[0]?.rtp[0]
          ?.payload,
      ).toBe(payloadTypeOf(codec));
    }
  });
});

describe('ICE candidates', () => {
  const relay = { address: '198.51.100.7', port: 50000 };

  it('adds a relayed RTP candidate on the audio stream and reads it back', () => {
    const offer = buildOffer({ address: '192.0.2.10', port: 40000, bypassId: 'gw-1' });
    const withCandidate = withRelayCandidate(offer, relay);
    expect(withCandidate).toContain('\r\na=candidate:1 1 UDP 1 198.51.100.7 50000 typ relay\r\n');
    expect(relayCandidateOf(withCandidate)).toEqual(relay);
    // Everything else stays as it was.
    const { candidates, ...rest } = parse(withCandidate).media[0]!;
    expect(candidates).toHaveLength(1);
    expect(rest).toEqual(parse(offer).media[0]);
    expect(bypassIdOf(withCandidate)).toBe('gw-1');
    expect(mediaAddressOf(withCandidate)).toEqual(mediaAddressOf(offer));
    expect(relayCandidateOf(offer)).toBeUndefined();
  });

  it('reads only a relayed IPv4 candidate of component 1 over UDP', () => {
    const base =
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';
    expect(
      relayCandidateOf(`${base}a=candidate:1 1 UDP 1 192.0.2.9 7000 typ host\r\n`),
    ).toBeUndefined();
    expect(
      relayCandidateOf(`${base}a=candidate:1 2 UDP 1 192.0.2.9 7001 typ relay\r\n`),
    ).toBeUndefined();
    expect(
      relayCandidateOf(`${base}a=candidate:1 1 TCP 1 192.0.2.9 7000 typ relay\r\n`),
    ).toBeUndefined();
    expect(
      relayCandidateOf(`${base}a=candidate:1 1 UDP 1 2001:db8::9 7000 typ relay\r\n`),
    ).toBeUndefined();
    expect(
      relayCandidateOf(
        `${base}a=candidate:1 1 UDP 9 192.0.2.8 6000 typ host\r\na=candidate:2 1 udp 5 192.0.2.9 7000 typ relay\r\n`,
      ),
    ).toEqual({ address: '192.0.2.9', port: 7000 });
  });

  it('names the chosen candidate in an answer (remote-candidates)', () => {
    const answer = buildAnswer(buildOffer({ address: '192.0.2.10', port: 40000 }), {
      address: '203.0.113.30',
      port: 42000,
    });
    const named = withRemoteCandidate(answer, relay);
    expect(named).toContain('\r\na=remote-candidates:1 198.51.100.7 50000\r\n');
    const { remoteCandidates, ...rest } = parse(named).media[0]!;
    expect(remoteCandidates).toBe('1 198.51.100.7 50000');
    expect(rest).toEqual(parse(answer).media[0]);
  });

  it('leave a description without audio as it is', () => {
    const video = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=video 7000 RTP/AVP 96\r\n';
    expect(withRelayCandidate(video, relay)).toBe(video);
    expect(withRemoteCandidate(video, relay)).toBe(video);
    expect(relayCandidateOf(video)).toBeUndefined();
  });
});

describe('codecs given in full, and a video stream', () => {
  const msrtaWb = { name: 'x-msrta', payloadType: 114, clockRate: 16000 };
  const msrtaNb = { name: 'x-msrta', payloadType: 115, clockRate: 8000 };
  const rtvideo = { name: 'x-rtvc1', payloadType: 121, clockRate: 90000 };

  it('offers dynamic payload types with their clock, and answers by name and clock', () => {
    const offer = offerFor({ address: '192.0.2.10', port: 40000 }, [msrtaWb, msrtaNb, 'PCMU']);
    expect(parse(offer).media[0]!.rtp).toEqual([
      { payload: 114, codec: 'x-msrta', rate: 16000 },
      { payload: 115, codec: 'x-msrta', rate: 8000 },
      { payload: 0, codec: 'PCMU', rate: 8000 },
    ]);
    // The answerer speaks RTAudio narrowband only: the 16 kHz x-msrta is not it.
    const answer = answerFor(offer, { address: '203.0.113.30', port: 42000 }, [msrtaNb, 'PCMU']);
    expect(firstCodecOf(answer)).toEqual({ name: 'x-msrta', payloadType: 115, clockRate: 8000 });
    // By name only, the first x-msrta of the offer matches.
    const byName = answerFor(offer, { address: '203.0.113.30', port: 42000 }, ['X-MSRTA']);
    expect(firstCodecOf(byName)?.payloadType).toBe(114);
  });

  it('adds a video stream beside the audio, answered or declined', () => {
    const offer = offerFor({ address: '192.0.2.10', port: 40000 }, ['PCMU'], {
      video: { at: { address: '192.0.2.10', port: 40010 }, codecs: [rtvideo] },
    });
    const media = parse(offer).media;
    expect(media.map((m) => [m.type, m.port])).toEqual([
      ['audio', 40000],
      ['video', 40010],
    ]);
    expect(mediaAddressOf(offer, 'video')).toEqual({
      address: '192.0.2.10',
      port: 40010,
      rtcpPort: 40010,
    });
    expect(codecsOf(offer, 'video')).toEqual(['x-rtvc1']);
    const answered = answerFor(offer, { address: '203.0.113.30', port: 42000 }, ['PCMU'], {
      video: { at: { address: '203.0.113.30', port: 42010 }, codecs: [rtvideo] },
    });
    expect(firstCodecOf(answered, 'video')).toEqual({
      name: 'x-rtvc1',
      payloadType: 121,
      clockRate: 90000,
    });
    expect(mediaAddressOf(answered, 'video')?.port).toBe(42010);
    // An answerer without video declines the stream with port 0 (RFC 3264 section 6).
    const declined = answerFor(offer, { address: '203.0.113.30', port: 42000 }, ['PCMU']);
    expect(parse(declined).media.map((m) => [m.type, m.port])).toEqual([
      ['audio', 42000],
      ['video', 0],
    ]);
    expect(mediaAddressOf(declined, 'video')).toBeUndefined();
    expect(mediaAddressOf(declined)?.port).toBe(42000);
  });
});
