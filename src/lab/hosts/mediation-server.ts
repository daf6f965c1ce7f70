/**
 * The Mediation Server of the live lab, as the delegate of its B2BUA: for each INVITE it finds
 * the scenario call, asks the Bandwidth Policy Service, routes the call to the gateway or the
 * client, and on bypass offers the far side the near side's media address (b.5 #36, #37);
 * otherwise it allocates a relay session (behind A/V Edges when the path has them) and offers
 * its ports, and rewrites the answer the same way. This is where signalling, media and policy
 * meet.
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
  mediaAddressOf,
  offerFor,
  withRelayCandidate,
  type B2buaDelegate,
  type IncomingCall,
} from '../../sip/index.js';
import type { TransportAddress } from '../../media/index.js';
import { PSTN_HOST } from '../addressing.js';
import { CALL_HEADER, type CallRecord } from '../call-observations.js';
import { edgeChain, edgesBetween } from '../edge-chain.js';
import { PSTN_LEG_HEADER, type HostContext } from '../host-context.js';
import { g711Of } from './call-legs.js';

/** A planned outgoing leg of the Mediation Server, with how to rewrite its answer. */
type PlannedLeg =
  | {
      readonly target: string;
      readonly offer: string;
      readonly answer: (answer: string) => Promise<string>;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly reject: number; readonly reason: string };

/**
 * The Mediation Server's side of its B2BUA: for each INVITE, ask policy; on bypass offer the far
 * side the near side's media address (b.5 #36, #37), otherwise allocate a relay session and
 * offer its ports; rewrite the answer the same way.
 */
export function mediationServerDelegate(ctx: HostContext, ms: MediationServer): B2buaDelegate {
  const answers = new Map<string, (answer: string) => Promise<string>>();
  /** B2BUA call id -> record, to report calls whose caller is an external peer. */
  const external = new Map<string, CallRecord>();
  return {
    route: async (incoming) => {
      const rec = ctx.recordOf(incoming.call);
      if (!rec) {
        return { reject: REFUSAL_SIP.unknownCall.status, reason: REFUSAL_SIP.unknownCall.reason };
      }
      external.set(incoming.id, rec);
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
            ? await routeOutbound(ctx, ms, rec, decision, incoming.call)
            : await routeInbound(ctx, ms, rec, decision, incoming.call);
        if ('reject' in planned) {
          ctx.policy.release(rec.call.id);
          return planned;
        }
        answers.set(incoming.id, planned.answer);
        return {
          target: planned.target,
          offerSdp: planned.offer,
          headers: { [CALL_HEADER]: rec.call.id, ...planned.headers },
        };
      } catch (e) {
        ctx.log.error({ err: e, call: rec.call.id }, 'Mediation Server could not route the call');
        ctx.policy.release(rec.call.id);
        return {
          reject: REFUSAL_SIP.internalError.status,
          reason: REFUSAL_SIP.internalError.reason,
        };
      }
    },
    answer: (answerSdp, incoming) => {
      const rewrite = answers.get(incoming.id);
      return rewrite ? rewrite(answerSdp) : answerSdp;
    },
    ended: (record) => {
      answers.delete(record.id);
      const scenarioId = ctx.scenarioCallOf(record.inboundCallId);
      if (scenarioId) {
        ctx.policy.release(scenarioId);
      }
      // A call placed by an external peer ends here: nobody else sees its final outcome.
      const rec = external.get(record.id);
      external.delete(record.id);
      if (rec && ctx.isExternal(rec.call.from)) {
        if (record.answered) {
          rec.finish('completed', 200, 'OK');
        } else {
          rec.finish(
            record.cause === 'cancelled' ? 'cancelled' : 'refused',
            record.status ?? null,
            record.reason ?? null,
          );
        }
      }
    },
  };
}

