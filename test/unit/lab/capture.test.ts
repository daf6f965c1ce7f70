import { describe, expect, it } from 'vitest';
import { rewriteSip } from '../../../src/lab/index.js';

const map = (a: string): string | undefined =>
  ({ '127.77.0.5': '172.29.77.15', '127.77.0.50': '10.0.0.50' })[a];

describe('rewriteSip', () => {
  it('rewrites loopback addresses in headers and SDP and keeps Content-Length right', () => {
    const body = 'v=0\r\nc=IN IP4 127.77.0.5\r\nm=audio 4000 RTP/AVP 0\r\n';
    const raw = `INVITE sip:x@127.77.0.5:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.77.0.50:5060\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const out = rewriteSip(raw, map);
    expect(out).toContain('INVITE sip:x@172.29.77.15:5060 SIP/2.0');
    expect(out).toContain('Via: SIP/2.0/UDP 10.0.0.50:5060');
    const newBody = out.slice(out.indexOf('\r\n\r\n') + 4);
    expect(newBody).toContain('c=IN IP4 172.29.77.15');
    expect(out).toContain(`Content-Length: ${Buffer.byteLength(newBody)}`);
  });

  it('does not touch a longer number that only starts like an address, nor unknown addresses', () => {
    expect(rewriteSip('a 127.77.0.55 b 127.77.0.51', map)).toBe('a 127.77.0.55 b 127.77.0.51');
    expect(rewriteSip('m 127.77.0.5\r\nl: 0\r\n\r\n', map)).toBe('m 172.29.77.15\r\nl: 0\r\n\r\n');
  });
});
