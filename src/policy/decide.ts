/**
 * The flows of a decision, read top to bottom: a PSTN call through a Mediation Server to a
 * gateway peer (docs/rules.md b.0, b.1, then b.2 with CAC per leg), a client-to-client call
 * (c.1-c.3 on the media path), and the part of a PSTN call after a transfer (b.5 #39). A call
 * to a user forks to the user's endpoints (`forking.ts`); a Teams Direct Routing deployment
 * has flows of its own (`teams/`). Each flow asks the steps in order (bypass, CAC, the refusal
 * chain) and puts their answers into the result. Pure: it reads the ledger and returns what
 * the call would hold; the caller commits it. The rules themselves live in `bypass.ts`,
 * `cac.ts`, `refusal-chain.ts` and `trunk-behaviour.ts`; this file must not repeat them.
 */
import type {
  Call,
  Client,
  CodecName,
  Gateway,
  MediationServer,
  Modality,
  TransferOrigin,
  VideoCodecName,
} from '../scenario/index.js';
import { nearestEdge, type Topology } from '../topology/index.js';
import { checkBypass, trunkConfigFor, type BypassOutcome } from './bypass.js';
import type { CallDecision, DecideOptions, LegCheck } from './call-decision.js';
import {
  accountWithoutCheck,
  cacEnabled,
  checkLeg,
  describeLeg,
  takeGatewayChannel,
} from './cac.js';
import { isG711, MS_CLIENT_CODECS } from './codecs.js';
import { DecisionContext } from './decision-context.js';
import { withForking } from './forking.js';
import type { LedgerView } from './ledger.js';
import { refusalChain, type RefusalOutcome, type RefusedPstnLeg } from './refusal-chain.js';
import { REFUSAL_SIP, type RefusalKind } from './refusal-sip.js';
import { decideTeams } from './teams/decide-teams.js';
import { planRtcp, planTransfer, transferMethod } from './trunk-behaviour.js';

/**
 * Decides one call: the bypass check first (docs/rules.md b.1), then CAC only if bypass was not
 * used (b.2, c.3), with the refusal chain of c.5. Pure: it reads the ledger and returns what
 * the call would hold; the caller commits it.
 */
export function decideCall(
  topo: Topology,
  call: Call,
  ledger: LedgerView,
  options: DecideOptions = {},
): CallDecision {
  const ctx = new DecisionContext(topo, call, ledger, options, decideIn);
  const d = decideIn(ctx);
  const user = call.user ? topo.user(call.user) : undefined;
  if (!user) {
    return d;
  }
  // b.5 #37: every other endpoint is decided against the same ledger; it holds nothing.
  const probe = (c: Call): CallDecision =>
    decideIn(new DecisionContext(topo, { ...c, user: null }, ledger, options, decideIn, true));
  return withForking(topo, call, user, d, probe, options.trace ?? true);
}

/** The flow for the deployment and the call's kind. */
function decideIn(ctx: DecisionContext): CallDecision {
  if (ctx.deployment === 'teams-direct-routing') {
    return decideTeams(ctx);
  }
  const call = ctx.call;
  switch (call.kind) {
    case 'outbound-pstn':
      return decidePstn(ctx);
    case 'inbound-pstn':
      // The part of a call after its transfer is an inbound call from the same gateway.
      return call.transferOf ? decideTransferred(ctx, call.transferOf) : decidePstn(ctx);
    case 'p2p':
      return decideP2p(ctx);
  }
}

// ---------------------------------------------------------------------------------------
// PSTN calls: through a Mediation Server to a gateway peer.

/** The parties of a PSTN call. */
interface PstnParties {
  readonly outbound: boolean;
  readonly client: Client;
  readonly gw: Gateway;
  readonly ms: MediationServer;
}

/**
 * b.0 routing and channels, then the bypass check (b.1); CAC only without bypass. `noBypass`
 * says why bypass is ruled out before the check (the Mediation Server carried out a transfer,
 * b.5 #39).
 */
