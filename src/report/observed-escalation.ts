/**
 * What the wire showed of a Teams call's escalation to a group call (docs/rules.md g.3): the
 * path its media took through the Media Processor that joined, both ways, from the packets
 * the hosts received, and the re-INVITEs that moved it there, from the call's SIP log. The path
 * before the escalation is the call's own observed path. Pure.
 */
import type { CallDecision } from '../policy/index.js';
import type { Call } from '../scenario/index.js';
import { followMedia, type CallMedia, type DirectionPath } from './observed.js';
import type { SipLogEntry } from './sip-log.js';

/** A re-INVITE sent at the escalation and its final response (null: none came). */
export interface EscalationReInvite {
  readonly from: string;
  readonly to: string;
  readonly status: number | null;
  readonly reason: string;
}

/** The media of a call after its escalation, as observed. */
export interface ObservedEscalation {
  readonly atMs: number;
  readonly mediaProcessor: string;
  readonly decidedPath: readonly string[];
  readonly forward: DirectionPath;
  readonly backward: DirectionPath;
  /** The re-INVITEs sent from the escalation on, in order (a live run's SIP log). */
  readonly reinvites?: readonly EscalationReInvite[];
}

/** A header's value in a message's text (`Call-ID`/`i`, `CSeq`). */
function header(text: string | undefined, names: string): string | undefined {
  return new RegExp(`^(?:${names})[ \\t]*:[ \\t]*(.+?)\\r?$`, 'im').exec(text ?? '')?.[1];
}

/**
 * The re-INVITEs the call's SIP log shows from `fromMs` (ms since the run started) on, each
 * with the final response its sender received.
 */
export function reinvitesOf(sip: readonly SipLogEntry[], fromMs: number): EscalationReInvite[] {
  const key = (e: SipLogEntry): string =>
    `${e.host} ${header(e.text, 'call-id|i') ?? ''} ${(header(e.text, 'cseq') ?? '').replace(/\s+/g, ' ')}`;
  return sip
    .filter((e) => e.dir === 'out' && e.t >= fromMs && e.summary.startsWith('INVITE '))
    .map((e) => {
      const k = key(e);
      const final = sip.find(
        (r) => r.dir === 'in' && r.t >= e.t && /^[2-6]\d\d /.test(r.summary) && key(r) === k,
      );
      const [status = '', ...reason] = final?.summary.split(' ') ?? [];
      return {
        from: e.host,
        to: e.peer,
        status: final ? Number(status) : null,
        reason: reason.join(' '),
      };
    });
}

/**
 * The escalated part of a call: its media followed through the Media Processor only (what
 * the processor received and sent); null when the call does not escalate.
 */
export function observedEscalation(
  decision: Pick<CallDecision, 'teams'>,
  media: CallMedia,
  signalled?: { readonly call: Pick<Call, 'atMs'>; readonly sip?: readonly SipLogEntry[] },
): ObservedEscalation | null {
  const esc = decision.teams?.escalation;
  if (!esc) {
    return null;
  }
  const mp = esc.mediaProcessor;
  const via = media.received.filter(
    (s) => s.modality !== 'video' && (s.receiver === mp || s.source === mp),
  );
  const a = esc.mediaPath[0] ?? '';
  const b = esc.mediaPath[esc.mediaPath.length - 1] ?? '';
  return {
    atMs: esc.atMs,
    mediaProcessor: mp,
    decidedPath: esc.mediaPath,
    forward: followMedia(a, b, via),
    backward: followMedia(b, a, via),
    ...(signalled?.sip
      ? { reinvites: reinvitesOf(signalled.sip, signalled.call.atMs + esc.atMs) }
      : {}),
  };
}

/** `ms-chi to carol 200 OK`. */
function reinviteText(r: EscalationReInvite): string {
  return `${r.from} to ${r.to} ${r.status === null ? 'no answer' : `${r.status} ${r.reason}`}`;
}

/** `from 5.0 s through teams-mp: bob -> teams-mp -> carol (both ways)`, or what was missing. */
export function observedEscalationText(e: ObservedEscalation): string {
  const failed = e.reinvites?.find((r) => r.status === null || r.status >= 300);
  if (failed) {
    const why = failed.status === null ? 'no answer' : `${failed.status} ${failed.reason}`;
    return `escalated ${(e.atMs / 1000).toFixed(1)} s into the call: the re-INVITE from ${failed.from} to ${failed.to} failed (${why}), the media stayed on its path`;
  }
  const both = e.forward.complete && e.backward.complete;
  const path = e.forward.complete ? e.forward.hops.join(' -> ') : 'not through it';
  return `escalated ${(e.atMs / 1000).toFixed(1)} s into the call, the Media Processor ${e.mediaProcessor} joined: ${path}${
    both ? ' (both ways)' : e.forward.complete ? ' (one way)' : ''
  }${e.reinvites?.length ? `, by re-INVITE (${e.reinvites.map(reinviteText).join(', ')})` : ''}`;
}

/** A Teams call's escalation as observed (g.3) for the JSON report, when it has one. */
export function escalationJson(r: {
  readonly call: Pick<Call, 'atMs'>;
  readonly decision: Pick<CallDecision, 'teams'>;
  readonly media: CallMedia;
  readonly sip?: readonly SipLogEntry[];
}): { escalationObserved?: ObservedEscalation } {
  const e = observedEscalation(r.decision, r.media, r);
  return e ? { escalationObserved: e } : {};
}
