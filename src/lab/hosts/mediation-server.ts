/**
 * The Mediation Server of the live lab, as the delegate of its B2BUA: for each INVITE it checks
 * the offer (a peer's SDP is never trusted: see `sdp-check.ts`), finds the call (a call of the
 * timeline, or one an outside peer places), asks the Bandwidth Policy Service, routes the call
 * to the gateway or the client, and on bypass offers the far side the near side's media address
 * (b.5 #36, #37); otherwise it allocates a relay session (behind A/V Edges when the path has
 * them), or a transcoding session when the client's leg carries another codec than the
 * gateway's (c.4), and offers its ports, and rewrites the answer the same way. Every relay session a call
 * allocated is read for the report and closed when the call ends, on every path, errors
 * included. This is where signalling, media and policy meet.
 *
 * It must not know how a run is bound, started or closed, or which process runs which host; it
 * sees the run through `HostContext` and must not import `lab.ts`.
 */
import { dialString, InternalError } from '../../core/index.js';
import { REFUSAL_SIP, type CallDecision, type StreamPlan } from '../../policy/index.js';
import type { CallEndState } from '../../report/index.js';
import type { Gateway, MediationServer, TrunkConfiguration } from '../../scenario/index.js';
import { gatewayBypassId } from '../../topology/index.js';
import {
  answerFor,
  bypassIdOf,
  checkSdp,
  offerFor,
  withRelayCandidate,
  type B2bua,
  type B2buaCallRecord,
  type B2buaDelegate,
  type B2buaReject,
  type B2buaRoute,
  type IncomingCall,
  type SdpFault,
} from '../../sip/index.js';
import type { MediaTimeout, TransportAddress } from '../../media/index.js';
import { PSTN_HOST } from '../addressing.js';
import { callHeaders, type CallRecord, type LegState } from '../call-observations.js';
import { edgeChain, edgesBetween } from '../edge-chain.js';
import { PSTN_LEG_HEADER, type HostContext } from '../host-context.js';
import { relayWatch, type RelayWatch } from './relay-watch.js';
import { planAt, sdpCodecOf, streamFormatOf } from '../stream-formats.js';
import { g711Of } from './call-legs.js';
import { ringOtherEndpoints } from './forking.js';
import { routeTeams } from './teams-proxy.js';
import { carryOutTransfer, type TransferRequest } from './ms-transfer.js';

/**
 * The codecs the Mediation Server accepts from its peers: G.711 (b.5 #36, all a gateway
 * speaks) and the clients' codecs it transcodes from (c.4: RTAudio narrowband, SILK).
 */
const MS_CODECS = ['PCMU', 'PCMA', 'x-msrta', 'SILK'] as const;

/** Where a checked description receives audio: an address, or null when it is on hold. */
type MediaTarget = TransportAddress | null;

/** Rewrites the callee's checked answer into the answer for the caller. */
type AnswerRewrite = (answer: string, media: MediaTarget) => Promise<string>;

/** A planned outgoing leg of the Mediation Server, with how to rewrite its answer. */
type PlannedLeg =
  | {
      readonly target: string;
      /** The host the leg goes to. */
      readonly peer: string;
      readonly offer: string;
      readonly answer: AnswerRewrite;
      readonly headers?: Readonly<Record<string, string>>;
      /** The fast failover timer of the leg (a.10), when its trunk has it. */
      readonly failover?: Pick<B2buaRoute, 'failoverMs' | 'failoverReject'>;
      /** Cancels the other endpoints of a called user still ringing (b.5 #37). */
      readonly stopForks?: () => void;
      /** Rewrites the callee's early-media description for the caller. */
      readonly early?: (sdp: string) => string;
    }
  | B2buaReject;

/** What the Mediation Server keeps per call while it is up. */
interface MsCall {
  readonly id: string;
  readonly rec: CallRecord;
  answer: AnswerRewrite | null;
  /** A fault the Mediation Server detected, which gives the call its final state. */
  fault: { readonly state: CallEndState; readonly reason: string } | null;
  /** Its two dialogs, as the Mediation Server saw them. */
  readonly callerLeg: LegState;
  calleeLeg: LegState | null;
  /** Cancels the other endpoints of a called user still ringing. */
  stopForks: (() => void) | null;
  /** Rewrites the callee's early-media description for the caller. */
  early: ((sdp: string) => string) | null;
}