function decidePstn(ctx: DecisionContext, noBypass: string | null = null): CallDecision {
  const { topo, call, trace } = ctx;
  const outbound = call.kind === 'outbound-pstn';
  const gw = topo.gateway(call.trunk ?? '');
  const client = topo.client(outbound ? call.from : call.to);
  if (!gw || !client) {
    trace.add('b.0#1', 'Routing picks the trunk', 'fail', `no gateway for this call`, {
      trunk: call.trunk,
    });
    return rejected(ctx, 'no trunk for this call', 'noRoute');
  }
  const ms = topo.mediationServer(gw.mediationServer);
  trace.add(
    'b.0#1',
    'Routing picks the trunk; the trunk picks the Mediation Server',
    'info',
    `trunk ${gw.name} (${gw.kind}) is served by ${ms?.name ?? '(none)'}`,
    {
      trunk: gw.name,
      mediationServer: ms?.name ?? null,
    },
  );
  if (!ms) {
    return rejected(ctx, `trunk ${gw.name} has no Mediation Server`, 'noRoute');
  }
  ctx.learnRoute(gw.name, ms.name);

  // Gateway channels: a full gateway answers 503 before any media decision.
  if (!takeGatewayChannel(ctx, gw)) {
    return rejected(ctx, `all ${gw.channels ?? 0} channels of ${gw.name} are busy`, 'channels');
  }

  const bypass: BypassOutcome =
    noBypass === null
      ? checkBypass(ctx, client, gw, ms, outbound)
      : { ok: false, why: noBypass, cid: null, gid: null, codec: null };
  if (ctx.call.transfer) {
    ctx.learnTransfer(planTransfer(ctx, client.name, gw, ms));
  }
  if (gw.rtcp === 'none') {
    ctx.learnRtcp(planRtcp(ctx, gw, ms, bypass.ok ? client.name : ms.name));
  }
  if (!bypass.ok) {
    return relayPstn(ctx, { outbound, client, gw, ms }, bypass);
  }
  trace.add(
    'b.1#17',
    'Bypass is used: no CAC reservation',
    'pass',
    'media flows client <-> gateway directly; the call does not count against any link',
    {},
  );
  const warnings = ctx.warnings.length ? `; ${ctx.warnings.join('; ')}` : '';
  return ctx.result({
    decision: 'BYPASS',
    bypass: true,
    reason: `bypass IDs match (${bypass.cid?.source ?? '?'})${warnings}`,
    mediaPath: pstnPath(outbound, [client.name, gw.name]),
    codecs: { caller: bypass.codec, callee: bypass.codec },
    bypassIds: { client: bypass.cid, gateway: bypass.gid },
  });
}

/**
 * The Mediation Server relays the media: b.2 #18 (CAC on?), then leg A client <-> MS and leg B
 * MS <-> peer (#20-#21), each refused leg through the refusal chain (c.5), and the result.
 */
