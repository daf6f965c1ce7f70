/**
 * The relay's coarse checks, run on each tick of the engine's ticker: sessions that carried
 * no valid packet for the inactivity timeout, and legs whose peer went silent for the
 * session's media timeouts (rtpengine's and Asterisk's RTP timeout, per stream). Both read
 * the legs' counters in the engine's shared table, whichever path (JavaScript stages or
 * native forwarding) counted the packets.
 *
 * It must not know sockets, the packet stages or the engine's events: it returns what it
 * found and the engine closes sessions or reports the legs.
 */
import { LEG_RTCP, LEG_RTP, LEG_STRIDE } from './relay-counters.js';
import { LEG_A, PEER_NONE, type Leg, type Session } from './relay-session.js';
import type { MediaTimeout } from './relay-types.js';

/**
 * The inactivity check: a session whose legs received no valid packet since the previous
 * tick accumulates idle time.
 *
 * @returns The ids of the sessions idle for `timeoutMs` or longer, or undefined when none.
 */
export function idleSessions(
  sessions: Iterable<Session>,
  now: number,
  timeoutMs: number,
  counters: Float64Array,
): string[] | undefined {
  let expired: string[] | undefined;
  for (const session of sessions) {
    const [a, b] = session.legs;
    const seen = valid(a, counters) + valid(b, counters);
    if (seen !== session.lastSeen) {
      session.lastSeen = seen;
      session.idleSince = now;
    } else if (now - session.idleSince >= timeoutMs) {
      (expired ??= []).push(session.id);
    }
  }
  return expired;
}

/**
 * Per-leg media timeouts: a leg whose peer is known and that received no valid RTP (or RTCP)
 * since the previous tick accumulates idle time; at the session's timeout it is reported once
 * (the leg is marked `timedOut`). Closing the session is its owner's decision.
 *
 * @returns The legs that went silent at this tick, or undefined when none.
 */
export function silentLegs(
  sessions: Iterable<Session>,
  now: number,
  counters: Float64Array,
): MediaTimeout[] | undefined {
  let silent: MediaTimeout[] | undefined;
  for (const session of sessions) {
    if (session.rtpTimeoutMs <= 0 && session.rtcpTimeoutMs <= 0) {
      continue;
    }
    for (const leg of session.legs) {
      if (leg.peerState === PEER_NONE || leg.timedOut) {
        continue;
      }
      const row = leg.statsSlot * LEG_STRIDE;
      const rtp = counters[row + LEG_RTP]!;
      const rtcp = counters[row + LEG_RTCP]!;
      if (rtp !== leg.tickRtp) {
        leg.tickRtp = rtp;
        leg.rtpIdleSince = now;
      }
      if (rtcp !== leg.tickRtcp) {
        leg.tickRtcp = rtcp;
        leg.rtcpIdleSince = now;
      }
      const rtpIdle = now - leg.rtpIdleSince;
      const rtcpIdle = now - leg.rtcpIdleSince;
      const kind =
        session.rtpTimeoutMs > 0 && rtpIdle >= session.rtpTimeoutMs
          ? 'rtp'
          : session.rtcpTimeoutMs > 0 && rtcpIdle >= session.rtcpTimeoutMs
            ? 'rtcp'
            : null;
      if (kind !== null) {
        leg.timedOut = true;
        (silent ??= []).push({
          id: session.id,
          leg: leg.index === LEG_A ? 'A' : 'B',
          kind,
          idleMs: Math.round(kind === 'rtp' ? rtpIdle : rtcpIdle),
        });
      }
    }
  }
  return silent;
}

/** Starts a leg's media timeouts from now: called when it gets its first peer. */
export function startLegTimeouts(leg: Leg, now: number, counters: Float64Array): void {
  const row = leg.statsSlot * LEG_STRIDE;
  leg.rtpIdleSince = now;
  leg.rtcpIdleSince = now;
  leg.tickRtp = counters[row + LEG_RTP]!;
  leg.tickRtcp = counters[row + LEG_RTCP]!;
}

/** Valid packets a leg received so far. */
function valid(leg: Leg, counters: Float64Array): number {
  const row = leg.statsSlot * LEG_STRIDE;
  return counters[row + LEG_RTP]! + counters[row + LEG_RTCP]!;
}
