/**
 * Every enumeration of the scenario format, written once, with its default where the format
 * has one. The zod schema (`schema.ts`), the normalizer's defaults (`normalize.ts`) and the
 * model's types (`types.ts`) are all derived from these lists, so a value added here is
 * accepted, defaulted and typed everywhere at once.
 *
 * The order of each list is the order the JSON Schema for editors shows
 * (docs/scenario.schema.json), so it must not be changed casually.
 *
 * This file must not know zod, YAML, or how a value is used by the policy.
 */

// Media.

/** A media modality: a profile's `bwPolicy` entry, a region's `bwAlternatePaths`, a call. */
export const MODALITIES = ['audio', 'video'] as const;
/** One of {@link MODALITIES}. */
export type Modality = (typeof MODALITIES)[number];
/** A call is an audio call unless it says otherwise. */
export const DEFAULT_CALL_MODALITY: Modality = 'audio';

/**
 * The audio codecs the simulator models (docs/rules.md c.4): every row of the two Microsoft
 * tables. A name ending in `+FEC` is the same codec with forward error correction (the
 * tables' "with FEC" figures); `SILK-WB` is SILK wideband at 36 kbps, `SILK-WB-26` and
 * `SILK-WB-20` its lower rates, `SILK-NB` SILK at 13 kbps. New names are appended, so that
 * the order of the first eight stays what it was.
 */
export const CODEC_NAMES = [
  'RTAudio-WB',
  'RTAudio-NB',
  'SILK-WB',
  'SILK-NB',
  'G.722',
  'Siren',
  'PCMU',
  'PCMA',
  'G.722-Stereo',
  'SILK-WB-26',
  'SILK-WB-20',
  'RTAudio-WB+FEC',
  'RTAudio-NB+FEC',
  'SILK-WB+FEC',
  'SILK-WB-26+FEC',
  'SILK-WB-20+FEC',
  'SILK-NB+FEC',
  'G.722+FEC',
  'G.722-Stereo+FEC',
  'Siren+FEC',
  'PCMU+FEC',
  'PCMA+FEC',
] as const;
/** One of {@link CODEC_NAMES}. */
export type CodecName = (typeof CODEC_NAMES)[number];
/** What a gateway offers when it lists no codecs: G.711 only. */
export const DEFAULT_GATEWAY_CODECS: readonly CodecName[] = ['PCMU', 'PCMA'];
/** What a client offers when it lists no codecs. */
export const DEFAULT_CLIENT_CODECS: readonly CodecName[] = [
  'RTAudio-WB',
  'RTAudio-NB',
  'SILK-WB',
  'PCMU',
  'PCMA',
];

/** The video codecs the simulator models (docs/rules.md c.4, the CAC planning table). */
export const VIDEO_CODEC_NAMES = ['RTVideo-VGA', 'RTVideo-CIF'] as const;
/** One of {@link VIDEO_CODEC_NAMES}. */
export type VideoCodecName = (typeof VIDEO_CODEC_NAMES)[number];
/**
 * What a client offers for video when it lists no video codecs: RTVideo CIF, the figure CAC
 * has always reserved for video (260 kbps). A client that lists VGA first prefers it where
 * the session limits allow.
 */
export const DEFAULT_CLIENT_VIDEO_CODECS: readonly VideoCodecName[] = ['RTVideo-CIF'];

// Network configuration and trunks (docs/rules.md a.2, a.10, a.11).

/** `InternalBypassMode` and `ExternalBypassMode` of the media bypass settings. */
export const BYPASS_MODES = ['Off', 'ICE', 'Any'] as const;
/** One of {@link BYPASS_MODES}. */
export type BypassMode = (typeof BYPASS_MODES)[number];
/** Both bypass modes are `Off` unless given (a.2 forces `InternalBypassMode` to `Any` when bypass is on). */
export const DEFAULT_BYPASS_MODE: BypassMode = 'Off';

/** `SRTPMode` of a trunk configuration. */
export const SRTP_MODES = ['Required', 'Optional', 'NotSupported'] as const;
/** One of {@link SRTP_MODES}. */
export type SrtpMode = (typeof SRTP_MODES)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_SRTP_MODE: SrtpMode = 'Required';

/** `EncryptionLevel` of a media configuration. */
export const ENCRYPTION_LEVELS = [
  'SupportEncryption',
  'RequireEncryption',
  'DoNotSupportEncryption',
] as const;
/** One of {@link ENCRYPTION_LEVELS}. */
export type EncryptionLevel = (typeof ENCRYPTION_LEVELS)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_ENCRYPTION_LEVEL: EncryptionLevel = 'RequireEncryption';

// Hosts.

