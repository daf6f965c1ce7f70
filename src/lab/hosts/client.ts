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
import { REFUSAL_SIP } from '../../policy/index.js';
import type { Client } from '../../scenario/index.js';
import { clientBypassId } from '../../topology/index.js';
import {
  answerFor,
  bypassIdOf,
  mediaAddressOf,
  offerFor,
  relayCandidateOf,
  withRemoteCandidate,
  type IncomingCall,
} from '../../sip/index.js';
import type { CallRecord } from '../call-observations.js';
import { edgeChain, edgesBetween } from '../edge-chain.js';
import { PSTN_LEG_HEADER, type HostContext } from '../host-context.js';
import { codecOf, g711Of, mediaFollowsDialog, placeCall } from './call-legs.js';

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
  const sdp = offerFor(media, [codecOf(call)], { bypassId });
  const user = call.number !== null ? dialString(call.number) : gw.name;
  placeCall(ctx, rec, client.name, ctx.uri(gw.mediationServer, user), media, sdp, {
    headers: { 'x-mediapath-trunk': gw.name },
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
  const media = await ctx.openMedia(rec, call.from, null);
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
    const sdp = offerFor(media, [codecOf(call)], { bypassId });
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
    const sdp = offerFor(chain.farFacing, [codecOf(call)]);
    placeCall(ctx, rec, call.from, ctx.uri(target, call.to), media, sdp, {
      onAnswer: async (answer) => {
        const callee = mediaAddressOf(answer);
        if (callee) {
          await chain.setFarPeer(callee);
        }
        return chain.clientFacing;
      },
    });
    return;
  }
  const sdp = offerFor(media, [codecOf(call)]);
  placeCall(ctx, rec, call.from, ctx.uri(target, call.to), media, sdp);
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
  void (async () => {
    if (rec.call.kind === 'p2p') {
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
    const answer = answerFor(inc.offerSdp, media, g711Of(inc.offerSdp), {
      bypassId: bypass ? mine : undefined,
    });
    if (target) {
      media.setRemote(target.address, target.port);
    }
    mediaFollowsDialog(ctx, rec, client.name, inc, media);
    inc.answer(bypass || !relay ? answer : withRemoteCandidate(answer, relay));
  })().catch((e: unknown) => {
    ctx.log.error({ err: e }, 'client failed to answer');
    inc.reject(REFUSAL_SIP.internalError.status, REFUSAL_SIP.internalError.reason);
  });
}
