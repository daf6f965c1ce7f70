/**
 * The two ends of a transfer (b.5 #39) as the endpoint hosts play them: the enterprise party
 * (a client) that sends REFER to its Mediation Server at the transfer time and hangs up once a
 * NOTIFY says the target answered; and the far party (a gateway peer) that stays, which either
 * follows a re-INVITE of the Mediation Server (its media moves to the new description, and its
 * dialog carries the part of the call after the transfer) or, given a REFER, calls the target
 * itself and reports progress with NOTIFY.
 *
 * It must not know how a run is bound or how the Mediation Server carries out a transfer; it
 * sees the run through `HostContext`.
 */
import { dialString } from '../../core/index.js';
import type { Gateway } from '../../scenario/index.js';
import {
  answerFor,
  headerText,
  mediaAddressOf,
  offerFor,
  type IncomingCall,
  type OutgoingCall,
  type ReferRequest,
  type ReOffer,
  type SipRequest,
} from '../../sip/index.js';
import { PSTN_HOST } from '../addressing.js';
import { CALL_HEADER, type CallRecord } from '../call-observations.js';
import type { HostContext } from '../host-context.js';
import type { MediaSession, MediaStreamOptions } from '../media-session.js';
import { codecOf, g711Of, placeCall, settleMedia } from './call-legs.js';

/** The call a request within a dialog names with the lab's call header, if any. */
function recordNamedBy(
  ctx: Pick<HostContext, 'recordOf'>,
  request: SipRequest,
): CallRecord | undefined {
  if (headerText(request, CALL_HEADER) === undefined) {
    return undefined;
  }
  return ctx.recordOf({
    request,
    remote: { address: '', port: 0 },
    requestUri: request.uri,
    callId: request.headers['call-id'],
  });
}

/** A dialog of either direction that can carry a transfer. */
type TransferDialog = IncomingCall | OutgoingCall;

/**
 * The enterprise party's side: when the call's decision has it transfer (`transfer.by`), at
 * the transfer time it sends REFER in its dialog with the Mediation Server, the target as
 * Refer-To. A final NOTIFY with a 2xx hangs up (`transferred`); a refused REFER or a failed
 * target leaves the call as it was.
 */
export function transferLater(
  ctx: Pick<HostContext, 'policy' | 'later' | 'topology' | 'uri' | 'log'>,
  rec: CallRecord,
  host: string,
  dialog: TransferDialog,
  hangUp: (cause: 'transferred') => void,
): void {
  void (async () => {
    const decision = rec.decision ?? (await ctx.policy.decisionOf(rec.call.id));
    const plan = decision?.transfer;
    if (plan?.by !== host) {
      return;
    }
    const gw = ctx.topology.gateway(decision?.trunk ?? '');
    if (!gw) {
      return;
    }
    const user = /^\+?\d+$/.test(plan.to) ? dialString(plan.to) : plan.to;
    const target = ctx.uri(gw.mediationServer, user);
    dialog.on('refer-progress', (p) => {
      if (p.terminated && p.status >= 200 && p.status < 300) {
        hangUp('transferred');
      } else if (p.terminated) {
        ctx.log.info({ call: rec.call.id, status: p.status }, 'transfer failed: the call goes on');
      }
    });
    ctx.later(Math.max(0, rec.call.atMs + plan.atMs - rec.elapsed()), () => {
      void dialog.refer(target).then((status) => {
        if (status < 200 || status >= 300) {
          ctx.log.info({ call: rec.call.id, status }, 'REFER refused: the call goes on');
        }
      });
    });
  })();
}

/** What the far party's end of a dialog is now: its call record, media and leg. */
interface FarEnd {
  rec: CallRecord;
  media: MediaSession;
  /** The media is sending: its format stays (a re-INVITE of the same part moves it only). */
  sending: boolean;
}

/**
 * The far party's side (a gateway peer that stays on the call): a re-INVITE that names the
 * part of the call after a transfer (the lab's call header) moves this end to that part: a new
 * media session for it, the old one stopped, the dialog's end recorded as `transferred`, and
 * the part hung up at its planned end; a re-INVITE of the same part moves the media to the new
 * description. A REFER (the Mediation Server passed a transfer on) makes it call the target.
 */
export function followsTransfer(
  ctx: HostContext,
  rec: CallRecord,
  gw: Gateway,
  dialog: TransferDialog,
  media: MediaSession,
  stream: MediaStreamOptions,
): void {
  const now: FarEnd = { rec, media, sending: true };
  let leg: ReturnType<CallRecord['openLeg']> | null = null;
  dialog.on('reoffer', (o) => {
    void reoffered(ctx, gw, dialog, o, now, stream, (made) => {
      leg = made;
    }).catch((e: unknown) => {
      ctx.log.error({ err: e, call: now.rec.call.id }, 'gateway could not follow the re-INVITE');
      o.refuse(500, 'Server Internal Error');
    });
  });
  dialog.on('refer', (r) => {
    referred(ctx, rec, gw, r);
  });
  dialog.once('ended', (cause) => {
    if (now.rec === rec) {
      return;
    }
    now.media.stop();
    leg?.ended(cause === 'remote-bye' ? 'bye-received' : 'bye-sent', 'hangup');
    now.rec.finish('completed', 200, 'OK');
  });
}

