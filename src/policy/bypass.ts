/**
 * The media bypass check (docs/rules.md b.0-b.1): the effective trunk configuration (b.0 #2), the
 * rules #3-#16 in order, the encryption compatibility table (#14), and the trace steps that
 * explain the bypass IDs the topology assigns (#10-#11). The check depends only on the
 * scenario and the call's parties, never on the ledger, so its outcome and trace steps are
 * memoized per topology ({@link BypassMemo}) and replayed. It must not know about CAC, the
 * ledger or the refusal chain, and it asks the topology which bypass ID an endpoint has.
 */
import { InternalError } from '../core/index.js';
import type {
  Client,
  CodecName,
  EncryptionLevel,
  Gateway,
  MediationServer,
  TrunkConfiguration,
} from '../scenario/index.js';
import {
  clientBypassId,
  gatewayBypassId,
  type BypassId,
  type Topology,
} from '../topology/index.js';
import type { DecideOptions } from './call-decision.js';
import { GATEWAY_CODECS, isG711 } from './codecs.js';
import type { DecisionContext } from './decision-context.js';
import { Trace, type TraceStep, type TraceValue } from './trace.js';

/** What the bypass check concluded. */
export interface BypassOutcome {
  readonly ok: boolean;
  /** `bypass`, or `no bypass: <the first rule that ruled it out>`. */
  readonly why: string;
  readonly cid: BypassId | null;
  readonly gid: BypassId | null;
  /** The G.711 codec of the bypassed media (#13); null without bypass. */
  readonly codec: CodecName | null;
}

/** Where the check writes its trace steps and warnings. */
interface Recorder {
  readonly trace: Trace;
  warn(warning: string): void;
}

/** The parties and settings one bypass check looks at. */
interface BypassQuestion {
  readonly client: Client;
  readonly gw: Gateway;
  readonly ms: MediationServer;
  readonly outbound: boolean;
  /** The codec the call asks for, if any (#13). */
  readonly codec: CodecName | null;
  /** #16: a live connectivity check; without it the direct path is assumed to work. */
  readonly directPathWorks: DecideOptions['directPathWorks'];
}

type Inputs = Record<string, TraceValue>;

const NEWER_THAN_2007: ReadonlySet<string> = new Set([
  'lync2010',
  'lync2013',
  'sfb2015',
  'sfb2016',
  'sfb2019',
]);

/**
 * b.0 #2 and b.1 #3-#16 for a PSTN call between `client` and `gw`, recorded in the context.
 * Without a live connectivity check (#16) the answer is static and comes from the memo.
 */
export function checkBypass(
  ctx: DecisionContext,
  client: Client,
  gw: Gateway,
  ms: MediationServer,
  outbound: boolean,
): BypassOutcome {
  const directPathWorks = ctx.options.directPathWorks;
  if (directPathWorks) {
    const q = { client, gw, ms, outbound, codec: ctx.call.codec, directPathWorks };
    return runBypassCheck(ctx, ctx.topo, q);
  }
  return BypassMemo.of(ctx.topo).check(ctx, client, gw, ms, outbound);
}

/** One memoized check: its outcome with the trace steps and warnings it recorded. */
interface MemoEntry {
  readonly outcome: BypassOutcome;
  readonly steps: readonly TraceStep[];
  readonly warnings: readonly string[];
}

/**
 * The memoized checks of one (client, gateway) pair: one slot per direction and trace
 * setting for calls that ask for no codec (most), and a map for calls that ask for one.
 */
interface PairEntries {
  readonly plain: (MemoEntry | undefined)[];
  readonly byCodec: Map<string, MemoEntry>;
}

/** Trace steps and warnings of a check, kept for the memo. */
class Recording implements Recorder {
  readonly trace: Trace;
  readonly warnings: string[] = [];

  constructor(traceEnabled: boolean) {
    this.trace = new Trace(traceEnabled);
  }

