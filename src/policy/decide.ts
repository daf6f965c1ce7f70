import { formatIpv4, networkOf, parseIpv4 } from '../core/index.js';
import type {
  Call,
  CallKind,
  Client,
  CodecName,
  Decision,
  EncryptionLevel,
  Gateway,
  MediationServer,
  Modality,
  Region,
  Site,
  TrunkConfiguration,
  VoicePolicy,
} from '../scenario/index.js';
import type { BypassId, PathLink, Topology } from '../topology/index.js';
import { GATEWAY_CODECS, isG711, MS_CLIENT_CODECS, streamKbps } from './codecs.js';
import type { Holding, LedgerView, Reservation } from './ledger.js';
import { Trace, type TraceStep } from './trace.js';

/** One constrained link as a leg check saw it. */
export interface LinkCheck {
  readonly link: string;
  readonly modality: Modality;
  readonly usedKbps: number;
  readonly requestKbps: number;
  readonly limitKbps: number | null;
  readonly sessionLimitKbps: number | null;
  readonly ok: boolean;
}

/** The CAC check of one media leg (domain.md b.2 #20, c.3). */
export interface LegCheck {
  /** `A` client<->MS, `B` MS<->peer, `p2p`, or an alternate-path sub-path. */
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly fromSite: string | null;
  readonly toSite: string | null;
  readonly modality: Modality;
  readonly codec: CodecName | null;
  readonly kbps: number;
  readonly links: readonly LinkCheck[];
  readonly verdict: 'admitted' | 'refused' | 'unchecked';
  readonly why: string;
}

/** How a refused call was carried after all (domain.md c.5). */
export type Reroute =
  | { readonly via: 'internet'; readonly edges: readonly string[] }
  | { readonly via: 'pstn'; readonly trunks: readonly string[] }
  | { readonly via: 'voicemail'; readonly host: string }
  | { readonly via: 'override' };

/** The decision for one call, with its ordered rule trace. */
export interface CallDecision {
  readonly callId: string;
  readonly kind: CallKind;
  readonly from: string;
  readonly to: string;
  readonly decision: Decision;
  readonly bypass: boolean;
  /** One line: why this decision. */
  readonly reason: string;
  /** Predicted media path, caller first (`alice`, `ms-chi`, `gw-chi`). Empty when rejected. */
  readonly mediaPath: readonly string[];
  readonly trunk: string | null;
  readonly mediationServer: string | null;
  /** Codec on the caller's side and on the callee's side of the media path. */
  readonly codecs: { readonly caller: CodecName | null; readonly callee: CodecName | null };
  readonly bypassIds: {
    readonly client: BypassId | null;
    readonly gateway: BypassId | null;
  } | null;
  readonly legs: readonly LegCheck[];
  /** Bandwidth and channels the call holds while it lasts. */
  readonly holding: Holding;
  /** Final SIP response the caller sees when the call is refused. */
  readonly sip: { readonly status: number; readonly reason: string } | null;
  readonly reroute: Reroute | null;
  /** Known misbehaviour the configuration leads to (b.1 #15), shown next to the decision. */
  readonly warnings: readonly string[];
  readonly trace: readonly TraceStep[];
}

export interface DecideOptions {
  /** Record the rule trace (on by default; the benchmark measures both). */
  readonly trace?: boolean;
  /** b.1 #16: whether a direct client<->gateway path works; the live run can tell. */
  readonly directPathWorks?: (client: Client, gateway: Gateway) => boolean;
  /** Internal: decisions nested inside a PSTN reroute may not reroute again. */
  readonly nested?: boolean;
}

/** SIP answers for refusals; one table so that the live run and the report agree. */
export const REFUSAL_SIP = {
  bandwidth: {
    status: 488,
    reason: 'Not Acceptable Here (insufficient bandwidth, call admission control)',
  },
  channels: { status: 503, reason: 'Service Unavailable (no free gateway channel)' },
  noRoute: { status: 404, reason: 'Not Found (no route)' },
} as const;

const NEWER_THAN_2007: ReadonlySet<string> = new Set([
  'lync2010',
  'lync2013',
  'sfb2015',
  'sfb2016',
  'sfb2019',
]);

/**
 * Decides one call: the bypass check first (domain.md b.1), then CAC only if bypass was not
 * used (b.2, c.3), with the refusal chain of c.5. Pure: it reads the ledger and returns what
 * the call would hold; the caller commits it.
 */
export function decideCall(
  topo: Topology,
  call: Call,
  ledger: LedgerView,
  options: DecideOptions = {},
): CallDecision {
  const ctx = new DecisionContext(topo, call, ledger, options);
  switch (call.kind) {
    case 'outbound-pstn':
    case 'inbound-pstn':
      return decidePstn(ctx);
    case 'p2p':
      return decideP2p(ctx);
  }
}

/** State of one decision: the trace, and bandwidth this call has already claimed on links. */
class DecisionContext {
  readonly topo: Topology;
  readonly call: Call;
  readonly ledger: LedgerView;
  readonly options: DecideOptions;
  readonly trace: Trace;
  readonly pending = new Map<string, Record<Modality, number>>();
  readonly reservations: Reservation[] = [];
  readonly channels: string[] = [];
  readonly legs: LegCheck[] = [];
  readonly warnings: string[] = [];
  /** Defaults for the result, set as the decision learns them. */
  trunk: string | null = null;
  mediationServer: string | null = null;
  codecs: CallDecision['codecs'] = { caller: null, callee: null };
  bypassIds: CallDecision['bypassIds'] = null;

  constructor(topo: Topology, call: Call, ledger: LedgerView, options: DecideOptions) {
    this.topo = topo;
    this.call = call;
    this.ledger = ledger;
    this.options = options;
    this.trace = new Trace(options.trace ?? true);
  }

  get sim(): Topology['scenario']['simulation'] {
    return this.topo.scenario.simulation;
  }

  used(link: string, modality: Modality): number {
    return this.ledger.used(link, modality) + (this.pending.get(link)?.[modality] ?? 0);
  }

  claim(link: string, modality: Modality, kbps: number): void {
    let p = this.pending.get(link);
    if (!p) {
      p = { audio: 0, video: 0 };
      this.pending.set(link, p);
    }
    p[modality] += kbps;
    this.reservations.push({ link, modality, kbps });
  }

  result(fields: {
    decision: Decision;
    bypass?: boolean;
    reason: string;
    mediaPath: readonly string[];
    trunk?: string | null;
    mediationServer?: string | null;
    codecs?: { caller: CodecName | null; callee: CodecName | null };
    bypassIds?: CallDecision['bypassIds'];
    sip?: CallDecision['sip'];
    reroute?: Reroute | null;
    keepHolding?: boolean;
  }): CallDecision {
    const keep = fields.keepHolding ?? true;
    return {
      callId: this.call.id,
      kind: this.call.kind,
      from: this.call.from,
      to: this.call.to,
      decision: fields.decision,
      bypass: fields.bypass ?? false,
      reason: fields.reason,
      mediaPath: fields.mediaPath,
      trunk: fields.trunk ?? this.trunk,
      mediationServer: fields.mediationServer ?? this.mediationServer,
      codecs: fields.codecs ?? this.codecs,
      bypassIds: fields.bypassIds ?? this.bypassIds,
      legs: this.legs,
      holding: keep
        ? { reservations: this.reservations, channels: this.channels }
        : { reservations: [], channels: [] },
      sip: fields.sip ?? null,
      reroute: fields.reroute ?? null,
      warnings: this.warnings,
      trace: this.trace.steps,
    };
  }
}

// ---------------------------------------------------------------------------------------
// PSTN calls: through a Mediation Server to a gateway peer.

