/**
 * What happens when CAC refuses the primary path (docs/rules.md c.5#17-#22), written once for a
 * refused leg of a PSTN call (A6, A15) and for a refused client-to-client call: the
 * bandwidth policy override (#17), the Internet alternate path through A/V Edges (#18), the
 * PSTN re-route (#19), voice mail (#20), reject (#21), and video that only gets the Internet
 * path (#22). A re-route decides its outbound and inbound PSTN parts as calls of their own
 * through the context (`decideNested`), so this file never imports the flows (`decide.ts`).
 * It must not know how a leg is checked (it asks `alternate-path.ts`, which asks `cac.ts`),
 * nor anything of bypass.
 */
import { InternalError, lineUriNumber } from '../core/index.js';
import type {
  Call,
  Client,
  CodecName,
  Gateway,
  MediationServer,
  Modality,
  VideoCodecName,
  VoicePolicy,
} from '../scenario/index.js';
import type { CallDecision, LegCheck } from './call-decision.js';
import { internetPath } from './alternate-path.js';
import { audioCodecOf } from './codecs.js';
import type { DecisionContext } from './decision-context.js';
import type { Holding, LedgerView } from './ledger.js';
import { REFUSAL_SIP } from './refusal-sip.js';

/** A refused leg of a PSTN call (b.2 #23): leg A client<->MS or leg B MS<->peer. */
export interface RefusedPstnLeg {
  readonly kind: 'pstn-leg';
  readonly leg: LegCheck;
  readonly outbound: boolean;
  /** The enterprise user: the caller of an outbound call, the callee of an inbound one. */
  readonly client: Client;
  readonly gw: Gateway;
  readonly ms: MediationServer;
  /** Why bypass was not used: the start of a rejection's reason. */
  readonly bypassWhy: string;
}

/** A refused client-to-client call: its first refused modality. */
export interface RefusedP2pCall {
  readonly kind: 'p2p';
  readonly leg: LegCheck;
  readonly caller: Client;
  readonly callee: Client;
  /** The codecs both clients offer, in the caller's order. */
  readonly codecs: readonly CodecName[];
  /** The video codecs both offer, in the caller's order (video calls). */
  readonly videoCodecs: readonly VideoCodecName[];
  /** The call's modalities: audio, or audio and video. */
  readonly modalities: readonly Modality[];
}

/** What the chain is asked to handle. */
export type Refusal = RefusedPstnLeg | RefusedP2pCall;

/**
 * What the chain made of a refusal: the refused part is carried after all, and the flow goes
 * on (`override`: admitted and still accounted, #17; `internet`: through these Edges, #18);
 * or the call's decision is made (re-routed, voice mail, rejected).
 */
export type RefusalOutcome =
  | { readonly kind: 'override' }
  | { readonly kind: 'internet'; readonly edges: string[] }
  | { readonly kind: 'final'; readonly decision: CallDecision };

const OVERRIDE: RefusalOutcome = { kind: 'override' };

/** Runs c.5 #17-#22 in order for a refusal. */
export function refusalChain(ctx: DecisionContext, r: Refusal): RefusalOutcome {
  if (bandwidthPolicyOverride(ctx, r)) {
    return OVERRIDE;
  }
  // The alternatives re-check from scratch, and a re-route, voice mail or rejection holds
  // nothing of this attempt: drop what earlier legs or modalities claimed.
  ctx.dropClaims();
  const edges = internetAlternatePath(ctx, r);
  if (edges) {
    return { kind: 'internet', edges };
  }
  return { kind: 'final', decision: afterTheInternetPath(ctx, r) };
}