/** What a gateway peer is. */
export const GATEWAY_KINDS = ['pstn-gateway', 'ip-pbx', 'sbc'] as const;
/** One of {@link GATEWAY_KINDS}. */
export type GatewayKind = (typeof GATEWAY_KINDS)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_GATEWAY_KIND: GatewayKind = 'pstn-gateway';

/** Whom a gateway accepts media from. */
export const MEDIA_SOURCES = ['any', 'mediation-server'] as const;
/** One of {@link MEDIA_SOURCES}. */
export type MediaSource = (typeof MEDIA_SOURCES)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_MEDIA_SOURCE: MediaSource = 'any';

/** A gateway's SIP transport. */
export const SIP_TRANSPORTS = ['udp', 'tcp', 'tls'] as const;
/** One of {@link SIP_TRANSPORTS}. */
export type SipTransportName = (typeof SIP_TRANSPORTS)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_SIP_TRANSPORT: SipTransportName = 'udp';

/** A client's version, oldest first. */
export const CLIENT_VERSIONS = [
  'ocs2007r2',
  'lync2010',
  'lync2013',
  'sfb2015',
  'sfb2016',
  'sfb2019',
] as const;
/** One of {@link CLIENT_VERSIONS}. */
export type ClientVersion = (typeof CLIENT_VERSIONS)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_CLIENT_VERSION: ClientVersion = 'sfb2015';

/** Where a client is: inside the enterprise network, or outside (through the Edge). */
export const CLIENT_LOCATIONS = ['internal', 'external'] as const;
/** One of {@link CLIENT_LOCATIONS}. */
export type ClientLocation = (typeof CLIENT_LOCATIONS)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_CLIENT_LOCATION: ClientLocation = 'internal';

/** Whether a gateway peer sends RTCP (b.5 #40: a peer that sends none may see its calls torn down). */
export const PEER_RTCP_MODES = ['sends', 'none'] as const;
/** One of {@link PEER_RTCP_MODES}. */
export type PeerRtcpMode = (typeof PEER_RTCP_MODES)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_PEER_RTCP_MODE: PeerRtcpMode = 'sends';

/**
 * A16: how a site reaches the A/V Edge on the Internet alternate path: over its own Internet
 * breakout (the WAN links are not on that path), or over the WAN to the Edge's site.
 */
export const EDGE_REACHES = ['internet-breakout', 'via-wan'] as const;
/** One of {@link EDGE_REACHES}. */
export type EdgeReach = (typeof EDGE_REACHES)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_EDGE_REACH: EdgeReach = 'internet-breakout';

// Deployments (docs/rules.md g).

/** What decides the media path: Skype for Business Server, or Teams Direct Routing (g). */
export const DEPLOYMENT_KINDS = ['sfb-server', 'teams-direct-routing'] as const;
/** One of {@link DEPLOYMENT_KINDS}. */
export type DeploymentKind = (typeof DEPLOYMENT_KINDS)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_DEPLOYMENT_KIND: DeploymentKind = 'sfb-server';

/** Local Media Optimization's `-BypassMode` of a Direct Routing SBC (g.5). */
export const TEAMS_BYPASS_MODES = ['Always', 'OnlyForLocalUsers'] as const;
/** One of {@link TEAMS_BYPASS_MODES}. */
export type TeamsBypassMode = (typeof TEAMS_BYPASS_MODES)[number];

/**
 * Where a user is homed in a Teams deployment (`TeamsUpgradePolicy`): `TeamsOnly`, or still
 * on Skype for Business (`SfBOnly`), which brings a Media Processor into a call transferred or
 * forwarded to them (g.3).
 */
export const TEAMS_UPGRADE_MODES = ['TeamsOnly', 'SfBOnly'] as const;
/** One of {@link TEAMS_UPGRADE_MODES}. */
export type TeamsUpgradeMode = (typeof TEAMS_UPGRADE_MODES)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_TEAMS_UPGRADE_MODE: TeamsUpgradeMode = 'TeamsOnly';

// Calls and what is expected of them (no defaults: an expectation left out is not checked).

/** The outcome of a policy decision. */
export const DECISIONS = [
  'BYPASS',
  'RELAY',
  'DIRECT',
  'CAC-ADMITTED',
  'CAC-REROUTED-INTERNET',
  'CAC-REROUTED-PSTN',
  'CAC-REROUTED-VOICEMAIL',
  'REJECTED',
  'HANDED-OFF',
] as const;
/** One of {@link DECISIONS}. */
export type Decision = (typeof DECISIONS)[number];

/** The media a call is expected to carry. */
export const EXPECTED_MEDIA = ['both-ways', 'one-way', 'none'] as const;
/** One of {@link EXPECTED_MEDIA}. */
export type ExpectedMedia = (typeof EXPECTED_MEDIA)[number];

