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
  DeploymentKind,
  EdgeReach,
  EncryptionLevel,
  ExpectedMedia,
  GatewayKind,
  GatewaySubnetMatch,
  InterSitePolicyMode,
  MediaSource,
  MissingRouteMode,
  Modality,
  PeerRtcpMode,
  PstnCallRefusedMode,
  SipTransportName,
  SrtpMode,
  TeamsBypassMode,
  TeamsUpgradeMode,
  UnmappedEndpointMode,
  VideoCodecName,
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
  DeploymentKind,
  EdgeReach,
  EncryptionLevel,
  ExpectedMedia,
  GatewayKind,
  GatewaySubnetMatch,
  InterSitePolicyMode,
  MediaSource,
  MissingRouteMode,
  Modality,
  PeerRtcpMode,
  PstnCallRefusedMode,
  SipTransportName,
  SrtpMode,
  TeamsBypassMode,
  TeamsUpgradeMode,
  UnmappedEndpointMode,
  VideoCodecName,
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
  /** Live run: RTP inactivity per leg (relay legs and endpoints) that ends a call; 0 off. */
  readonly mediaTimeoutMs: number;
  /** Live run: no RTCP for this long ends a relayed call where the trunk has `rtcpActiveCalls`. */
  readonly rtcpTimeoutMs: number;
  /** Live run: RFC 3261 Timer C at the Mediation Server, a ringing call without an answer. */
  readonly ringTimeoutMs: number;
  /** Live run: no provisional response from a gateway this long, with `enableFastFailoverTimer`. */
  readonly fastFailoverTimeoutMs: number;
  /** Live run: the Mediation Server's OPTIONS keep-alive to each gateway peer; 0 off. */
  readonly keepAliveIntervalMs: number;
  /** Live run: keep-alives missed in a row before a gateway is marked down. */
  readonly keepAliveMisses: number;
  /** Live run: the final status of a call routed to a gateway marked down. */
  readonly downGatewayStatus: number;
  /** A run that lost a host (an agent died): `fail` exits with code 6, `pass` does not. */
  readonly degradedRun: DegradedRunMode;
}

/** What a degraded run (a host lost) does to the exit code. */
export type DegradedRunMode = 'fail' | 'pass';

/** A host played by a real SIP peer outside the lab (SIPp, a softphone, an SBC under test). */
export interface ExternalPeer {
  /** The UDP port its SIP listens on, at the host's address in the run's mode. */
  readonly sipPort: number;
}

/** A fault the live run injects at a time of its timeline. */
export type Fault =
  | {
      readonly kind: 'partition';
      readonly atMs: number;
      /** How long every datagram between the two sites is dropped, both ways. */
      readonly durationMs: number;
      readonly between: readonly [string, string];
    }
  | {
      /** The host goes silent at once, as if killed: no BYE, no answer, no media. */
      readonly kind: 'stop';
      readonly atMs: number;
      readonly host: string;
    };

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
  /** A16: how the site reaches the A/V Edge on the Internet alternate path (c.5 #18). */
  readonly edgeReach: EdgeReach;
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
  /** a.10: no provisional response within the fast failover time: the call is dropped. */
  readonly enableFastFailoverTimer: boolean;
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
  /** How many forked early dialogs the peer handles; more are mishandled (b.5 #38). */
  readonly supportsEarlyDialogs: number;
  /** Whether the peer sends RTCP (b.5 #40). */
  readonly rtcp: PeerRtcpMode;
  /** Played by a real SIP peer outside the lab (not emulated), when given. */
  readonly external?: ExternalPeer;
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
  /** Video codecs offered, in order of preference (c.4). */
  readonly videoCodecs: readonly VideoCodecName[];
  /** The user this client is an endpoint of, when it is one (b.5 #37); null otherwise. */
  readonly user: string | null;
  /** The address Teams sees the client's media come from (g.5); null: not given. */
  readonly publicIp: string | null;
  /** Where the user is homed in a Teams deployment (g.3). */
  readonly teamsUpgradeMode: TeamsUpgradeMode;
  /** Played by a real SIP peer outside the lab (not emulated), when given. */
  readonly external?: ExternalPeer;
}

/**
 * A user (b.5 #37): a SIP URI, a line URI, a voice policy and voice mail, signed in on one or
 * more endpoints (clients). A call to the user rings every endpoint. Each endpoint client
 * carries the user's SIP URI, line URI, voice policy and voice mail.
 */