/** #22, then #19-#21 (or, for a PSTN leg under `internet-then-reject`, #21 at once). */
function afterTheInternetPath(ctx: DecisionContext, r: Refusal): CallDecision {
  if (r.kind === 'p2p' && r.modalities.includes('video')) {
    ctx.trace.add(
      'c.5#22',
      'Video gets only the Internet path',
      'fail',
      'video sessions are not re-routed to PSTN or voice mail',
      {},
    );
    return ctx.result({
      decision: 'REJECTED',
      reason: `video refused: ${r.leg.why}`,
      mediaPath: [],
      sip: REFUSAL_SIP.bandwidth,
      keepHolding: false,
    });
  }
  if (r.kind === 'pstn-leg' && ctx.sim.pstnCallRefused !== 'full-chain') {
    ctx.trace.add(
      'c.5',
      'Refused PSTN call (A6/A15)',
      'info',
      'pstnCallRefused: internet-then-reject: no PSTN re-route or voice mail for a PSTN leg',
      {},
    );
    return reject(ctx, r);
  }
  return pstnReroute(ctx, r) ?? voicemail(ctx, r) ?? reject(ctx, r);
}

/** The enterprise user who receives the call: none for an outbound PSTN call. */
function calleeOf(r: Refusal): Client | null {
  return r.kind === 'p2p' ? r.callee : r.outbound ? null : r.client;
}

/** The enterprise user who places the call: none for an inbound PSTN call. */
function callerOf(r: Refusal): Client | null {
  return r.kind === 'p2p' ? r.caller : r.outbound ? r.client : null;
}

/**
 * #17: an incoming call to a user whose voice policy has EnableBWPolicyOverride is admitted
 * anyway, and its bandwidth still accounted; never a user's outgoing call (A7: the callee's
 * policy).
 */
function bandwidthPolicyOverride(ctx: DecisionContext, r: Refusal): boolean {
  const { trace } = ctx;
  const callee = calleeOf(r);
  if (callee === null) {
    trace.add(
      'c.5#17',
      'Bandwidth policy override',
      'fail',
      "never applies to a user's outgoing calls",
      {},
    );
    return false;
  }
  const policy = voicePolicyOf(ctx, callee);
  const leg = r.leg;
  if (policy.enableBWPolicyOverride) {
    if (r.kind === 'pstn-leg') {
      trace.add(
        'c.5#17',
        'Bandwidth policy override',
        'pass',
        `incoming call to ${callee.name}, whose voice policy ${policy.name} overrides the bandwidth policy: leg ${leg.name} admitted, still accounted`,
        { voicePolicy: policy.name, leg: leg.name },
      );
    } else {
      trace.add(
        'c.5#17',
        'Bandwidth policy override',
        'pass',
        `${callee.name}'s voice policy ${policy.name} overrides the bandwidth policy for incoming calls: admit, still accounted`,
        { voicePolicy: policy.name },
      );
    }
    ctx.claimLeg(leg);
    return true;
  }
  trace.add(
    'c.5#17',
    'Bandwidth policy override',
    'fail',
    r.kind === 'pstn-leg'
      ? `voice policy ${policy.name} of ${callee.name} has EnableBWPolicyOverride off`
      : `${callee.name}'s voice policy ${policy.name} has EnableBWPolicyOverride off`,
    { voicePolicy: policy.name },
  );
  return false;
}

/**
 * #18: media through A/V Edge relays instead of the WAN (`alternate-path.ts`). A PSTN call's
 * leg B (Mediation Server <-> gateway peer) cannot take it: gateways do not use the Edge.
 */
function internetAlternatePath(ctx: DecisionContext, r: Refusal): string[] | null {
  const leg = r.leg;
  if (r.kind === 'pstn-leg' && leg.name !== 'A') {
    ctx.trace.add(
      'c.5#18',
      'Internet alternate path',
      'fail',
      `leg ${leg.name} (Mediation Server <-> gateway peer) cannot take the Edge path`,
      {},
    );
    return null;
  }
  return r.kind === 'pstn-leg'
    ? internetPath(ctx, leg, r.client.name, r.ms.name, leg.codec ? [leg.codec] : [], ['audio'])
    : internetPath(ctx, leg, r.caller.name, r.callee.name, r.codecs, r.modalities, r.videoCodecs);
}

/**
 * A re-route through the PSTN: the number routes match and the trunks out; for a call, also
 * the gateway it comes back in through (for a PSTN leg only the outbound part moves).
 */
