/**
 * A Skype for Business client of the live lab: it calls out to the PSTN through its trunk's
 * Mediation Server, calls another client (asking the Bandwidth Policy Service first, and
 * following the answer: direct, through A/V Edges, to voice mail, or re-routed through the
 * PSTN), and answers calls, choosing between the gateway's address and the relay candidate by
 * comparing bypass IDs (b.1 #12).
 *
 * It must not know how a run is bound, started or closed, or which process runs which host; it
 * sees the run through `HostContext` and must not import `lab.ts`.
 */
import { dialString, lineUriNumber } from '../../core/index.js';
import { REFUSAL_SIP, type CallDecision, type StreamPlan } from '../../policy/index.js';
import type { Client } from '../../scenario/index.js';
import { clientBypassId } from '../../topology/index.js';
import {
  answerFor,
  bypassIdOf,
  codecsOf,
  mediaAddressOf,
  offerFor,
  relayCandidateOf,
  withRemoteCandidate,
  type IncomingCall,
} from '../../sip/index.js';
import type { CallRecord } from '../call-observations.js';
import { edgeChain, edgesBetween } from '../edge-chain.js';
import { PSTN_LEG_HEADER, type HostContext } from '../host-context.js';
import type { MediaSession } from '../media-session.js';
import { clientOfferCodecs, planAt, sdpCodecOf, streamFormatOf } from '../stream-formats.js';
import { g711Of, mediaFollowsDialog, placeCall, settleMedia } from './call-legs.js';
import { ringOtherEndpoints } from './forking.js';
import { followsReoffer, scheduleEscalation } from '../teams-escalation.js';
import { transferLater } from './transfer-ends.js';

/** A client calls a PSTN number through its trunk's Mediation Server. */
export async function clientCallsOut(ctx: HostContext, rec: CallRecord): Promise<void> {
  const call = rec.call;
  const client = ctx.topology.client(call.from);
  const gw = ctx.topology.gateway(call.trunk ?? '');
  if (!client || !gw) {
    rec.finish('failed', null, 'unknown caller or trunk');
    return;
  }
  const media = await ctx.openMedia(rec, client.name, null);
  const bypassId = clientBypassId(ctx.topology, client).bypassId?.id;
  // The Mediation Server decides a PSTN call: the client offers its codecs (or the call's
  // own) and sends what the answer chose (c.4).
  const codecs = clientOfferCodecs(call.codec !== null ? [call.codec] : client.codecs);
  const sdp = offerFor(media, codecs, { bypassId });
  const user = call.number !== null ? dialString(call.number) : gw.name;
  placeCall(ctx, rec, client.name, ctx.uri(gw.mediationServer, user), media, sdp, {
    headers: { 'x-mediapath-trunk': gw.name },
    // b.5 #39: the client transfers the call at its time, when the decision says so.
    onAnswered: (dialog, hangUp) => {
      transferLater(ctx, rec, client.name, dialog, hangUp);
      // A Teams call's escalation moves its media with a re-INVITE of the Teams SIP proxy.
      followsReoffer(dialog, media);
    },
    // b.5 #40: on a bypassed call the client receives the peer's media, and so watches its
    // RTCP where the trunk has RTCPActiveCalls (relayed, the Mediation Server does).
    superviseRtcp: async () => {
      const d = rec.decision ?? (await ctx.policy.decisionOf(call.id));
      return d?.bypass === true && d.rtcp?.rtcpActiveCalls === true
        ? ctx.scenario.simulation.rtcpTimeoutMs
        : null;
    },
  });
}

/**
 * A client calls another client. The caller asks the Bandwidth Policy Service before placing
 * the call (the callee's side enforces the same answer: the terminating entity holds the
 * reservation).
 */
export async function clientCallsClient(ctx: HostContext, rec: CallRecord): Promise<void> {
  const call = rec.call;
  const decision = await ctx.policy.decide(call);
  rec.decision = decision;
  // The caller knows the decision: it offers the codec decided for its side of the path.
  const plan = planAt(decision.streams, call.from, 'audio');
  const media = await ctx.openMedia(
    rec,
    call.from,
    null,
    plan ? { format: streamFormatOf(plan) } : {},
  );
  const codecs = plan ? [sdpCodecOf(plan)] : g711Of('');
  if (decision.decision === 'CAC-REROUTED-PSTN' && decision.trunk !== null) {
    // c.5 #19: the caller fails over to the PSTN: out through the re-route trunk to the
    // callee's line URI.
    const gw = ctx.topology.gateway(decision.trunk);
    const caller = ctx.topology.client(call.from);
    const lineUri = ctx.topology.client(call.to)?.lineUri;
    const number = lineUri ? dialString(lineUriNumber(lineUri)) : call.to;
    if (!gw || !caller) {
      rec.finish('failed', null, 'no re-route trunk');
      return;
    }
    const bypassId = clientBypassId(ctx.topology, caller).bypassId?.id;
    const sdp = offerFor(media, codecs, { bypassId });
    placeCall(ctx, rec, call.from, ctx.uri(gw.mediationServer, number), media, sdp, {
      headers: { [PSTN_LEG_HEADER]: 'out' },
    });
    return;
  }
  const target =
    decision.decision === 'CAC-REROUTED-VOICEMAIL' && decision.reroute?.via === 'voicemail'
      ? decision.reroute.host
      : call.to;
  // Media through A/V Edge relays (an external party, or the Internet alternate path): the
  // caller offers the Edge's far address, as a relayed ICE candidate would.
  const edges = edgesBetween(ctx.scenario, decision.mediaPath, call.from, call.to);
  if (edges.length > 0) {
    const chain = await edgeChain(ctx, rec, edges);
    await chain.setClientPeer({ address: media.address, port: media.port });
    const sdp = offerFor(chain.farFacing, codecs);
    const placed = placeCall(ctx, rec, call.from, ctx.uri(target, call.to), media, sdp, {
      onAnswer: async (answer) => {
        const callee = mediaAddressOf(answer);
        if (callee) {
          await chain.setFarPeer(callee);
        }
        return chain.clientFacing;
      },
    });
    // A Teams call that escalates: this client re-INVITEs the callee (teams-escalation.ts).
    scheduleEscalation(ctx, rec, decision, { by: 'caller', dialog: placed, media });
    return;
  }
  const video = await videoSession(ctx, rec, decision);
  const sdp = offerFor(media, codecs, {
    video: video ? { at: video.session, codecs: [sdpCodecOf(video.plan)] } : undefined,
  });
  // A call to a user rings the user's other endpoints too (b.5 #37), until it is answered.
  const stopForks = ringOtherEndpoints(ctx, rec, call.from, sdp);
  const placed = placeCall(ctx, rec, call.from, ctx.uri(target, call.to), media, sdp, {
    ...(video ? { video: video.session } : {}),
    onFinal: stopForks,
  });
  scheduleEscalation(ctx, rec, decision, { by: 'caller', dialog: placed, media });
}