// The simulator's settings for the ambiguities of docs/rules.md, section A.

/** A4: an inter-site policy is added to the site uplinks and region route, or replaces them. */
export const INTER_SITE_POLICY_MODES = ['add', 'replace'] as const;
/** One of {@link INTER_SITE_POLICY_MODES}. */
export type InterSitePolicyMode = (typeof INTER_SITE_POLICY_MODES)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_INTER_SITE_POLICY_MODE: InterSitePolicyMode = 'add';

/** A3: how the gateway's IP is matched to a subnet for its bypass ID. */
export const GATEWAY_SUBNET_MATCHES = ['containment', 'exact'] as const;
/** One of {@link GATEWAY_SUBNET_MATCHES}. */
export type GatewaySubnetMatch = (typeof GATEWAY_SUBNET_MATCHES)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_GATEWAY_SUBNET_MATCH: GatewaySubnetMatch = 'containment';

/** A9: what a bandwidth limit of 0 means. */
export const ZERO_BANDWIDTH_LIMITS = ['unlimited', 'block'] as const;
/** One of {@link ZERO_BANDWIDTH_LIMITS}. */
export type ZeroBandwidthLimit = (typeof ZERO_BANDWIDTH_LIMITS)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_ZERO_BANDWIDTH_LIMIT: ZeroBandwidthLimit = 'unlimited';

/** A12 and c.1 #2: what happens to a media endpoint in no configured subnet. */
export const UNMAPPED_ENDPOINT_MODES = ['admit', 'refuse'] as const;
/** One of {@link UNMAPPED_ENDPOINT_MODES}. */
export type UnmappedEndpointMode = (typeof UNMAPPED_ENDPOINT_MODES)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_UNMAPPED_ENDPOINT_MODE: UnmappedEndpointMode = 'admit';

/** c.2 #7: what happens between two regions with no inter-region route at run time. */
export const MISSING_ROUTE_MODES = ['refuse', 'admit'] as const;
/** One of {@link MISSING_ROUTE_MODES}. */
export type MissingRouteMode = (typeof MISSING_ROUTE_MODES)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_MISSING_ROUTE_MODE: MissingRouteMode = 'refuse';

/** A14: which regions' AlternatePath flags govern the Internet alternate path. */
export const ALTERNATE_PATH_REGIONS = [
  'every-refusing-region',
  'caller-region',
  'callee-region',
] as const;
/** One of {@link ALTERNATE_PATH_REGIONS}. */
export type AlternatePathRegions = (typeof ALTERNATE_PATH_REGIONS)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_ALTERNATE_PATH_REGIONS: AlternatePathRegions = 'every-refusing-region';

/** A6 and A15: what a refused PSTN leg may do. */
export const PSTN_CALL_REFUSED_MODES = ['internet-then-reject', 'full-chain'] as const;
/** One of {@link PSTN_CALL_REFUSED_MODES}. */
export type PstnCallRefusedMode = (typeof PSTN_CALL_REFUSED_MODES)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_PSTN_CALL_REFUSED_MODE: PstnCallRefusedMode = 'internet-then-reject';

/** A11: which Microsoft bandwidth table sizes a stream. */
export const CODEC_BANDWIDTH_TABLES = ['table1', 'table2'] as const;
/** One of {@link CODEC_BANDWIDTH_TABLES}. */
export type CodecBandwidthTable = (typeof CODEC_BANDWIDTH_TABLES)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_CODEC_BANDWIDTH_TABLE: CodecBandwidthTable = 'table1';

/** A7: whose voice policy governs PSTN re-route and the bandwidth override. */
export const VOICE_POLICY_OWNERS = ['docs', 'receiving-user'] as const;
/** One of {@link VOICE_POLICY_OWNERS}. */
export type VoicePolicyOwner = (typeof VOICE_POLICY_OWNERS)[number];
/** The value when the scenario leaves it out. */
export const DEFAULT_VOICE_POLICY_OWNER: VoicePolicyOwner = 'docs';

// Busy-hour traffic (the `traffic:` section, for `mediapath plan`).

/** The end of a traffic stream that stands for the public telephone network, not a site. */
export const PSTN_TRAFFIC_END = 'pstn';
/** A stream's mean holding time when neither it nor the section gives one: three minutes. */
export const DEFAULT_HOLDING_TIME_MS = 180_000;
/** What a run that lost a host does to the exit code (`simulation.degradedRun`). */
export const DEGRADED_RUN_MODES = ['fail', 'pass'] as const;
/** The default: a degraded run fails (exit code 7). */
export const DEFAULT_DEGRADED_RUN_MODE = 'fail' as const;
