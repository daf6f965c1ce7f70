/**
 * A call to a user with several endpoints (b.5 #37, #38), as the hosts carry it out on the
 * wire: the call to the answering endpoint goes its usual way, and every other endpoint that
 * rings gets an INVITE of its own with the same offer, rings, and is cancelled once the call
 * is answered or given up. On an inbound PSTN call the Mediation Server passes each ringing
 * endpoint's provisional answer to the gateway peer as an early dialog of its own (a To tag
 * per endpoint, with the endpoint's early-media description as the gateway must see it), at
 * most the trunk's `MaxEarlyDialogs` in all.
 *
 * It must not know how a run is bound, started or closed, or which process runs which host; it
 * sees the run through `HostContext` and must not import `lab.ts`.
 */
import type { CallDecision } from '../../policy/index.js';
import { newTag, type IncomingCall, type OutgoingCall } from '../../sip/index.js';
import { CALL_HEADER, type CallRecord } from '../call-observations.js';
import type { HostContext } from '../host-context.js';

/** The endpoints of a called user that ring but do not answer (they are cancelled). */
export function otherRingingEndpoints(decision: CallDecision | null): string[] {
  return (decision?.forking?.endpoints ?? [])
    .filter((e) => !e.answers && e.cancelled)
    .map((e) => e.endpoint);
}

/**
 * Rings the other endpoints of a called user from `from`'s user agent with `offer`, and
 * returns what cancels those still ringing (call it once the call is answered or ends).
 * `early`, when given, is the incoming call whose caller gets each endpoint's provisional
 * answer as an early dialog of its own, `room` of them at most.
 */
export function ringOtherEndpoints(
  ctx: Pick<HostContext, 'userAgent' | 'uri' | 'log'>,
  rec: CallRecord,
  from: string,
  offer: string,
  early: {
    readonly call: IncomingCall;
    readonly room: number;
    /** The endpoint's early-media description as the caller gets it. */
    readonly rewrite: (sdp: string) => string;
  } | null = null,
): () => void {
  const forks: OutgoingCall[] = [];
  let forwarded = 0;
  for (const endpoint of otherRingingEndpoints(rec.decision)) {
    const tag = newTag();
    let passedOn = false;
    const fork = ctx.userAgent(from).invite(
      ctx.uri(endpoint, endpoint),
      offer,
      {
        provisional: (info) => {
          // One early dialog per endpoint: its first provisional answer opens it.
          if (early && !passedOn && forwarded < early.room) {
            passedOn = true;
            forwarded++;
            early.call.ring(
              info.status,
              info.reason,
              info.sdp === undefined ? '' : early.rewrite(info.sdp),
              tag,
            );
          }
        },
        answered: () => {
          // A forked endpoint that answers after all is not the call's: it is hung up.
          void fork.bye();
        },
        failed: () => undefined,
        ended: () => undefined,
      },
      { headers: { [CALL_HEADER]: rec.call.id } },
    );
    forks.push(fork);
  }
  return () => {
    for (const f of forks) {
      if (f.state === 'calling' || f.state === 'early') {
        f.cancel();
      }
    }
  };
}