function decidePstn(ctx: DecisionContext): CallDecision {
  const { topo, call, trace } = ctx;
  const outbound = call.kind === 'outbound-pstn';
  const gw = topo.gateway(call.trunk ?? '');
  const client = topo.client(outbound ? call.from : call.to);
  if (!gw || !client) {
    trace.add('b.0#1', 'Routing picks the trunk', 'fail', `no gateway for this call`, {
      trunk: call.trunk,
    });
    return ctx.result({
      decision: 'REJECTED',
      reason: 'no trunk for this call',
      mediaPath: [],
      sip: REFUSAL_SIP.noRoute,
      keepHolding: false,
    });
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
    return ctx.result({
      decision: 'REJECTED',
      reason: `trunk ${gw.name} has no Mediation Server`,
      mediaPath: [],
      sip: REFUSAL_SIP.noRoute,
      keepHolding: false,
    });
  }
  ctx.trunk = gw.name;
  ctx.mediationServer = ms.name;

  // Gateway channels: a full gateway answers 503 before any media decision.
  if (gw.channels !== null) {
    const inUse =
      ctx.ledger.channelsInUse(gw.name) + ctx.channels.filter((c) => c === gw.name).length;
    const free = inUse < gw.channels;
    trace.add(
      'sim.channels',
      'Gateway has a free channel',
      free ? 'pass' : 'fail',
      `${inUse} of ${gw.channels} channels in use on ${gw.name}`,
      {
        gateway: gw.name,
        inUse,
        channels: gw.channels,
      },
    );
    if (!free) {
      return ctx.result({
        decision: 'REJECTED',
        reason: `all ${gw.channels} channels of ${gw.name} are busy`,
        mediaPath: [],
        sip: REFUSAL_SIP.channels,
        keepHolding: false,
      });
    }
    ctx.channels.push(gw.name);
  }

  const bypass = memoBypassCheck(ctx, client, gw, ms, outbound);
  const path = (...hops: string[]): string[] => (outbound ? hops : [...hops].reverse());
  if (bypass.ok) {
    trace.add(
      'b.1#17',
      'Bypass is used: no CAC reservation',
      'pass',
      'media flows client <-> gateway directly; the call does not count against any link',
      {},
    );
    return ctx.result({
      decision: 'BYPASS',
      bypass: true,
      reason: `bypass IDs match (${bypass.cid?.source ?? '?'})${ctx.warnings.length ? `; ${ctx.warnings.join('; ')}` : ''}`,
      mediaPath: path(client.name, gw.name),
      codecs: { caller: bypass.codec, callee: bypass.codec },
      bypassIds: { client: bypass.cid, gateway: bypass.gid },
    });
  }

  // b.2: CAC only when bypass was not used.
  const viaEdge = client.location === 'external' ? nearestEdge(ctx, topo.siteOfHost(ms)) : null;
  const relayPath = path(client.name, ...(viaEdge ? [viaEdge] : []), ms.name, gw.name);
  const legACandidates = legACodecs(ctx, client);
  const legBCandidates =
    call.codec && isG711(call.codec) && gw.codecs.includes(call.codec)
      ? [call.codec]
      : gw.codecs.filter(isG711);
  const relayCodecs = {
    caller: outbound ? (legACandidates[0] ?? null) : (legBCandidates[0] ?? null),
    callee: outbound ? (legBCandidates[0] ?? null) : (legACandidates[0] ?? null),
  };
  const cac = cacEnabled(ctx, 'each media leg');
  if (!cac) {
    return ctx.result({
      decision: 'RELAY',
      reason: `${bypass.why}; Mediation Server relays media, CAC off`,
      mediaPath: relayPath,
      codecs: relayCodecs,
      bypassIds: { client: bypass.cid, gateway: bypass.gid },
    });
  }

  // b.2 #20: leg A client <-> MS (SfB side), leg B MS (gateway side) <-> peer.
  const clientIp = viaEdge ? (topo.host(viaEdge) as { ip: string }).ip : client.ip;
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
  const refusal = (leg: LegCheck): RefusedPstn => ({
    outbound,
    client,
    gw,
    ms,
    leg,
    bypassWhy: bypass.why,
    relayCodecs,
    bypassIds: { client: bypass.cid, gateway: bypass.gid },
  });
  let rescueA: LegRescue | null = null;
  if (legA.verdict === 'refused') {
    rescueA = rescuePstnLeg(ctx, refusal(legA));
    if (!rescueA) {
      return failPstn(ctx, refusal(legA));
    }
  }
  const skipB = outbound && gw.kind === 'ip-pbx' && !gw.mediaTerminationPoint;
  let legB: LegCheck;
  if (skipB) {
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
  let rescueB: LegRescue | null = null;
  if (legB.verdict === 'refused') {
    rescueB = rescuePstnLeg(ctx, refusal(legB));
    if (!rescueB) {
      return failPstn(ctx, refusal(legB));
    }
  }
  trace.add(
    'b.2#23',
    'Every leg admitted',
    'pass',
    `leg A ${rescueA ? `${rescueA.via}` : describeLeg(legA)}; leg B ${rescueB ? rescueB.via : describeLeg(legB)}`,
    {},
  );
  const codecs = {
    caller: outbound ? legA.codec : legB.codec,
    callee: outbound ? legB.codec : legA.codec,
  };
  const bypassIds = { client: bypass.cid, gateway: bypass.gid };
  if (rescueA?.via === 'internet') {
    const edges = rescueA.edges;
    return ctx.result({
      decision: 'CAC-REROUTED-INTERNET',
      reason: `${bypass.why}; leg A refused (${legA.why}); media over the Internet through ${edges.join(' and ')}; leg B ${describeLeg(legB)}`,
      mediaPath: path(client.name, ...edges, ms.name, gw.name),
      codecs,
      bypassIds,
      reroute: { via: 'internet', edges },
    });
  }
  if (rescueA || rescueB) {
    const refused = rescueA ? legA : legB;
    return ctx.result({
      decision: 'CAC-ADMITTED',
      reason: `${bypass.why}; leg ${refused.name} refused (${refused.why}) but ${client.name}'s voice policy overrides bandwidth policy`,
      mediaPath: relayPath,
      codecs,
      bypassIds,
      reroute: { via: 'override' },
    });
  }
  return ctx.result({
    decision: 'CAC-ADMITTED',
    reason: `${bypass.why}; CAC admitted ${legSummary(legA, legB)}`,
    mediaPath: relayPath,
    codecs,
    bypassIds,
  });
}

interface BypassOutcome {
  readonly ok: boolean;
  readonly why: string;
  readonly cid: BypassId | null;
  readonly gid: BypassId | null;
  readonly codec: CodecName | null;
}

/**
 * The bypass check depends only on the scenario's static configuration and the call's
 * parties, never on the ledger, so its outcome and trace steps are computed once per
 * (client, gateway, direction, codec) and replayed. A live connectivity check (#16) is not
 * static, so it is never memoized.
 */
function memoBypassCheck(
  ctx: DecisionContext,
  client: Client,
  gw: Gateway,
  ms: MediationServer,
  outbound: boolean,
): BypassOutcome {
  if (ctx.options.directPathWorks) {
    return bypassCheck(ctx, client, gw, effectiveTrunkConfig(ctx, gw, ms), outbound);
  }
  const key = `bypass|${client.name}|${gw.name}|${outbound ? 'out' : 'in'}|${ctx.call.codec ?? ''}|${ctx.trace.enabled ? 't' : ''}`;
  let m = ctx.topo.memo.get(key) as
    { outcome: BypassOutcome; steps: TraceStep[]; warnings: string[] } | undefined;
  if (!m) {
    const sub = new DecisionContext(ctx.topo, ctx.call, ctx.ledger, ctx.options);
    const outcome = bypassCheck(sub, client, gw, effectiveTrunkConfig(sub, gw, ms), outbound);
    m = { outcome, steps: sub.trace.steps, warnings: sub.warnings };
    ctx.topo.memo.set(key, m);
  }
  for (const step of m.steps) {
    ctx.trace.steps.push(step);
  }
  for (const w of m.warnings) {
    ctx.warnings.push(w);
  }
  return m.outcome;
}

/** domain.md b.1 #3-#16, in order; stops at the first rule that rules bypass out. */
function bypassCheck(
  ctx: DecisionContext,
  client: Client,
  gw: Gateway,
  tc: TrunkConfiguration,
  outbound: boolean,
): BypassOutcome {
  const { topo, trace, call } = ctx;
  const mb = topo.scenario.networkConfiguration.mediaBypassSettings;
  const no = (
    rule: string,
    title: string,
    why: string,
    inputs: Record<string, string | number | boolean | null>,
  ): BypassOutcome => {
    trace.add(rule, title, 'fail', `no bypass: ${why}`, inputs);
    return { ok: false, why: `no bypass: ${why}`, cid: null, gid: null, codec: null };
  };
  const ok = (
    rule: string,
    title: string,
    detail: string,
    inputs: Record<string, string | number | boolean | null>,
  ): void => {
    trace.add(rule, title, 'pass', detail, inputs);
  };

  if (!mb.enabled) {
    return no('b.1#3', 'Global media bypass', 'media bypass is not enabled globally', {
      enabled: false,
    });
  }
  ok('b.1#3', 'Global media bypass', 'enabled', { enabled: true });
  if (!tc.enableBypass) {
    return no(
      'b.1#4',
      'Trunk EnableBypass',
      `trunk ${gw.name} has EnableBypass off (${tc.scope})`,
      { scope: tc.scope, enableBypass: false },
    );
  }
  ok('b.1#4', 'Trunk EnableBypass', `on (${tc.scope})`, { scope: tc.scope, enableBypass: true });
  const capable =
    tc.concentratedTopology &&
    !(!tc.enableReferSupport && !tc.enable3pccRefer && (tc.rtcpActiveCalls || tc.rtcpCallsOnHold));
  if (!capable) {
    return no(
      'b.1#5',
      'Trunk is bypass-capable',
      `trunk configuration ${tc.scope} is not bypass-capable`,
      {
        concentratedTopology: tc.concentratedTopology,
        enableReferSupport: tc.enableReferSupport,
      },
    );
  }
  ok('b.1#5', 'Trunk is bypass-capable', 'centralized media processing on', {
    concentratedTopology: true,
  });
  if (client.location === 'external') {
    return no(
      'b.1#6',
      'Client is internal',
      `${client.name} is external (media through the A/V Edge)`,
      { location: 'external' },
    );
  }
  ok('b.1#6', 'Client is internal', `${client.name} is internal`, { location: 'internal' });
  if (mb.internalBypassMode === 'Off') {
    return no('b.1#7', 'InternalBypassMode', 'InternalBypassMode is Off', {
      internalBypassMode: 'Off',
    });
  }
  ok('b.1#7', 'InternalBypassMode', mb.internalBypassMode, {
    internalBypassMode: mb.internalBypassMode,
  });
  if (!NEWER_THAN_2007.has(client.version)) {
    return no('b.1#8', 'Client is Lync 2010 or newer', `${client.name} runs ${client.version}`, {
      version: client.version,
    });
  }
  ok('b.1#8', 'Client is Lync 2010 or newer', client.version, { version: client.version });
  if (client.conferenceMcu && !mb.enabledForAudioVideoConferences) {
    return no(
      'b.1#9',
      'Conference MCU endpoint',
      'the SfB-side endpoint is a conferencing MCU and EnabledForAudioVideoConferences is off',
      {
        enabledForAudioVideoConferences: false,
      },
    );
  }
  if (client.conferenceMcu) {
    ok('b.1#9', 'Conference MCU endpoint', 'MCU allowed by EnabledForAudioVideoConferences', {
      enabledForAudioVideoConferences: true,
    });
  }

  const cid = clientBypassId(ctx, client);
  const gid = gatewayBypassId(ctx, gw);
  const decider = outbound ? 'the Mediation Server' : `the client ${client.name}`;
  if (cid?.id !== gid?.id || cid === null || gid === null) {
    const why =
      cid === null
        ? `${client.name} has no bypass ID`
        : gid === null
          ? `${gw.name} has no bypass ID`
          : `bypass IDs differ (${cid.source} vs ${gid.source})`;
    trace.add('b.1#12', 'Compare bypass IDs', 'fail', `${decider} compares: ${why}`, {
      decidedBy: outbound ? 'mediation-server' : 'client',
      client: cid?.id ?? null,
      gateway: gid?.id ?? null,
    });
    return { ok: false, why: `no bypass: ${why}`, cid, gid, codec: null };
  }
  trace.add('b.1#12', 'Compare bypass IDs', 'pass', `${decider} compares: both ${cid.source}`, {
    decidedBy: outbound ? 'mediation-server' : 'client',
    client: cid.id,
    gateway: gid.id,
  });

  // #13: a bypassed leg carries only codecs the gateway has (G.711).
  const wanted = call.codec ? [call.codec] : client.codecs;
  const codec =
    wanted.find((c) => isG711(c) && gw.codecs.includes(c) && GATEWAY_CODECS.includes(c)) ?? null;
  if (codec === null) {
    trace.add(
      'b.1#13',
      'Common G.711 codec',
      'fail',
      `no bypass: ${client.name} and ${gw.name} share no G.711 codec`,
      {
        client: wanted.join(','),
        gateway: gw.codecs.join(','),
      },
    );
    return { ok: false, why: `no bypass: no common G.711 codec`, cid, gid, codec: null };
  }
  trace.add('b.1#13', 'Common G.711 codec', 'pass', codec, { codec });

  // #14: SRTP mode of the trunk against the client's encryption level.
  const level = encryptionLevel(ctx, client);
  const srtp = gw.transport === 'tcp' ? 'NotSupported' : tc.srtpMode;
  const compatible = encryptionCompatible(level, srtp, gw.offersSrtp);
  if (!compatible) {
    trace.add(
      'b.1#14',
      'Encryption compatible',
      'fail',
      `no bypass: trunk SRTPMode ${srtp} is incompatible with ${level}`,
      {
        encryptionLevel: level,
        srtpMode: srtp,
      },
    );
    return { ok: false, why: `no bypass: SRTPMode ${srtp} vs ${level}`, cid, gid, codec: null };
  }
  trace.add('b.1#14', 'Encryption compatible', 'pass', `${srtp} with ${level}`, {
    encryptionLevel: level,
    srtpMode: srtp,
  });

  // #15: peer capabilities are not checked by the server; the call misbehaves instead.
  if (gw.acceptsMediaFrom === 'mediation-server') {
    const w = `${gw.name} accepts media only from the Mediation Server: bypassed media will be dropped`;
    ctx.warnings.push(w);
    trace.add('b.1#15', 'Peer accepts media from clients', 'info', `WARNING ${w}`, {
      acceptsMediaFrom: 'mediation-server',
    });
  } else if (!outbound && gw.supportsEarlyDialogs < 1) {
    const w = `${gw.name} cannot handle forked early dialogs: the callee's first words may be clipped`;
    ctx.warnings.push(w);
    trace.add('b.1#15', 'Peer handles early dialogs', 'info', `WARNING ${w}`, {
      supportsEarlyDialogs: gw.supportsEarlyDialogs,
    });
  } else {
    trace.add(
      'b.1#15',
      'Peer capabilities',
      'pass',
      `${gw.name} accepts media from ${gw.acceptsMediaFrom}`,
      { acceptsMediaFrom: gw.acceptsMediaFrom },
    );
  }

  // #16: the match makes bypass possible; the direct path must still work.
  const works = ctx.options.directPathWorks ? ctx.options.directPathWorks(client, gw) : true;
  trace.add(
    'b.1#16',
    'Direct path works',
    works ? 'pass' : 'fail',
    works ? 'assumed (ICE connectivity)' : 'direct connectivity check failed: fall back to relay',
    {
      checked: ctx.options.directPathWorks !== undefined,
    },
  );
  if (!works) {
    return {
      ok: false,
      why: 'no bypass: direct path to the gateway failed',
      cid,
      gid,
      codec: null,
    };
  }
  return { ok: true, why: 'bypass', cid, gid, codec };
}

/** b.1 #10: the client's bypass ID, from an exact own-subnet match. */
function clientBypassId(ctx: DecisionContext, client: Client): BypassId | null {
  const { topo, trace } = ctx;
  const mb = topo.scenario.networkConfiguration.mediaBypassSettings;
  if (mb.alwaysBypass) {
    const g = topo.globalBypassId();
    trace.add('b.1#10', 'Client bypass ID', 'pass', `AlwaysBypass: the single system-wide ID`, {
      client: client.name,
      bypassId: g.id,
    });
    return g;
  }
  const sub = topo.exactSubnet(client.ip, client.maskBits);
  const own = `${ownNet(client.ip, client.maskBits)}/${client.maskBits}`;
  const site = sub ? topo.site(sub.site) : undefined;
  if (site) {
    const id = topo.siteBypassId(site);
    trace.add(
      'b.1#10',
      'Client bypass ID',
      id ? 'pass' : 'fail',
      `own subnet ${own} is configured, site ${site.name} -> ${id?.source ?? 'no ID (site has no region)'}`,
      {
        client: client.name,
        ownSubnet: own,
        site: site.name,
        bypassId: id?.id ?? null,
      },
    );
    return id;
  }
  const fallback = mb.enableDefaultBypassId ? topo.globalBypassId() : null;
  trace.add(
    'b.1#10',
    'Client bypass ID',
    fallback ? 'pass' : 'fail',
    `own subnet ${own} is ${sub ? 'not mapped to a site' : 'not configured (exact match only)'}: ${fallback ? 'default bypass ID' : 'no ID (EnableDefaultBypassID off)'}`,
    { client: client.name, ownSubnet: own, bypassId: fallback?.id ?? null },
  );
  return fallback;
}

/** b.1 #11: the gateway's bypass ID, by containment (A3) or exact /32 match. */
function gatewayBypassId(ctx: DecisionContext, gw: Gateway): BypassId | null {
  const { topo, trace } = ctx;
  const mb = topo.scenario.networkConfiguration.mediaBypassSettings;
  if (mb.alwaysBypass) {
    const g = topo.globalBypassId();
    trace.add('b.1#11', 'Gateway bypass ID', 'pass', 'AlwaysBypass: the single system-wide ID', {
      gateway: gw.name,
      bypassId: g.id,
    });
    return g;
  }
  const mode = topo.scenario.simulation.gatewaySubnetMatch;
  const sub =
    mode === 'exact' ? topo.exactSubnet(gw.mediaIp, 32) : topo.containingSubnet(gw.mediaIp);
  const site = sub ? topo.site(sub.site) : undefined;
  const id = site
    ? topo.siteBypassId(site)
    : mb.enableDefaultBypassId
      ? topo.globalBypassId()
      : null;
  trace.add(
    'b.1#11',
    'Gateway bypass ID',
    id ? 'pass' : 'fail',
    sub
      ? `${gw.mediaIp} in ${sub.subnet}/${sub.maskBits} (A3: ${mode}) -> ${site ? `site ${site.name} -> ${id?.source ?? 'no ID'}` : 'unmapped subnet'}`
      : `${gw.mediaIp} is in no configured subnet (A3: ${mode})${id ? ': default bypass ID' : ''}`,
    { gateway: gw.name, mediaIp: gw.mediaIp, bypassId: id?.id ?? null },
  );
  return id;
}

function ownNet(ip: string, bits: number): string {
  return formatIpv4(networkOf(parseIpv4(ip), bits));
}

/** b.0 #2: the pstnGateway scope wins over the site scope (the Mediation Server's site), then global. */
function effectiveTrunkConfig(
  ctx: DecisionContext,
  gw: Gateway,
  ms: MediationServer,
): TrunkConfiguration {
  const { topo, trace } = ctx;
  const list = topo.scenario.trunkConfigurations;
  const site = topo.siteOfHost(ms);
  const tc =
    list.find((t) => t.scope === `pstnGateway:${gw.name}`) ??
    (site ? list.find((t) => t.scope === `site:${site.name}`) : undefined) ??
    list.find((t) => t.scope === 'global');
  const chosen = tc ?? list[list.length - 1];
  if (!chosen) {
    throw new TypeError('the normalized scenario always has a global trunk configuration');
  }
  trace.add(
    'b.0#2',
    'Effective trunk configuration',
    'info',
    `${chosen.scope} (most specific of pstnGateway:${gw.name}, site:${site?.name ?? '?'}, global)`,
    {
      scope: chosen.scope,
    },
  );
  return chosen;
}

/** MediaConfiguration EncryptionLevel at the client's site, else global. */
function encryptionLevel(ctx: DecisionContext, client: Client): EncryptionLevel {
  const site = ctx.topo.siteOfHost(client);
  const list = ctx.topo.scenario.mediaConfigurations;
  return (
    (site ? list.find((m) => m.scope === `site:${site.name}`) : undefined)?.encryptionLevel ??
    list.find((m) => m.scope === 'global')?.encryptionLevel ??
    'RequireEncryption'
  );
}

/** b.1 #14 compatibility table (INF in domain.md). */
export function encryptionCompatible(
  level: EncryptionLevel,
  srtp: TrunkConfiguration['srtpMode'],
  peerOffersSrtp: boolean,
): boolean {
  if (level === 'SupportEncryption') {
    return true;
  }
  if (level === 'RequireEncryption') {
    return srtp === 'Required' || (srtp === 'Optional' && peerOffersSrtp);
  }
  return srtp !== 'Required';
}

function legACodecs(ctx: DecisionContext, client: Client): CodecName[] {
  if (ctx.call.codec) {
    return [ctx.call.codec];
  }
  const list = client.codecs.filter((c) => MS_CLIENT_CODECS.includes(c));
  return list.length ? list : ['PCMU'];
}

// ---------------------------------------------------------------------------------------
// Client to client.

function decideP2p(ctx: DecisionContext): CallDecision {
  const { topo, call, trace } = ctx;
  const a = topo.client(call.from);
  const b = topo.client(call.to);
  if (!a || !b) {
    return ctx.result({
      decision: 'REJECTED',
      reason: 'unknown party',
      mediaPath: [],
      sip: REFUSAL_SIP.noRoute,
      keepHolding: false,
    });
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
    return ctx.result({
      decision: 'REJECTED',
      reason: 'no common codec',
      mediaPath: [],
      sip: { status: 488, reason: 'Not Acceptable Here (no common codec)' },
      keepHolding: false,
    });
  }
  const edgeA = a.location === 'external' ? nearestEdge(ctx, topo.siteOfHost(b)) : null;
  const edgeB = b.location === 'external' ? nearestEdge(ctx, topo.siteOfHost(a)) : null;
  const hops = uniqueHops([a.name, edgeA, edgeB, b.name]);
  const cac = cacEnabled(ctx, 'the media path');
  if (!cac) {
    return ctx.result({
      decision: 'DIRECT',
      reason: 'client to client, CAC off',
      mediaPath: hops,
      codecs: { caller: codecs[0] ?? null, callee: codecs[0] ?? null },
    });
  }
  const ipOf = (edge: string | null, fallback: string): string =>
    edge ? ((topo.host(edge) as { ip: string } | undefined)?.ip ?? fallback) : fallback;
  const ipA = ipOf(edgeA, a.ip);
  const ipB = ipOf(edgeB, b.ip);
  const modalities: Modality[] = call.modality === 'video' ? ['audio', 'video'] : ['audio'];
  let refused: LegCheck | null = null;
  const checked: LegCheck[] = [];
  for (const m of modalities) {
    const leg = checkLeg(
      ctx,
      m === 'audio' ? 'p2p' : 'p2p-video',
      a.name,
      ipA,
      b.name,
      ipB,
      codecs,
      m,
    );
    checked.push(leg);
    if (leg.verdict === 'refused') {
      refused = leg;
      break;
    }
  }
  const codec = checked[0]?.codec ?? null;
  if (!refused) {
    return ctx.result({
      decision: 'CAC-ADMITTED',
      reason: `client to client; CAC admitted ${checked.map(describeLeg).join(', ')}`,
      mediaPath: hops,
      codecs: { caller: codec, callee: codec },
    });
  }
  return refusalChain(ctx, { caller: a, callee: b, refused, codecs, modalities });
}

function uniqueHops(hops: (string | null)[]): string[] {
  const out: string[] = [];
  for (const h of hops) {
    if (h !== null && out[out.length - 1] !== h) {
      out.push(h);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// CAC legs (c.1-c.3).

function checkLeg(
  ctx: DecisionContext,
  name: string,
  fromHost: string,
  fromIp: string,
  toHost: string,
  toIp: string,
  candidates: readonly CodecName[],
  modality: Modality,
): LegCheck {
  const { topo, trace } = ctx;
  const sim = ctx.sim;
  const la = topo.locate(fromIp);
  const lb = topo.locate(toIp);
  const base = {
    name,
    from: fromHost,
    to: toHost,
    fromSite: la?.site?.name ?? null,
    toSite: lb?.site?.name ?? null,
    modality,
  };
  const firstCodec = candidates[0] ?? null;
  const kbps0 = firstCodec ? streamKbps(modality, firstCodec, sim.codecBandwidth) : 0;
  const rid = trace.enabled
    ? `leg ${name} ${fromHost}(${base.fromSite ?? '?'}) <-> ${toHost}(${base.toSite ?? '?'})`
    : '';

  if (!la?.site || !lb?.site) {
    const ip = !la?.site ? fromIp : toIp;
    const admit = sim.unmappedEndpoint === 'admit';
    trace.add(
      'c.1#2',
      'Locate endpoints',
      admit ? 'pass' : 'fail',
      `${rid}: ${ip} is in no mapped subnet (KHI 36034); A12: ${admit ? 'admit without reservation' : 'refuse'}`,
      {
        ip,
      },
    );
    const leg: LegCheck = makeLeg(base, {
      codec: firstCodec,
      kbps: kbps0,
      links: [],
      verdict: admit ? 'unchecked' : 'refused',
      why: `${ip} unmapped`,
    });
    ctx.legs.push(leg);
    return leg;
  }
  const down = [la.region, lb.region].find(
    (r): r is Region => r?.bandwidthPolicyServiceDown === true,
  );
  if (down) {
    trace.add(
      'b.2#19',
      'Bandwidth Policy Service up',
      'info',
      `${rid}: the Bandwidth Policy Service of ${down.name} is down: CAC not enforced, admit`,
      { region: down.name },
    );
    const leg: LegCheck = makeLeg(base, {
      codec: firstCodec,
      kbps: kbps0,
      links: [],
      verdict: 'unchecked',
      why: `BPS of ${down.name} down`,
    });
    ctx.legs.push(leg);
    return leg;
  }
  const path = topo.path(la.site, lb.site);
  if (!path.ok) {
    const admit = path.reason === 'no-route' && sim.missingRoute === 'admit';
    trace.add(
      'c.2#7',
      'Path between sites',
      admit ? 'pass' : 'fail',
      `${rid}: ${path.steps.join('; ')}`,
      { fromSite: la.site.name, toSite: lb.site.name },
    );
    const leg: LegCheck = makeLeg(base, {
      codec: firstCodec,
      kbps: kbps0,
      links: [],
      verdict: admit ? 'unchecked' : 'refused',
      why: path.reason === 'no-route' ? 'no inter-region route' : 'site without region',
    });
    ctx.legs.push(leg);
    return leg;
  }
  if (trace.enabled)
    trace.add('c.2', 'Path between sites', 'info', `${rid}: ${path.steps.join('; ')}`, {
      fromSite: la.site.name,
      toSite: lb.site.name,
      links: path.links.length,
    });

  // c.3 #14: the highest-priority codec whose bandwidth fits every session limit.
  const constrained = path.links.filter((l) => limitsOf(ctx, l, modality).constrained);
  let codec: CodecName | null = null;
  let kbps = 0;
  for (const c of candidates) {
    const bw = streamKbps(modality, c, sim.codecBandwidth);
    if (constrained.every((l) => fitsSession(limitsOf(ctx, l, modality).session, bw))) {
      codec = c;
      kbps = bw;
      break;
    }
  }
  if (codec === null) {
    const first = constrained.find((l) => !fitsSession(limitsOf(ctx, l, modality).session, kbps0));
    const lim = first ? limitsOf(ctx, first, modality) : null;
    trace.add(
      'c.3#14',
      'A codec fits the session limit',
      'fail',
      `${rid}: no offered codec (${candidates.join(', ')}) fits the ${modality} session limit ${lim?.session ?? '?'} kbps of ${first?.id ?? '?'}`,
      {
        link: first?.id ?? null,
        sessionLimit: lim?.session ?? null,
      },
    );
    const leg: LegCheck = makeLeg(base, {
      codec: firstCodec,
      kbps: kbps0,
      links: constrained.map((l) => linkCheck(ctx, l, modality, kbps0)),
      verdict: 'refused',
      why: `session limit on ${first?.id ?? '?'}`,
    });
    ctx.legs.push(leg);
    return leg;
  }
  if (codec !== firstCodec) {
    trace.add(
      'c.3#14',
      'Session limit as codec governor',
      'info',
      `${rid}: ${firstCodec ?? '?'} exceeds a session limit; ${codec} (${kbps} kbps) fits`,
      { codec, kbps },
    );
  }
  const checks = constrained.map((l) => linkCheck(ctx, l, modality, kbps));
  for (const lc of trace.enabled ? checks : []) {
    trace.add(
      'c.3#11',
      'Link has room',
      lc.ok ? 'pass' : 'fail',
      `${rid}: ${lc.link} ${modality} used ${round(lc.usedKbps)} + ${round(kbps)} ${lc.ok ? '<=' : '>'} ${lc.limitKbps ?? 'unlimited'} kbps (session ${round(kbps)} <= ${lc.sessionLimitKbps ?? 'unlimited'})`,
      {
        link: lc.link,
        used: round(lc.usedKbps),
        request: round(kbps),
        limit: lc.limitKbps,
        sessionLimit: lc.sessionLimitKbps,
      },
    );
  }
  const refusedAt = checks.find((c) => !c.ok);
  if (refusedAt) {
    const leg: LegCheck = makeLeg(base, {
      codec,
      kbps,
      links: checks,
      verdict: 'refused',
      why: `${refusedAt.link} full (${round(refusedAt.usedKbps)} of ${refusedAt.limitKbps} kbps used)`,
    });
    ctx.legs.push(leg);
    return leg;
  }
  for (const l of constrained) {
    ctx.claim(l.id, modality, kbps);
  }
  if (!trace.enabled) {
    // Nothing to record.
  } else if (constrained.length === 0) {
    trace.add('c.3#12', 'Admit', 'pass', `${rid}: no constrained link on the path`, {});
  } else {
    trace.add(
      'c.3#12',
      'Admit and reserve',
      'pass',
      `${rid}: reserve ${round(kbps)} kbps ${modality} on ${constrained.map((l) => l.id).join(', ')}`,
      { kbps: round(kbps) },
    );
  }
  const leg: LegCheck = makeLeg(base, {
    codec,
    kbps,
    links: checks,
    verdict: 'admitted',
    why: constrained.length ? 'fits' : 'unconstrained path',
  });
  ctx.legs.push(leg);
  return leg;
}

/** b.2 #21: leg B of an outbound call to a PBX without MTP is accounted, not checked. */
function accountWithoutCheck(
  ctx: DecisionContext,
  name: string,
  fromHost: string,
  fromIp: string,
  toHost: string,
  toIp: string,
  candidates: readonly CodecName[],
): LegCheck {
  const { topo } = ctx;
  const la = topo.locate(fromIp);
  const lb = topo.locate(toIp);
  const codec = candidates[0] ?? 'PCMU';
  const kbps = streamKbps('audio', codec, ctx.sim.codecBandwidth);
  const path = la?.site && lb?.site ? topo.path(la.site, lb.site) : null;
  const links = path?.ok ? path.links.filter((l) => limitsOf(ctx, l, 'audio').constrained) : [];
  for (const l of links) {
    ctx.claim(l.id, 'audio', kbps);
  }
  const leg: LegCheck = {
    name,
    from: fromHost,
    to: toHost,
    fromSite: la?.site?.name ?? null,
    toSite: lb?.site?.name ?? null,
    modality: 'audio',
    codec,
    kbps,
    links: [],
    verdict: 'unchecked',
    why: 'accounted after establishment (PBX without MTP)',
  };
  ctx.legs.push(leg);
  return leg;
}

interface Limits {
  readonly constrained: boolean;
  readonly total: number | null;
  readonly session: number | null;
}

/** Limits per link object; links belong to one topology, so the A9 setting is fixed per key. */
const limitsCache = new WeakMap<PathLink, { audio: Limits; video: Limits }>();

/** A link's limits for a modality, with A9 (what 0 means) applied. */
function limitsOf(ctx: DecisionContext, link: PathLink, modality: Modality): Limits {
  let cached = limitsCache.get(link);
  if (!cached) {
    cached = { audio: computeLimits(ctx, link, 'audio'), video: computeLimits(ctx, link, 'video') };
    limitsCache.set(link, cached);
  }
  return cached[modality];
}

function computeLimits(ctx: DecisionContext, link: PathLink, modality: Modality): Limits {
  const l = link.profile?.[modality];
  if (!l || (l.limit === null && l.sessionLimit === null)) {
    return { constrained: false, total: null, session: null };
  }
  const zeroIsUnlimited = ctx.sim.zeroBandwidthLimit === 'unlimited';
  const total = l.limit === 0 && zeroIsUnlimited ? null : l.limit;
  const session = l.sessionLimit === 0 && zeroIsUnlimited ? null : l.sessionLimit;
  return { constrained: total !== null || session !== null, total, session };
}

/** Builds a LegCheck with one fixed shape (object spread is slow on this path). */
function makeLeg(
  base: {
    name: string;
    from: string;
    to: string;
    fromSite: string | null;
    toSite: string | null;
    modality: Modality;
  },
  rest: Pick<LegCheck, 'codec' | 'kbps' | 'links' | 'verdict' | 'why'>,
): LegCheck {
  return {
    name: base.name,
    from: base.from,
    to: base.to,
    fromSite: base.fromSite,
    toSite: base.toSite,
    modality: base.modality,
    codec: rest.codec,
    kbps: rest.kbps,
    links: rest.links,
    verdict: rest.verdict,
    why: rest.why,
  };
}

function fitsSession(session: number | null, kbps: number): boolean {
  return session === null || kbps <= session + 1e-9;
}

function linkCheck(
  ctx: DecisionContext,
  link: PathLink,
  modality: Modality,
  kbps: number,
): LinkCheck {
  const lim = limitsOf(ctx, link, modality);
  const used = ctx.used(link.id, modality);
  const ok =
    fitsSession(lim.session, kbps) && (lim.total === null || used + kbps <= lim.total + 1e-9);
  return {
    link: link.id,
    modality,
    usedKbps: used,
    requestKbps: kbps,
    limitKbps: lim.total,
    sessionLimitKbps: lim.session,
    ok,
  };
}

// ---------------------------------------------------------------------------------------
// c.5: when the primary path is refused.

interface RefusedPstn {
  outbound: boolean;
  client: Client;
  gw: Gateway;
  ms: MediationServer;
  /** The refused leg. */
  leg: LegCheck;
  bypassWhy: string;
  relayCodecs: { caller: CodecName | null; callee: CodecName | null };
  bypassIds: CallDecision['bypassIds'];
}

/** How a refused PSTN leg may still be carried: the callee's override, or the Edge path. */
type LegRescue =
  { readonly via: 'override' } | { readonly via: 'internet'; readonly edges: string[] };

/**
 * c.5 #17 and #18 for one refused leg of a PSTN call. On success the call goes on to its
 * other leg; on failure the caller applies the rest of the chain (`failPstn`).
 */
function rescuePstnLeg(ctx: DecisionContext, r: RefusedPstn): LegRescue | null {
  const { trace } = ctx;
  const leg = r.leg;
  // #17: override only for an incoming call to a user (inbound PSTN).
  if (!r.outbound) {
    const policy = voicePolicyOf(ctx, r.client);
    if (policy.enableBWPolicyOverride) {
      trace.add(
        'c.5#17',
        'Bandwidth policy override',
        'pass',
        `incoming call to ${r.client.name}, whose voice policy ${policy.name} overrides the bandwidth policy: leg ${leg.name} admitted, still accounted`,
        { voicePolicy: policy.name, leg: leg.name },
      );
      claimRefused(ctx, leg);
      return { via: 'override' };
    }
    trace.add(
      'c.5#17',
      'Bandwidth policy override',
      'fail',
      `voice policy ${policy.name} of ${r.client.name} has EnableBWPolicyOverride off`,
      { voicePolicy: policy.name },
    );
  } else {
    trace.add(
      'c.5#17',
      'Bandwidth policy override',
      'fail',
      "never applies to a user's outgoing calls",
      {},
    );
  }
  // #18: Internet alternate path, for the client <-> MS leg (gateways do not use the Edge).
  if (leg.name === 'A') {
    const alt = alternatePath(ctx, leg, r.client.name, r.ms.name, 'audio', [
      ...(leg.codec ? [leg.codec] : []),
    ]);
    return alt ? { via: 'internet', edges: alt } : null;
  }
  trace.add(
    'c.5#18',
    'Internet alternate path',
    'fail',
    'leg B (Mediation Server <-> gateway peer) cannot take the Edge path',
    {},
  );
  return null;
}

/** The rest of the chain for a refused PSTN leg (A6/A15): re-route, voice mail, or reject. */
function failPstn(ctx: DecisionContext, r: RefusedPstn): CallDecision {
  const { trace } = ctx;
  const leg = r.leg;
  ctx.codecs = r.relayCodecs;
  ctx.bypassIds = r.bypassIds;
  if (ctx.sim.pstnCallRefused === 'full-chain') {
    if (r.outbound && !ctx.options.nested) {
      const rr = pstnRerouteOutbound(ctx, r);
      if (rr) {
        return rr;
      }
    }
    if (!r.outbound) {
      const vm = voicemailFor(ctx, r.client);
      if (vm) {
        // c.3 #16: voice-mail deposits are never denied for bandwidth and hold none; the call
        // still occupies its gateway channel.
        ctx.pending.clear();
        ctx.reservations.length = 0;
        return ctx.result({
          decision: 'CAC-REROUTED-VOICEMAIL',
          reason: `leg ${leg.name} refused (${leg.why}); to ${r.client.name}'s voice mail`,
          mediaPath: [r.gw.name, r.ms.name, vm],
          reroute: { via: 'voicemail', host: vm },
        });
      }
    }
  } else {
    trace.add(
      'c.5',
      'Refused PSTN call (A6/A15)',
      'info',
      'pstnCallRefused: internet-then-reject: no PSTN re-route or voice mail for a PSTN leg',
      {},
    );
  }
  return rejectForCac(ctx, leg, `${r.bypassWhy}; leg ${leg.name} refused: ${leg.why}`);
}

/** For full-chain: another trunk of the caller's routes for the same number. */
function pstnRerouteOutbound(ctx: DecisionContext, r: RefusedPstn): CallDecision | null {
  const policy = voicePolicyOf(ctx, r.client);
  const number = ctx.call.number ?? '';
  const trunks = policy.routes
    .filter((rt) => safeMatch(rt.numberPattern, number))
    .flatMap((rt) => rt.trunks)
    .filter((t) => t !== r.gw.name);
  for (const t of trunks) {
    const nested = decideCall(
      ctx.topo,
      { ...ctx.call, trunk: t, to: t, id: `${ctx.call.id}/reroute` },
      ctx.ledger,
      { ...ctx.options, nested: true },
    );
    if (nested.decision !== 'REJECTED') {
      ctx.trace.add(
        'c.5#19',
        'PSTN re-route',
        'pass',
        `out through ${t} instead: ${nested.decision}`,
        { trunk: t },
      );
      return {
        ...nested,
        callId: ctx.call.id,
        to: ctx.call.to,
        decision: 'CAC-REROUTED-PSTN',
        reason: `leg ${r.leg.name} via ${r.gw.name} refused; re-routed through ${t} (${nested.decision})`,
        reroute: { via: 'pstn', trunks: [t] },
        trace: [...ctx.trace.steps, ...nested.trace],
      };
    }
  }
  ctx.trace.add(
    'c.5#19',
    'PSTN re-route',
    'fail',
    trunks.length
      ? `no other trunk admitted the call (${trunks.join(', ')})`
      : 'no other trunk routes this number',
    {},
  );
  return null;
}

function claimRefused(ctx: DecisionContext, leg: LegCheck): void {
  for (const l of leg.links) {
    ctx.claim(l.link, l.modality, leg.kbps);
  }
}

interface P2pRefusal {
  caller: Client;
  callee: Client;
  refused: LegCheck;
  codecs: readonly CodecName[];
  modalities: readonly Modality[];
}

function refusalChain(ctx: DecisionContext, r: P2pRefusal): CallDecision {
  const { trace } = ctx;
  const video = r.modalities.includes('video');
  const leg = r.refused;
  // #17: incoming call to a user with the override (the callee's policy, A7).
  const calleePolicy = voicePolicyOf(ctx, r.callee);
  if (calleePolicy.enableBWPolicyOverride) {
    trace.add(
      'c.5#17',
      'Bandwidth policy override',
      'pass',
      `${r.callee.name}'s voice policy ${calleePolicy.name} overrides the bandwidth policy for incoming calls: admit, still accounted`,
      {
        voicePolicy: calleePolicy.name,
      },
    );
    claimRefused(ctx, leg);
    return ctx.result({
      decision: 'CAC-ADMITTED',
      reason: `refused (${leg.why}) but ${r.callee.name}'s voice policy overrides bandwidth policy`,
      mediaPath: [r.caller.name, r.callee.name],
      codecs: { caller: leg.codec, callee: leg.codec },
      reroute: { via: 'override' },
    });
  }
  trace.add(
    'c.5#17',
    'Bandwidth policy override',
    'fail',
    `${r.callee.name}'s voice policy ${calleePolicy.name} has EnableBWPolicyOverride off`,
    { voicePolicy: calleePolicy.name },
  );
  // Drop what earlier modalities of this call claimed: the alternatives re-check from scratch.
  ctx.pending.clear();
  ctx.reservations.length = 0;
  // #18: Internet alternate path.
  const alt = alternatePathAll(ctx, leg, r);
  if (alt) {
    return ctx.result({
      decision: 'CAC-REROUTED-INTERNET',
      reason: `WAN refused (${leg.why}); media over the Internet through ${alt.join(' and ')}`,
      mediaPath: uniqueHops([r.caller.name, ...alt, r.callee.name]),
      codecs: { caller: leg.codec, callee: leg.codec },
      reroute: { via: 'internet', edges: alt },
    });
  }
  if (video) {
    trace.add(
      'c.5#22',
      'Video gets only the Internet path',
      'fail',
      'video sessions are not re-routed to PSTN or voice mail',
      {},
    );
    return ctx.result({
      decision: 'REJECTED',
      reason: `video refused: ${leg.why}`,
      mediaPath: [],
      sip: REFUSAL_SIP.bandwidth,
      keepHolding: false,
    });
  }
  // #19: PSTN re-route to the callee's line URI.
  if (!ctx.options.nested) {
    const rr = pstnReroute(ctx, r);
    if (rr) {
      return rr;
    }
  }
  // #20: voice mail.
  const vm = voicemailFor(ctx, r.callee);
  if (vm) {
    ctx.pending.clear();
    ctx.reservations.length = 0;
    ctx.channels.length = 0;
    return ctx.result({
      decision: 'CAC-REROUTED-VOICEMAIL',
      reason: `WAN refused (${leg.why}); to ${r.callee.name}'s voice mail`,
      mediaPath: [r.caller.name, vm],
      codecs: { caller: leg.codec, callee: leg.codec },
      reroute: { via: 'voicemail', host: vm },
    });
  }
  return rejectForCac(
    ctx,
    leg,
    `WAN refused (${leg.why}); no alternate path, re-route or voice mail`,
  );
}

/** b.2 #18: whether CAC runs at all (EnableBandwidthPolicyCheck). */
function cacEnabled(ctx: DecisionContext, what: string): boolean {
  const cac = ctx.topo.scenario.networkConfiguration.enableBandwidthPolicyCheck;
  ctx.trace.add(
    'b.2#18',
    'CAC enabled (EnableBandwidthPolicyCheck)',
    cac ? 'pass' : 'info',
    cac ? `CAC checks ${what}` : 'CAC is off: admit without reservation',
    { enableBandwidthPolicyCheck: cac },
  );
  return cac;
}

/** c.5 #21: the session is blocked and the user is told the reason is CAC. */
function rejectForCac(ctx: DecisionContext, leg: LegCheck, reason: string): CallDecision {
  ctx.trace.add(
    'c.5#21',
    'Reject',
    'fail',
    `call blocked: ${leg.why}; the user is told the reason is CAC`,
    {},
  );
  return ctx.result({
    decision: 'REJECTED',
    reason,
    mediaPath: [],
    sip: REFUSAL_SIP.bandwidth,
    keepHolding: false,
  });
}

/** Regions whose links refused the leg, for A14. */
function refusingRegions(ctx: DecisionContext, leg: LegCheck): string[] {
  const { topo } = ctx;
  const out = new Set<string>();
  for (const l of leg.links) {
    if (l.ok) {
      continue;
    }
    const [kind, name] = [
      l.link.slice(0, l.link.indexOf(':')),
      l.link.slice(l.link.indexOf(':') + 1),
    ];
    if (kind === 'site') {
      const r = topo.site(name)?.region;
      if (r) {
        out.add(r);
      }
    } else if (kind === 'region-link') {
      const link = topo.scenario.network.regionLinks.find((x) => x.name === name);
      link?.regions.forEach((r) => out.add(r));
    } else {
      const p = topo.scenario.network.interSitePolicies.find((x) => x.name === name);
      p?.sites.forEach((s) => {
        const r = topo.site(s)?.region;
        if (r) {
          out.add(r);
        }
      });
    }
  }
  if (out.size === 0) {
    for (const s of [leg.fromSite, leg.toSite]) {
      const r = topo.site(s)?.region;
      if (r) {
        out.add(r);
      }
    }
  }
  return [...out];
}

function alternatePathAll(ctx: DecisionContext, leg: LegCheck, r: P2pRefusal): string[] | null {
  return alternatePath(
    ctx,
    leg,
    r.caller.name,
    r.callee.name,
    leg.modality,
    r.codecs,
    r.modalities,
  );
}

/**
 * c.5 #18: media through A/V Edge relays instead of the WAN. The flag of the regions (A14)
 * must allow it, an Edge must exist, and the sub-paths site <-> relay site must pass CAC.
 */
function alternatePath(
  ctx: DecisionContext,
  leg: LegCheck,
  fromHost: string,
  toHost: string,
  modality: Modality,
  codecs: readonly CodecName[],
  modalities: readonly Modality[] = [modality],
): string[] | null {
  const { topo, trace } = ctx;
  const mode = ctx.sim.alternatePathRegions;
  const regionNames =
    mode === 'caller-region'
      ? [topo.site(leg.fromSite)?.region ?? null]
      : mode === 'callee-region'
        ? [topo.site(leg.toSite)?.region ?? null]
        : refusingRegions(ctx, leg);
  const regions = regionNames
    .map((n) => topo.region(n))
    .filter((x): x is Region => x !== undefined);
  const flag = (r: Region): boolean =>
    modalities.every((m) => (m === 'audio' ? r.audioAlternatePath : r.videoAlternatePath));
  const blocked = regions.find((r) => !flag(r));
  if (blocked || regions.length === 0) {
    trace.add(
      'c.5#18',
      'Internet alternate path',
      'fail',
      blocked
        ? `region ${blocked.name} does not allow the alternate path (A14: ${mode})`
        : 'no region to allow it',
      {
        region: blocked?.name ?? null,
      },
    );
    return null;
  }
  if (topo.edges.length === 0) {
    trace.add('c.5#18', 'Internet alternate path', 'fail', 'no A/V Edge in the scenario', {});
    return null;
  }
  const siteA = topo.site(leg.fromSite) ?? null;
  const siteB = topo.site(leg.toSite) ?? null;
  const edgeA = nearestEdge(ctx, siteA);
  const edgeB = nearestEdge(ctx, siteB);
  if (!edgeA || !edgeB) {
    trace.add('c.5#18', 'Internet alternate path', 'fail', 'no A/V Edge to relay', {});
    return null;
  }
  const hostA = topo.host(fromHost);
  const hostB = topo.host(toHost);
  const ipOf = (h: typeof hostA, side: 'client' | 'gateway'): string =>
    !h
      ? '0.0.0.0'
      : h.kind === 'mediation-server'
        ? side === 'client'
          ? h.clientIp
          : h.gatewayIp
        : h.kind === 'pstn-gateway' || h.kind === 'ip-pbx' || h.kind === 'sbc'
          ? h.mediaIp
          : h.ip;
  const edgeIp = (name: string): string =>
    (topo.host(name) as { ip: string } | undefined)?.ip ?? '0.0.0.0';
  for (const m of modalities) {
    const sub1 = checkLeg(
      ctx,
      `alt-${m}-1`,
      fromHost,
      ipOf(hostA, 'client'),
      edgeA,
      edgeIp(edgeA),
      codecs,
      m,
    );
    const sub2 =
      sub1.verdict === 'refused'
        ? sub1
        : checkLeg(
            ctx,
            `alt-${m}-2`,
            toHost,
            ipOf(hostB, 'client'),
            edgeB,
            edgeIp(edgeB),
            codecs,
            m,
          );
    if (sub1.verdict === 'refused' || sub2.verdict === 'refused') {
      const bad = sub1.verdict === 'refused' ? sub1 : sub2;
      trace.add(
        'c.5#18',
        'Internet alternate path',
        'fail',
        `sub-path ${bad.from} <-> ${bad.to} refused (${bad.why})`,
        {},
      );
      return null;
    }
  }
  const edges = edgeA === edgeB ? [edgeA] : [edgeA, edgeB];
  trace.add(
    'c.5#18',
    'Internet alternate path',
    'pass',
    `through ${edges.join(' and ')}; not recorded as a re-route`,
    { edges: edges.join(',') },
  );
  return edges;
}

/** The Edge for a site: one in the same site, else the same region, else the first. */
function nearestEdge(ctx: DecisionContext, site: Site | null | undefined): string | null {
  const { topo } = ctx;
  const edges = topo.edges;
  if (edges.length === 0) {
    return null;
  }
  const siteOf = (e: (typeof edges)[number]): Site | null => topo.siteOfHost(e);
  const same = site ? edges.find((e) => siteOf(e)?.name === site.name) : undefined;
  const region = site ? edges.find((e) => siteOf(e)?.region === site.region) : undefined;
  return (same ?? region ?? edges[0])?.name ?? null;
}

/** c.5 #19: re-route through the PSTN to the callee's line URI. */
function pstnReroute(ctx: DecisionContext, r: P2pRefusal): CallDecision | null {
  const { topo, trace } = ctx;
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
  const number = r.callee.lineUri.replace(/^tel:/i, '').replace(/;.*$/, '');
  // The flag follows A7; the routes (PSTN usages) are always the caller's (c.5 #19).
  const callerPolicy = voicePolicyOf(ctx, r.caller);
  const trunks = callerPolicy.routes
    .filter((rt) => safeMatch(rt.numberPattern, number))
    .flatMap((rt) => rt.trunks);
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
  const inbound = topo.scenario.hosts.gateways.find(
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
  const nestedOpts: DecideOptions = { ...ctx.options, nested: true };
  for (const t of trunks) {
    const out = decideCall(
      topo,
      {
        ...ctx.call,
        kind: 'outbound-pstn',
        to: t,
        trunk: t,
        number,
        codec: null,
        id: `${ctx.call.id}/pstn-out`,
      },
      ctx.ledger,
      nestedOpts,
    );
    if (out.decision === 'REJECTED') {
      trace.add('c.5#19', 'PSTN re-route', 'fail', `out through ${t}: ${out.reason}`, { trunk: t });
      continue;
    }
    // The inbound side sees the outbound side's holdings, so that shared links count twice.
    const view: LedgerView = {
      used: (link, m) =>
        ctx.ledger.used(link, m) +
        out.holding.reservations
          .filter((x) => x.link === link && x.modality === m)
          .reduce((s, x) => s + x.kbps, 0),
      channelsInUse: (g) =>
        ctx.ledger.channelsInUse(g) + out.holding.channels.filter((c) => c === g).length,
    };
    const inn = decideCall(
      topo,
      {
        ...ctx.call,
        kind: 'inbound-pstn',
        from: inbound.name,
        trunk: inbound.name,
        codec: null,
        id: `${ctx.call.id}/pstn-in`,
      },
      view,
      nestedOpts,
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
      `${r.caller.name} -> ${t} (${out.decision}) -> PSTN -> ${inbound.name} (${inn.decision}) -> ${r.callee.name}`,
      {
        outTrunk: t,
        inTrunk: inbound.name,
      },
    );
    const steps = [
      ...trace.steps,
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
      reason: `WAN refused (${r.refused.why}); re-routed through the PSTN: out ${t} (${out.decision}), in ${inbound.name} (${inn.decision})`,
      mediaPath: [...out.mediaPath, 'pstn', ...inn.mediaPath],
      trunk: t,
      mediationServer: out.mediationServer,
      codecs: { caller: out.codecs.caller, callee: inn.codecs.callee },
      bypassIds: null,
      legs: [...ctx.legs, ...out.legs, ...inn.legs],
      holding: {
        reservations: [...out.holding.reservations, ...inn.holding.reservations],
        channels: [...out.holding.channels, ...inn.holding.channels],
      },
      sip: null,
      reroute: { via: 'pstn', trunks: [t, inbound.name] },
      warnings: [...out.warnings, ...inn.warnings],
      trace: steps,
    };
  }
  return null;
}

function voicemailFor(ctx: DecisionContext, callee: Client): string | null {
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
  return host.name;
}

function voicePolicyOf(ctx: DecisionContext, client: Client): VoicePolicy {
  const list = ctx.topo.scenario.voicePolicies;
  const p =
    list.find((v) => v.name === client.voicePolicy) ?? list.find((v) => v.name === 'global');
  if (!p) {
    throw new TypeError('the normalized scenario always has a global voice policy');
  }
  return p;
}

function safeMatch(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern).test(text);
  } catch {
    return false;
  }
}

function describeLeg(l: LegCheck): string {
  if (l.verdict === 'unchecked') {
    return `${l.from}<->${l.to} unchecked (${l.why})`;
  }
  return `${l.from}<->${l.to} ${l.codec ?? ''} ${round(l.kbps)} kbps${l.links.length ? ` on ${l.links.map((x) => x.link).join(', ')}` : ' (LAN)'}`;
}

function legSummary(a: LegCheck, b: LegCheck): string {
  return `A ${describeLeg(a)}, B ${describeLeg(b)}`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

const NO_LEDGER: LedgerView = { used: () => 0, channelsInUse: () => 0 };

function probeContext(topo: Topology): DecisionContext {
  const call: Call = {
    id: 'probe',
    index: -1,
    atMs: 0,
    durationMs: 0,
    kind: 'p2p',
    from: '',
    to: '',
    trunk: null,
    number: null,
    codec: null,
    modality: 'audio',
    expect: null,
  };
  return new DecisionContext(topo, call, NO_LEDGER, { trace: false });
}

/**
 * The bypass ID a client is provisioned with at sign-in (b.1 #10, a.2 client-side view): what
 * a live client compares with the gateway's ID on an inbound call (b.1 #12).
 */
export function provisionedBypassId(topo: Topology, client: Client): BypassId | null {
  return clientBypassId(probeContext(topo), client);
}

/** The bypass ID of a gateway peer (b.1 #11), as the Mediation Server offers it. */
export function gatewayBypassIdOf(topo: Topology, gateway: Gateway): BypassId | null {
  return gatewayBypassId(probeContext(topo), gateway);
}
