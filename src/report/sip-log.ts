/**
 * One SIP message of a call's log, as a host sent or received it: the record every part of
 * the report (the run table, the contrast, the escalation, the HTML ladder) reads. It must not
 * know how the log was gathered (the lab's observer) nor how it is drawn.
 */

/** One SIP message as a host sent or received it. */
export interface SipLogEntry {
  /** Milliseconds since the run started. */
  readonly t: number;
  readonly host: string;
  readonly dir: 'in' | 'out';
  readonly peer: string;
  /** `INVITE sip:...` or `200 OK`. */
  readonly summary: string;
  readonly callId: string;
  readonly text?: string;
}