function relayPstn(ctx: DecisionContext, p: PstnParties, bypass: BypassOutcome): CallDecision {
  const { topo, call, trace } = ctx;
  const { outbound, client, gw, ms } = p;
  const viaEdge = client.location === 'external' ? nearestEdge(topo, topo.siteOfHost(ms)) : null;
  const relayPath = pstnPath(outbound, [
    client.name,
    ...(viaEdge ? [viaEdge.name] : []),
    ms.name,
    gw.name,
  ]);
  const legACandidates = legACodecs(call, client);
  const legBCandidates =
    call.codec && isG711(call.codec) && gw.codecs.includes(call.codec) ? [call.codec] : g711Of(gw);
  ctx.learnRelay(
    {
      caller: outbound ? (legACandidates[0] ?? null) : (legBCandidates[0] ?? null),
      callee: outbound ? (legBCandidates[0] ?? null) : (legACandidates[0] ?? null),
    },
    { client: bypass.cid, gateway: bypass.gid },
  );
  if (!cacEnabled(ctx, 'each media leg')) {
    return ctx.result({
      decision: 'RELAY',
      reason: `${bypass.why}; Mediation Server relays media, CAC off`,
      mediaPath: relayPath,
    });
  }

  // b.2 #20: leg A client <-> MS (SfB side), leg B MS (gateway side) <-> peer.
  const clientIp = viaEdge ? viaEdge.ip : client.ip;
  const legA = checkLeg(
    ctx,
    'A',
    client.name,
    clientIp,
    ms.name,
    ms.clientIp,
    legACandidates,
    'audio',
  );
  const rescueA = legA.verdict === 'refused' ? refusalChain(ctx, refused(p, legA, bypass)) : null;
  if (rescueA?.kind === 'final') {
    return rescueA.decision;
  }
  let legB: LegCheck;
  if (outbound && gw.kind === 'ip-pbx' && !gw.mediaTerminationPoint) {
    legB = accountWithoutCheck(
      ctx,
      'B',
      ms.name,
      ms.gatewayIp,
      gw.name,
      gw.mediaIp,
      legBCandidates,
    );
    trace.add(
      'b.2#21',
      'Outbound call to an IP-PBX without a media termination point',
      'info',
      'the far media endpoint is unknown at setup: only leg A is checked; leg B is accounted after establishment',
      {
        gateway: gw.name,
      },
    );
  } else {
    legB = checkLeg(ctx, 'B', ms.name, ms.gatewayIp, gw.name, gw.mediaIp, legBCandidates, 'audio');
  }
  const rescueB = legB.verdict === 'refused' ? refusalChain(ctx, refused(p, legB, bypass)) : null;
  if (rescueB?.kind === 'final') {
    return rescueB.decision;
  }
  trace.add(
    'b.2#23',
    'Every leg admitted',
    'pass',
    `leg A ${rescueA ? rescueA.kind : describeLeg(legA)}; leg B ${rescueB ? rescueB.kind : describeLeg(legB)}`,
    {},
  );
  return admittedPstn(ctx, p, bypass, relayPath, legA, rescueA, legB, rescueB);
}

/** The result of a PSTN call whose every leg was admitted, or carried after a refusal. */
function admittedPstn(
  ctx: DecisionContext,
  p: PstnParties,
  bypass: BypassOutcome,
  relayPath: readonly string[],
  legA: LegCheck,
  rescueA: RefusalOutcome | null,
  legB: LegCheck,
  rescueB: RefusalOutcome | null,
): CallDecision {
  const { outbound, client, gw, ms } = p;
  // Both legs are audio legs: their codecs are audio codecs.
  const a = legA.codec as CodecName | null;
  const b = legB.codec as CodecName | null;
  const codecs = { caller: outbound ? a : b, callee: outbound ? b : a };
  const bypassIds = { client: bypass.cid, gateway: bypass.gid };
  if (rescueA?.kind === 'internet') {
    const edges = rescueA.edges;
    return ctx.result({
      decision: 'CAC-REROUTED-INTERNET',
      reason: `${bypass.why}; leg A refused (${legA.why}); media over the Internet through ${edges.join(' and ')}; leg B ${describeLeg(legB)}`,
      mediaPath: pstnPath(outbound, [client.name, ...edges, ms.name, gw.name]),
      codecs,
      bypassIds,
      reroute: { via: 'internet', edges },
    });
  }
  if (rescueA || rescueB) {
    const refusedLeg = rescueA ? legA : legB;
    return ctx.result({
      decision: 'CAC-ADMITTED',
      reason: `${bypass.why}; leg ${refusedLeg.name} refused (${refusedLeg.why}) but ${client.name}'s voice policy overrides bandwidth policy`,
      mediaPath: relayPath,
      codecs,
      bypassIds,
      reroute: { via: 'override' },
    });
  }
  return ctx.result({
    decision: 'CAC-ADMITTED',
    reason: `${bypass.why}; CAC admitted A ${describeLeg(legA)}, B ${describeLeg(legB)}`,
    mediaPath: relayPath,
    codecs,
    bypassIds,
  });
}

