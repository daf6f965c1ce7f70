/**
 * The two ends of a call leg as the endpoint hosts play them (clients, gateways, voice mail):
 * placing an INVITE whose media starts on the answer and which hangs up after the call's
 * duration, and media on the answering side that follows the dialog, with a video stream beside
 * the audio on a video call. Also the codec choices the hosts share, and what each session
 * sends once the offer and answer settled the codec.
 *
 * It must not know any kind of host, policy, or how a run is bound and started (`lab.ts`).
 */
import { REFUSAL_STATUSES, type StreamPlan } from '../../policy/index.js';
import type { TransportAddress } from '../../media/index.js';
import type { Call } from '../../scenario/index.js';
import {
  codecsOf,
  firstCodecOf,
  mediaAddressOf,
  remoteOfUri,
  type IncomingCall,
  type OutgoingCall,
  type ProvisionalInfo,
} from '../../sip/index.js';
import { CALL_HEADER, type CallRecord } from '../call-observations.js';
import type { HostContext } from '../host-context.js';
import type { MediaSession } from '../media-session.js';
import { formatOfCodec } from '../stream-formats.js';

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

/**
 * Settles what a host's sessions send from the answer of its dialog (`answer`, the
 * description that chose the codecs): the audio session's codec, and the video session's codec
 * and where it sends (from `remote`, the other side's description), as `plans` (the call's
 * decided streams, when this host knows them) have them. Returns whether the video
 * stream was accepted; a declined one (port 0) is never started.
 */
export function settleMedia(
  ctx: Pick<HostContext, 'topology'>,
  plans: readonly StreamPlan[],
  host: string,
  answer: string,
  remote: string,
  media: MediaSession,
  video: MediaSession | null,
): boolean {
  const audio = firstCodecOf(answer, 'audio');
  const format = audio && formatOfCodec(ctx.topology, plans, host, audio, 'audio');
  if (format) {
    media.setFormat(format);
  }
  const vcodec = video ? firstCodecOf(answer, 'video') : undefined;
  const where = mediaAddressOf(remote, 'video');
  const vformat = vcodec && formatOfCodec(ctx.topology, plans, host, vcodec, 'video');
  if (!video || !vformat || !where) {
    return false;
  }
  video.setFormat(vformat);
  video.setRemote(where.address, where.port);
  return true;
}

/** Options of {@link placeCall}. */
export interface PlaceOptions {
  /** The video stream of a video call, offered beside the audio. */
  readonly video?: MediaSession;
  /** Extra headers of the INVITE (the call header is always there). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Called with the answer before media starts; returns where to send instead of the answer's
   * address (an Edge in between), or null for the answer's address.
   */
  readonly onAnswer?: (answer: string) => Promise<TransportAddress | null>;
  /**
   * Asked once the call is answered: how long this end waits for the peer's RTCP before it
   * tears the call down (b.5 #40, a bypassed call's client), or null when it does not watch.
   */
  readonly superviseRtcp?: () => Promise<number | null>;
  /** Told once of the INVITE's final response, answered (200) or not. */
  readonly onFinal?: (status: number, reason: string) => void;
  /**
   * Told once the call is answered, with how this end hangs up: `transferred` stops its media
   * and ends the dialog with BYE, leaving the call's outcome to its part after the transfer.
   */
  readonly onAnswered?: (call: OutgoingCall, hangUp: (cause: 'transferred') => void) => void;
  /**
   * The early dialogs this end (a gateway peer) handles (b.5 #38). Given more, it keeps the
   * media of the first early dialog that described any, and follows the final answer's only
   * {@link GREETING_CLIP_MS} later: the callee's first words are lost.
   */
  readonly supportsEarlyDialogs?: number;
}

/**
 * How long a peer that mishandles early dialogs keeps the first one's media after the final
 * answer (b.5 #38: "the first words of the greeting"; the length is inferred).
 */
export const GREETING_CLIP_MS = 1000;

/**
 * The caller's side of a call: places the INVITE from a host's user agent, starts media on the
 * answer, hangs up after the call's duration, and gives the record its final outcome.
 * @throws {InternalError} when this process does not run `caller`.
 */
