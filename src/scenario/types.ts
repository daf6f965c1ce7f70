/**
 * The validated, normalized, frozen scenario model. Every default of docs/scenario-format.md is
 * filled in; names are resolved and checked; durations are milliseconds. Nothing downstream
 * reads the raw YAML. The enumerations are those of `enums.ts`.
 *
 * This file holds types only: it must not know zod, YAML, defaults or the rules.
 */
import type {
  AlternatePathRegions,
  BypassMode,
  ClientLocation,
  ClientVersion,
  CodecBandwidthTable,
  CodecName,
  Decision,
  EncryptionLevel,
  ExpectedMedia,
  GatewayKind,
  GatewaySubnetMatch,
  InterSitePolicyMode,
  MediaSource,
  MissingRouteMode,
  Modality,
  PstnCallRefusedMode,
  SipTransportName,
  SrtpMode,
  UnmappedEndpointMode,
  VoicePolicyOwner,
  ZeroBandwidthLimit,
} from './enums.js';

export type {
  AlternatePathRegions,
  BypassMode,
  ClientLocation,
  ClientVersion,
  CodecBandwidthTable,
  CodecName,
  Decision,
  EncryptionLevel,
  ExpectedMedia,
  GatewayKind,
  GatewaySubnetMatch,
  InterSitePolicyMode,
  MediaSource,
  MissingRouteMode,
  Modality,
  PstnCallRefusedMode,
  SipTransportName,
  SrtpMode,
  UnmappedEndpointMode,
  VoicePolicyOwner,
  ZeroBandwidthLimit,
};

/** Simulator settings for every ambiguity that section A of docs/rules.md lists. */
export interface SimulationSettings {
  /** A4: an inter-site policy is added to the site uplinks and region route, or replaces them. */
  readonly interSitePolicy: InterSitePolicyMode;
  /** A3: how the gateway's IP is matched to a subnet for its bypass ID. */
  readonly gatewaySubnetMatch: GatewaySubnetMatch;
  /** A9: what a bandwidth limit of 0 means. */
  readonly zeroBandwidthLimit: ZeroBandwidthLimit;
  /** A12 and c.1 #2: a media endpoint in no configured subnet. */
  readonly unmappedEndpoint: UnmappedEndpointMode;
  /** c.2 #7: two regions with no inter-region route at run time. */
  readonly missingRoute: MissingRouteMode;
  /** A14: which regions' AlternatePath flags govern the Internet alternate path. */
  readonly alternatePathRegions: AlternatePathRegions;
  /** A6 and A15: what a refused PSTN leg may do. */
  readonly pstnCallRefused: PstnCallRefusedMode;
  /** A11: which Microsoft bandwidth table sizes a stream. */
  readonly codecBandwidth: CodecBandwidthTable;
  /** A7: whose voice policy governs PSTN re-route and the bandwidth override. */
  readonly voicePolicyOwner: VoicePolicyOwner;
  /** Seed for every random choice of a run (loss, jitter, SSRCs). */
  readonly seed: number;
}

export interface BandwidthLimits {
  /** Total concurrent kbps on the link, one direction; `null` when not given. */
  readonly limit: number | null;
  /** Largest single session, kbps; `null` when not given. */
  readonly sessionLimit: number | null;
}

export interface BwPolicyProfile {
  readonly name: string;
  readonly audio: BandwidthLimits;
  readonly video: BandwidthLimits;
}

export interface Region {
  readonly name: string;
  readonly centralSite: string | null;
  readonly audioAlternatePath: boolean;
  readonly videoAlternatePath: boolean;
  readonly bypassId: string | null;
  readonly bandwidthPolicyServiceDown: boolean;
}

export interface Site {
  readonly name: string;
  readonly region: string | null;
  readonly bwPolicyProfile: string | null;
  readonly bypassId: string | null;
}

export interface Subnet {
  readonly subnet: string;
  readonly maskBits: number;
  readonly site: string | null;
}

export interface RegionLink {
  readonly name: string;
  readonly regions: readonly [string, string];
  readonly bwPolicyProfile: string | null;
}

export interface RegionRoute {
  readonly name: string;
  readonly regions: readonly [string, string];
  readonly links: readonly string[];
}

export interface InterSitePolicy {
  readonly name: string;
  readonly sites: readonly [string, string];
  readonly bwPolicyProfile: string;
}

export interface MediaBypassSettings {
  readonly enabled: boolean;
  readonly alwaysBypass: boolean;
  readonly enableDefaultBypassId: boolean;
  /** Global bypass ID, when one was given or applies (auto-generated when needed). */
  readonly bypassId: string | null;
  readonly internalBypassMode: BypassMode;
  readonly externalBypassMode: BypassMode;
  readonly enabledForAudioVideoConferences: boolean;
}

export interface TrunkConfiguration {
  /** `global`, `site:<name>` or `pstnGateway:<gateway>`. */
  readonly scope: string;
  readonly enableBypass: boolean;
  readonly concentratedTopology: boolean;
  readonly enableReferSupport: boolean;
  readonly enable3pccRefer: boolean;
  readonly rtcpActiveCalls: boolean;
  readonly rtcpCallsOnHold: boolean;
  readonly srtpMode: SrtpMode;
  readonly maxEarlyDialogs: number;
  readonly enableRtpLatching: boolean;
}

export interface MediaConfiguration {
  readonly scope: string;
  readonly encryptionLevel: EncryptionLevel;
}

export interface PstnRoute {
  readonly numberPattern: string;
  readonly trunks: readonly string[];
}

export interface VoicePolicy {
  readonly name: string;
  readonly allowPstnReRouting: boolean;
  readonly enableBWPolicyOverride: boolean;
  readonly pstnUsages: readonly string[] | null;
  readonly routes: readonly PstnRoute[];
}

