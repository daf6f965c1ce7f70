/**
 * The two ends of a call leg as the endpoint hosts play them (clients, gateways, voice mail):
 * placing an INVITE whose media starts on the answer and which hangs up after the call's
 * duration, and media on the answering side that follows the dialog. Also the codec choices
 * the hosts share.
 *
 * It must not know any kind of host, policy, or how a run is bound and started (`lab.ts`).
 */
import { REFUSAL_STATUSES } from '../../policy/index.js';
import type { TransportAddress } from '../../media/index.js';
import type { Call } from '../../scenario/index.js';
import {
  codecsOf,
  mediaAddressOf,
  remoteOfUri,
  type IncomingCall,
  type OutgoingCall,
} from '../../sip/index.js';
import { CALL_HEADER, type CallRecord } from '../call-observations.js';
import type { HostContext } from '../host-context.js';
import type { MediaSession } from '../media-session.js';

/** Final statuses that mean the callee's side refused the call (not a failure of the lab). */

/** The G.711 codec a call's endpoints send: the scenario's pin when it is PCMA, else PCMU. */
export function codecOf(call: Call): 'PCMU' | 'PCMA' {
  return call.codec === 'PCMA' ? 'PCMA' : 'PCMU';
}

/** The G.711 codecs of a description, in its order; PCMU when it has neither (b.5 #36). */
export function g711Of(sdp: string): string[] {
  const list = codecsOf(sdp).filter((c) => c === 'PCMU' || c === 'PCMA');
  return list.length ? list : ['PCMU'];
}

/** Options of {@link placeCall}. */
export interface PlaceOptions {
  /** Extra headers of the INVITE (the call header is always there). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Called with the answer before media starts; returns where to send instead of the answer's
   * address (an Edge in between), or null for the answer's address.
   */
  readonly onAnswer?: (answer: string) => Promise<TransportAddress | null>;
}

/**
 * The caller's side of a call: places the INVITE from a host's user agent, starts media on the
 * answer, hangs up after the call's duration, and gives the record its final outcome.
 * @throws {InternalError} when this process does not run `caller`.
 */
export function placeCall(
  ctx: Pick<HostContext, 'userAgent' | 'later' | 'addressing'>,
  rec: CallRecord,
  caller: string,
  uri: string,
  media: MediaSession,
  sdp: string,
  options: PlaceOptions = {},
): OutgoingCall {
  const onAnswer = options.onAnswer;
  const peer = remoteOfUri(uri);
  const leg = rec.openLeg(
    caller,
    (peer ? ctx.addressing.hostOf(peer.address) : null) ?? uri,
    'caller',
  );
  /** Hangs up: the call's planned end, or the media stopped arriving. */
  const hangUp = (cause: 'hangup' | 'media-timeout', idleMs = 0): void => {
    if (leg.end !== 'open') {
      return;
    }
    media.stop();
    leg.ended('bye-sent', cause);
    if (cause === 'media-timeout') {
      rec.finish(
        'media-timeout',
        200,
        `${caller}: no RTP received for ${(idleMs / 1000).toFixed(1)} s`,
      );
    }
    void call.bye().then((status) => {
      leg.byeAnswered(status);
      rec.finish('completed', 200, 'OK');
    });
  };
  const call = ctx.userAgent(caller).invite(
    uri,
    sdp,
    {
      answered: (answer) => {
        leg.answered = true;
        media.onSilence((idleMs) => {
          hangUp('media-timeout', idleMs);
        });
        void (onAnswer ? onAnswer(answer) : Promise.resolve(null)).then((fixed) => {
          const where = fixed ?? mediaAddressOf(answer);
          if (where) {
            media.setRemote(where.address, where.port);
          }
          media.start();
        });
        ctx.later(rec.call.durationMs, () => {
          hangUp('hangup');
        });
      },
      failed: (status, reason) => {
        media.stop();
        leg.ended(status === 487 ? 'cancelled' : 'final', `${status} ${reason}`);
        rec.finish(
          status === 487 ? 'cancelled' : REFUSAL_STATUSES.has(status) ? 'refused' : 'failed',
          status,
          reason,
        );
      },
      ended: () => {
        media.stop();
        leg.ended('bye-received', 'hangup');
        rec.finish('completed', 200, 'OK');
      },
    },
    { headers: { [CALL_HEADER]: rec.call.id, ...options.headers } },
  );
  return call;
}

/**
 * Media flows from the ACK of an answered call until it ends or is cancelled; when it stops
 * arriving for the media timeout, this end hangs up (the call ends as `media-timeout`).
 */
export function mediaFollowsDialog(
  ctx: Pick<HostContext, 'addressing'>,
  rec: CallRecord,
  host: string,
  inc: IncomingCall,
  media: MediaSession,
): void {
  const leg = rec.openLeg(
    host,
    ctx.addressing.hostOf(inc.remote.address) ?? inc.remote.address,
    'callee',
  );
  inc.once('acked', () => {
    leg.answered = true;
    media.onSilence((idleMs) => {
      if (leg.end !== 'open') {
        return;
      }
      media.stop();
      leg.ended('bye-sent', 'media-timeout');
      rec.finish(
        'media-timeout',
        200,
        `${host}: no RTP received for ${(idleMs / 1000).toFixed(1)} s`,
      );
      void inc.bye().then((status) => {
        leg.byeAnswered(status);
      });
    });
    media.start();
  });
  inc.once('ended', (cause) => {
    media.stop();
    leg.answered = true;
    leg.ended(
      cause === 'remote-bye' ? 'bye-received' : 'bye-sent',
      cause === 'remote-bye' ? 'hangup' : cause,
    );
  });
  inc.once('cancelled', () => {
    media.stop();
    leg.ended('cancelled', 'cancelled');
  });
}