export function placeCall(
  ctx: Pick<HostContext, 'userAgent' | 'later' | 'addressing' | 'topology'>,
  rec: CallRecord,
  caller: string,
  uri: string,
  media: MediaSession,
  sdp: string,
  options: PlaceOptions = {},
): OutgoingCall {
  const onAnswer = options.onAnswer;
  const video = options.video ?? null;
  const stopMedia = (): void => {
    media.stop();
    video?.stop();
  };
  const peer = remoteOfUri(uri);
  const leg = rec.openLeg(
    caller,
    (peer ? ctx.addressing.hostOf(peer.address) : null) ?? uri,
    'caller',
  );
  /**
   * Hangs up: the call's planned end, the media (or its RTCP) stopped arriving, or the call
   * was transferred (its outcome is then its part's after the transfer).
   */
  const hangUp = (
    cause: 'hangup' | 'media-timeout' | 'transferred',
    idleMs = 0,
    what = 'RTP',
  ): void => {
    if (leg.end !== 'open') {
      return;
    }
    stopMedia();
    leg.ended('bye-sent', cause);
    if (cause === 'transferred') {
      void call.bye().then((status) => {
        leg.byeAnswered(status);
      });
      return;
    }
    if (cause === 'media-timeout') {
      rec.finish(
        'media-timeout',
        200,
        `${caller}: no ${what} received for ${(idleMs / 1000).toFixed(1)} s`,
      );
    }
    void call.bye().then((status) => {
      leg.byeAnswered(status);
      rec.finish('completed', 200, 'OK');
    });
  };
  const early = earlyDialogs(options.supportsEarlyDialogs);
  const call = ctx.userAgent(caller).invite(
    uri,
    sdp,
    {
      provisional: early.note,
      answered: (answer) => {
        options.onFinal?.(200, 'OK');
        leg.answered = true;
        options.onAnswered?.(call, (cause) => {
          hangUp(cause);
        });
        media.onSilence((idleMs) => {
          hangUp('media-timeout', idleMs);
        });
        const videoOn = settleMedia(
          ctx,
          rec.decision?.streams ?? [],
          caller,
          answer,
          answer,
          media,
          video,
        );
        void (onAnswer ? onAnswer(answer) : Promise.resolve(null)).then((fixed) => {
          const where = fixed ?? mediaAddressOf(answer);
          const kept = where ? early.kept(where) : null;
          if (kept && where) {
            // Media goes to the first early dialog and what the answer's path brings is not
            // followed until the clip ends; `mark()` counts the clipped greeting.
            media.setRemote(kept.address, kept.port);
            ctx.later(GREETING_CLIP_MS, () => {
              media.setRemote(where.address, where.port);
              media.mark();
            });
          } else if (where) {
            media.setRemote(where.address, where.port);
          }
          media.start();
          if (videoOn) {
            video?.start();
          }
        });
        // A call to a user rang for `answerAfter` of its duration (b.5 #37).
        ctx.later(Math.max(0, rec.call.durationMs - rec.call.answerAfterMs), () => {
          hangUp('hangup');
        });
        void options.superviseRtcp?.().then((ms) => {
          if (ms !== null && ms > 0 && leg.end === 'open') {
            media.watchRtcp(ms, (idleMs) => {
              hangUp('media-timeout', idleMs, 'RTCP');
            });
          }
        });
      },
      failed: (status, reason) => {
        options.onFinal?.(status, reason);
        stopMedia();
        leg.ended(status === 487 ? 'cancelled' : 'final', `${status} ${reason}`);
        rec.finish(
          status === 487 ? 'cancelled' : REFUSAL_STATUSES.has(status) ? 'refused' : 'failed',
          status,
          reason,
        );
      },
      ended: () => {
        stopMedia();
        leg.ended('bye-received', 'hangup');
        rec.finish('completed', 200, 'OK');
      },
    },
    { headers: { [CALL_HEADER]: rec.call.id, ...options.headers } },
  );
  return call;
}

/**
 * Media flows from the ACK of an answered call until it ends or is cancelled (the video
 * stream too, when the answer accepted one); when it stops arriving for the media timeout,
 * this end hangs up (the call ends as `media-timeout`). Returns how this end hangs up when
 * the call is transferred: media stops and BYE ends the dialog, the call's outcome being its
 * part's after the transfer.
 */
export function mediaFollowsDialog(
  ctx: Pick<HostContext, 'addressing'>,
  rec: CallRecord,
  host: string,
  inc: IncomingCall,
  media: MediaSession,
  video: MediaSession | null = null,
): (cause: 'transferred') => void {
  const stopMedia = (): void => {
    media.stop();
    video?.stop();
  };
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
      stopMedia();
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
    video?.start();
  });
  inc.once('ended', (cause) => {
    stopMedia();
    leg.answered = true;
    leg.ended(
      cause === 'remote-bye' ? 'bye-received' : 'bye-sent',
      cause === 'remote-bye' ? 'hangup' : cause,
    );
  });
  inc.once('cancelled', () => {
    stopMedia();
    leg.ended('cancelled', 'cancelled');
  });
  return (cause) => {
    if (leg.end !== 'open') {
      return;
    }
    stopMedia();
    leg.ended('bye-sent', cause);
    void inc.bye().then((status) => {
      leg.byeAnswered(status);
    });
  };
}

/**
 * The early dialogs a caller saw (the To tags of its provisional responses) and the media of
 * the first that described any; `kept` is that media when a peer that handles `supports`
 * early dialogs was given more and the final answer's media is elsewhere (b.5 #38).
 */
function earlyDialogs(supports: number | undefined): {
  note: (info: ProvisionalInfo) => void;
  kept: (answered: TransportAddress) => TransportAddress | null;
} {
  const tags = new Set<string>();
  let first: TransportAddress | null = null;
  return {
    note: (info) => {
      if (info.toTag !== undefined) {
        tags.add(info.toTag);
      }
      if (first === null && info.sdp !== undefined) {
        const at = mediaAddressOf(info.sdp);
        first = at ? { address: at.address, port: at.port } : null;
      }
    },
    kept: (answered) =>
      supports !== undefined &&
      tags.size > supports &&
      first !== null &&
      (first.address !== answered.address || first.port !== answered.port)
        ? first
        : null,
  };
}
