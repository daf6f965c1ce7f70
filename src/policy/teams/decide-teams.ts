/**
 * The flows of a call under Teams Direct Routing (docs/rules.md g), the contrast to Skype for
 * Business Server: no bypass IDs, no site or region comparison and no CAC (g.1). A PSTN call
 * bypasses when its SBC has `-MediaBypass` on; the client's connectivity decides how its media
 * reaches the SBC (g.4, g.5: directly, through a Transport Relay, or through a proxy SBC under
 * Local Media Optimization); a Media Processor (a B2BUA that transcodes) is in the path when
 * the SBC has bypass off, and joins when the call is transferred to a user still on Skype for
 * Business or escalates to a group call (g.2, g.3). A call between two clients goes direct, or
 * through a Transport Relay for a client outside (g.6). It must not know the Skype for
 * Business flows (`decide.ts`), CAC or bypass IDs; gateway channels still apply.
 */
import type { Client, CodecName, Gateway } from '../../scenario/index.js';
import type { CallDecision, TeamsMedia, TransferPlan } from '../call-decision.js';
import { takeGatewayChannel } from '../cac.js';
import { isG711 } from '../codecs.js';
import type { DecisionContext } from '../decision-context.js';
import { REFUSAL_SIP } from '../refusal-sip.js';
import { transferCallId } from '../trunk-behaviour.js';
import { clientIsInternal, sbcRoute, sbcSettings } from './media-route.js';

/** Decides a call under Teams Direct Routing. */
export function decideTeams(ctx: DecisionContext): CallDecision {
  ctx.trace.add(
    'g.1',
    'Teams Direct Routing',
    'info',
    'the media path is decided by the SBC bypass flag and connectivity: no bypass IDs, no CAC',
    { deployment: 'teams-direct-routing' },
  );
  return ctx.call.kind === 'p2p' ? teamsP2p(ctx) : teamsPstn(ctx);
}

/** A PSTN call through a Direct Routing SBC. */
function teamsPstn(ctx: DecisionContext): CallDecision {
  const { topo, call, trace } = ctx;
  const outbound = call.kind === 'outbound-pstn';
  const gw = topo.gateway(call.trunk ?? call.transferOf?.gateway ?? '');
  const client = topo.client(outbound ? call.from : call.to);
  if (!gw) {
    return refused(ctx, 'no SBC for this call', 'noRoute');
  }
  ctx.learnRoute(gw.name, null);
  if (!takeGatewayChannel(ctx, gw)) {
    return refused(ctx, `all ${gw.channels ?? 0} channels of ${gw.name} are busy`, 'channels');
  }
  if (!client) {
    return transferredToNumber(ctx, gw);
  }
  const sbc = sbcSettings(topo, gw);
  const internal = clientIsInternal(topo, client);
  if (call.transfer) {
    ctx.learnTransfer(teamsTransfer(ctx, client.name));
  }
  trace.add(
    'g.2',
    'SBC media bypass (-MediaBypass)',
    sbc.mediaBypass ? 'pass' : 'info',
    topo.teamsSbc(gw.name)
      ? `${gw.name} has MediaBypass ${sbc.mediaBypass ? 'on' : 'off'}`
      : `${gw.name} is not configured as a Direct Routing SBC: MediaBypass off (the cmdlet's default)`,
    { sbc: gw.name, mediaBypass: sbc.mediaBypass },
  );
  const mp = topo.scenario.teamsDirectRouting.mediaProcessors[0]?.name ?? 'media-processor';
  const mpWhy = !sbc.mediaBypass
    ? `${gw.name} has MediaBypass off: the Media Processor anchors the media`
    : call.transferOf && client.teamsUpgradeMode === 'SfBOnly'
      ? `transferred to ${client.name}, a Skype for Business user: the Media Processor joins`
      : null;
  if (call.transferOf && client.teamsUpgradeMode === 'SfBOnly') {
    trace.add('g.3', 'Media Processor forced in', 'info', mpWhy ?? '', { mediaProcessor: mp });
  }
  const base = { sbc: gw.name, mediaBypass: sbc.mediaBypass, clientInternal: internal };
  const codecs = teamsCodecs(client, gw, mpWhy !== null);
  const order = (hops: string[]): string[] => (outbound ? hops : hops.reverse());
  if (mpWhy !== null) {
    const path = order([client.name, mp, gw.name]);
    ctx.learnTeams({
      ...base,
      sbcAddress: 'public',
      mediaSbc: gw.name,
      transportRelay: null,
      mediaProcessor: mp,
      mediaProcessorWhy: mpWhy,
      escalation: null,
    });
    return ctx.result({
      decision: 'RELAY',
      reason: `Teams Direct Routing: ${mpWhy}`,
      mediaPath: path,
      codecs: orderCodecs(codecs, outbound),
    });
  }
  const route = sbcRoute(topo, sbc, gw, client, internal);
  trace.add(
    sbc.bypassMode === null ? 'g.4' : 'g.5',
    sbc.bypassMode === null ? 'Connectivity (ICE, ICE-lite)' : 'Local Media Optimization',
    'pass',
    route.why,
    {
      internal,
      sbcAddress: route.sbcAddress,
      transportRelay: route.transportRelay,
      proxySbc: route.proxySbc,
    },
  );
  const hops = [client.name, route.transportRelay, route.proxySbc, gw.name].filter(
    (h): h is string => h !== null,
  );
  const media: TeamsMedia = {
    ...base,
    sbcAddress: route.sbcAddress,
    mediaSbc: route.proxySbc ?? gw.name,
    transportRelay: route.transportRelay,
    mediaProcessor: null,
    mediaProcessorWhy: null,
    escalation: escalation(ctx, mp, order([client.name, mp, gw.name])),
  };
  ctx.learnTeams(media);
  return ctx.result({
    decision: 'BYPASS',
    bypass: true,
    reason: `Teams Direct Routing: media bypass on ${gw.name}; ${route.why}`,
    mediaPath: order(hops),
    codecs: orderCodecs(codecs, outbound),
  });
}

