/**
 * The Mediation Server of the live lab, as the delegate of its B2BUA: for each INVITE it checks
 * the offer (a peer's SDP is never trusted: see `sdp-check.ts`), finds the call (a call of the
 * timeline, or one an outside peer places), asks the Bandwidth Policy Service, routes the call
 * to the gateway or the client, and on bypass offers the far side the near side's media address
 * (b.5 #36, #37); otherwise it allocates a relay session (behind A/V Edges when the path has
 * them) and offers its ports, and rewrites the answer the same way. Every relay session a call
 * allocated is read for the report and closed when the call ends, on every path, errors
 * included. This is where signalling, media and policy meet.
 *
 * It must not know how a run is bound, started or closed, or which process runs which host; it
 * sees the run through `HostContext` and must not import `lab.ts`.
 */
import { dialString } from '../../core/index.js';
import { REFUSAL_SIP, type CallDecision } from '../../policy/index.js';
import type { MediationServer } from '../../scenario/index.js';
import { gatewayBypassId } from '../../topology/index.js';
import {
  answerFor,
  bypassIdOf,
  checkSdp,
  offerFor,
  withRelayCandidate,
  type B2buaDelegate,
  type B2buaReject,
  type IncomingCall,
  type SdpFault,
} from '../../sip/index.js';
import type { TransportAddress } from '../../media/index.js';
import { PSTN_HOST } from '../addressing.js';
import { CALL_HEADER, type CallRecord } from '../call-observations.js';
import { edgeChain, edgesBetween } from '../edge-chain.js';
import { PSTN_LEG_HEADER, type HostContext } from '../host-context.js';
import { g711Of } from './call-legs.js';

/** The codecs the Mediation Server relays and offers (b.5 #36: G.711 only). */
const MS_CODECS = ['PCMU', 'PCMA'] as const;

/** Where a checked description receives audio: an address, or null when it is on hold. */
type MediaTarget = TransportAddress | null;

/** Rewrites the callee's checked answer into the answer for the caller. */
type AnswerRewrite = (answer: string, media: MediaTarget) => Promise<string>;

