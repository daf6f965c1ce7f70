/**
 * What the wire showed of a Teams call's escalation to a group call (docs/rules.md g.3): the
 * path its media took through the Media Processor that joined, both ways, from the packets
 * the hosts received. The path before the escalation is the call's own observed path. Pure.
 */
import type { CallDecision } from '../policy/index.js';
import { followMedia, type CallMedia, type DirectionPath } from './observed.js';

/** The media of a call after its escalation, as observed. */
export interface ObservedEscalation {
  readonly atMs: number;
  readonly mediaProcessor: string;
  readonly decidedPath: readonly string[];
  readonly forward: DirectionPath;
  readonly backward: DirectionPath;
}

/**
 * The escalated part of a call: its media followed through the Media Processor only (what
 * the processor received and sent); null when the call does not escalate.
 */
export function observedEscalation(
  decision: Pick<CallDecision, 'teams'>,
  media: CallMedia,
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
  };
}

/** `from 5.0 s through teams-mp: bob -> teams-mp -> carol (both ways)`, or what was missing. */
export function observedEscalationText(e: ObservedEscalation): string {
  const both = e.forward.complete && e.backward.complete;
  const path = e.forward.complete ? e.forward.hops.join(' -> ') : 'not through it';
  return `escalated at ${(e.atMs / 1000).toFixed(1)} s, the Media Processor ${e.mediaProcessor} joined: ${path}${
    both ? ' (both ways)' : e.forward.complete ? ' (one way)' : ''
  }`;
}

/** A Teams call's escalation as observed (g.3) for the JSON report, when it has one. */
export function escalationJson(r: {
  readonly decision: Pick<CallDecision, 'teams'>;
  readonly media: CallMedia;
}): { escalationObserved?: ObservedEscalation } {
  const e = observedEscalation(r.decision, r.media);
  return e ? { escalationObserved: e } : {};
}