type ReroutePlan =
  | {
      readonly r: RefusedPstnLeg;
      readonly number: string;
      readonly trunks: readonly string[];
      readonly inbound: null;
    }
  | {
      readonly r: RefusedP2pCall;
      readonly number: string;
      readonly trunks: readonly string[];
      readonly inbound: Gateway;
    };

/**
 * #19: re-route through the PSTN, for phone calls placed by an enterprise user (never inside
 * a re-route). A refused outbound PSTN leg goes out through another trunk of the caller's
 * routes for the same number (A6, `full-chain`); a refused client-to-client call goes out to
 * the callee's line URI and comes back in through the gateway serving that number.
 */
function pstnReroute(ctx: DecisionContext, r: Refusal): CallDecision | null {
  if (ctx.nested || callerOf(r) === null) {
    return null;
  }
  const plan = r.kind === 'pstn-leg' ? otherTrunks(ctx, r) : toTheLineUri(ctx, r);
  if (plan === null) {
    return null;
  }
  const { trace } = ctx;
  for (const t of plan.trunks) {
    const out = ctx.decideNested(outboundPart(ctx.call, plan, t), ctx.ledger);
    if (plan.inbound === null) {
      if (out.decision === 'REJECTED') {
        continue;
      }
      trace.add('c.5#19', 'PSTN re-route', 'pass', `out through ${t} instead: ${out.decision}`, {
        trunk: t,
      });
      return reroutedLeg(ctx, plan.r, t, out);
    }
    if (out.decision === 'REJECTED') {
      trace.add('c.5#19', 'PSTN re-route', 'fail', `out through ${t}: ${out.reason}`, { trunk: t });
      continue;
    }
    const inbound = plan.inbound;
    // The inbound side sees the outbound side's holdings, so that shared links count twice.
    const inn = ctx.decideNested(
      {
        ...ctx.call,
        kind: 'inbound-pstn',
        from: inbound.name,
        trunk: inbound.name,
        codec: null,
        id: `${ctx.call.id}/pstn-in`,
      },
      withHolding(ctx.ledger, out.holding),
    );
    if (inn.decision === 'REJECTED') {
      trace.add('c.5#19', 'PSTN re-route', 'fail', `in through ${inbound.name}: ${inn.reason}`, {
        trunk: inbound.name,
      });
      continue;
    }
    trace.add(
      'c.5#19',
      'PSTN re-route',
      'pass',
      `${plan.r.caller.name} -> ${t} (${out.decision}) -> PSTN -> ${inbound.name} (${inn.decision}) -> ${plan.r.callee.name}`,
      {
        outTrunk: t,
        inTrunk: inbound.name,
      },
    );
    return reroutedCall(ctx, plan.r, t, inbound, out, inn);
  }
  if (plan.inbound === null) {
    trace.add(
      'c.5#19',
      'PSTN re-route',
      'fail',
      plan.trunks.length
        ? `no other trunk admitted the call (${plan.trunks.join(', ')})`
        : 'no other trunk routes this number',
      {},
    );
  }
  return null;
}

/** #19 for a refused outbound PSTN leg: the caller's other trunks for the dialled number. */
function otherTrunks(ctx: DecisionContext, r: RefusedPstnLeg): ReroutePlan {
  const number = ctx.call.number ?? '';
  const trunks = routesFor(voicePolicyOf(ctx, r.client), number).filter((t) => t !== r.gw.name);
  return { r, number, trunks, inbound: null };
}

/**
 * #19 for a refused client-to-client call: the flag follows A7, the routes (PSTN usages) are
 * always the caller's, and a gateway must serve the callee's number.
 */