/** A refused leg of a PSTN call, for the refusal chain. */
function refused(p: PstnParties, leg: LegCheck, bypass: BypassOutcome): RefusedPstnLeg {
  const { outbound, client, gw, ms } = p;
  return { kind: 'pstn-leg', leg, outbound, client, gw, ms, bypassWhy: bypass.why };
}

/** A PSTN media path, given from the client's side: caller first, so reversed when inbound. */
function pstnPath(outbound: boolean, hops: string[]): string[] {
  return outbound ? hops : hops.reverse();
}

/** Codecs the Mediation Server offers the client on leg A (c.4: G.711 or RTAudio 8 kHz). */
function legACodecs(call: Call, client: Client): readonly CodecName[] {
  if (call.codec) {
    return [call.codec];
  }
  let list = LEG_A_CODECS.get(client);
  if (!list) {
    const offered = client.codecs.filter((c) => MS_CLIENT_CODECS.includes(c));
    list = Object.freeze(offered.length ? offered : ['PCMU' as const]);
    LEG_A_CODECS.set(client, list);
  }
  return list;
}

/** A gateway's G.711 codecs, in its order (computed once per gateway). */
function g711Of(gw: Gateway): readonly CodecName[] {
  let list = G711_OF.get(gw);
  if (!list) {
    list = Object.freeze(gw.codecs.filter(isG711));
    G711_OF.set(gw, list);
  }
  return list;
}

const G711_OF = new WeakMap<Gateway, readonly CodecName[]>();

/** Leg A's codecs per client (they depend on the client alone): computed once. */
const LEG_A_CODECS = new WeakMap<Client, readonly CodecName[]>();

// ---------------------------------------------------------------------------------------
// Client to client.

/** No bypass between two clients; CAC on the media path per modality, then the refusal chain. */
function decideP2p(ctx: DecisionContext): CallDecision {
  const { topo, call, trace } = ctx;
  const a = topo.client(call.from);
  const b = topo.client(call.to);
  if (!a || !b) {
    return rejected(ctx, 'unknown party', 'noRoute');
  }
  trace.add(
    'b.1',
    'Media bypass',
    'info',
    'not applicable: no Mediation Server between two clients',
    {},
  );
  const codecs = call.codec ? [call.codec] : commonCodecs(a, b);
  if (codecs.length === 0) {
    trace.add('c.3#14', 'Common codec', 'fail', `${a.name} and ${b.name} share no codec`, {});
    return rejected(ctx, 'no common codec', 'noCommonCodec');
  }
  const video = call.modality === 'video' ? commonVideoCodecs(call, a, b) : NO_VIDEO;
  if (call.modality === 'video' && video.length === 0) {
    trace.add('c.4', 'Common video codec', 'fail', `${a.name} and ${b.name} share no video codec`, {
      caller: a.videoCodecs.join(','),
      callee: b.videoCodecs.join(','),
    });
    return rejected(ctx, 'no common video codec', 'noCommonCodec');
  }
  if (call.modality === 'video') {
    ctx.learnVideoCodec(video[0] ?? null);
  }
  const edgeA = a.location === 'external' ? nearestEdge(topo, topo.siteOfHost(b)) : null;
  const edgeB = b.location === 'external' ? nearestEdge(topo, topo.siteOfHost(a)) : null;
  const hops = uniqueHops([a.name, edgeA?.name ?? null, edgeB?.name ?? null, b.name]);
  if (!cacEnabled(ctx, 'the media path')) {
    return ctx.result({
      decision: 'DIRECT',
      reason: 'client to client, CAC off',
      mediaPath: hops,
      codecs: { caller: codecs[0] ?? null, callee: codecs[0] ?? null },
    });
  }
  const ipA = edgeA ? edgeA.ip : a.ip;
  const ipB = edgeB ? edgeB.ip : b.ip;
  const modalities: Modality[] = call.modality === 'video' ? ['audio', 'video'] : ['audio'];
  let refusedLeg: LegCheck | null = null;
  const checked: LegCheck[] = [];
  for (const m of modalities) {
    const name = m === 'audio' ? 'p2p' : 'p2p-video';
    const leg = checkLeg(ctx, name, a.name, ipA, b.name, ipB, m === 'audio' ? codecs : video, m);
    checked.push(leg);
    if (leg.verdict === 'refused') {
      refusedLeg = leg;
      break;
    }
  }
  const videoLeg = checked[1];
  if (videoLeg?.codec) {
    ctx.learnVideoCodec(videoLeg.codec as VideoCodecName);
  }
  // The first leg is the audio leg: its codec is an audio codec.
  const audio = (checked[0]?.codec ?? null) as CodecName | null;
  const both = { caller: audio, callee: audio };
  if (!refusedLeg) {
    return ctx.result({
      decision: 'CAC-ADMITTED',
      reason: `client to client; CAC admitted ${checked.map(describeLeg).join(', ')}`,
      mediaPath: hops,
      codecs: both,
    });
  }
  const leg = refusedLeg;
  const outcome = refusalChain(ctx, {
    kind: 'p2p',
    leg,
    caller: a,
    callee: b,
    codecs,
    videoCodecs: video,
    modalities,
  });
  switch (outcome.kind) {
    case 'override':
      return ctx.result({
        decision: 'CAC-ADMITTED',
        reason: `refused (${leg.why}) but ${b.name}'s voice policy overrides bandwidth policy`,
        mediaPath: [a.name, b.name],
        codecs: both,
        reroute: { via: 'override' },
      });
    case 'internet':
      return ctx.result({
        decision: 'CAC-REROUTED-INTERNET',
        reason: `WAN refused (${leg.why}); media over the Internet through ${outcome.edges.join(' and ')}`,
        mediaPath: uniqueHops([a.name, ...outcome.edges, b.name]),
        codecs: both,
        reroute: { via: 'internet', edges: outcome.edges },
      });
    case 'final':
      return outcome.decision;
  }
}

