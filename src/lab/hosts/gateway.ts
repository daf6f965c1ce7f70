/**
 * Gateway peers (PSTN gateway, IP-PBX, SBC) and voice mail servers of the live lab as call
 * endpoints: a gateway places its inbound PSTN calls to its Mediation Server's gateway side and
 * answers the calls that reach it (an SBC that accepts media only from the Mediation Server
 * drops everything else; a peer set to send no RTCP sends none, b.5 #40); a voice mail server
 * answers the calls re-routed to it (c.5 #20). A gateway's PSTN-facing side, which passes
 * re-routed calls on, is `pstn-bridge.ts`.
 *
 * It must not know how a run is bound, started or closed, or which process runs which host; it
 * sees the run through `HostContext` and must not import `lab.ts`.
 */
import { REFUSAL_SIP } from '../../policy/index.js';
import type { Gateway, VoicemailHost } from '../../scenario/index.js';
import {
  answerFor,
  codecsOf,
  headerText,
  mediaAddressOf,
  offerFor,
  type IncomingCall,
  type UserAgent,
} from '../../sip/index.js';
import type { CallRecord } from '../call-observations.js';
import type { MediaStreamOptions } from '../media-session.js';
import { PSTN_LEG_HEADER, type AcceptFrom, type HostContext } from '../host-context.js';
import { codecOf, mediaFollowsDialog, placeCall, settleMedia } from './call-legs.js';
import { followsTransfer } from './transfer-ends.js';

/** A peer set to send no RTCP (`rtcp: none`, b.5 #40) sends none on any call. */
function peerStream(g: Gateway): MediaStreamOptions {
  return g.rtcp === 'none' ? { rtcp: false } : {};
}

/** An SBC that accepts media only from the Mediation Server drops everything else. */
export function gatewayAccepts(ctx: Pick<HostContext, 'addressing'>, g: Gateway): AcceptFrom {
  if (g.acceptsMediaFrom !== 'mediation-server') {
    return null;
  }
  const ms = ctx.addressing.gatewaySideOf(g.mediationServer);
  return (address) => address === ms;
}

/**
 * A gateway's IP side answers the calls that reach it; the legs of a re-routed call marked for
 * the PSTN go to the gateway's PSTN bridge instead (`toPstn`, the B2BUA that took over the
 * user agent's INVITEs).
 */
export function serveGateway(ctx: HostContext, g: Gateway, ua: UserAgent): void {
  const toPstn = ua.onInvite;
  ua.onInvite = (inc) => {
    if (headerText(inc.request, PSTN_LEG_HEADER) !== undefined && toPstn) {
      toPstn(inc);
    } else {
      void answerWithMedia(ctx, g.name, inc, gatewayAccepts(ctx, g), ['PCMU', 'PCMA'], g);
    }
  };
}

/**
 * A voice mail server answers every call that reaches it, in the codec the caller offers
 * (Exchange Unified Messaging speaks the clients' codecs).
 */
export function serveVoicemail(ctx: HostContext, v: VoicemailHost, ua: UserAgent): void {
  ua.onInvite = (inc) => {
    void answerWithMedia(ctx, v.name, inc, null, codecsOf(inc.offerSdp));
  };
}

/**
 * A gateway places an inbound PSTN call to its Mediation Server's gateway side (unless a real
 * peer plays the gateway: it places the call itself).
 */
export async function gatewayCallsIn(ctx: HostContext, rec: CallRecord): Promise<void> {
  const call = rec.call;
  const gw = ctx.topology.gateway(call.from);
  if (!gw) {
    rec.finish('failed', null, 'unknown gateway');
    return;
  }
  if (ctx.isExternal(gw.name)) {
    // A real peer places this call itself; the Mediation Server recognises it on arrival.
    return;
  }
  const media = await ctx.openMedia(rec, gw.name, gatewayAccepts(ctx, gw), peerStream(gw));
  const sdp = offerFor(media, [codecOf(call)]);
  placeCall(ctx, rec, gw.name, ctx.uri(gw.mediationServer, call.to, 'gateway'), media, sdp, {
    supportsEarlyDialogs: gw.supportsEarlyDialogs,
    // b.5 #39: the far party of a transfer follows the Mediation Server's re-INVITE or REFER.
    onAnswered: (dialog) => {
      followsTransfer(ctx, rec, gw, dialog, media, peerStream(gw));
    },
  });
}

/**
 * A gateway or voice mail server answers with the first of the offer's codecs it speaks, and
 * sends that codec's packets to where the offer says.
 */
export async function answerWithMedia(
  ctx: HostContext,
  host: string,
  inc: IncomingCall,
  acceptFrom: AcceptFrom,
  codecs: readonly string[],
  gw: Gateway | null = null,
): Promise<void> {
  const rec = ctx.recordOf(inc);
  if (!rec) {
    inc.reject(REFUSAL_SIP.unknownCall.status, REFUSAL_SIP.unknownCall.reason);
    return;
  }
  const media = await ctx.openMedia(rec, host, acceptFrom, gw ? peerStream(gw) : {});
  const where = mediaAddressOf(inc.offerSdp);
  if (where) {
    media.setRemote(where.address, where.port);
  }
  const answer = answerFor(inc.offerSdp, media, codecs);
  settleMedia(ctx, rec.decision?.streams ?? [], host, answer, inc.offerSdp, media, null);
  inc.ring();
  mediaFollowsDialog(ctx, rec, host, inc, media);
  if (gw) {
    // b.5 #39: the far party of a transfer follows the Mediation Server's re-INVITE or REFER.
    followsTransfer(ctx, rec, gw, inc, media, peerStream(gw));
  }
  inc.answer(answer);
}