/** Client -> Mediation Server -> gateway. The Mediation Server decides bypass (b.1 #12). */
async function routeOutbound(
  ctx: HostContext,
  ms: MediationServer,
  rec: CallRecord,
  decision: CallDecision,
  inc: IncomingCall,
): Promise<PlannedLeg> {
  const rerouted = decision.reroute?.via === 'pstn';
  const gw = ctx.topology.gateway(rerouted ? (decision.trunk ?? '') : (rec.call.trunk ?? ''));
  const clientMedia = mediaAddressOf(inc.offerSdp);
  if (!gw || !clientMedia) {
    return { reject: REFUSAL_SIP.noRoute.status, reason: REFUSAL_SIP.noRoute.reason };
  }
  const number = rec.call.number;
  const target = ctx.uri(gw.name, number !== null ? dialString(number) : gw.name);
  const codecs = g711Of(inc.offerSdp);
  // A re-routed call is bypassed on its way out when no Mediation Server is on that part.
  const bypass = rerouted
    ? !pstnPart(decision.mediaPath, 'out').includes(ms.name)
    : decision.bypass;
  const headers = rerouted ? { [PSTN_LEG_HEADER]: 'out' } : {};
  if (bypass) {
    // b.5 #36: on bypass the gateway gets the client's media address and G.711 only.
    return {
      target,
      headers,
      offer: offerFor(clientMedia, codecs, { bypassId: bypassIdOf(inc.offerSdp) }),
      answer: (answer) => Promise.resolve(answer),
    };
  }
  const relay = ctx.relayOf(ms.name);
  const s = await relay.allocate({
    legA: { bindAddress: ctx.addressing.addressOf(ms.name) },
    legB: { bindAddress: ctx.addressing.gatewaySideOf(ms.name) },
  });
  ctx.trackRelay(rec, ms.name, s.id);
  let clientFacing: TransportAddress = s.legA;
  const edges = edgesBetween(ctx.scenario, decision.mediaPath, rec.call.from, ms.name);
  if (edges.length > 0) {
    const chain = await edgeChain(ctx, rec, edges);
    await chain.setClientPeer(clientMedia);
    await chain.setFarPeer(s.legA);
    await relay.setPeer(s.id, 'A', chain.farFacing);
    clientFacing = chain.clientFacing;
  } else {
    await relay.setPeer(s.id, 'A', clientMedia);
  }
  return {
    target,
    headers,
    offer: offerFor(s.legB, codecs),
    answer: async (answer) => {
      const gwMedia = mediaAddressOf(answer);
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
): Promise<PlannedLeg> {
  const rerouted = decision.reroute?.via === 'pstn';
  const gw = ctx.topology.gateway(
    rerouted && decision.reroute?.via === 'pstn'
      ? (decision.reroute.trunks[1] ?? '')
      : rec.call.from,
  );
  const client = ctx.topology.client(rec.call.to);
  const gwMedia = mediaAddressOf(inc.offerSdp);
  if (!gw || !client || !gwMedia) {
    return { reject: REFUSAL_SIP.noRoute.status, reason: REFUSAL_SIP.noRoute.reason };
  }
  const relay = ctx.relayOf(ms.name);
  const s = await relay.allocate({
    legA: { bindAddress: ctx.addressing.addressOf(ms.name) },
    legB: { bindAddress: ctx.addressing.gatewaySideOf(ms.name) },
  });
  await relay.setPeer(s.id, 'B', gwMedia);
  const edges = edgesBetween(ctx.scenario, decision.mediaPath, ms.name, client.name);
  const chain = edges.length > 0 ? await edgeChain(ctx, rec, edges) : null;
  if (chain) {
    await chain.setFarPeer(s.legA);
  }
  const candidate = chain ? chain.clientFacing : s.legA;
  const gid = decision.bypassIds?.gateway ?? gatewayBypassId(ctx.topology, gw).bypassId;
  // Offer the gateway's bypass ID when bypass passed every rule but the ID comparison, which
  // is the client's to make; for a re-routed call, when its inbound part is bypassed.
  const offerBypass = rerouted
    ? !pstnPart(decision.mediaPath, 'in').includes(ms.name)
    : decision.bypassIds?.gateway != null &&
      (decision.bypass || decision.bypassIds.client?.id !== decision.bypassIds.gateway.id);
  const offer = withRelayCandidate(
    offerFor(gwMedia, g711Of(inc.offerSdp), { bypassId: offerBypass ? gid?.id : undefined }),
    candidate,
  );
  return {
    target: ctx.uri(client.name, client.name),
    offer,
    answer: async (answer) => {
      const clientMedia = mediaAddressOf(answer);
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
      ctx.trackRelay(rec, ms.name, s.id);
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