  warn(warning: string): void {
    this.warnings.push(warning);
  }
}

/**
 * The static bypass checks of one topology: computed once per (client, gateway, direction,
 * codec, trace on or off) and replayed into later decisions, trace steps included. Held per
 * topology in a weak map, so it lives exactly as long as its topology; the hosts of the
 * topology are the keys.
 */
export class BypassMemo {
  static readonly #byTopology = new WeakMap<Topology, BypassMemo>();
  readonly #topo: Topology;
  readonly #entries = new Map<Client, Map<Gateway, PairEntries>>();

  private constructor(topo: Topology) {
    this.#topo = topo;
  }

  /** The memo of a topology (created on first use). */
  static of(topo: Topology): BypassMemo {
    let memo = BypassMemo.#byTopology.get(topo);
    if (!memo) {
      memo = new BypassMemo(topo);
      BypassMemo.#byTopology.set(topo, memo);
    }
    return memo;
  }

  /**
   * The outcome of the static check (no live connectivity check) for a call between `client`
   * and `gw`, replaying its trace steps and warnings into the context.
   */
  check(
    ctx: DecisionContext,
    client: Client,
    gw: Gateway,
    ms: MediationServer,
    outbound: boolean,
  ): BypassOutcome {
    let perClient = this.#entries.get(client);
    if (!perClient) {
      perClient = new Map();
      this.#entries.set(client, perClient);
    }
    let pair = perClient.get(gw);
    if (!pair) {
      pair = { plain: [undefined, undefined, undefined, undefined], byCodec: new Map() };
      perClient.set(gw, pair);
    }
    const enabled = ctx.trace.enabled;
    const codec = ctx.call.codec;
    const slot = (outbound ? 2 : 0) + (enabled ? 1 : 0);
    const key = codec === null ? '' : `${slot}|${codec}`;
    let m = codec === null ? pair.plain[slot] : pair.byCodec.get(key);
    if (!m) {
      const rec = new Recording(enabled);
      const q = { client, gw, ms, outbound, codec, directPathWorks: undefined };
      const outcome = runBypassCheck(rec, this.#topo, q);
      m = { outcome, steps: rec.trace.steps, warnings: rec.warnings };
      if (codec === null) {
        pair.plain[slot] = m;
      } else {
        pair.byCodec.set(key, m);
      }
    }
    ctx.replay(m.steps, m.warnings);
    return m.outcome;
  }
}

/** b.0 #2, then b.1 #3-#16 in order; stops at the first rule that rules bypass out. */
function runBypassCheck(out: Recorder, topo: Topology, q: BypassQuestion): BypassOutcome {
  const tc = effectiveTrunkConfig(out, topo, q.gw, q.ms);
  const ruledOut = configurationRulesOut(out, topo, q, tc);
  if (ruledOut) {
    return ruledOut;
  }
  const { trace } = out;
  const { client, gw, outbound } = q;
  const cid = clientBypassIdStep(trace, topo, client);
  const gid = gatewayBypassIdStep(trace, topo, gw);
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
  return mediaRules(out, topo, q, tc, cid, gid);
}

/** b.1 #3-#9: the configuration and the client may rule bypass out before any ID is looked up. */
function configurationRulesOut(
  out: Recorder,
  topo: Topology,
  q: BypassQuestion,
  tc: TrunkConfiguration,
): BypassOutcome | null {
  const { trace } = out;
  const { client, gw } = q;
  const mb = topo.scenario.networkConfiguration.mediaBypassSettings;
  const no = (rule: string, title: string, why: string, inputs: Inputs): BypassOutcome => {
    trace.add(rule, title, 'fail', `no bypass: ${why}`, inputs);
    return { ok: false, why: `no bypass: ${why}`, cid: null, gid: null, codec: null };
  };
  if (!mb.enabled) {
    return no('b.1#3', 'Global media bypass', 'media bypass is not enabled globally', {
      enabled: false,
    });
  }
  trace.add('b.1#3', 'Global media bypass', 'pass', 'enabled', { enabled: true });
  if (!tc.enableBypass) {
    return no(
      'b.1#4',
      'Trunk EnableBypass',
      `trunk ${gw.name} has EnableBypass off (${tc.scope})`,
      { scope: tc.scope, enableBypass: false },
    );
  }
  trace.add('b.1#4', 'Trunk EnableBypass', 'pass', `on (${tc.scope})`, {
    scope: tc.scope,
    enableBypass: true,
  });
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
  trace.add('b.1#5', 'Trunk is bypass-capable', 'pass', 'centralized media processing on', {
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
  trace.add('b.1#6', 'Client is internal', 'pass', `${client.name} is internal`, {
    location: 'internal',
  });
  if (mb.internalBypassMode === 'Off') {
    return no('b.1#7', 'InternalBypassMode', 'InternalBypassMode is Off', {
      internalBypassMode: 'Off',
    });
  }
  trace.add('b.1#7', 'InternalBypassMode', 'pass', mb.internalBypassMode, {
    internalBypassMode: mb.internalBypassMode,
  });
  if (!NEWER_THAN_2007.has(client.version)) {
    return no('b.1#8', 'Client is Lync 2010 or newer', `${client.name} runs ${client.version}`, {
      version: client.version,
    });
  }
  trace.add('b.1#8', 'Client is Lync 2010 or newer', 'pass', client.version, {
    version: client.version,
  });
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
    trace.add(
      'b.1#9',
      'Conference MCU endpoint',
      'pass',
      'MCU allowed by EnabledForAudioVideoConferences',
      { enabledForAudioVideoConferences: true },
    );
  }
  return null;
}

/** b.1 #13-#16, once the bypass IDs match: codec, encryption, peer, direct path. */
function mediaRules(
  out: Recorder,
  topo: Topology,
  q: BypassQuestion,
  tc: TrunkConfiguration,
  cid: BypassId,
  gid: BypassId,
): BypassOutcome {
  const { trace } = out;
  const { client, gw, outbound } = q;
  // #13: a bypassed leg carries only codecs the gateway has (G.711).
  const wanted = q.codec ? [q.codec] : client.codecs;
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
  const level = encryptionLevel(topo, client);
  const srtp = gw.transport === 'tcp' ? 'NotSupported' : tc.srtpMode;
  if (!encryptionCompatible(level, srtp, gw.offersSrtp)) {
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
    out.warn(w);
    trace.add('b.1#15', 'Peer accepts media from clients', 'info', `WARNING ${w}`, {
      acceptsMediaFrom: 'mediation-server',
    });
  } else if (!outbound && gw.supportsEarlyDialogs < 1) {
    const w = `${gw.name} cannot handle forked early dialogs: the callee's first words may be clipped`;
    out.warn(w);
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
  const works = q.directPathWorks ? q.directPathWorks(client, gw) : true;
  trace.add(
    'b.1#16',
    'Direct path works',
    works ? 'pass' : 'fail',
    works ? 'assumed (ICE connectivity)' : 'direct connectivity check failed: fall back to relay',
    {
      checked: q.directPathWorks !== undefined,
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

/** b.1 #10: the client's bypass ID (the topology's answer), explained in the trace. */
function clientBypassIdStep(trace: Trace, topo: Topology, client: Client): BypassId | null {
  const a = clientBypassId(topo, client);
  const id = a.bypassId;
  if (a.source === 'always-bypass') {
    trace.add('b.1#10', 'Client bypass ID', 'pass', `AlwaysBypass: the single system-wide ID`, {
      client: client.name,
      bypassId: id?.id ?? null,
    });
  } else if (a.site) {
    trace.add(
      'b.1#10',
      'Client bypass ID',
      id ? 'pass' : 'fail',
      `own subnet ${a.ownSubnet} is configured, site ${a.site.name} -> ${id?.source ?? 'no ID (site has no region)'}`,
      {
        client: client.name,
        ownSubnet: a.ownSubnet,
        site: a.site.name,
        bypassId: id?.id ?? null,
      },
    );
  } else {
    trace.add(
      'b.1#10',
      'Client bypass ID',
      id ? 'pass' : 'fail',
      `own subnet ${a.ownSubnet} is ${a.subnet ? 'not mapped to a site' : 'not configured (exact match only)'}: ${id ? 'default bypass ID' : 'no ID (EnableDefaultBypassID off)'}`,
      { client: client.name, ownSubnet: a.ownSubnet, bypassId: id?.id ?? null },
    );
  }
  return id;
}

/** b.1 #11: the gateway's bypass ID (the topology's answer), explained in the trace. */
function gatewayBypassIdStep(trace: Trace, topo: Topology, gw: Gateway): BypassId | null {
  const a = gatewayBypassId(topo, gw);
  const id = a.bypassId;
  if (a.source === 'always-bypass') {
    trace.add('b.1#11', 'Gateway bypass ID', 'pass', 'AlwaysBypass: the single system-wide ID', {
      gateway: gw.name,
      bypassId: id?.id ?? null,
    });
    return id;
  }
  const sub = a.subnet;
  trace.add(
    'b.1#11',
    'Gateway bypass ID',
    id ? 'pass' : 'fail',
    sub
      ? `${gw.mediaIp} in ${sub.subnet}/${sub.maskBits} (A3: ${a.match}) -> ${a.site ? `site ${a.site.name} -> ${id?.source ?? 'no ID'}` : 'unmapped subnet'}`
      : `${gw.mediaIp} is in no configured subnet (A3: ${a.match})${id ? ': default bypass ID' : ''}`,
    { gateway: gw.name, mediaIp: gw.mediaIp, bypassId: id?.id ?? null },
  );
  return id;
}

/**
 * b.0 #2: the pstnGateway scope wins over the site scope (the Mediation Server's site), then
 * global; recorded in the trace.
 */
function effectiveTrunkConfig(
  out: Recorder,
  topo: Topology,
  gw: Gateway,
  ms: MediationServer,
): TrunkConfiguration {
  const site = topo.siteOfHost(ms);
  const chosen = trunkConfigFor(topo, gw, ms);
  out.trace.add(
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

/**
 * b.0 #2 without a trace: the trunk configuration of a gateway's trunk, the pstnGateway scope
 * first, then the site of its Mediation Server, then global.
 * @throws {InternalError} when the scenario has no trunk configuration at all (the normalized
 * scenario always has a global one).
 */
export function trunkConfigFor(
  topo: Topology,
  gw: Gateway,
  ms: MediationServer,
): TrunkConfiguration {
  const list = topo.scenario.trunkConfigurations;
  const site = topo.siteOfHost(ms);
  const tc =
    list.find((t) => t.scope === `pstnGateway:${gw.name}`) ??
    (site ? list.find((t) => t.scope === `site:${site.name}`) : undefined) ??
    list.find((t) => t.scope === 'global');
  const chosen = tc ?? list[list.length - 1];
  if (!chosen) {
    throw new InternalError('the normalized scenario always has a global trunk configuration');
  }
  return chosen;
}

/** MediaConfiguration EncryptionLevel at the client's site, else global. */
function encryptionLevel(topo: Topology, client: Client): EncryptionLevel {
  const site = topo.siteOfHost(client);
  const list = topo.scenario.mediaConfigurations;
  return (
    (site ? list.find((m) => m.scope === `site:${site.name}`) : undefined)?.encryptionLevel ??
    list.find((m) => m.scope === 'global')?.encryptionLevel ??
    'RequireEncryption'
  );
}

/** b.1 #14 compatibility table (inferred; see docs/rules.md). */
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