/** A re-INVITE at the far party: a new part to carry, or new media for the one it carries. */
async function reoffered(
  ctx: HostContext,
  gw: Gateway,
  dialog: TransferDialog,
  o: ReOffer,
  now: FarEnd,
  stream: MediaStreamOptions,
  onLeg: (leg: ReturnType<CallRecord['openLeg']>) => void,
): Promise<void> {
  const part = recordNamedBy(ctx, o.request);
  if (part && part !== now.rec) {
    // The dialog carries the part after the transfer from now on.
    const first = now.rec;
    now.media.stop();
    for (const l of first.legs) {
      if (l.host === gw.name && l.end === 'open') {
        l.ended('transferred', 'transferred');
      }
    }
    first.finish('transferred', 200, `transferred (${part.call.id})`);
    const leg = part.openLeg(gw.name, gw.mediationServer, 'caller');
    leg.answered = true;
    onLeg(leg);
    now.rec = part;
    now.media = await ctx.openMedia(part, gw.name, null, stream);
    now.sending = false;
    /** Hangs the part up: its planned end, or its media stopped arriving. */
    const hangUp = (idleMs: number | null): void => {
      if (leg.end !== 'open') {
        return;
      }
      now.media.stop();
      leg.ended('bye-sent', idleMs === null ? 'hangup' : 'media-timeout');
      if (idleMs !== null) {
        part.finish(
          'media-timeout',
          200,
          `${gw.name}: no RTP received for ${(idleMs / 1000).toFixed(1)} s`,
        );
      }
      void dialog.bye().then((status) => {
        leg.byeAnswered(status);
        part.finish('completed', 200, 'OK');
      });
    };
    now.media.onSilence((idleMs) => {
      hangUp(idleMs);
    });
    const hangUpAt = part.call.atMs + part.call.durationMs - part.elapsed();
    ctx.later(Math.max(0, hangUpAt), () => {
      hangUp(null);
    });
  }
  const media = now.media;
  const answer = answerFor(o.sdp, media, g711Of(o.sdp));
  if (!now.sending) {
    settleMedia(ctx, now.rec.decision?.streams ?? [], gw.name, answer, o.sdp, media, null);
  }
  const where = mediaAddressOf(o.sdp);
  o.accept(answer);
  if (where && where.address !== '0.0.0.0' && where.port > 0) {
    media.setRemote(where.address, where.port);
    media.start();
    now.sending = true;
  }
}

/**
 * A REFER at the far party (the Mediation Server passed the transfer on, EnableReferSupport):
 * it calls the target through its Mediation Server as a new call, the part after the transfer
 * (named by the lab's call header of the REFER), and reports the INVITE's progress with
 * NOTIFY. The old dialog ends with the transferor's BYE.
 */
function referred(ctx: HostContext, rec: CallRecord, gw: Gateway, r: ReferRequest): void {
  // RFC 3515 section 2.1: the Refer-To URI's headers go into the INVITE (the lab's call header).
  const [base = r.target, query = ''] = r.target.split('?', 2);
  const embedded: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) {
    embedded[k.toLowerCase()] = v;
  }
  const part = recordNamedBy(ctx, {
    ...r.request,
    headers: { ...r.request.headers, ...embedded },
  });
  if (!part || part === rec) {
    void r.notify(403, 'Forbidden');
    return;
  }
  void (async () => {
    await r.notify(100, 'Trying');
    const media = await ctx.openMedia(part, gw.name, null);
    const sdp = offerFor(media, [codecOf(part.call)]);
    // To a number the gateway takes the call to the PSTN itself (HANDED-OFF): modelled as a
    // call from the gateway to the PSTN host, which answers as the subscriber.
    const number = ctx.topology.client(part.call.to) === undefined ? part.call.number : null;
    const target = number !== null ? ctx.uri(PSTN_HOST, dialString(number), 'pstn') : base;
    placeCall(ctx, part, gw.name, target, media, sdp, {
      headers: embedded,
      onFinal: (status, reason) => {
        void r.notify(status, reason);
      },
    });
  })().catch((e: unknown) => {
    ctx.log.error({ err: e, call: part.call.id }, 'gateway could not call the transfer target');
    void r.notify(500, 'Server Internal Error');
  });
}