export interface User {
  readonly name: string;
  readonly sipUri: string;
  readonly lineUri: string | null;
  readonly voicePolicy: string;
  readonly voicemail: boolean;
  /** The endpoints (client names), in the order the call forks to them. */
  readonly endpoints: readonly string[];
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

/** What a decision is expected to be: the part of {@link CallExpectation} `explain` checks. */
export interface DecisionExpectation {
  readonly decision?: Decision;
  readonly path?: string;
  readonly reason?: string;
  readonly sipStatus?: number;
}

export interface CallExpectation extends DecisionExpectation {
  readonly media?: ExpectedMedia;
  readonly maxLossPercent?: number;
  /** The audio codec the caller's side uses (c.3 #14). */
  readonly codec?: CodecName;
  /** The video codec of a video call (c.4). */
  readonly videoCodec?: VideoCodecName;
  /** The endpoint of the called user that answers (b.5 #37). */
  readonly answeredBy?: string;
  /** Early dialogs the Mediation Server forwards to the gateway peer (b.5 #37). */
  readonly earlyDialogs?: number;
  /** Whether the callee's greeting is clipped (b.5 #38). */
  readonly greetingClipped?: boolean;
  /** Whether the call is torn down for want of RTCP (b.5 #40). */
  readonly rtcpTeardown?: boolean;
  /** The decision under the contrast deployment (g). */
  readonly contrast?: DecisionExpectation;
}

export type CallKind = 'outbound-pstn' | 'inbound-pstn' | 'p2p';

/**
 * A blind transfer during a PSTN call (b.5 #39): at `atMs` after the call starts, the
 * enterprise party transfers the far (PSTN) party to a user, a client or a number.
 */
export interface CallTransfer {
  readonly atMs: number;
  /** As written: a user, a client, or a number. */
  readonly to: string;
  /** The client that takes the transferred call: for a user, its first endpoint; null for a number. */
  readonly toClient: string | null;
  /** The user the transfer goes to, when `to` names one. */
  readonly toUser: string | null;
  /** For a number: the gateway the call goes out through (the call's own by default). */
  readonly trunk: string | null;
  readonly expect: DecisionExpectation | null;
}

/** What a call that carries on after a transfer comes from (set by the policy, not the file). */
export interface TransferOrigin {
  /** The id of the call that was transferred. */
  readonly callId: string;
  /** The client that transferred it. */
  readonly by: string;
  /** The gateway of the original call: the transferred party's side. */
  readonly gateway: string;
}

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
  /**
   * The user the call was placed to (b.5 #37), or null. Then every endpoint of the user rings
   * and `to` is the endpoint that answers.
   */
  readonly user: string | null;
  /** How long the endpoints ring before `to` answers (0: at once). */
  readonly answerAfterMs: number;
  /** The video codec a video call asks for, instead of the first both sides support. */
  readonly videoCodec: VideoCodecName | null;
  /** A blind transfer during the call (b.5 #39), or null. */
  readonly transfer: CallTransfer | null;
  /** Set on the part of a call after its transfer (never by the scenario file). */
  readonly transferOf: TransferOrigin | null;
  /** When a 1:1 call escalates to a group call, after it starts (g.3); null: it does not. */
  readonly escalateAtMs: number | null;
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

/** A codec figure the scenario sets instead of the table's (c.4). */
export interface CodecOverride {
  readonly codec: CodecName | VideoCodecName;
  /** Kbps one direction, what CAC reserves; null: the table's. */
  readonly kbps: number | null;
  /** Packetization (audio), ms; null: the codec's. */
  readonly ptimeMs: number | null;
}

/** A cloud relay of Teams Direct Routing (g.2): a Media Processor or a Transport Relay. */
export interface TeamsRelay {
  readonly kind: 'media-processor' | 'transport-relay';
  readonly name: string;
  readonly ip: string;
}

/** A Direct Routing SBC (`Set-CsOnlinePSTNGateway`, g.2, g.5). */
export interface TeamsSbc {
  /** The gateway (of `hosts.gateways`) that is this SBC. */
  readonly gateway: string;
  readonly mediaBypass: boolean;
  /** Local Media Optimization's `-BypassMode`; null: LMO is not used for this SBC. */
  readonly bypassMode: TeamsBypassMode | null;
  /** LMO `-ProxySbc`: the SBC that proxies this (downstream) one; null: none. */
  readonly proxySbc: string | null;
  /** LMO `-GatewaySiteId`: the network site of the SBC; null: the site of its address. */
  readonly gatewaySite: string | null;
  /** The address internal users reach (the gateway's `mediaIp` by default). */
  readonly internalIp: string;
  /** The public address external users reach; null: the internal one. */
  readonly publicIp: string | null;
}

/** A trusted IP range of the tenant (`New-CsTenantTrustedIPAddress`, g.5). */
export interface TrustedIp {
  readonly ip: string;
  readonly maskBits: number;
}

/** The Teams Direct Routing side of a scenario (g). */
export interface TeamsDirectRouting {
  readonly sbcs: readonly TeamsSbc[];
  readonly trustedIps: readonly TrustedIp[];
  readonly mediaProcessors: readonly TeamsRelay[];
  readonly transportRelays: readonly TeamsRelay[];
}

/** Which deployment decides the calls, and which one they are contrasted with (g). */
export interface Deployment {
  readonly kind: DeploymentKind;
  /** Decide every call also under this deployment, side by side; null: no contrast. */
  readonly contrast: DeploymentKind | null;
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
  /** Users with their endpoints (b.5 #37). */
  readonly users: readonly User[];
  /** Codec figures that replace the table's (c.4). */
  readonly codecTable: readonly CodecOverride[];
  readonly deployment: Deployment;
  readonly teamsDirectRouting: TeamsDirectRouting;
  /** Faults the live run injects (partitions between sites, hosts that stop). */
  readonly faults: readonly Fault[];
}