/** The codecs both clients offer, in the caller's order (computed once per pair). */
function commonCodecs(a: Client, b: Client): readonly CodecName[] {
  let byCallee = COMMON_CODECS.get(a);
  if (!byCallee) {
    byCallee = new WeakMap();
    COMMON_CODECS.set(a, byCallee);
  }
  let list = byCallee.get(b);
  if (!list) {
    list = Object.freeze(a.codecs.filter((c) => b.codecs.includes(c)));
    byCallee.set(b, list);
  }
  return list;
}

const COMMON_CODECS = new WeakMap<Client, WeakMap<Client, readonly CodecName[]>>();

/** The video codecs of an audio call: none. */
const NO_VIDEO: readonly VideoCodecName[] = Object.freeze([]);

/** The video codecs both clients offer, in the caller's order, or the one the call asks for. */
function commonVideoCodecs(call: Call, a: Client, b: Client): VideoCodecName[] {
  if (call.videoCodec) {
    return [call.videoCodec];
  }
  return a.videoCodecs.filter((v) => b.videoCodecs.includes(v));
}

// ---------------------------------------------------------------------------------------
// After a transfer (b.5 #39): the far party, through the same gateway, with the target.

/**
 * The part of a PSTN call after its transfer. To a user or a client: a new inbound call from
 * the gateway, whose bypass is ruled out when the Mediation Server carried out the transfer
 * on a trunk with bypass; to a number: the peer takes the call over (REFER), or the Mediation
 * Server keeps it and relays it out through a trunk.
 */
function decideTransferred(ctx: DecisionContext, origin: TransferOrigin): CallDecision {
  const { topo, call, trace } = ctx;
  const gw = topo.gateway(origin.gateway);
  const ms = gw ? topo.mediationServer(gw.mediationServer) : undefined;
  if (!gw || !ms) {
    return rejected(ctx, 'no trunk for the transferred call', 'noRoute');
  }
  const m = transferMethod(trunkConfigFor(topo, gw, ms));
  if (topo.client(call.to)) {
    trace.add(
      'b.5#39',
      'After the transfer',
      m.bypassLost ? 'fail' : 'pass',
      `${origin.by} transferred the call from ${gw.name} to ${call.to}: ${m.why}`,
      { method: m.method, bypassLost: m.bypassLost },
    );
    return decidePstn(
      ctx,
      m.bypassLost ? 'no bypass: the Mediation Server carried out the transfer (b.5#39)' : null,
    );
  }
  return transferredToNumber(ctx, gw, ms, m.method === 'refer', m.why);
}

