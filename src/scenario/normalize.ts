import type {
  BandwidthLimits,
  BwPolicyProfile,
  Call,
  CallExpectation,
  CallKind,
  Client,
  CodecName,
  Edge,
  Gateway,
  Impairment,
  LinkImpairment,
  MediaConfiguration,
  MediationServer,
  Region,
  RegionLink,
  RegionRoute,
  InterSitePolicy,
  Scenario,
  SimulationSettings,
  Site,
  Subnet,
  TrunkConfiguration,
  VoicemailHost,
  VoicePolicy,
} from './types.js';

/**
 * Fills every documented default (domain.md section a) and resolves durations to ms.
 *
 * It reads the parsed YAML defensively: a field of the wrong type takes its default, and every
 * array keeps all its elements in order, so that the semantic rules can still run (and report
 * with the right indices) when the schema check found problems elsewhere.
 */
export function normalize(input: unknown, source: string): Scenario {
  const root = obj(input);
  const net = obj(root.network);
  const nc = obj(root.networkConfiguration);
  const mbs = obj(nc.mediaBypassSettings);
  const hosts = obj(root.hosts);
  const sim = obj(root.simulation);

  const enabled = bool(mbs.enabled, false);
  const alwaysBypass = bool(mbs.alwaysBypass, false);
  const enableDefaultBypassId = bool(mbs.enableDefaultBypassId, false);

  const simulation: SimulationSettings = {
    interSitePolicy: pick(sim.interSitePolicy, ['add', 'replace'], 'add'),
    gatewaySubnetMatch: pick(sim.gatewaySubnetMatch, ['containment', 'exact'], 'containment'),
    zeroBandwidthLimit: pick(sim.zeroBandwidthLimit, ['unlimited', 'block'], 'unlimited'),
    unmappedEndpoint: pick(sim.unmappedEndpoint, ['admit', 'refuse'], 'admit'),
    missingRoute: pick(sim.missingRoute, ['refuse', 'admit'], 'refuse'),
    alternatePathRegions: pick(
      sim.alternatePathRegions,
      ['every-refusing-region', 'caller-region', 'callee-region'],
      'every-refusing-region',
    ),
    pstnCallRefused: pick(
      sim.pstnCallRefused,
      ['internet-then-reject', 'full-chain'],
      'internet-then-reject',
    ),
    codecBandwidth: pick(sim.codecBandwidth, ['table1', 'table2'], 'table1'),
    voicePolicyOwner: pick(sim.voicePolicyOwner, ['docs', 'receiving-user'], 'docs'),
    seed: num(sim.seed, 1),
  };

  const regions: Region[] = arr(net.regions).map((r) => {
    const o = obj(r);
    const alt = arr(o.bwAlternatePaths).map(obj);
    const altFor = (m: string, scalar: unknown): boolean => {
      const entry = alt.find((a) => a.bwPolicyModality === m);
      return entry ? bool(entry.alternatePath, true) : bool(scalar, true);
    };
    return {
      name: str(o.name, ''),
      centralSite: strOrNull(o.centralSite),
      audioAlternatePath: altFor('audio', o.audioAlternatePath),
      videoAlternatePath: altFor('video', o.videoAlternatePath),
      bypassId: strOrNull(o.bypassId),
      bandwidthPolicyServiceDown: bool(o.bandwidthPolicyServiceDown, false),
    };
  });

  const sites: Site[] = arr(net.sites).map((s) => {
    const o = obj(s);
    return {
      name: str(o.name, ''),
      region: strOrNull(o.region),
      bwPolicyProfile: strOrNull(o.bwPolicyProfile),
      bypassId: strOrNull(o.bypassId),
    };
  });

  const subnets: Subnet[] = arr(net.subnets).map((s) => {
    const o = obj(s);
    return {
      subnet: str(o.subnet, '0.0.0.0'),
      maskBits: num(o.maskBits, 32),
      site: strOrNull(o.site),
    };
  });

  const bwPolicyProfiles: BwPolicyProfile[] = arr(net.bwPolicyProfiles).map((p) => {
    const o = obj(p);
    const list = arr(o.bwPolicy).map(obj);
    const fromList = (m: 'audio' | 'video'): BandwidthLimits | null => {
      const e = list.find((x) => x.modality === m);
      return e ? limits(e.limit, e.sessionLimit, m) : null;
    };
    return {
      name: str(o.name, ''),
      audio: fromList('audio') ?? limits(o.audioBWLimit, o.audioBWSessionLimit, 'audio'),
      video: fromList('video') ?? limits(o.videoBWLimit, o.videoBWSessionLimit, 'video'),
    };
  });

  const regionLinks: RegionLink[] = arr(net.regionLinks).map((l) => {
    const o = obj(l);
    return {
      name: str(o.name, ''),
      regions: pair(o.regions),
      bwPolicyProfile: strOrNull(o.bwPolicyProfile),
    };
  });
  const regionRoutes: RegionRoute[] = arr(net.regionRoutes).map((r) => {
    const o = obj(r);
    return {
      name: str(o.name, ''),
      regions: pair(o.regions),
      links: arr(o.links).map((x) => str(x, '')),
    };
  });
  const interSitePolicies: InterSitePolicy[] = arr(net.interSitePolicies).map((p) => {
    const o = obj(p);
    return {
      name: str(o.name, ''),
      sites: pair(o.sites),
      bwPolicyProfile: str(o.bwPolicyProfile, ''),
    };
  });

  const trunkConfigurations: TrunkConfiguration[] = arr(root.trunkConfigurations).map((t) => {
    const o = obj(t);
    return {
      scope: normalizeScope(str(o.scope, 'global')),
      enableBypass: bool(o.enableBypass, false),
      concentratedTopology: bool(o.concentratedTopology, true),
      enableReferSupport: bool(o.enableReferSupport, true),
      enable3pccRefer: bool(o.enable3pccRefer, false),
      rtcpActiveCalls: bool(o.rtcpActiveCalls, true),
      rtcpCallsOnHold: bool(o.rtcpCallsOnHold, true),
      srtpMode: pick(o.srtpMode, ['Required', 'Optional', 'NotSupported'], 'Required'),
      maxEarlyDialogs: num(o.maxEarlyDialogs, 20),
      enableRtpLatching: bool(o.enableRtpLatching, false),
    };
  });

  const mediaConfigurations: MediaConfiguration[] = arr(root.mediaConfigurations).map((m) => {
    const o = obj(m);
    return {
      scope: normalizeScope(str(o.scope, 'global')),
      encryptionLevel: pick(
        o.encryptionLevel,
        ['SupportEncryption', 'RequireEncryption', 'DoNotSupportEncryption'],
        'RequireEncryption',
      ),
    };
  });

  const voicePolicies: VoicePolicy[] = arr(root.voicePolicies).map((v) => {
    const o = obj(v);
    return {
      name: str(o.name, ''),
      allowPstnReRouting: bool(o.allowPstnReRouting, true),
      enableBWPolicyOverride: bool(o.enableBWPolicyOverride, false),
      pstnUsages: o.pstnUsages === undefined ? null : arr(o.pstnUsages).map((x) => str(x, '')),
      routes: arr(o.routes).map((r) => {
        const ro = obj(r);
        return {
          numberPattern: str(ro.numberPattern, '.*'),
          trunks: arr(ro.trunks).map((x) => str(x, '')),
        };
      }),
    };
  });
  if (!voicePolicies.some((v) => v.name === 'global')) {
    voicePolicies.push({
      name: 'global',
      allowPstnReRouting: true,
      enableBWPolicyOverride: false,
      pstnUsages: null,
      routes: [],
    });
  }

  const mediationServers: MediationServer[] = arr(hosts.mediationServers).map((m) => {
    const o = obj(m);
    return {
      kind: 'mediation-server',
      name: str(o.name, ''),
      clientIp: str(o.clientIp, '0.0.0.0'),
      gatewayIp: str(o.gatewayIp, str(o.clientIp, '0.0.0.0')),
      site: strOrNull(o.site),
    };
  });

  const gateways: Gateway[] = arr(hosts.gateways).map((g) => {
    const o = obj(g);
    const kind = pick(o.kind, ['pstn-gateway', 'ip-pbx', 'sbc'], 'pstn-gateway');
    const ip = str(o.ip, '0.0.0.0');
    return {
      kind,
      name: str(o.name, ''),
      ip,
      mediaIp: str(o.mediaIp, ip),
      mediationServer: str(o.mediationServer, ''),
      mediaTerminationPoint: kind === 'ip-pbx' ? bool(o.mediaTerminationPoint, true) : true,
      acceptsMediaFrom: pick(o.acceptsMediaFrom, ['any', 'mediation-server'], 'any'),
      transport: pick(o.transport, ['udp', 'tcp', 'tls'], 'udp'),
      offersSrtp: bool(o.offersSrtp, true),
      codecs: codecs(o.codecs, ['PCMU', 'PCMA']),
      channels: o.channels === undefined ? null : num(o.channels, 0),
      numbers: strOrNull(o.numbers),
      supportsEarlyDialogs: num(o.supportsEarlyDialogs, 20),
    };
  });

  const clients: Client[] = arr(hosts.clients).map((c) => {
    const o = obj(c);
    const n = str(o.name, '');
    return {
      kind: 'client',
      name: n,
      ip: str(o.ip, '0.0.0.0'),
      maskBits: num(o.maskBits, 24),
      version: pick(
        o.version,
        ['ocs2007r2', 'lync2010', 'lync2013', 'sfb2015', 'sfb2016', 'sfb2019'],
        'sfb2015',
      ),
      location: pick(o.location, ['internal', 'external'], 'internal'),
      codecs: codecs(o.codecs, ['RTAudio-WB', 'RTAudio-NB', 'SILK-WB', 'PCMU', 'PCMA']),
      sipUri: str(o.sipUri, `sip:${n}@litware.example`),
      lineUri: strOrNull(o.lineUri),
      voicePolicy: str(o.voicePolicy, 'global'),
      voicemail: bool(o.voicemail, false),
      conferenceMcu: bool(o.conferenceMcu, false),
    };
  });

  const edges: Edge[] = arr(hosts.edges).map((e) => {
    const o = obj(e);
    return {
      kind: 'edge',
      name: str(o.name, ''),
      ip: str(o.ip, '0.0.0.0'),
      site: strOrNull(o.site),
    };
  });
  const voicemail: VoicemailHost[] = arr(hosts.voicemail).map((v) => {
    const o = obj(v);
    return { kind: 'voicemail', name: str(o.name, ''), ip: str(o.ip, '0.0.0.0') };
  });

  const clientNames = new Set(clients.map((c) => c.name));
  const gatewayNames = new Set(gateways.map((g) => g.name));
  const calls: Call[] = arr(root.calls).map((c, index) => {
    const o = obj(c);
    const from = str(o.from, '');
    const to = str(o.to, '');
    const trunk = strOrNull(o.trunk);
    let kind: CallKind = 'p2p';
    if (
      clientNames.has(from) &&
      (gatewayNames.has(to) || (trunk !== null && !clientNames.has(to)))
    ) {
      kind = 'outbound-pstn';
    } else if (gatewayNames.has(from)) {
      kind = 'inbound-pstn';
    }
    const e = o.expect === undefined ? null : obj(o.expect);
    const expect: CallExpectation | null = e
      ? {
          ...(typeof e.decision === 'string'
            ? { decision: e.decision as CallExpectation['decision'] & string }
            : {}),
          ...(typeof e.path === 'string' ? { path: e.path } : {}),
          ...(typeof e.reason === 'string' ? { reason: e.reason } : {}),
          ...(typeof e.sipStatus === 'number' ? { sipStatus: e.sipStatus } : {}),
          ...(typeof e.media === 'string' ? { media: e.media as 'both-ways' } : {}),
          ...(typeof e.maxLossPercent === 'number' ? { maxLossPercent: e.maxLossPercent } : {}),
        }
      : null;
    return {
      id: str(o.id, `call-${index + 1}`),
      index,
      atMs: durationMs(o.at, 0),
      durationMs: durationMs(o.duration, 5000),
      kind,
      from,
      to,
      trunk:
        kind === 'outbound-pstn'
          ? (trunk ?? (gatewayNames.has(to) ? to : null))
          : kind === 'inbound-pstn'
            ? from
            : trunk,
      number: strOrNull(o.number),
      codec: typeof o.codec === 'string' ? (o.codec as CodecName) : null,
      modality: pick(o.modality, ['audio', 'video'], 'audio'),
      expect,
    };
  });

  const links: LinkImpairment[] = arr(root.links).map((l) => {
    const o = obj(l);
    return { between: pair(o.between), impairment: impairment(obj(o.impairment)) };
  });

  return {
    name: str(root.name, source),
    description: str(root.description, ''),
    source,
    simulation,
    network: {
      regions,
      sites,
      subnets,
      bwPolicyProfiles,
      regionLinks,
      regionRoutes,
      interSitePolicies,
    },
    networkConfiguration: {
      enableBandwidthPolicyCheck: bool(nc.enableBandwidthPolicyCheck, false),
      mediaBypassSettings: {
        enabled,
        alwaysBypass,
        enableDefaultBypassId,
        bypassId: strOrNull(mbs.bypassId),
        // a.2: InternalBypassMode is forced to Any when bypass is enabled.
        internalBypassMode:
          enabled && mbs.internalBypassMode === undefined
            ? 'Any'
            : pick(mbs.internalBypassMode, ['Off', 'ICE', 'Any'], 'Off'),
        externalBypassMode: pick(mbs.externalBypassMode, ['Off', 'ICE', 'Any'], 'Off'),
        enabledForAudioVideoConferences: bool(mbs.enabledForAudioVideoConferences, false),
      },
    },
    trunkConfigurations: withGlobalTrunk(trunkConfigurations),
    mediaConfigurations: mediaConfigurations.some((m) => m.scope === 'global')
      ? mediaConfigurations
      : [...mediaConfigurations, { scope: 'global', encryptionLevel: 'RequireEncryption' }],
    voicePolicies,
    hosts: { mediationServers, gateways, clients, edges, voicemail },
    links,
    calls,
  };
}

