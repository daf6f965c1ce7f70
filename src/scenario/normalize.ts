/**
 * The second stage of loading: parsed YAML -> the scenario model, with every documented
 * default filled in (docs/scenario-format.md) and durations in milliseconds. The allowed values and
 * defaults of the enumerations come from `enums.ts`.
 *
 * This file must not know zod, YAML positions or the semantic rules: it never reports a
 * problem, it only reads what it can and falls back to the default.
 */
import { InternalError } from '../core/index.js';
import {
  ALTERNATE_PATH_REGIONS,
  BYPASS_MODES,
  CLIENT_LOCATIONS,
  CLIENT_VERSIONS,
  CODEC_BANDWIDTH_TABLES,
  DEFAULT_ALTERNATE_PATH_REGIONS,
  DEFAULT_BYPASS_MODE,
  DEFAULT_CLIENT_CODECS,
  DEFAULT_CLIENT_VIDEO_CODECS,
  DEFAULT_CLIENT_LOCATION,
  DEFAULT_CLIENT_VERSION,
  DEFAULT_CODEC_BANDWIDTH_TABLE,
  DEFAULT_EDGE_REACH,
  DEFAULT_ENCRYPTION_LEVEL,
  DEFAULT_GATEWAY_CODECS,
  DEFAULT_GATEWAY_KIND,
  DEFAULT_GATEWAY_SUBNET_MATCH,
  DEFAULT_INTER_SITE_POLICY_MODE,
  DEFAULT_MEDIA_SOURCE,
  DEFAULT_MISSING_ROUTE_MODE,
  DEFAULT_PEER_RTCP_MODE,
  DEFAULT_PSTN_CALL_REFUSED_MODE,
  DEFAULT_SIP_TRANSPORT,
  DEFAULT_SRTP_MODE,
  DEFAULT_TEAMS_UPGRADE_MODE,
  DEFAULT_UNMAPPED_ENDPOINT_MODE,
  DEFAULT_VOICE_POLICY_OWNER,
  DEFAULT_ZERO_BANDWIDTH_LIMIT,
  EDGE_REACHES,
  ENCRYPTION_LEVELS,
  GATEWAY_KINDS,
  GATEWAY_SUBNET_MATCHES,
  INTER_SITE_POLICY_MODES,
  MEDIA_SOURCES,
  MISSING_ROUTE_MODES,
  PEER_RTCP_MODES,
  PSTN_CALL_REFUSED_MODES,
  SIP_TRANSPORTS,
  SRTP_MODES,
  TEAMS_UPGRADE_MODES,
  UNMAPPED_ENDPOINT_MODES,
  VOICE_POLICY_OWNERS,
  ZERO_BANDWIDTH_LIMITS,
  type Modality,
} from './enums.js';
import { externalPeer, faultsOf, liveSimulation } from './normalize-live.js';
import type {
  BandwidthLimits,
  BwPolicyProfile,
  Client,
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
import {
  arr,
  bool,
  codecs,
  durationMs,
  num,
  obj,
  pair,
  pick,
  str,
  strOrNull,
} from './normalize-read.js';
import { traffic } from './normalize-traffic.js';

import { call, type CallParties } from './normalize-calls.js';
import { codecTable, deployment, teamsDirectRouting } from './normalize-deployment.js';
import { asEndpoint, endpointUsers, user } from './normalize-users.js';

export { durationMs } from './normalize-read.js';

/**
 * Fills every documented default (docs/scenario-format.md) and resolves durations to ms.
 *
 * It reads the parsed YAML defensively: a field of the wrong type takes its default, and every
 * array keeps all its elements in order, so that the semantic rules can still run (and report
 * with the right indices) when the schema check found problems elsewhere.
 */
export function normalize(input: unknown, source: string): Scenario {
  const root = obj(input);
  const net = obj(root.network);
  const hosts = obj(root.hosts);
  const gateways = arr(hosts.gateways).map(gateway);
  const users = arr(root.users).map(user);
  const owners = endpointUsers(users);
  const clients = arr(hosts.clients)
    .map(client)
    .map((c) => asEndpoint(c, owners.get(c.name)));
  const dep = deployment(obj(root.deployment));
  const usesTeams = dep.kind === 'teams-direct-routing' || dep.contrast === 'teams-direct-routing';
  const mediaConfigurations = arr(root.mediaConfigurations).map(mediaConfiguration);
  const voicePolicies = arr(root.voicePolicies).map(voicePolicy);
  if (!voicePolicies.some((v) => v.name === 'global')) {
    voicePolicies.push(voicePolicy({ name: 'global' }));
  }
  const parties: CallParties = {
    clients: new Set(clients.map((c) => c.name)),
    gateways: new Set(gateways.map((g) => g.name)),
    users: new Map(users.map((u) => [u.name, u] as const)),
  };
  return {
    name: str(root.name, source),
    description: str(root.description, ''),
    source,
    simulation: simulationSettings(obj(root.simulation)),
    network: {
      regions: arr(net.regions).map(region),
      sites: arr(net.sites).map(site),
      subnets: arr(net.subnets).map(subnet),
      bwPolicyProfiles: arr(net.bwPolicyProfiles).map(bwPolicyProfile),
      regionLinks: arr(net.regionLinks).map(regionLink),
      regionRoutes: arr(net.regionRoutes).map(regionRoute),
      interSitePolicies: arr(net.interSitePolicies).map(interSitePolicy),
    },
    networkConfiguration: networkConfiguration(obj(root.networkConfiguration)),
    trunkConfigurations: withGlobalTrunk(arr(root.trunkConfigurations).map(trunkConfiguration)),
    mediaConfigurations: mediaConfigurations.some((m) => m.scope === 'global')
      ? mediaConfigurations
      : [...mediaConfigurations, mediaConfiguration({ scope: 'global' })],
    voicePolicies,
    hosts: {
      mediationServers: arr(hosts.mediationServers).map(mediationServer),
      gateways,
      clients,
      edges: arr(hosts.edges).map(edge),
      voicemail: arr(hosts.voicemail).map(voicemailHost),
    },
    links: arr(root.links).map(link),
    calls: arr(root.calls).map((c, index) => call(c, index, parties)),
    traffic: root.traffic === undefined ? null : traffic(obj(root.traffic), obj(root.simulation)),
    users,
    codecTable: codecTable(root.codecTable),
    deployment: dep,
    teamsDirectRouting: teamsDirectRouting(obj(root.teamsDirectRouting), usesTeams, gateways),
    faults: faultsOf(root.faults, durationMs),
  };
}

/** The simulator's settings for the ambiguities of docs/rules.md, section A. */
function simulationSettings(sim: Record<string, unknown>): SimulationSettings {
  return {
    interSitePolicy: pick(
      sim.interSitePolicy,
      INTER_SITE_POLICY_MODES,
      DEFAULT_INTER_SITE_POLICY_MODE,
    ),
    gatewaySubnetMatch: pick(
      sim.gatewaySubnetMatch,
      GATEWAY_SUBNET_MATCHES,
      DEFAULT_GATEWAY_SUBNET_MATCH,
    ),
    zeroBandwidthLimit: pick(
      sim.zeroBandwidthLimit,
      ZERO_BANDWIDTH_LIMITS,
      DEFAULT_ZERO_BANDWIDTH_LIMIT,
    ),
    unmappedEndpoint: pick(
      sim.unmappedEndpoint,
      UNMAPPED_ENDPOINT_MODES,
      DEFAULT_UNMAPPED_ENDPOINT_MODE,
    ),
    missingRoute: pick(sim.missingRoute, MISSING_ROUTE_MODES, DEFAULT_MISSING_ROUTE_MODE),
    alternatePathRegions: pick(
      sim.alternatePathRegions,
      ALTERNATE_PATH_REGIONS,
      DEFAULT_ALTERNATE_PATH_REGIONS,
    ),
    pstnCallRefused: pick(
      sim.pstnCallRefused,
      PSTN_CALL_REFUSED_MODES,
      DEFAULT_PSTN_CALL_REFUSED_MODE,
    ),
    codecBandwidth: pick(sim.codecBandwidth, CODEC_BANDWIDTH_TABLES, DEFAULT_CODEC_BANDWIDTH_TABLE),
    voicePolicyOwner: pick(sim.voicePolicyOwner, VOICE_POLICY_OWNERS, DEFAULT_VOICE_POLICY_OWNER),
    seed: num(sim.seed, 1),
    ...liveSimulation(sim, durationMs),
  };
}

/** A region (a.3); the list form of the alternate path flags wins over the scalar one. */
function region(r: unknown): Region {
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
}

/** A network site (a.4). */
function site(s: unknown): Site {
  const o = obj(s);
  return {
    name: str(o.name, ''),
    region: strOrNull(o.region),
    bwPolicyProfile: strOrNull(o.bwPolicyProfile),
    bypassId: strOrNull(o.bypassId),
    edgeReach: pick(o.edgeReach, EDGE_REACHES, DEFAULT_EDGE_REACH),
  };
}

/** A network subnet (a.5). */
function subnet(s: unknown): Subnet {
  const o = obj(s);
  return {
    subnet: str(o.subnet, '0.0.0.0'),
    maskBits: num(o.maskBits, 32),
    site: strOrNull(o.site),
  };
}

/** A bandwidth policy profile (a.6); the list form wins over the scalar limits. */
function bwPolicyProfile(p: unknown): BwPolicyProfile {
  const o = obj(p);
  const list = arr(o.bwPolicy).map(obj);
  const fromList = (m: Modality): BandwidthLimits | null => {
    const e = list.find((x) => x.modality === m);
    return e ? limits(e.limit, e.sessionLimit, m) : null;
  };
  return {
    name: str(o.name, ''),
    audio: fromList('audio') ?? limits(o.audioBWLimit, o.audioBWSessionLimit, 'audio'),
    video: fromList('video') ?? limits(o.videoBWLimit, o.videoBWSessionLimit, 'video'),
  };
}

/** A region link (a.7). */
function regionLink(l: unknown): RegionLink {
  const o = obj(l);
  return {
    name: str(o.name, ''),
    regions: pair(o.regions),
    bwPolicyProfile: strOrNull(o.bwPolicyProfile),
  };
}

/** An inter-region route (a.8). */
function regionRoute(r: unknown): RegionRoute {
  const o = obj(r);
  return {
    name: str(o.name, ''),
    regions: pair(o.regions),
    links: arr(o.links).map((x) => str(x, '')),
  };
}

/** An inter-site policy (a.9). */
function interSitePolicy(p: unknown): InterSitePolicy {
  const o = obj(p);
  return {
    name: str(o.name, ''),
    sites: pair(o.sites),
    bwPolicyProfile: str(o.bwPolicyProfile, ''),
  };
}

/** The global network configuration (a.1) with its media bypass settings (a.2). */
function networkConfiguration(nc: Record<string, unknown>): Scenario['networkConfiguration'] {
  const mbs = obj(nc.mediaBypassSettings);
  const enabled = bool(mbs.enabled, false);
  return {
    enableBandwidthPolicyCheck: bool(nc.enableBandwidthPolicyCheck, false),
    mediaBypassSettings: {
      enabled,
      alwaysBypass: bool(mbs.alwaysBypass, false),
      enableDefaultBypassId: bool(mbs.enableDefaultBypassId, false),
      bypassId: strOrNull(mbs.bypassId),
      // a.2: InternalBypassMode is forced to Any when bypass is enabled.
      internalBypassMode:
        enabled && mbs.internalBypassMode === undefined
          ? 'Any'
          : pick(mbs.internalBypassMode, BYPASS_MODES, DEFAULT_BYPASS_MODE),
      externalBypassMode: pick(mbs.externalBypassMode, BYPASS_MODES, DEFAULT_BYPASS_MODE),
      enabledForAudioVideoConferences: bool(mbs.enabledForAudioVideoConferences, false),
    },
  };
}

function mediationServer(m: unknown): MediationServer {
  const o = obj(m);
  return {
    kind: 'mediation-server',
    name: str(o.name, ''),
    clientIp: str(o.clientIp, '0.0.0.0'),
    gatewayIp: str(o.gatewayIp, str(o.clientIp, '0.0.0.0')),
    site: strOrNull(o.site),
  };
}

/** A gateway peer; its media address is its signalling address unless given (A2). */
function gateway(g: unknown): Gateway {
  const o = obj(g);
  const kind = pick(o.kind, GATEWAY_KINDS, DEFAULT_GATEWAY_KIND);
  const ip = str(o.ip, '0.0.0.0');
  return {
    kind,
    name: str(o.name, ''),
    ip,
    mediaIp: str(o.mediaIp, ip),
    mediationServer: str(o.mediationServer, ''),
    mediaTerminationPoint: kind === 'ip-pbx' ? bool(o.mediaTerminationPoint, true) : true,
    acceptsMediaFrom: pick(o.acceptsMediaFrom, MEDIA_SOURCES, DEFAULT_MEDIA_SOURCE),
    transport: pick(o.transport, SIP_TRANSPORTS, DEFAULT_SIP_TRANSPORT),
    offersSrtp: bool(o.offersSrtp, true),
    codecs: codecs(o.codecs, DEFAULT_GATEWAY_CODECS),
    channels: o.channels === undefined ? null : num(o.channels, 0),
    numbers: strOrNull(o.numbers),
    supportsEarlyDialogs: num(o.supportsEarlyDialogs, 20),
    rtcp: pick(o.rtcp, PEER_RTCP_MODES, DEFAULT_PEER_RTCP_MODE),
    ...externalPeer(o.external),
  };
}

function client(c: unknown): Client {
  const o = obj(c);
  const n = str(o.name, '');
  return {
    kind: 'client',
    name: n,
    ip: str(o.ip, '0.0.0.0'),
    maskBits: num(o.maskBits, 24),
    version: pick(o.version, CLIENT_VERSIONS, DEFAULT_CLIENT_VERSION),
    location: pick(o.location, CLIENT_LOCATIONS, DEFAULT_CLIENT_LOCATION),
    codecs: codecs(o.codecs, DEFAULT_CLIENT_CODECS),
    sipUri: str(o.sipUri, `sip:${n}@litware.example`),
    lineUri: strOrNull(o.lineUri),
    voicePolicy: str(o.voicePolicy, 'global'),
    voicemail: bool(o.voicemail, false),
    conferenceMcu: bool(o.conferenceMcu, false),
    videoCodecs: codecs(o.videoCodecs, DEFAULT_CLIENT_VIDEO_CODECS),
    user: null,
    publicIp: strOrNull(o.publicIp),
    teamsUpgradeMode: pick(o.teamsUpgradeMode, TEAMS_UPGRADE_MODES, DEFAULT_TEAMS_UPGRADE_MODE),
    ...externalPeer(o.external),
  };
}

function edge(e: unknown): Edge {
  const o = obj(e);
  return {
    kind: 'edge',
    name: str(o.name, ''),
    ip: str(o.ip, '0.0.0.0'),
    site: strOrNull(o.site),
  };
}

function voicemailHost(v: unknown): VoicemailHost {
  const o = obj(v);
  return { kind: 'voicemail', name: str(o.name, ''), ip: str(o.ip, '0.0.0.0') };
}

function link(l: unknown): LinkImpairment {
  const o = obj(l);
  return { between: pair(o.between), impairment: impairment(obj(o.impairment)) };
}

/** a.6: a profile with only a session limit has total 0; with only a total, the documented session default. */
function limits(limit: unknown, sessionLimit: unknown, modality: Modality): BandwidthLimits {
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

/** A trunk configuration (a.10); `{ scope: 'global' }` gives the built-in global one. */
function trunkConfiguration(t: unknown): TrunkConfiguration {
  const o = obj(t);
  return {
    scope: normalizeScope(str(o.scope, 'global')),
    enableBypass: bool(o.enableBypass, false),
    concentratedTopology: bool(o.concentratedTopology, true),
    enableReferSupport: bool(o.enableReferSupport, true),
    enable3pccRefer: bool(o.enable3pccRefer, false),
    rtcpActiveCalls: bool(o.rtcpActiveCalls, true),
    rtcpCallsOnHold: bool(o.rtcpCallsOnHold, true),
    srtpMode: pick(o.srtpMode, SRTP_MODES, DEFAULT_SRTP_MODE),
    maxEarlyDialogs: num(o.maxEarlyDialogs, 20),
    enableRtpLatching: bool(o.enableRtpLatching, false),
    enableFastFailoverTimer: bool(o.enableFastFailoverTimer, true),
  };
}

/** The list, with the built-in global trunk configuration appended when none is given. */
function withGlobalTrunk(list: TrunkConfiguration[]): TrunkConfiguration[] {
  if (list.some((t) => t.scope === 'global')) {
    return list;
  }
  return [...list, trunkConfiguration({ scope: 'global' })];
}

/** A media configuration (a.11); `{ scope: 'global' }` gives the built-in global one. */
function mediaConfiguration(m: unknown): MediaConfiguration {
  const o = obj(m);
  return {
    scope: normalizeScope(str(o.scope, 'global')),
    encryptionLevel: pick(o.encryptionLevel, ENCRYPTION_LEVELS, DEFAULT_ENCRYPTION_LEVEL),
  };
}

/** A voice policy with its PSTN routes; `{ name: 'global' }` gives the built-in global one. */
function voicePolicy(v: unknown): VoicePolicy {
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
}

/**
 * `Global`, `Site:X`, `PstnGateway:Y` in any case -> `global`, `site:X`, `pstnGateway:Y`.
 *
 * @throws InternalError when the scope pattern matches without its kind (a bug).
 */
export function normalizeScope(scope: string): string {
  const m = /^(global|site|pstngateway)(?::(.*))?$/i.exec(scope);
  if (!m) {
    return scope;
  }
  if (m[1] === undefined) {
    throw new InternalError(`the scope pattern matched "${scope}" without its kind`);
  }
  const kind = m[1].toLowerCase();
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