function toTheLineUri(ctx: DecisionContext, r: RefusedP2pCall): ReroutePlan | null {
  const { trace } = ctx;
  const owner = ctx.sim.voicePolicyOwner === 'docs' ? r.caller : r.callee;
  const policy = voicePolicyOf(ctx, owner);
  if (!policy.allowPstnReRouting) {
    trace.add(
      'c.5#19',
      'PSTN re-route',
      'fail',
      `${owner.name}'s voice policy ${policy.name} has AllowPSTNReRouting off (A7: ${ctx.sim.voicePolicyOwner})`,
      { voicePolicy: policy.name },
    );
    return null;
  }
  if (r.callee.lineUri === null) {
    trace.add('c.5#19', 'PSTN re-route', 'fail', `${r.callee.name} has no line URI`, {});
    return null;
  }
  const number = lineUriNumber(r.callee.lineUri);
  const callerPolicy = voicePolicyOf(ctx, r.caller);
  const trunks = routesFor(callerPolicy, number);
  if (trunks.length === 0) {
    trace.add(
      'c.5#19',
      'PSTN re-route',
      'fail',
      `no route of ${callerPolicy.name} matches ${number}`,
      {
        number,
      },
    );
    return null;
  }
  const inbound = ctx.topo.scenario.hosts.gateways.find(
    (g) => g.numbers !== null && safeMatch(g.numbers, number),
  );
  if (!inbound) {
    trace.add(
      'c.5#19',
      'PSTN re-route',
      'fail',
      `no gateway serves ${number} towards ${r.callee.name}`,
      { number },
    );
    return null;
  }
  return { r, number, trunks, inbound };
}

/** The trunks of a voice policy's routes whose number pattern matches. */
function routesFor(policy: VoicePolicy, number: string): string[] {
  return policy.routes
    .filter((rt) => safeMatch(rt.numberPattern, number))
    .flatMap((rt) => rt.trunks);
}

/**
 * The outbound part of a re-route through `trunk`, as a call of its own: a PSTN leg keeps its
 * number and codec; a call goes out to the callee's number with the codec left open.
 */
function outboundPart(call: Call, plan: ReroutePlan, trunk: string): Call {
  return plan.inbound === null
    ? { ...call, trunk, to: trunk, id: `${call.id}/reroute` }
    : {
        ...call,
        kind: 'outbound-pstn',
        to: trunk,
        trunk,
        number: plan.number,
        codec: null,
        id: `${call.id}/pstn-out`,
      };
}

/** A ledger view that also counts what another decision holds. */
function withHolding(ledger: LedgerView, holding: Holding): LedgerView {
  return {
    used: (link, m) =>
      ledger.used(link, m) +
      holding.reservations
        .filter((x) => x.link === link && x.modality === m)
        .reduce((s, x) => s + x.kbps, 0),
    channelsInUse: (g) => ledger.channelsInUse(g) + holding.channels.filter((c) => c === g).length,
  };
}

/** The decision of a PSTN leg re-routed through another trunk: the nested decision's. */
function reroutedLeg(
  ctx: DecisionContext,
  r: RefusedPstnLeg,
  trunk: string,
  out: CallDecision,
): CallDecision {
  return {
    ...out,
    callId: ctx.call.id,
    to: ctx.call.to,
    decision: 'CAC-REROUTED-PSTN',
    reason: `leg ${r.leg.name} via ${r.gw.name} refused; re-routed through ${trunk} (${out.decision})`,
    reroute: { via: 'pstn', trunks: [trunk] },
    trace: [...ctx.trace.steps, ...out.trace],
  };
}

/** The decision of a call re-routed out through the PSTN and back in. */
function reroutedCall(
  ctx: DecisionContext,
  r: RefusedP2pCall,
  trunk: string,
  inbound: Gateway,
  out: CallDecision,
  inn: CallDecision,
): CallDecision {
  const steps = [
    ...ctx.trace.steps,
    ...out.trace.map((s) => ({ ...s, title: `[PSTN out] ${s.title}` })),
    ...inn.trace.map((s) => ({ ...s, title: `[PSTN in] ${s.title}` })),
  ];
  return {
    callId: ctx.call.id,
    kind: ctx.call.kind,
    from: ctx.call.from,
    to: ctx.call.to,
    decision: 'CAC-REROUTED-PSTN',
    bypass: out.bypass || inn.bypass,
    reason: `WAN refused (${r.leg.why}); re-routed through the PSTN: out ${trunk} (${out.decision}), in ${inbound.name} (${inn.decision})`,
    mediaPath: [...out.mediaPath, 'pstn', ...inn.mediaPath],
    trunk,
    mediationServer: out.mediationServer,
    codecs: { caller: out.codecs.caller, callee: inn.codecs.callee },
    bypassIds: null,
    legs: [...ctx.legs, ...out.legs, ...inn.legs],
    holding: {
      reservations: [...out.holding.reservations, ...inn.holding.reservations],
      channels: [...out.holding.channels, ...inn.holding.channels],
    },
    sip: null,
    reroute: { via: 'pstn', trunks: [trunk, inbound.name] },
    warnings: [...out.warnings, ...inn.warnings],
    trace: steps,
    deployment: ctx.deployment,
    streams: [...out.streams, ...inn.streams],
    forking: null,
    transfer: null,
    rtcp: null,
    teams: null,
  };
}