export interface MediationServer {
  readonly kind: 'mediation-server';
  readonly name: string;
  readonly clientIp: string;
  readonly gatewayIp: string;
  readonly site: string | null;
}

export interface Gateway {
  readonly kind: GatewayKind;
  readonly name: string;
  readonly ip: string;
  /** Media address: the signalling address unless `mediaIp` was given (A2). */
  readonly mediaIp: string;
  readonly mediationServer: string;
  readonly mediaTerminationPoint: boolean;
  readonly acceptsMediaFrom: MediaSource;
  readonly transport: SipTransportName;
  readonly offersSrtp: boolean;
  readonly codecs: readonly CodecName[];
  readonly channels: number | null;
  readonly numbers: string | null;
  readonly supportsEarlyDialogs: number;
}

export interface Client {
  readonly kind: 'client';
  readonly name: string;
  readonly ip: string;
  readonly maskBits: number;
  readonly version: ClientVersion;
  readonly location: ClientLocation;
  readonly codecs: readonly CodecName[];
  readonly sipUri: string;
  readonly lineUri: string | null;
  readonly voicePolicy: string;
  readonly voicemail: boolean;
  readonly conferenceMcu: boolean;
}

export interface Edge {
  readonly kind: 'edge';
  readonly name: string;
  readonly ip: string;
  readonly site: string | null;
}

export interface VoicemailHost {
  readonly kind: 'voicemail';
  readonly name: string;
  readonly ip: string;
}

export type Host = MediationServer | Gateway | Client | Edge | VoicemailHost;

export interface CallExpectation {
  readonly decision?: Decision;
  readonly path?: string;
  readonly reason?: string;
  readonly sipStatus?: number;
  readonly media?: ExpectedMedia;
  readonly maxLossPercent?: number;
}

export type CallKind = 'outbound-pstn' | 'inbound-pstn' | 'p2p';

export interface Call {
  readonly id: string;
  /** Index in the timeline as written (for error messages). */
  readonly index: number;
  readonly atMs: number;
  readonly durationMs: number;
  readonly kind: CallKind;
  readonly from: string;
  readonly to: string;
  /** The gateway a PSTN call uses. */
  readonly trunk: string | null;
  readonly number: string | null;
  readonly codec: CodecName | null;
  readonly modality: Modality;
  readonly expect: CallExpectation | null;
}

export interface Impairment {
  readonly delayMs: number;
  readonly jitterMs: number;
  readonly lossPercent: number;
  readonly burstLoss: {
    readonly pGoodToBad: number;
    readonly pBadToGood: number;
    readonly lossInBad: number;
    readonly lossInGood: number;
  } | null;
  readonly rateKbps: number | null;
  readonly queueMs: number;
}

export interface LinkImpairment {
  readonly between: readonly [string, string];
  readonly impairment: Impairment;
}

/** The weight of one codec in a traffic mix, as a share of the calls (the shares add up to 1). */
export interface CodecShare {
  readonly codec: CodecName;
  readonly share: number;
}

/**
 * One stream of offered load: calls from clients of one site to clients of another (or the
 * same) site, from a site's clients to the PSTN, or from the PSTN to a site's clients.
 */
export interface TrafficStream {
  /** A site name, or `pstn`. */
  readonly from: string;
  /** A site name, or `pstn`. */
  readonly to: string;
  /** Call attempts per hour. */
  readonly callsPerHour: number;
  /** Mean holding time of a call, ms. */
  readonly holdingMs: number;
  /** Offered load in Erlangs: `callsPerHour` times the mean holding time in hours. */
  readonly erlangs: number;
  /** Share (0-1) of the client-to-client calls that are video calls. */
  readonly video: number;
  /** Share (0-1) of a site-to-site stream's calls that go to the PSTN instead. */
  readonly pstnShare: number;
  /** The codecs the calls pin, with their shares; empty: every call negotiates its codec. */
  readonly codecs: readonly CodecShare[];
  /** The gateways of the stream's PSTN calls; empty: the gateways of the site, else every one. */
  readonly trunks: readonly string[];
}

/** The busy hour's offered load (the `traffic:` section), for `mediapath plan`. */
export interface Traffic {
  /** Seed of the arrivals, holding times and choices (default `simulation.seed`). */
  readonly seed: number;
  readonly streams: readonly TrafficStream[];
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** The file it came from, or `<inline>`. */
  readonly source: string;
  readonly simulation: SimulationSettings;
  readonly network: {
    readonly regions: readonly Region[];
    readonly sites: readonly Site[];
    readonly subnets: readonly Subnet[];
    readonly bwPolicyProfiles: readonly BwPolicyProfile[];
    readonly regionLinks: readonly RegionLink[];
    readonly regionRoutes: readonly RegionRoute[];
    readonly interSitePolicies: readonly InterSitePolicy[];
  };
  readonly networkConfiguration: {
    readonly enableBandwidthPolicyCheck: boolean;
    readonly mediaBypassSettings: MediaBypassSettings;
  };
  readonly trunkConfigurations: readonly TrunkConfiguration[];
  readonly mediaConfigurations: readonly MediaConfiguration[];
  readonly voicePolicies: readonly VoicePolicy[];
  readonly hosts: {
    readonly mediationServers: readonly MediationServer[];
    readonly gateways: readonly Gateway[];
    readonly clients: readonly Client[];
    readonly edges: readonly Edge[];
    readonly voicemail: readonly VoicemailHost[];
  };
  readonly links: readonly LinkImpairment[];
  readonly calls: readonly Call[];
  /** The busy hour's offered load; null when the file has no `traffic:` section. */
  readonly traffic: Traffic | null;
}