/** A call between two clients: direct, through a Transport Relay for one outside (g.6). */
function teamsP2p(ctx: DecisionContext): CallDecision {
  const { topo, call, trace } = ctx;
  const a = topo.client(call.from);
  const b = topo.client(call.to);
  if (!a || !b) {
    return refused(ctx, 'unknown party', 'noRoute');
  }
  const codecs = call.codec ? [call.codec] : a.codecs.filter((c) => b.codecs.includes(c));
  const codec = codecs[0] ?? null;
  if (call.modality === 'video') {
    const video = call.videoCodec ?? a.videoCodecs.find((v) => b.videoCodecs.includes(v)) ?? null;
    ctx.learnVideoCodec(video);
  }
  const relays = topo.scenario.teamsDirectRouting;
  const mp = relays.mediaProcessors[0]?.name ?? 'media-processor';
  const sfb = [a, b].find((c) => c.teamsUpgradeMode === 'SfBOnly');
  if (sfb) {
    const why = `${sfb.name} is a Skype for Business user: the call goes through the Media Processor (interop)`;
    trace.add('g.3', 'Media Processor forced in', 'info', why, { mediaProcessor: mp });
    ctx.learnTeams(p2pMedia(clientIsInternal(topo, a), mp, why, null));
    return ctx.result({
      decision: 'RELAY',
      reason: `Teams: ${why}`,
      mediaPath: [a.name, mp, b.name],
      codecs: { caller: codec, callee: codec },
    });
  }
  const tr = relays.transportRelays[0]?.name ?? null;
  const outside = [a, b].filter((c) => !clientIsInternal(topo, c));
  const hops = outside.length > 0 && tr !== null ? [a.name, tr, b.name] : [a.name, b.name];
  trace.add(
    'g.6',
    'Client to client',
    'pass',
    outside.length > 0
      ? `${outside.map((c) => c.name).join(' and ')} outside: media through the Transport Relay ${tr ?? '?'}`
      : 'both inside: media direct between the clients',
    { transportRelay: outside.length > 0 ? tr : null },
  );
  ctx.learnTeams(
    p2pMedia(clientIsInternal(topo, a), null, null, escalation(ctx, mp, [a.name, mp, b.name])),
  );
  return ctx.result({
    decision: 'DIRECT',
    reason:
      outside.length > 0
        ? `Teams: client to client through the Transport Relay ${tr ?? '?'}`
        : 'Teams: client to client, direct',
    mediaPath: hops,
    codecs: { caller: codec, callee: codec },
  });
}