/**
 * The caller's video session of a video call (c.4), sending the decided video codec's
 * packets; null for an audio call.
 */
async function videoSession(
  ctx: HostContext,
  rec: CallRecord,
  decision: CallDecision,
): Promise<{ readonly session: MediaSession; readonly plan: StreamPlan } | null> {
  const plan = planAt(decision.streams, rec.call.from, 'video');
  if (!plan) {
    return null;
  }
  const session = await ctx.openMedia(rec, rec.call.from, null, {
    format: streamFormatOf(plan),
    modality: 'video',
  });
  return { session, plan };
}

/**
 * A client answers: an inbound PSTN call from its Mediation Server, or a client-to-client call
 * (refused here when the policy service rejected it).
 */
export function clientAnswers(ctx: HostContext, client: Client, inc: IncomingCall): void {
  const rec = ctx.recordOf(inc);
  if (!rec) {
    inc.reject(REFUSAL_SIP.unknownCall.status, REFUSAL_SIP.unknownCall.reason);
    return;
  }
  // b.5 #37: of a called user's endpoints, one answers; the others ring until cancelled.
  const answering = rec.call.user === null || rec.call.to === client.name;
  void (async () => {
    if (answering && rec.call.kind === 'p2p') {
      const d = await ctx.policy.decisionOf(rec.call.id);
      if (d?.decision === 'REJECTED') {
        inc.reject(
          d.sip?.status ?? REFUSAL_SIP.bandwidth.status,
          d.sip?.reason ?? REFUSAL_SIP.bandwidth.reason,
        );
        return;
      }
    }
    const media = await ctx.openMedia(rec, client.name, null);
    // b.1 #12 inbound: the client compares its own bypass ID with the gateway's that the
    // Mediation Server offered; on a match it takes the gateway's address, else the relay.
    const offeredId = bypassIdOf(inc.offerSdp);
    const mine = clientBypassId(ctx.topology, client).bypassId?.id;
    const direct = mediaAddressOf(inc.offerSdp);
    const relay = relayCandidateOf(inc.offerSdp);
    const bypass = offeredId !== undefined && offeredId === mine;
    const target = bypass || !relay ? direct : relay;
    // A call from another client carries the codec its caller was given (c.4); a PSTN call
    // G.711 from the gateway. A video call's video stream is answered when this client has
    // video codecs.
    const p2p = rec.call.kind === 'p2p';
    const video =
      p2p && client.videoCodecs.length > 0 && mediaAddressOf(inc.offerSdp, 'video')
        ? await ctx.openMedia(rec, client.name, null, { modality: 'video' })
        : null;
    const answer = answerFor(
      inc.offerSdp,
      media,
      // Relayed, a PSTN call's client leg may carry the codec the Mediation Server offered
      // first (it transcodes); bypassed, only G.711 reaches the gateway.
      p2p || !bypass ? codecsOf(inc.offerSdp) : g711Of(inc.offerSdp),
      {
        bypassId: bypass ? mine : undefined,
        video: video ? { at: video, codecs: codecsOf(inc.offerSdp, 'video') } : undefined,
      },
    );
    const final = bypass || !relay ? answer : withRemoteCandidate(answer, relay);
    if (!answering) {
      // It rings with the answer it would give (its own bypass choice, b.1 #12) as early
      // media's description, and sends nothing.
      inc.ring(183, 'Session Progress', final);
      return;
    }
    if (target) {
      media.setRemote(target.address, target.port);
    }
    const plans = (rec.decision ?? (await ctx.policy.decisionOf(rec.call.id)))?.streams ?? [];
    const videoOn = settleMedia(ctx, plans, client.name, answer, inc.offerSdp, media, video);
    const hangUp = mediaFollowsDialog(ctx, rec, client.name, inc, media, videoOn ? video : null);
    // b.5 #39: the answering client transfers the call at its time, when the decision says so.
    transferLater(ctx, rec, client.name, inc, hangUp);
    // The escalation of a Teams call moves its media with a re-INVITE (teams-escalation.ts).
    followsReoffer(inc, media);
    if (rec.call.user === null) {
      inc.answer(final);
      return;
    }
    // The endpoint of a called user rings with the others, and answers after `answerAfter`.
    inc.ring(183, 'Session Progress', final);
    ctx.later(rec.call.answerAfterMs, () => {
      inc.answer(final);
    });
  })().catch((e: unknown) => {
    ctx.log.error({ err: e }, 'client failed to answer');
    inc.reject(REFUSAL_SIP.internalError.status, REFUSAL_SIP.internalError.reason);
  });
}