/** a.6: a profile with only a session limit has total 0; with only a total, the documented session default. */
function limits(
  limit: unknown,
  sessionLimit: unknown,
  modality: 'audio' | 'video',
): BandwidthLimits {
  const hasLimit = typeof limit === 'number';
  const hasSession = typeof sessionLimit === 'number';
  if (!hasLimit && !hasSession) {
    return { limit: null, sessionLimit: null };
  }
  return {
    limit: hasLimit ? limit : 0,
    sessionLimit: hasSession ? sessionLimit : modality === 'audio' ? 175 : 700,
  };
}

function withGlobalTrunk(list: TrunkConfiguration[]): TrunkConfiguration[] {
  if (list.some((t) => t.scope === 'global')) {
    return list;
  }
  return [
    ...list,
    {
      scope: 'global',
      enableBypass: false,
      concentratedTopology: true,
      enableReferSupport: true,
      enable3pccRefer: false,
      rtcpActiveCalls: true,
      rtcpCallsOnHold: true,
      srtpMode: 'Required',
      maxEarlyDialogs: 20,
      enableRtpLatching: false,
    },
  ];
}

/** `Global`, `Site:X`, `PstnGateway:Y` in any case -> `global`, `site:X`, `pstnGateway:Y`. */
export function normalizeScope(scope: string): string {
  const m = /^(global|site|pstngateway)(?::(.*))?$/i.exec(scope);
  if (!m) {
    return scope;
  }
  const kind = (m[1] ?? '').toLowerCase();
  if (kind === 'global') {
    return 'global';
  }
  return `${kind === 'site' ? 'site' : 'pstnGateway'}:${m[2] ?? ''}`;
}