/** The SIP refusal of a description that failed its checks: 400 or 488, with the detail. */
export function sdpRefusal(f: SdpFault): B2buaReject {
  const base = f.status === 400 ? REFUSAL_SIP.malformedSdp : REFUSAL_SIP.unacceptableSdp;
  return { reject: base.status, reason: `${base.reason.replace(/ \(.*\)$/, '')} (${f.detail})` };
}

/** The Mediation Server's B2BUA delegate, and how to give it the B2BUA it serves. */
export interface MediationServerHost {
  readonly delegate: B2buaDelegate;
  /** The B2BUA the delegate serves (to end calls on a media timeout). */
  attach(b2bua: B2bua): void;
}

/**
 * Where the Mediation Server anchors a relayed call's media: a relay session that forwards
 * datagrams when both legs carry the same codec, or a transcoding session when they do not
 * (c.4: RTAudio towards the client, G.711 towards the gateway).
 */
interface AnchoredMedia {
  readonly legA: TransportAddress;
  readonly legB: TransportAddress;
  /** The codec of leg A when the session transcodes; null when it forwards. */
  readonly transcodes: StreamPlan | null;
  setPeer(leg: 'A' | 'B', peer: TransportAddress): Promise<void>;
  close(): Promise<void>;
}

/**
 * The Mediation Server's side of its B2BUA: for each INVITE, check the offer, ask policy; on
 * bypass offer the far side the near side's media address (b.5 #36, #37), otherwise allocate a
 * relay session, offer its ports and watch its legs' media; rewrite the answer the same way.
 * A fault it detects (a silent relay leg, Timer C, a gateway down or silent) ends the call
 * with that state.
 */
