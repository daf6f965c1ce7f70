/**
 * What a decision says beyond its path, in words: the endpoints a call to a user rings and
 * the early dialogs (b.5 #37, #38), the streams the live run sends (c.4), a transfer and what
 * the path becomes after it (b.5 #39), RTCP supervision (b.5 #40), the Teams relays (g), and
 * the same call under the contrast deployment. Shared by the explain text and the HTML page;
 * pure, it knows nothing of how the decision was made.
 */
import type { CallDecision, StreamPlan } from '../policy/index.js';

/** The endpoints a call to a user rings: `alice-pc BYPASS, alice-laptop BYPASS (answers)`. */
export function forkingText(d: Pick<CallDecision, 'forking' | 'kind' | 'trunk'>): string | null {
  const f = d.forking;
  if (!f) {
    return null;
  }
  const endpoints = f.endpoints
    .map(
      (e) =>
        `${e.endpoint} ${e.decision}${e.answers ? ' (answers)' : e.cancelled ? ' (cancelled)' : ' (does not ring)'}`,
    )
    .join(', ');
  const early =
    d.kind === 'inbound-pstn' && f.maxEarlyDialogs !== null
      ? `; ${f.earlyDialogs} early dialog${f.earlyDialogs === 1 ? '' : 's'} to ${d.trunk ?? '?'} (MaxEarlyDialogs ${f.maxEarlyDialogs ?? '?'})${f.peerMishandles ? `, mishandled${f.greetingClipped ? ': greeting clipped' : ''}` : ''}`
      : '';
  const after = f.answerAfterMs ? `, answered after ${f.answerAfterMs / 1000}s` : '';
  return `user ${f.user}: ${endpoints}${after}${early}`;
}

/** One stream: `alice<->ms-chi audio RTAudio-NB pt 115, 30 B every 20 ms, 44.8 kbps`. */
export function streamText(s: StreamPlan): string {
  return `${s.between[0]}<->${s.between[1]} ${s.modality} ${s.codec} pt ${s.payloadType}, ${s.payloadBytes} B every ${round(s.packetMs)} ms${s.fec ? ' (FEC)' : ''}, ${round(s.kbps)} kbps`;
}

/** The transfer of a call, before the part after it is decided. */
export function transferText(d: Pick<CallDecision, 'transfer'>): string | null {
  const t = d.transfer;
  if (!t) {
    return null;
  }
  return `at ${t.atMs / 1000}s ${t.by} transfers to ${t.to}: ${t.method}${t.bypassLost ? ' (bypass lost)' : ''}`;
}

/** What RTCP supervision does to the call. */
export function rtcpText(d: Pick<CallDecision, 'rtcp'>): string | null {
  const r = d.rtcp;
  if (!r) {
    return null;
  }
  return r.teardownAfterMs === null
    ? `the peer sends no RTCP; the call is kept (RTCPActiveCalls ${r.rtcpActiveCalls ? 'on, the call is shorter' : 'off'})`
    : `the peer sends no RTCP: ${r.by ?? '?'} tears the call down ${r.teardownAfterMs / 1000}s after the answer`;
}

/** The Teams relays of a call. */
export function teamsText(d: Pick<CallDecision, 'teams'>): string | null {
  const t = d.teams;
  if (!t) {
    return null;
  }
  const parts: string[] = [];
  if (t.sbc !== '') {
    parts.push(
      `SBC ${t.sbc} media bypass ${t.mediaBypass ? 'on' : 'off'}, ${t.sbcAddress} address${t.mediaSbc !== t.sbc ? ` through ${t.mediaSbc}` : ''}`,
    );
  }
  if (t.transportRelay) {
    parts.push(`Transport Relay ${t.transportRelay}`);
  }
  if (t.mediaProcessor) {
    parts.push(`Media Processor ${t.mediaProcessor}: ${t.mediaProcessorWhy ?? ''}`);
  }
  if (t.escalation) {
    parts.push(`escalates at ${t.escalation.atMs / 1000}s: ${t.escalation.mediaPath.join(' -> ')}`);
  }
  return parts.length ? parts.join('; ') : null;
}

/** The JSON of a decision's extra parts, for the result document. */
export function decisionDetailsJson(d: CallDecision): Record<string, unknown> {
  return {
    deployment: d.deployment,
    streams: d.streams,
    forking: d.forking,
    transfer: d.transfer,
    rtcp: d.rtcp,
    teams: d.teams,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
