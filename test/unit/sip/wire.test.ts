import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sip from 'sip';
import { describe, expect, it } from 'vitest';
import { decodeDatagram, encodeMessage } from '../../../src/sip/wire.js';

const CORPUS = '/work/shared/testdata/sip-torture';

const INVITE =
  'INVITE sip:+13125550100@127.91.0.2:5060 SIP/2.0\r\n' +
  'Via: SIP/2.0/UDP 127.91.0.5:5090;branch=z9hG4bK-1-1-0;rport\r\n' +
  'f: "load" <sip:load@127.91.0.5:5090>;tag=1L1\r\n' +
  'To: <sip:+13125550100@127.91.0.2:5060>\r\n' +
  'Call-ID: 1-1@127.91.0.5\r\n' +
  'CSeq: 1 INVITE\r\n' +
  'Contact: <sip:load@127.91.0.5:5090>\r\n' +
  'Max-Forwards: 70\r\n' +
  'Route: <sip:p1@127.91.0.9;lr>\r\n' +
  'Subject: a\r\n' +
  'Subject: b\r\n' +
  'Content-Type: application/sdp\r\n' +
  'Content-Length: 5\r\n' +
  '\r\n' +
  'v=0\r\n';

const RESPONSE =
  'SIP/2.0 200 OK\r\n' +
  'Via: SIP/2.0/UDP 127.91.0.3:5061;branch=z9hG4bK0dO;rport=5061;received=127.91.0.3\r\n' +
  'Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKa, SIP/2.0/UDP 5.6.7.8:99;branch=z9hG4bKb\r\n' +
  'From: <sip:ms@127.91.0.3:5061>;tag=b39f\r\n' +
  'To: <sip:13125550100@127.91.0.4:5080>;tag=1G1\r\n' +
  'Call-ID: a4e66f@127.91.0.3\r\n' +
  'CSeq: 1 INVITE\r\n' +
  'Contact: <sip:gw@127.91.0.4:5080;transport=UDP>, "x y" <sip:a@b>;expires=3\r\n' +
  'Record-Route: <sip:p1@1.2.3.4;lr>, <sip:p2@1.2.3.5;lr>\r\n' +
  'Content-Length: 0\r\n' +
  '\r\n';

describe('decodeDatagram', () => {
  it('builds the headers the simulator reads from the lines, in one pass', () => {
    const d = decodeDatagram(Buffer.from(INVITE, 'latin1'));
    expect(d.kind).toBe('request');
    if (d.kind !== 'request') {
      return;
    }
    const h = d.message.headers;
    expect(h.from).toEqual({
      name: '"load"',
      uri: 'sip:load@127.91.0.5:5090',
      params: { tag: '1L1' },
    });
    expect(h.via[0]).toMatchObject({ host: '127.91.0.5', port: 5090 });
    expect(h.via[0]?.params).toEqual({ branch: 'z9hG4bK-1-1-0', rport: null });
    expect(h.cseq).toEqual({ seq: 1, method: 'INVITE' });
    expect(h.contact).toEqual([{ uri: 'sip:load@127.91.0.5:5090', params: {} }]);
    expect(h['max-forwards']).toBe('70');
    expect(h['content-length']).toBe(5);
    expect((h as Record<string, unknown>).subject).toBe('a,b');
    // Route keeps the shape the `sip` package gives it.
    expect((h as Record<string, unknown>).route).toEqual(
      sip.parse(`SIP/2.0 200 OK\r\nRoute: <sip:p1@127.91.0.9;lr>\r\n\r\n`)?.headers.route,
    );
    expect(d.message.content).toBe('v=0\r\n');
  });

  it('takes every Via of every line of a response, and its Contacts leniently', () => {
    const d = decodeDatagram(Buffer.from(RESPONSE, 'latin1'));
    expect(d.kind).toBe('response');
    if (d.kind !== 'response') {
      return;
    }
    expect(d.message.headers.via.map((v) => v.host)).toEqual(['127.91.0.3', '1.2.3.4', '5.6.7.8']);
    expect(d.message.headers.contact).toEqual([
      { uri: 'sip:gw@127.91.0.4:5080;transport=UDP', params: {} },
      { name: '"x y"', uri: 'sip:a@b', params: { expires: '3' } },
    ]);
  });

  it('does not take an escaped header name for Contact (RFC 4475 esc02)', () => {
    const d = decodeDatagram(readFileSync(join(CORPUS, 'esc02.dat')));
    if (d.kind !== 'request') {
      throw new Error(`not a request: ${d.kind}`);
    }
    expect((d.message.headers as Record<string, unknown>)['c%6fntact']).toBeDefined();
  });
});

describe('encodeMessage', () => {
  it('sets Content-Length from the body', () => {
    const d = decodeDatagram(Buffer.from(INVITE, 'latin1'));
    if (d.kind !== 'request') {
      throw new Error('not a request');
    }
    d.message.content = 'v=0\r\no=x\r\n';
    expect(encodeMessage(d.message).toString('latin1')).toContain('Content-Length: 10\r\n');
  });
});
