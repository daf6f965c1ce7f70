/**
 * The flows of a decision, read top to bottom: a PSTN call through a Mediation Server to a
 * gateway peer (docs/rules.md b.0, b.1, then b.2 with CAC per leg), and a client-to-client call
 * (c.1-c.3 on the media path). Each flow asks the steps in order (bypass, CAC, the refusal
 * chain) and puts their answers into the result. Pure: it reads the ledger and returns what
 * the call would hold; the caller commits it. The rules themselves live in `bypass.ts`,
 * `cac.ts` and `refusal-chain.ts`; this file must not repeat them.
 */
import type {
  Call,
  Client,
  CodecName,
  Gateway,
  MediationServer,
  Modality,
} from '../scenario/index.js';
import { nearestEdge, type Topology } from '../topology/index.js';
import { checkBypass, type BypassOutcome } from './bypass.js';
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
import type { LedgerView } from './ledger.js';
import { refusalChain, type RefusalOutcome, type RefusedPstnLeg } from './refusal-chain.js';
import { REFUSAL_SIP, type RefusalKind } from './refusal-sip.js';

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
  return decideIn(new DecisionContext(topo, call, ledger, options, decideIn));
}

/** The flow for the call's kind. */
function decideIn(ctx: DecisionContext): CallDecision {
  switch (ctx.call.kind) {
    case 'outbound-pstn':
    case 'inbound-pstn':
      return decidePstn(ctx);
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

/** b.0 routing and channels, then the bypass check (b.1); CAC only without bypass. */
function decidePstn(ctx: DecisionContext): CallDecision {
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

  const bypass = checkBypass(ctx, client, gw, ms, outbound);
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
    call.codec && isG711(call.codec) && gw.codecs.includes(call.codec)
      ? [call.codec]
      : gw.codecs.filter(isG711);
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
  const codecs = {
    caller: outbound ? legA.codec : legB.codec,
    callee: outbound ? legB.codec : legA.codec,
  };
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
function legACodecs(call: Call, client: Client): CodecName[] {
  if (call.codec) {
    return [call.codec];
  }
  const list = client.codecs.filter((c) => MS_CLIENT_CODECS.includes(c));
  return list.length ? list : ['PCMU'];
}

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
  const codecs = call.codec ? [call.codec] : a.codecs.filter((c) => b.codecs.includes(c));
  if (codecs.length === 0) {
    trace.add('c.3#14', 'Common codec', 'fail', `${a.name} and ${b.name} share no codec`, {});
    return rejected(ctx, 'no common codec', 'noCommonCodec');
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
    const leg = checkLeg(ctx, name, a.name, ipA, b.name, ipB, codecs, m);
    checked.push(leg);
    if (leg.verdict === 'refused') {
      refusedLeg = leg;
      break;
    }
  }
  if (!refusedLeg) {
    const codec = checked[0]?.codec ?? null;
    return ctx.result({
      decision: 'CAC-ADMITTED',
      reason: `client to client; CAC admitted ${checked.map(describeLeg).join(', ')}`,
      mediaPath: hops,
      codecs: { caller: codec, callee: codec },
    });
  }
  const leg = refusedLeg;
  const outcome = refusalChain(ctx, { kind: 'p2p', leg, caller: a, callee: b, codecs, modalities });
  switch (outcome.kind) {
    case 'override':
      return ctx.result({
        decision: 'CAC-ADMITTED',
        reason: `refused (${leg.why}) but ${b.name}'s voice policy overrides bandwidth policy`,
        mediaPath: [a.name, b.name],
        codecs: { caller: leg.codec, callee: leg.codec },
        reroute: { via: 'override' },
      });
    case 'internet':
      return ctx.result({
        decision: 'CAC-REROUTED-INTERNET',
        reason: `WAN refused (${leg.why}); media over the Internet through ${outcome.edges.join(' and ')}`,
        mediaPath: uniqueHops([a.name, ...outcome.edges, b.name]),
        codecs: { caller: leg.codec, callee: leg.codec },
        reroute: { via: 'internet', edges: outcome.edges },
      });
    case 'final':
      return outcome.decision;
  }
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