function impairment(o: Record<string, unknown>): Impairment {
  const b = o.burstLoss === undefined ? null : obj(o.burstLoss);
  return {
    delayMs: durationMs(o.delay, 0),
    jitterMs: durationMs(o.jitter, 0),
    lossPercent: num(o.loss, 0),
    burstLoss: b
      ? {
          pGoodToBad: num(b.pGoodToBad, 0),
          pBadToGood: num(b.pBadToGood, 1),
          lossInBad: num(b.lossInBad, 1),
          lossInGood: num(b.lossInGood, 0),
        }
      : null,
    rateKbps: o.rateKbps === undefined ? null : num(o.rateKbps, 0),
    queueMs: num(o.queueMs, 100),
  };
}

/** Parses `1500ms`, `2s`, `1.5m` or a number of seconds into milliseconds. */
export function durationMs(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    return Math.round(value * 1000);
  }
  if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/.exec(value.trim());
    if (m) {
      const n = Number(m[1]);
      return Math.round(m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000);
    }
  }
  return fallback;
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
}
function strOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function bool(v: unknown, fallback: boolean): boolean {
  return typeof v === 'boolean' ? v : fallback;
}
function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
function pick<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}
function pair(v: unknown): readonly [string, string] {
  const a = arr(v);
  return [str(a[0], ''), str(a[1], '')];
}
function codecs(v: unknown, fallback: CodecName[]): CodecName[] {
  return Array.isArray(v) ? v.filter((x): x is CodecName => typeof x === 'string') : fallback;
}