export function mediationServerDelegate(
  ctx: HostContext,
  ms: MediationServer,
): MediationServerHost {
  const calls = new Map<string, MsCall>();
  let b2bua: B2bua | null = null;
  const onMediaTimeout = (c: MsCall, t: MediaTimeout, silent: string): void => {
    if (c.fault !== null || !b2bua) {
      return;
    }
    const what = t.kind === 'rtp' ? 'RTP' : 'RTCP';
    c.fault = {
      state: 'media-timeout',
      reason: `${ms.name}: no ${what} from ${silent} for ${(t.idleMs / 1000).toFixed(1)} s`,
    };
    ctx.log.warn({ call: c.rec.call.id, ...t }, 'media timeout: ending both legs');
    b2bua.terminate(c.id);
  };
  const delegate: B2buaDelegate = {
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
      const caller = ctx.addressing.hostOf(incoming.call.remote.address) ?? rec.call.from;
      const c: MsCall = {
        id: incoming.id,
        rec,
        answer: null,
        fault: null,
        callerLeg: rec.openLeg(ms.name, caller, 'callee'),
        calleeLeg: null,
        stopForks: null,
        early: null,
      };
      calls.set(incoming.id, c);
      const decision = await ctx.policy.decide(rec.call);
      rec.decision = decision;
      if (decision.decision === 'REJECTED') {
        return {
          reject: decision.sip?.status ?? REFUSAL_SIP.bandwidth.status,
          reason: decision.sip?.reason ?? REFUSAL_SIP.bandwidth.reason,
        };
      }
      const watch = relayWatch(ctx, c.id, (t, silent) => {
        onMediaTimeout(c, t, silent);
      });
      try {
        // Under Teams Direct Routing this host plays the Teams SIP proxy (teams-proxy.ts).
        const planned: PlannedLeg =
          decision.teams !== null
            ? await routeTeams(ctx, rec, decision, incoming.call, offer.media, incoming.side, () =>
                b2bua?.legs(incoming.id),
              )
            : incoming.side === 'client'
              ? await routeOutbound(ctx, ms, rec, decision, incoming.call, offer.media, watch)
              : await routeInbound(ctx, ms, rec, decision, incoming.call, offer.media, watch);
        if ('reject' in planned) {
          if (ctx.peerDown(rec.call.trunk ?? '') !== null) {
            c.fault = { state: 'peer-down', reason: planned.reason ?? 'gateway down' };
          }
          return planned;
        }
        c.answer = planned.answer;
        c.stopForks = planned.stopForks ?? null;
        c.early = planned.early ?? null;
        c.calleeLeg = rec.openLeg(ms.name, planned.peer, 'caller');
        return {
          target: planned.target,
          offerSdp: planned.offer,
          headers: {
            // A real peer and a host of this process have no use for the call's definition.
            ...callHeaders(rec.call, rec.call.index < 0 && ctx.runsElsewhere(planned.peer)),
            ...planned.headers,
          },
          ...planned.failover,
        };
      } catch (e) {
        ctx.log.error({ err: e, call: rec.call.id }, 'Mediation Server could not route the call');
        return {
          reject: REFUSAL_SIP.internalError.status,
          reason: REFUSAL_SIP.internalError.reason,
        };
      }
    },
    early: (sdp, incoming) => calls.get(incoming.id)?.early?.(sdp) ?? '',
    answer: async (answerSdp, incoming) => {
      const c = calls.get(incoming.id);
      if (!c?.answer) {
        return answerSdp;
      }
      c.stopForks?.();
      if (c.calleeLeg) {
        c.calleeLeg.answered = true;
      }
      // The callee's answer is a peer's SDP too: checked before any relay leg points at it.
      const checked = checkSdp(answerSdp, { codecs: MS_CODECS });
      if (!checked.ok) {
        return sdpRefusal(checked);
      }
      const rewritten = await c.answer(answerSdp, checked.media);
      c.callerLeg.answered = true;
      return rewritten;
    },
    refer: transfersOn(ctx, ms, calls, () => b2bua),
    ended: (record) => {
      const c = calls.get(record.id);
      const scenarioId = c?.rec.call.id ?? ctx.scenarioCallOf(record.inboundCallId);
      if (scenarioId) {
        ctx.policy.release(scenarioId);
      }
      if (!c) {
        return;
      }
      c.stopForks?.();
      // Every relay session of the call is read for the report and closed, whatever the end.
      ctx.releaseRelays(c.rec);
      noteLegs(c, record);
      finishHere(ctx, c, record);
    },
    settled: (record, legs) => {
      const c = calls.get(record.id);
      calls.delete(record.id);
      if (c) {
        c.callerLeg.byeAnswered(legs.caller.byeStatus ?? 0);
        c.calleeLeg?.byeAnswered(legs.callee?.byeStatus ?? 0);
      }
    },
  };
  return {
    delegate,
    attach: (b) => {
      b2bua = b;
    },
  };
}

/**
 * b.5 #39: the enterprise party transfers the call (a REFER on one leg of B2BUA call `id`):
 * carried out as the decision says, the legs to the target routed as any call's.
 */
function transfersOn(
  ctx: HostContext,
  ms: MediationServer,
  calls: ReadonlyMap<string, MsCall>,
  b2buaOf: () => B2bua | null,
): NonNullable<B2buaDelegate['refer']> {
  return (incoming, from, refer) => {
    transferOn(ctx, ms, b2buaOf(), calls.get(incoming.id), { id: incoming.id, from, refer });
  };
}

/** A transfer of one call (see {@link transfersOn}). */
function transferOn(
  ctx: HostContext,
  ms: MediationServer,
  b2bua: B2bua | null,
  c: MsCall | undefined,
  r: Pick<TransferRequest, 'id' | 'from' | 'refer'>,
): void {
  if (!c || !b2bua) {
    void r.refer.notify(481, 'Call/Transaction Does Not Exist');
    return;
  }
  carryOutTransfer(ctx, ms, b2bua, {
    ...r,
    rec: c.rec,
    msLegs: { caller: c.callerLeg, callee: c.calleeLeg },
    codecs: MS_CODECS,
    // Under Teams the proxy calls the target as it routes any call from the SBC.
    route: (rec, decision, offerSdp, far, watch) =>
      decision.teams !== null
        ? routeTeams(ctx, rec, decision, { offerSdp }, far, 'gateway')
        : (ctx.topology.client(rec.call.to) === undefined ? routeOutbound : routeInbound)(
            ctx,
            ms,
            rec,
            decision,
            { offerSdp },
            far,
            watch,
          ),
  });
}

