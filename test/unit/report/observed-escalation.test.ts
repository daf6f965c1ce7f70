import { describe, expect, it } from 'vitest';
import {
  observedEscalationText,
  reinvitesOf,
  type ObservedEscalation,
} from '../../../src/report/observed-escalation.js';
import type { SipLogEntry } from '../../../src/report/index.js';

/** A SIP log entry whose text has the Call-ID and CSeq of a dialog's request or response. */
function entry(
  t: number,
  host: string,
  dir: 'in' | 'out',
  peer: string,
  summary: string,
  cseq: string,
  callId = 'c1',
): SipLogEntry {
  return {
    t,
    host,
    dir,
    peer,
    summary,
    callId,
    text: `${summary}\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\n\r\n`,
  };
}

describe("a Teams call's escalation in the report", () => {
  const log: SipLogEntry[] = [
    entry(0, 'ms-chi', 'out', 'sbc-chi', 'INVITE sip:sbc-chi@x', '1 INVITE', 'c2'),
    entry(10, 'ms-chi', 'in', 'sbc-chi', '200 OK', '1 INVITE', 'c2'),
    entry(2000, 'ms-chi', 'out', 'sbc-chi', 'INVITE sip:sbc-chi@x', '2 INVITE', 'c2'),
    entry(2001, 'sbc-chi', 'in', 'ms-chi', 'INVITE sip:sbc-chi@x', '2 INVITE', 'c2'),
    entry(2002, 'ms-chi', 'in', 'sbc-chi', '200 OK', '2 INVITE', 'c2'),
    entry(2003, 'ms-chi', 'out', 'carol', 'INVITE sip:carol@x', '7 INVITE'),
    entry(2100, 'ms-chi', 'in', 'carol', '488 Not Acceptable Here', '7 INVITE'),
    entry(2101, 'ms-chi', 'out', 'sbc-chi', 'INVITE sip:sbc-chi@x', '3 INVITE', 'c2'),
  ];

  it('reads the re-INVITEs sent from the escalation on and the final response of each', () => {
    expect(reinvitesOf(log, 2000)).toEqual([
      { from: 'ms-chi', to: 'sbc-chi', status: 200, reason: 'OK' },
      { from: 'ms-chi', to: 'carol', status: 488, reason: 'Not Acceptable Here' },
      { from: 'ms-chi', to: 'sbc-chi', status: null, reason: '' },
    ]);
  });

  it('says which re-INVITE failed and that the media stayed on its path', () => {
    const e: ObservedEscalation = {
      atMs: 2000,
      mediaProcessor: 'teams-mp',
      decidedPath: ['carol', 'teams-mp', 'sbc-chi'],
      forward: { hops: ['carol'], complete: false, last: null },
      backward: { hops: ['sbc-chi'], complete: false, last: null },
      reinvites: reinvitesOf(log, 2000),
    };
    expect(observedEscalationText(e)).toBe(
      'escalated 2.0 s into the call: the re-INVITE from ms-chi to carol failed (488 Not Acceptable Here), the media stayed on its path',
    );
  });
});