/**
 * #20: the callee's voice mail. Deposits are never denied for bandwidth and hold none
 * (c.3 #16); a PSTN call still occupies its gateway channel.
 */
function voicemail(ctx: DecisionContext, r: Refusal): CallDecision | null {
  const callee = calleeOf(r);
  if (callee === null) {
    return null;
  }
  const { topo, trace } = ctx;
  const host = topo.voicemailHosts[0];
  if (!callee.voicemail || !host) {
    trace.add(
      'c.5#20',
      'Voice mail',
      'fail',
      !callee.voicemail ? `${callee.name} has no voice mail` : 'no voice mail host in the scenario',
      {},
    );
    return null;
  }
  trace.add(
    'c.5#20',
    'Voice mail',
    'pass',
    `to ${callee.name}'s voice mail on ${host.name}; deposits are never denied for bandwidth (c.3#16)`,
    { host: host.name },
  );
  ctx.dropClaims();
  const leg = r.leg;
  const reroute = { via: 'voicemail', host: host.name } as const;
  if (r.kind === 'pstn-leg') {
    return ctx.result({
      decision: 'CAC-REROUTED-VOICEMAIL',
      reason: `leg ${leg.name} refused (${leg.why}); to ${callee.name}'s voice mail`,
      mediaPath: [r.gw.name, r.ms.name, host.name],
      reroute,
    });
  }
  return ctx.result({
    decision: 'CAC-REROUTED-VOICEMAIL',
    reason: `WAN refused (${leg.why}); to ${callee.name}'s voice mail`,
    mediaPath: [r.caller.name, host.name],
    codecs: { caller: audioCodecOf(leg.codec), callee: audioCodecOf(leg.codec) },
    videoCodec: null,
    reroute,
  });
}

/** #21: the session is blocked and the user is told the reason is CAC. */
function reject(ctx: DecisionContext, r: Refusal): CallDecision {
  const leg = r.leg;
  ctx.trace.add(
    'c.5#21',
    'Reject',
    'fail',
    `call blocked: ${leg.why}; the user is told the reason is CAC`,
    {},
  );
  return ctx.result({
    decision: 'REJECTED',
    reason:
      r.kind === 'pstn-leg'
        ? `${r.bypassWhy}; leg ${leg.name} refused: ${leg.why}`
        : `WAN refused (${leg.why}); no alternate path, re-route or voice mail`,
    mediaPath: [],
    sip: REFUSAL_SIP.bandwidth,
    keepHolding: false,
  });
}

/**
 * A user's voice policy, else the global one.
 * @throws {InternalError} when there is no global voice policy (the normalized scenario always
 * has one).
 */
function voicePolicyOf(ctx: DecisionContext, client: Client): VoicePolicy {
  const list = ctx.topo.scenario.voicePolicies;
  const p =
    list.find((v) => v.name === client.voicePolicy) ?? list.find((v) => v.name === 'global');
  if (!p) {
    throw new InternalError('the normalized scenario always has a global voice policy');
  }
  return p;
}

/** Whether a configured pattern matches; a pattern that is not a valid regex matches nothing. */
function safeMatch(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern).test(text);
  } catch {
    return false;
  }
}
