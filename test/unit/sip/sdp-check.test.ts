import { describe, expect, it } from 'vitest';
import { checkSdp, MAX_SDP_BYTES } from '../../../src/sip/index.js';

/**
 * The checks a peer's SDP passes before anything is routed: a syntax error is 400, anything
 * the simulator cannot or must not honour is 488, and a stream on hold (c=0.0.0.0 with
 * sendonly or inactive) is accepted without an address to send to.
 */

function sdp(
  o: {
    c?: string;
    m?: string;
    attrs?: readonly string[];
    sessionC?: boolean;
    extraMedia?: readonly string[];
  } = {},
): string {
  const c = o.c ?? 'IN IP4 192.0.2.10';
  return [
    'v=0',
    'o=peer 1 1 IN IP4 192.0.2.10',
    's=-',
    ...(o.sessionC === false ? [] : [`c=${c}`]),
    't=0 0',
    `m=${o.m ?? 'audio 40000 RTP/AVP 0 8 101'}`,
    ...(o.sessionC === false ? [`c=${c}`] : []),
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    ...(o.attrs ?? []),
    ...(o.extraMedia ?? []),
    '',
  ].join('\r\n');
}

const G711 = ['PCMU', 'PCMA'];

describe('checkSdp', () => {
  it('accepts a plain G.711 offer and says where its audio goes', () => {
    const r = checkSdp(sdp(), { codecs: G711 });
    expect(r).toEqual({
      ok: true,
      media: { address: '192.0.2.10', port: 40000 },
      codecs: ['PCMU', 'PCMA', 'TELEPHONE-EVENT'],
    });
    // A media-level c= line serves as well as a session-level one; LF line ends are fine.
    expect(checkSdp(sdp({ sessionC: false }).replace(/\r\n/g, '\n'), { codecs: G711 }).ok).toBe(
      true,
    );
  });

  it.each([
    ['multicast', 'IN IP4 224.0.0.1', 'multicast'],
    ['multicast with a TTL', 'IN IP4 233.252.0.1/127', 'multicast'],
    ['broadcast', 'IN IP4 255.255.255.255', 'broadcast'],
    ['reserved', 'IN IP4 250.1.2.3', 'reserved'],
    ['unspecified outside a hold', 'IN IP4 0.0.0.0', 'unspecified'],
    ['"this network"', 'IN IP4 0.1.2.3', 'reserved'],
    ['IPv6', 'IN IP6 2001:db8::1', 'address-family'],
    ['a host name', 'IN IP4 media.example.com', 'host-name'],
  ])('refuses a %s media address with 488', (_, c, kind) => {
    expect(checkSdp(sdp({ c }), { codecs: G711 })).toMatchObject({ ok: false, status: 488, kind });
  });

  it('accepts 0.0.0.0 as a hold (sendonly or inactive): no address to send to', () => {
    for (const dir of ['sendonly', 'inactive']) {
      expect(checkSdp(sdp({ c: 'IN IP4 0.0.0.0', attrs: [`a=${dir}`] }), { codecs: G711 })).toEqual(
        { ok: true, media: null, codecs: ['PCMU', 'PCMA', 'TELEPHONE-EVENT'] },
      );
    }
  });

  it.each([
    ['a port over 65535', { m: 'audio 70000 RTP/AVP 0' }, 488, 'port-range'],
    ['an RTCP port out of range', { attrs: ['a=rtcp:99999'] }, 488, 'port-range'],
    [
      'SRTP with a=crypto',
      { m: 'audio 40000 RTP/SAVP 0', attrs: ['a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x'] },
      488,
      'srtp',
    ],
    ['another transport', { m: 'audio 40000 TCP/RTP/AVP 0' }, 488, 'transport'],
    ['no codec in common', { m: 'audio 40000 RTP/AVP 18 101' }, 488, 'no-common-codec'],
    ['only a rejected audio stream', { m: 'audio 0 RTP/AVP 0' }, 488, 'no-audio'],
    ['video only', { m: 'video 40000 RTP/AVP 96' }, 488, 'no-audio'],
    ['a port that is not a number', { m: 'audio port RTP/AVP 0' }, 400, 'syntax'],
    ['a malformed c= line', { c: 'IN IP4' }, 400, 'syntax'],
  ] as const)('refuses %s', (_, o, status, kind) => {
    expect(checkSdp(sdp(o), { codecs: G711 })).toMatchObject({ ok: false, status, kind });
  });

  it('refuses syntax errors with 400 and too much with 488', () => {
    expect(checkSdp('hello', { codecs: G711 })).toMatchObject({ status: 400, kind: 'syntax' });
    expect(checkSdp(sdp().replace('v=0', 'v=1'))).toMatchObject({ status: 400 });
    expect(checkSdp(sdp().replace('o=peer 1 1 IN IP4 192.0.2.10', 'o=x'))).toMatchObject({
      status: 400,
    });
    expect(checkSdp(sdp().replace('s=-\r\n', ''))).toMatchObject({ status: 400 });
    expect(checkSdp(sdp().replace('t=0 0', 'T=0 0'))).toMatchObject({ status: 400 });
    expect(checkSdp(sdp({ attrs: ['a=x\0y'] }))).toMatchObject({ status: 400 });
    const long = sdp({ attrs: [`a=x-pad:${'x'.repeat(MAX_SDP_BYTES)}`] });
    expect(checkSdp(long)).toMatchObject({ status: 488, kind: 'overlong' });
    const many = sdp({ extraMedia: Array.from({ length: 9 }, () => 'm=audio 0 RTP/AVP 0') });
    expect(checkSdp(many)).toMatchObject({ status: 488, kind: 'overlong' });
    expect(checkSdp('')).toMatchObject({ status: 488, kind: 'no-offer' });
  });

  it('is never fooled into an exception', () => {
    for (const text of ['v=0\r\nm=', 'v=0\r\no=a b c d e f\r\ns=x\r\nm=audio 1 RTP/AVP', '\r\n']) {
      expect(checkSdp(text).ok).toBe(false);
    }
  });
});