/** A planned outgoing leg of the Mediation Server, with how to rewrite its answer. */
type PlannedLeg =
  | {
      readonly target: string;
      readonly offer: string;
      readonly answer: AnswerRewrite;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | B2buaReject;

/** What the Mediation Server keeps per call while it is up. */
interface MsCall {
  readonly rec: CallRecord;
  answer: AnswerRewrite | null;
}

/** The SIP refusal of a description that failed its checks: 400 or 488, with the detail. */
export function sdpRefusal(f: SdpFault): B2buaReject {
  const base = f.status === 400 ? REFUSAL_SIP.malformedSdp : REFUSAL_SIP.unacceptableSdp;
  return { reject: base.status, reason: `${base.reason.replace(/ \(.*\)$/, '')} (${f.detail})` };
}

/**
 * The Mediation Server's side of its B2BUA: for each INVITE, check the offer, ask policy; on
 * bypass offer the far side the near side's media address (b.5 #36, #37), otherwise allocate a
 * relay session and offer its ports; rewrite the answer the same way.
 */
export function mediationServerDelegate(ctx: HostContext, ms: MediationServer): B2buaDelegate {
  const calls = new Map<string, MsCall>();
  return {
    route: async (incoming) => {
      // A peer's SDP is checked before anything is decided, routed or allocated.
      const offer = checkSdp(incoming.call.offerSdp, { codecs: MS_CODECS });
      if (!offer.ok) {
        return sdpRefusal(offer);
      }
      const found = ctx.callOf(incoming.call, ms.name, incoming.side);
      if ('reject' in found) {
        return found;
      }
      const rec = found;
      const c: MsCall = { rec, answer: null };
      calls.set(incoming.id, c);
      const decision = await ctx.policy.decide(rec.call);
      rec.decision = decision;
      if (decision.decision === 'REJECTED') {
        return {
          reject: decision.sip?.status ?? REFUSAL_SIP.bandwidth.status,
          reason: decision.sip?.reason ?? REFUSAL_SIP.bandwidth.reason,
        };
      }
      try {
        const planned =
          incoming.side === 'client'
            ? await routeOutbound(ctx, ms, rec, decision, incoming.call, offer.media)
            : await routeInbound(ctx, ms, rec, decision, incoming.call, offer.media);
        if ('reject' in planned) {
          return planned;
        }
        c.answer = planned.answer;
        return {
          target: planned.target,
          offerSdp: planned.offer,
          headers: { [CALL_HEADER]: rec.call.id, ...planned.headers },
        };
      } catch (e) {
        ctx.log.error({ err: e, call: rec.call.id }, 'Mediation Server could not route the call');
        return {
          reject: REFUSAL_SIP.internalError.status,
          reason: REFUSAL_SIP.internalError.reason,
        };
      }
    },
    answer: (answerSdp, incoming) => {
      const c = calls.get(incoming.id);
      if (!c?.answer) {
        return answerSdp;
      }
      // The callee's answer is a peer's SDP too: checked before any relay leg points at it.
      const checked = checkSdp(answerSdp, { codecs: MS_CODECS });
      return checked.ok ? c.answer(answerSdp, checked.media) : sdpRefusal(checked);
    },
    ended: (record) => {
      const c = calls.get(record.id);
      calls.delete(record.id);
      const scenarioId = c?.rec.call.id ?? ctx.scenarioCallOf(record.inboundCallId);
      if (scenarioId) {
        ctx.policy.release(scenarioId);
      }
      if (!c) {
        return;
      }
      // Every relay session of the call is read for the report and closed, whatever the end.
      ctx.releaseRelays(c.rec);
      // A call placed by an outside peer ends here: nobody else sees its final outcome.
      if (ctx.isExternal(c.rec.call.from)) {
        if (record.answered) {
          c.rec.finish('completed', 200, 'OK');
        } else {
          c.rec.finish(
            record.cause === 'cancelled' ? 'cancelled' : 'refused',
            record.status ?? null,
            record.reason ?? null,
          );
        }
      }
    },
  };
}

/** Allocates a relay session on the Mediation Server and tracks it with the call at once. */
async function allocateRelay(
  ctx: HostContext,
  ms: MediationServer,
  rec: CallRecord,
): Promise<{
  readonly id: string;
  readonly legA: TransportAddress;
  readonly legB: TransportAddress;
}> {
  const s = await ctx.relayOf(ms.name).allocate({
    legA: { bindAddress: ctx.addressing.addressOf(ms.name) },
    legB: { bindAddress: ctx.addressing.gatewaySideOf(ms.name) },
  });
  ctx.trackRelay(rec, ms.name, s.id);
  return s;
}

/** Client -> Mediation Server -> gateway. The Mediation Server decides bypass (b.1 #12). */
async function routeOutbound(
  ctx: HostContext,
  ms: MediationServer,
  rec: CallRecord,
  decision: CallDecision,
  inc: IncomingCall,
  clientMedia: MediaTarget,
): Promise<PlannedLeg> {
  const rerouted = decision.reroute?.via === 'pstn';
  const gw = ctx.topology.gateway(rerouted ? (decision.trunk ?? '') : (rec.call.trunk ?? ''));
  if (!gw) {
    return { reject: REFUSAL_SIP.noRoute.status, reason: REFUSAL_SIP.noRoute.reason };
  }
  const down = ctx.peerDown(gw.name);
  if (down) {
    return down;
  }
  const number = rec.call.number;
  const target = ctx.uri(gw.name, number !== null ? dialString(number) : gw.name);
  const codecs = g711Of(inc.offerSdp);
  // A re-routed call is bypassed on its way out when no Mediation Server is on that part.
  const bypass = rerouted
    ? !pstnPart(decision.mediaPath, 'out').includes(ms.name)
    : decision.bypass;
  const headers = rerouted ? { [PSTN_LEG_HEADER]: 'out' } : {};
  if (bypass && clientMedia) {
    // b.5 #36: on bypass the gateway gets the client's media address and G.711 only.
    return {
      target,
      headers,
      offer: offerFor(clientMedia, codecs, { bypassId: bypassIdOf(inc.offerSdp) }),
      answer: (answer) => Promise.resolve(answer),
    };
  }
  const relay = ctx.relayOf(ms.name);
  const s = await allocateRelay(ctx, ms, rec);
  let clientFacing: TransportAddress = s.legA;
  const edges = edgesBetween(ctx.scenario, decision.mediaPath, rec.call.from, ms.name);
  if (edges.length > 0) {
    const chain = await edgeChain(ctx, rec, edges);
    if (clientMedia) {
      await chain.setClientPeer(clientMedia);
    }
    await chain.setFarPeer(s.legA);
    await relay.setPeer(s.id, 'A', chain.farFacing);
    clientFacing = chain.clientFacing;
  } else if (clientMedia) {
    // A caller on hold (c=0.0.0.0) gets nothing until it gives an address.
    await relay.setPeer(s.id, 'A', clientMedia);
  }
  return {
    target,
    headers,
    offer: offerFor(s.legB, codecs),
    answer: async (answer, gwMedia) => {
      if (gwMedia) {
        await relay.setPeer(s.id, 'B', gwMedia);
      }
      return answerFor(inc.offerSdp, clientFacing, g711Of(answer));
    },
  };
}

/**
 * Gateway -> Mediation Server -> client. The client is offered the gateway's address and bypass
 * ID and the Mediation Server's relay as a candidate, and decides (b.1 #12, b.5 #37).
 */
async function routeInbound(
  ctx: HostContext,
  ms: MediationServer,
  rec: CallRecord,
  decision: CallDecision,
  inc: IncomingCall,
  gwMedia: MediaTarget,
): Promise<PlannedLeg> {
  const rerouted = decision.reroute?.via === 'pstn';
  const gw = ctx.topology.gateway(
    rerouted && decision.reroute?.via === 'pstn'
      ? (decision.reroute.trunks[1] ?? '')
      : rec.call.from,
  );
  const client = ctx.topology.client(rec.call.to);
  if (!gw || !client) {
    return { reject: REFUSAL_SIP.noRoute.status, reason: REFUSAL_SIP.noRoute.reason };
  }
  const relay = ctx.relayOf(ms.name);
  const s = await allocateRelay(ctx, ms, rec);
  if (gwMedia) {
    await relay.setPeer(s.id, 'B', gwMedia);
  }
  const edges = edgesBetween(ctx.scenario, decision.mediaPath, ms.name, client.name);
  const chain = edges.length > 0 ? await edgeChain(ctx, rec, edges) : null;
  if (chain) {
    await chain.setFarPeer(s.legA);
  }
  const candidate = chain ? chain.clientFacing : s.legA;
  const gid = decision.bypassIds?.gateway ?? gatewayBypassId(ctx.topology, gw).bypassId;
  // Offer the gateway's bypass ID when bypass passed every rule but the ID comparison, which
  // is the client's to make; for a re-routed call, when its inbound part is bypassed. A
  // gateway on hold offers nothing to bypass to: the client gets the relay only.
  const offerBypass =
    gwMedia !== null &&
    (rerouted
      ? !pstnPart(decision.mediaPath, 'in').includes(ms.name)
      : decision.bypassIds?.gateway != null &&
        (decision.bypass || decision.bypassIds.client?.id !== decision.bypassIds.gateway.id));
  const offer = withRelayCandidate(
    offerFor(gwMedia ?? s.legA, g711Of(inc.offerSdp), {
      bypassId: offerBypass ? gid?.id : undefined,
    }),
    candidate,
  );
  return {
    target: ctx.uri(client.name, client.name),
    offer,
    answer: async (answer, clientMedia) => {
      if (bypassIdOf(answer) !== undefined && clientMedia) {
        // The client chose the gateway's address: no relay on this call.
        await relay.close(s.id);
        return answerFor(inc.offerSdp, clientMedia, g711Of(answer));
      }
      if (clientMedia && chain) {
        await chain.setClientPeer(clientMedia);
        await relay.setPeer(s.id, 'A', chain.farFacing);
      } else if (clientMedia) {
        await relay.setPeer(s.id, 'A', clientMedia);
      }
      return answerFor(inc.offerSdp, s.legB, g711Of(answer));
    },
  };
}

/** The part of a re-routed call's path before (`out`) or after (`in`) the PSTN. */
function pstnPart(path: readonly string[], part: 'out' | 'in'): readonly string[] {
  const i = path.indexOf(PSTN_HOST);
  if (i < 0) {
    return path;
  }
  return part === 'out' ? path.slice(0, i) : path.slice(i + 1);
}