/** A transfer to a number: handed to the peer (REFER), or relayed out by the Mediation Server. */
function transferredToNumber(
  ctx: DecisionContext,
  gw: Gateway,
  ms: MediationServer,
  refer: boolean,
  why: string,
): CallDecision {
  const { topo, call, trace } = ctx;
  ctx.learnRoute(gw.name, ms.name);
  if (refer) {
    trace.add(
      'b.5#39',
      'After the transfer',
      'pass',
      `${why}: ${gw.name} calls ${call.to} itself and the call leaves the enterprise`,
      { method: 'refer' },
    );
    return ctx.result({
      decision: 'HANDED-OFF',
      reason: `transferred to ${call.to}: the REFER went to ${gw.name}, which took the call over`,
      mediaPath: [gw.name, 'pstn'],
      keepHolding: false,
    });
  }
  const out = topo.gateway(call.trunk ?? gw.name) ?? gw;
  trace.add(
    'b.5#39',
    'After the transfer',
    'info',
    `${why}: the Mediation Server calls ${call.to} out through ${out.name} and relays between the two gateways`,
    { method: 'mediation-server', trunk: out.name },
  );
  if (!takeGatewayChannel(ctx, out)) {
    return rejected(ctx, `all ${out.channels ?? 0} channels of ${out.name} are busy`, 'channels');
  }
  const g711 = gw.codecs.filter(isG711);
  const codecs = { caller: g711[0] ?? 'PCMU', callee: g711[0] ?? 'PCMU' } as const;
  const path = [gw.name, ms.name, out.name, 'pstn'];
  if (!cacEnabled(ctx, 'both gateway legs')) {
    return ctx.result({
      decision: 'RELAY',
      reason: `transferred to ${call.to}: the Mediation Server relays ${gw.name} <-> ${out.name}, CAC off`,
      mediaPath: path,
      codecs,
    });
  }
  const legIn = checkLeg(ctx, 'B', gw.name, gw.mediaIp, ms.name, ms.gatewayIp, g711, 'audio');
  const legOut =
    legIn.verdict === 'refused'
      ? legIn
      : checkLeg(ctx, 'B-out', ms.name, ms.gatewayIp, out.name, out.mediaIp, g711, 'audio');
  if (legOut.verdict === 'refused') {
    ctx.dropClaims();
    trace.add('c.5#21', 'Reject', 'fail', `call blocked: ${legOut.why}`, {});
    return ctx.result({
      decision: 'REJECTED',
      reason: `transferred to ${call.to}: leg ${legOut.name} refused: ${legOut.why}`,
      mediaPath: [],
      sip: REFUSAL_SIP.bandwidth,
      keepHolding: false,
    });
  }
  return ctx.result({
    decision: 'CAC-ADMITTED',
    reason: `transferred to ${call.to}: CAC admitted ${describeLeg(legIn)}, ${describeLeg(legOut)}`,
    mediaPath: path,
    codecs,
  });
}

/** Hops without gaps (null) and without a hop repeated next to itself. */
function uniqueHops(hops: readonly (string | null)[]): string[] {
  const out: string[] = [];
  for (const h of hops) {
    if (h !== null && out[out.length - 1] !== h) {
      out.push(h);
    }
  }
  return out;
}

/** A call refused before any media decision: it holds nothing. */
function rejected(ctx: DecisionContext, reason: string, kind: RefusalKind): CallDecision {
  return ctx.result({
    decision: 'REJECTED',
    reason,
    mediaPath: [],
    sip: REFUSAL_SIP[kind],
    keepHolding: false,
  });
}