/** The Mediation Server's two dialogs of an ended call, as its B2BUA saw them. */
function noteLegs(c: MsCall, record: B2buaCallRecord): void {
  const cause = c.fault?.state ?? record.cause;
  const caller = record.legs.caller;
  c.callerLeg.answered = caller.answered;
  if (caller.end !== 'open') {
    c.callerLeg.ended(caller.end, cause);
  }
  const callee = record.legs.callee;
  if (c.calleeLeg && callee) {
    c.calleeLeg.answered = callee.answered;
    if (callee.end !== 'open') {
      c.calleeLeg.ended(callee.end, cause);
    }
  }
}

/**
 * The final outcome the Mediation Server knows and the caller may not: a fault it detected
 * (media timeout, Timer C, a gateway down or silent), or any end of a call an outside peer
 * placed (nobody else sees it).
 */
function finishHere(ctx: HostContext, c: MsCall, record: B2buaCallRecord): void {
  const rec = c.rec;
  if (record.cause === 'ring-timeout') {
    c.fault ??= { state: 'ring-timeout', reason: record.reason ?? 'Timer C' };
  } else if (record.cause === 'no-provisional') {
    c.fault ??= { state: 'peer-down', reason: record.reason ?? 'no provisional response' };
  }
  if (c.fault) {
    rec.finish(c.fault.state, record.status ?? (record.answered ? 200 : null), c.fault.reason);
    return;
  }
  if (ctx.isExternal(rec.call.from)) {
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
}

/** The trunk configuration of a gateway (b.0 #2: its own scope, its MS's site, global). */
function trunkOf(
  ctx: HostContext,
  gw: Gateway,
  ms: MediationServer,
): TrunkConfiguration | undefined {
  const list = ctx.scenario.trunkConfigurations;
  const site = ctx.topology.siteOfHost(ms);
  return (
    list.find((t) => t.scope === `pstnGateway:${gw.name}`) ??
    (site ? list.find((t) => t.scope === `site:${site.name}`) : undefined) ??
    list.find((t) => t.scope === 'global')
  );
}

/**
 * Allocates a relay session on the Mediation Server with the media timeouts of the call's
 * trunk (RTP always, RTCP where the trunk has `rtcpActiveCalls`, b.5 #40), tracks it with the
 * call at once and watches its legs.
 */
async function allocateRelay(
  ctx: HostContext,
  ms: MediationServer,
  rec: CallRecord,
  gw: Gateway,
  watch: { readonly fn: RelayWatch; readonly legA: string; readonly legB: string },
): Promise<{
  readonly id: string;
  readonly legA: TransportAddress;
  readonly legB: TransportAddress;
}> {
  const sim = ctx.scenario.simulation;
  const s = await ctx.relayOf(ms.name).allocate({
    legA: { bindAddress: ctx.addressing.addressOf(ms.name) },
    legB: { bindAddress: ctx.addressing.gatewaySideOf(ms.name) },
    timeouts: {
      rtpMs: sim.mediaTimeoutMs,
      rtcpMs: rtcpTimeoutOf(ctx, gw, ms),
    },
  });
  ctx.trackRelay(rec, ms.name, s.id);
  watch.fn(s.id, watch.legA, watch.legB);
  return s;
}

/**
 * Anchors a relayed call's media on the Mediation Server: a transcoding session when the
 * decision's streams on its two sides differ in codec or packetization (c.4), else a relay
 * session. Either is read for the report and closed with the call.
 */
async function anchorMedia(
  ctx: HostContext,
  ms: MediationServer,
  rec: CallRecord,
  gw: Gateway,
  client: string,
  watch: RelayWatch,
): Promise<AnchoredMedia> {
  const plans = rec.decision?.streams ?? [];
  const a = planAt(plans, ms.name, 'audio', client);
  const b = planAt(plans, ms.name, 'audio', gw.name);
  if (a && b && (a.payloadType !== b.payloadType || a.payloadBytes !== b.payloadBytes)) {
    const m = await ctx.openMedia(rec, ms.name, null, {
      format: streamFormatOf(a),
      transcode: {
        bindAddress: ctx.addressing.gatewaySideOf(ms.name),
        format: streamFormatOf(b),
        rtcpTimeoutMs: rtcpTimeoutOf(ctx, gw, ms),
      },
    });
    const far = m.far;
    if (!far) {
      throw new InternalError('a transcoding session without its second leg');
    }
    watch(m, client, gw.name);
    return {
      legA: { address: m.address, port: m.port },
      legB: { address: far.address, port: far.port },
      transcodes: a,
      setPeer: (leg, peer) => {
        (leg === 'A' ? m : far).setRemote(peer.address, peer.port);
        return Promise.resolve();
      },
      close: () => m.close(),
    };
  }
  const s = await allocateRelay(ctx, ms, rec, gw, { fn: watch, legA: client, legB: gw.name });
  const relay = ctx.relayOf(ms.name);
  return {
    legA: s.legA,
    legB: s.legB,
    transcodes: null,
    setPeer: (leg, peer) => relay.setPeer(s.id, leg, peer),
    close: () => relay.close(s.id).then(() => undefined),
  };
}

/** The RTCP timeout of a gateway's calls: on where its trunk has `rtcpActiveCalls` (b.5 #40). */
function rtcpTimeoutOf(ctx: HostContext, gw: Gateway, ms: MediationServer): number {
  return trunkOf(ctx, gw, ms)?.rtcpActiveCalls === true ? ctx.scenario.simulation.rtcpTimeoutMs : 0;
}

/** The fast failover timer of an outgoing leg to a gateway (a.10), when its trunk has it. */
function failoverOf(
  ctx: HostContext,
  gw: Gateway,
  ms: MediationServer,
): Pick<B2buaRoute, 'failoverMs' | 'failoverReject'> {
  const ms10 = ctx.scenario.simulation.fastFailoverTimeoutMs;
  if (trunkOf(ctx, gw, ms)?.enableFastFailoverTimer !== true || ms10 <= 0) {
    return {};
  }
  const base = REFUSAL_SIP.noProvisional.reason.replace(/ \(.*\)$/, '');
  return {
    failoverMs: ms10,
    failoverReject: {
      reject: REFUSAL_SIP.noProvisional.status,
      reason: `${base} (no response from ${gw.name} within ${ms10 / 1000} s)`,
    },
  };
}

/**
 * Client -> Mediation Server -> gateway. The Mediation Server decides bypass (b.1 #12). Also
 * the leg out to a number of a transfer the Mediation Server carries out (`inc`: the far
 * gateway's description then, no INVITE; the leg goes on to the PSTN through the trunk).
 */
async function routeOutbound(
  ctx: HostContext,
  ms: MediationServer,
  rec: CallRecord,
  decision: CallDecision,
  inc: IncomingCall | { readonly offerSdp: string },
  clientMedia: MediaTarget,
  watch: RelayWatch,
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
  const headers = rerouted || rec.call.transferOf !== null ? { [PSTN_LEG_HEADER]: 'out' } : {};
  const failover = failoverOf(ctx, gw, ms);
  if (bypass && clientMedia) {
    // b.5 #36: on bypass the gateway gets the client's media address and G.711 only.
    return {
      target,
      peer: gw.name,
      headers,
      failover,
      offer: offerFor(clientMedia, codecs, { bypassId: bypassIdOf(inc.offerSdp) }),
      answer: (answer) => Promise.resolve(answer),
    };
  }
  const s = await anchorMedia(ctx, ms, rec, gw, rec.call.from, watch);
  let clientFacing: TransportAddress = s.legA;
  const edges = edgesBetween(ctx.scenario, decision.mediaPath, rec.call.from, ms.name);
  if (edges.length > 0) {
    const chain = await edgeChain(ctx, rec, edges);
    if (clientMedia) {
      await chain.setClientPeer(clientMedia);
    }
    await chain.setFarPeer(s.legA);
    await s.setPeer('A', chain.farFacing);
    clientFacing = chain.clientFacing;
  } else if (clientMedia) {
    // A caller on hold (c=0.0.0.0) gets nothing until it gives an address.
    await s.setPeer('A', clientMedia);
  }
  const transcodes = s.transcodes;
  return {
    target,
    peer: gw.name,
    headers,
    failover,
    offer: offerFor(s.legB, codecs),
    answer: async (answer, gwMedia) => {
      if (gwMedia) {
        await s.setPeer('B', gwMedia);
      }
      // Transcoding, the client's leg carries the codec decided for it; else the gateway's.
      return answerFor(
        inc.offerSdp,
        clientFacing,
        transcodes ? [sdpCodecOf(transcodes)] : g711Of(answer),
      );
    },
  };
}

/**
 * Gateway -> Mediation Server -> client. The client is offered the gateway's address and bypass
 * ID and the Mediation Server's relay as a candidate, and decides (b.1 #12, b.5 #37). Also the
 * leg to the target of a transfer the Mediation Server carries out (`inc`: the gateway's
 * description then, no INVITE).
 */
async function routeInbound(
  ctx: HostContext,
  ms: MediationServer,
  rec: CallRecord,
  decision: CallDecision,
  inc: IncomingCall | { readonly offerSdp: string },
  gwMedia: MediaTarget,
  watch: RelayWatch,
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
  const s = await anchorMedia(ctx, ms, rec, gw, client.name, watch);
  if (gwMedia) {
    await s.setPeer('B', gwMedia);
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
    // Transcoding, the client is offered the codec decided for its leg first (c.4); G.711
    // stays for a bypass to the gateway.
    offerFor(
      gwMedia ?? s.legA,
      [...(s.transcodes ? [sdpCodecOf(s.transcodes)] : []), ...g711Of(inc.offerSdp)],
      {
        bypassId: offerBypass ? gid?.id : undefined,
      },
    ),
    candidate,
  );
  // b.5 #37, #38: the user's other endpoints ring too; each one's provisional answer reaches
  // the gateway as an early dialog, MaxEarlyDialogs in all (the answering endpoint's is one).
  // An endpoint's early media comes from the endpoint when it bypasses, else from the relay.
  // A description that fails the checks is not passed on (the provisional goes without).
  const early = (sdp: string): string => {
    const checked = checkSdp(sdp, { codecs: MS_CODECS });
    if (!checked.ok) {
      return '';
    }
    const own = bypassIdOf(sdp) !== undefined ? checked.media : null;
    return answerFor(inc.offerSdp, own ?? s.legB, g711Of(sdp));
  };
  const forking = decision.forking;
  const stopForks =
    forking && 'request' in inc
      ? ringOtherEndpoints(ctx, rec, ms.name, offer, {
          call: inc,
          room: Math.max(0, (forking.maxEarlyDialogs ?? forking.endpoints.length) - 1),
          rewrite: early,
        })
      : undefined;
  return {
    target: ctx.uri(client.name, client.name),
    peer: client.name,
    offer,
    early,
    ...(stopForks ? { stopForks } : {}),
    answer: async (answer, clientMedia) => {
      if (bypassIdOf(answer) !== undefined && clientMedia) {
        // The client chose the gateway's address: no relay on this call.
        await s.close();
        return answerFor(inc.offerSdp, clientMedia, g711Of(answer));
      }
      if (clientMedia && chain) {
        await chain.setClientPeer(clientMedia);
        await s.setPeer('A', chain.farFacing);
      } else if (clientMedia) {
        await s.setPeer('A', clientMedia);
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