/** The Teams part of a call between two clients (`internal`: the caller is inside). */
function p2pMedia(
  internal: boolean,
  mp: string | null,
  why: string | null,
  esc: TeamsMedia['escalation'],
): TeamsMedia {
  return {
    sbc: '',
    mediaBypass: false,
    sbcAddress: 'internal',
    mediaSbc: '',
    transportRelay: null,
    mediaProcessor: mp,
    mediaProcessorWhy: why,
    clientInternal: internal,
    escalation: esc,
  };
}

/** g.3: a call that escalates to a group call gets a Media Processor from then on. */
function escalation(
  ctx: DecisionContext,
  mp: string,
  path: readonly string[],
): TeamsMedia['escalation'] {
  const at = ctx.call.escalateAtMs;
  if (at === null || at === undefined) {
    return null;
  }
  ctx.trace.add(
    'g.3',
    'Media Processor forced in',
    'info',
    `at ${at / 1000}s the call escalates to a group call: the Media Processor ${mp} joins the media path (${path.join(' -> ')}), bypass or not`,
    { atMs: at, mediaProcessor: mp },
  );
  return { atMs: at, mediaProcessor: mp, mediaPath: path };
}

/** A transfer during a Teams call: the media path is decided again for the target (g.3). */
function teamsTransfer(ctx: DecisionContext, by: string): TransferPlan | null {
  const t = ctx.call.transfer;
  if (!t) {
    return null;
  }
  const why = 'Teams carries out the transfer; the media path is decided again for the target';
  ctx.trace.add('g.3', 'Transfer during the call', 'info', `${by} transfers to ${t.to}: ${why}`, {
    to: t.to,
  });
  return {
    atMs: t.atMs,
    by,
    to: t.to,
    method: 'teams',
    bypassLost: false,
    why,
    callId: transferCallId(ctx.call.id),
  };
}

/** A transfer to a number (inferred): the SBC takes the call over. */
function transferredToNumber(ctx: DecisionContext, gw: Gateway): CallDecision {
  ctx.trace.add(
    'g.3',
    'Transfer to a number',
    'info',
    `the call is transferred to ${ctx.call.to}: ${gw.name} takes it over (REFER) and it leaves Teams`,
    {},
  );
  return ctx.result({
    decision: 'HANDED-OFF',
    reason: `transferred to ${ctx.call.to}: ${gw.name} took the call over`,
    mediaPath: [gw.name, 'pstn'],
    keepHolding: false,
  });
}

/**
 * The codecs of a Teams PSTN call: the SBC side speaks G.711; with a Media Processor the client
 * side keeps its own codec (the processor transcodes), without one it is G.711 end to end.
 */
function teamsCodecs(
  client: Client,
  gw: Gateway,
  transcoded: boolean,
): { client: CodecName; sbc: CodecName } {
  const sbc = gw.codecs.find(isG711) ?? 'PCMU';
  if (!transcoded) {
    return { client: client.codecs.find((c) => c === sbc) ?? sbc, sbc };
  }
  return { client: client.codecs[0] ?? sbc, sbc };
}

function orderCodecs(
  c: { client: CodecName; sbc: CodecName },
  outbound: boolean,
): CallDecision['codecs'] {
  return outbound ? { caller: c.client, callee: c.sbc } : { caller: c.sbc, callee: c.client };
}

function refused(ctx: DecisionContext, reason: string, kind: 'noRoute' | 'channels'): CallDecision {
  return ctx.result({
    decision: 'REJECTED',
    reason,
    mediaPath: [],
    sip: REFUSAL_SIP[kind],
    keepHolding: false,
  });
}
