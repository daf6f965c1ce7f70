/**
 * The scenario file's schema (YAML, camelCase keys), in zod. Key names follow the Skype for
 * Business Server cmdlet parameters they model (`Set-CsTrunkConfiguration -EnableBypass` is
 * `enableBypass`), so an administrator recognises them. Defaults are not filled here but in
 * `normalize.ts`, so that the JSON Schema for editors shows what a user may leave out; the
 * allowed values of every enumeration come from `enums.ts`.
 *
 * Every object is strict: an unknown key (a typo) is an error, with a suggestion.
 *
 * This file must not know defaults, references between objects or the domain rules (those
 * are `normalize.ts` and `rules/`), nor YAML positions.
 */
import { z } from 'zod';
import {
  ALTERNATE_PATH_REGIONS,
  BYPASS_MODES,
  CLIENT_LOCATIONS,
  CLIENT_VERSIONS,
  CODEC_BANDWIDTH_TABLES,
  CODEC_NAMES,
  DECISIONS,
  DEPLOYMENT_KINDS,
  EDGE_REACHES,
  DEGRADED_RUN_MODES,
  ENCRYPTION_LEVELS,
  EXPECTED_MEDIA,
  GATEWAY_KINDS,
  GATEWAY_SUBNET_MATCHES,
  INTER_SITE_POLICY_MODES,
  MEDIA_SOURCES,
  MISSING_ROUTE_MODES,
  MODALITIES,
  PEER_RTCP_MODES,
  PSTN_CALL_REFUSED_MODES,
  SIP_TRANSPORTS,
  SRTP_MODES,
  TEAMS_BYPASS_MODES,
  TEAMS_UPGRADE_MODES,
  UNMAPPED_ENDPOINT_MODES,
  VIDEO_CODEC_NAMES,
  VOICE_POLICY_OWNERS,
  ZERO_BANDWIDTH_LIMITS,
  type CodecName,
} from './enums.js';

const name = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'a name of letters, digits and _ . : -');

/** A duration: a number of seconds, or a string such as `1500ms`, `2s`, `1.5m`. */
export const durationSchema = z
  .union([
    z.number().nonnegative(),
    z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m)$/, 'a duration such as 500ms, 2s or 1.5m'),
  ])
  .describe('A duration: seconds as a number, or a string such as 500ms, 2s, 1.5m.');

const ipv4 = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/, 'an IPv4 address such as 172.29.77.15')
  .refine((s) => s.split('.').every((o) => Number(o) <= 255), 'an IPv4 address with octets 0-255');

const guid = z
  .string()
  .describe('A bypass ID (GUID). Leave out for the auto-generated value (recommended).');

const kbps = z.number().nonnegative().describe('Kilobits per second, one direction.');

const bwPolicyEntry = z.strictObject({
  modality: z.enum(MODALITIES),
  limit: kbps.optional(),
  sessionLimit: kbps.optional(),
});

/** New-CsNetworkBandwidthPolicyProfile */
const bwPolicyProfile = z.strictObject({
  name,
  audioBWLimit: kbps.optional(),
  audioBWSessionLimit: kbps.optional(),
  videoBWLimit: kbps.optional(),
  videoBWSessionLimit: kbps.optional(),
  bwPolicy: z
    .array(bwPolicyEntry)
    .optional()
    .describe('Alternative list form; not with the four scalar limits.'),
  description: z.string().optional(),
});

/** New-CsNetworkRegion */
const region = z.strictObject({
  name,
  centralSite: z
    .string()
    .optional()
    .describe('Topology central site running the Bandwidth Policy Service.'),
  audioAlternatePath: z.boolean().optional(),
  videoAlternatePath: z.boolean().optional(),
  bwAlternatePaths: z
    .array(z.strictObject({ bwPolicyModality: z.enum(MODALITIES), alternatePath: z.boolean() }))
    .optional(),
  bypassId: guid.optional(),
  bandwidthPolicyServiceDown: z
    .boolean()
    .optional()
    .describe(
      'Simulate the region Bandwidth Policy Service being down: CAC is not enforced (b.2 #19).',
    ),
  description: z.string().optional(),
});

/** New-CsNetworkSite */
const site = z.strictObject({
  name,
  region: z.string().optional().describe('NetworkRegionID'),
  bwPolicyProfile: z
    .string()
    .optional()
    .describe('BWPolicyProfileID: the site WAN uplink profile.'),
  bypassId: guid.optional(),
  edgeReach: z
    .enum(EDGE_REACHES)
    .optional()
    .describe(
      'A16: how the site reaches the A/V Edge on the Internet alternate path: its own Internet breakout, or over the WAN.',
    ),
  description: z.string().optional(),
});

/** New-CsNetworkSubnet */
const subnet = z.strictObject({
  subnet: ipv4.describe('SubnetID: the first address of the range.'),
  maskBits: z.number().int(),
  site: z.string().optional().describe('NetworkSiteID; leave out for an unmapped subnet.'),
  description: z.string().optional(),
});

/** New-CsNetworkRegionLink */
const regionLink = z.strictObject({
  name,
  regions: z.tuple([z.string(), z.string()]).describe('NetworkRegionID1 and NetworkRegionID2'),
  bwPolicyProfile: z.string().optional(),
});

/** New-CsNetworkInterRegionRoute */
const regionRoute = z.strictObject({
  name,
  regions: z.tuple([z.string(), z.string()]),
  links: z.array(z.string()).describe('NetworkRegionLinks, in order.'),
});

/** New-CsNetworkInterSitePolicy */
const interSitePolicy = z.strictObject({
  name,
  sites: z.tuple([z.string(), z.string()]),
  bwPolicyProfile: z.string(),
});

const network = z.strictObject({
  regions: z.array(region).optional(),
  sites: z.array(site).optional(),
  subnets: z.array(subnet).optional(),
  bwPolicyProfiles: z.array(bwPolicyProfile).optional(),
  regionLinks: z.array(regionLink).optional(),
  regionRoutes: z.array(regionRoute).optional(),
  interSitePolicies: z.array(interSitePolicy).optional(),
});

/** New-CsNetworkMediaBypassConfiguration */
const mediaBypassSettings = z.strictObject({
  enabled: z.boolean().optional(),
  alwaysBypass: z.boolean().optional(),
  enableDefaultBypassId: z.boolean().optional(),
  bypassId: guid.optional(),
  internalBypassMode: z.enum(BYPASS_MODES).optional(),
  externalBypassMode: z.enum(BYPASS_MODES).optional(),
  enabledForAudioVideoConferences: z.boolean().optional(),
});

/** Set-CsNetworkConfiguration */
const networkConfiguration = z.strictObject({
  enableBandwidthPolicyCheck: z.boolean().optional(),
  mediaBypassSettings: mediaBypassSettings.optional(),
});

const scope = z
  .string()
  .regex(/^(global|site:.+|pstnGateway:.+)$/i, 'global, site:<site> or pstnGateway:<gateway>');

/** New-CsTrunkConfiguration */
const trunkConfiguration = z.strictObject({
  scope,
  enableBypass: z.boolean().optional(),
  concentratedTopology: z.boolean().optional(),
  enableReferSupport: z.boolean().optional(),
  enable3pccRefer: z.boolean().optional(),
  rtcpActiveCalls: z.boolean().optional(),
  rtcpCallsOnHold: z.boolean().optional(),
  srtpMode: z.enum(SRTP_MODES).optional(),
  maxEarlyDialogs: z.number().int().nonnegative().optional(),
  enableRtpLatching: z.boolean().optional(),
  enableFastFailoverTimer: z
    .boolean()
    .optional()
    .describe('No provisional response from the gateway within 10 s: the call is dropped.'),
});

/** New-CsMediaConfiguration */
const mediaConfiguration = z.strictObject({
  scope: z.string().regex(/^(global|site:.+)$/i, 'global or site:<site>'),
  encryptionLevel: z.enum(ENCRYPTION_LEVELS).optional(),
});

const pstnRoute = z.strictObject({
  numberPattern: z.string().describe('A regular expression matched against the dialled number.'),
  trunks: z.array(z.string()).min(1).describe('Gateways, in order of preference.'),
});

/** New-CsVoicePolicy (with the routes its PSTN usages reach, folded in). */
const voicePolicy = z.strictObject({
  name,
  allowPstnReRouting: z.boolean().optional(),
  enableBWPolicyOverride: z.boolean().optional(),
  pstnUsages: z.array(z.string()).optional(),
  routes: z.array(pstnRoute).optional(),
});

const codec = z.enum(CODEC_NAMES);
const videoCodec = z.enum(VIDEO_CODEC_NAMES);

/** A host that a real SIP peer plays (SIPp, a softphone, an SBC under test). */
const external = z
  .strictObject({
    sipPort: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe('The UDP port its SIP listens on, at the host address of the run (5060).'),
  })
  .describe('Played by a real SIP peer outside the lab: the lab does not emulate this host.');

const mediationServer = z.strictObject({
  name,
  clientIp: ipv4.describe('The SfB-side (client-facing) interface.'),
  gatewayIp: ipv4.describe('The gateway-side interface.'),
  site: z.string().optional().describe('Defaults to the site of clientIp.'),
});

const gateway = z.strictObject({
  name,
  kind: z.enum(GATEWAY_KINDS),
  ip: ipv4,
  mediaIp: ipv4.optional().describe('Media address when different from the signalling address.'),
  mediationServer: z
    .string()
    .describe('The Mediation Server (pool) this trunk is associated with.'),
  mediaTerminationPoint: z
    .boolean()
    .optional()
    .describe('IP-PBX only: has a media termination point.'),
  acceptsMediaFrom: z.enum(MEDIA_SOURCES).optional(),
  transport: z.enum(SIP_TRANSPORTS).optional(),
  offersSrtp: z.boolean().optional(),
  codecs: z.array(codec).optional(),
  channels: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Concurrent calls the gateway can carry.'),
  numbers: z
    .string()
    .optional()
    .describe('A regular expression of the numbers (line URIs) it serves.'),
  supportsEarlyDialogs: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('How many forked early dialogs the peer handles; more are mishandled (b.5 #38).'),
  rtcp: z.enum(PEER_RTCP_MODES).optional().describe('Whether the peer sends RTCP (b.5 #40).'),
  external: external.optional(),
});

const client = z.strictObject({
  name,
  ip: ipv4,
  maskBits: z.number().int().describe("The client's own subnet mask, in bits."),
  version: z.enum(CLIENT_VERSIONS).optional(),
  location: z.enum(CLIENT_LOCATIONS).optional(),
  codecs: z.array(codec).optional(),
  sipUri: z.string().optional(),
  lineUri: z.string().optional(),
  voicePolicy: z.string().optional(),
  voicemail: z.boolean().optional(),
  conferenceMcu: z.boolean().optional().describe('This endpoint is an A/V conferencing MCU.'),
  videoCodecs: z.array(videoCodec).optional().describe('Video codecs, in order of preference.'),
  publicIp: ipv4
    .optional()
    .describe('Teams Direct Routing: the address Teams sees the media come from (g.5).'),
  teamsUpgradeMode: z
    .enum(TEAMS_UPGRADE_MODES)
    .optional()
    .describe('Teams Direct Routing: where the user is homed (g.3).'),
  external: external.optional(),
});

/** A user (Enable-CsUser) signed in on one or more endpoints (b.5 #37). */
const user = z.strictObject({
  name,
  sipUri: z.string().optional(),
  lineUri: z.string().optional(),
  voicePolicy: z.string().optional(),
  voicemail: z.boolean().optional(),
  endpoints: z
    .array(z.string())
    .min(1)
    .describe('Clients the user is signed in on, in the order a call forks to them.'),
});

const edge = z.strictObject({
  name,
  ip: ipv4.describe('The A/V Edge public address (enter it as a /32 subnet of the Edge site).'),
  site: z.string().optional(),
});

const voicemailHost = z.strictObject({
  name,
  ip: ipv4,
});

const hosts = z.strictObject({
  mediationServers: z.array(mediationServer).optional(),
  gateways: z.array(gateway).optional(),
  clients: z.array(client).optional(),
  edges: z.array(edge).optional(),
  voicemail: z.array(voicemailHost).optional(),
});

const decisionExpectation = z.strictObject({
  decision: z.enum(DECISIONS).optional(),
  path: z
    .string()
    .optional()
    .describe('Media path, such as "alice -> gw-por" or "alice -> ms-chi -> gw-chi".'),
  reason: z.string().optional().describe('Text the one-line reason must contain.'),
  sipStatus: z.number().int().optional().describe('Final SIP status the caller must see.'),
});

const expectation = decisionExpectation.extend({
  media: z.enum(EXPECTED_MEDIA).optional(),
  maxLossPercent: z.number().nonnegative().optional(),
  codec: codec.optional().describe("The audio codec on the caller's side (c.3 #14)."),
  videoCodec: videoCodec.optional().describe('The video codec of a video call (c.4).'),
  answeredBy: z.string().optional().describe('The endpoint of the called user that answers.'),
  earlyDialogs: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('Early dialogs forwarded to the gateway peer (b.5 #37).'),
  greetingClipped: z.boolean().optional().describe("The callee's greeting is clipped (b.5 #38)."),
  rtcpTeardown: z.boolean().optional().describe('Torn down for want of RTCP (b.5 #40).'),
  contrast: decisionExpectation.optional().describe('The decision under the contrast deployment.'),
});

const transfer = z.strictObject({
  at: durationSchema.describe('When, after the call starts.'),
  to: z.string().describe('A user, a client, or a number.'),
  trunk: z.string().optional().describe('For a number: the gateway it goes out through.'),
  expect: decisionExpectation.optional().describe('The decision after the transfer.'),
});

const call = z.strictObject({
  id: name.optional(),
  at: durationSchema,
  from: z.string(),
  to: z.string(),
  trunk: z.string().optional().describe('For a call to a number: the gateway to use.'),
  number: z.string().optional().describe('Dialled number, for PSTN calls.'),
  duration: durationSchema.optional(),
  codec: codec.optional(),
  modality: z.enum(MODALITIES).optional(),
  videoCodec: videoCodec.optional(),
  answeredBy: z
    .string()
    .optional()
    .describe('For a call to a user: the endpoint that answers (its first by default).'),
  answerAfter: durationSchema
    .optional()
    .describe('How long the endpoints ring before one answers.'),
  transfer: transfer.optional().describe('A blind transfer during a PSTN call (b.5 #39).'),
  escalateAt: durationSchema
    .optional()
    .describe('Teams Direct Routing: when the 1:1 call escalates to a group call (g.3).'),
  expect: expectation.optional(),
});

const impairment = z.strictObject({
  delay: durationSchema.optional(),
  jitter: durationSchema.optional(),
  loss: z.number().min(0).max(100).optional().describe('Random loss, percent.'),
  burstLoss: z
    .strictObject({
      pGoodToBad: z.number().min(0).max(1),
      pBadToGood: z.number().min(0).max(1),
      lossInBad: z.number().min(0).max(1).optional(),
      lossInGood: z.number().min(0).max(1).optional(),
    })
    .optional()
    .describe('Gilbert-Elliott burst loss.'),
  rateKbps: z.number().positive().optional(),
  queueMs: z.number().positive().optional(),
});

const link = z.strictObject({
  between: z
    .tuple([z.string(), z.string()])
    .describe('Two sites: the impairment applies between their hosts.'),
  impairment,
});

const share = z.number().min(0).max(1);

/** Codec weights of a traffic mix, one optional key per codec (so a typo gets a suggestion). */
const codecMix = z
  .strictObject(
    Object.fromEntries(CODEC_NAMES.map((c) => [c, z.number().positive().optional()])) as Record<
      CodecName,
      z.ZodOptional<z.ZodNumber>
    >,
  )
  .describe(
    'Weights of the codecs the calls pin, such as { PCMU: 3, RTAudio-NB: 1 }; left out, every call negotiates its codec.',
  );

const trafficEnd = z.string().describe('A site of network.sites, or pstn.');

/** One stream of offered load between two sites, or between a site and the PSTN. */
const trafficStream = z.strictObject({
  from: trafficEnd,
  to: trafficEnd,
  erlangs: z
    .number()
    .positive()
    .optional()
    .describe('Offered load in Erlangs: calls in progress on average, were none refused.'),
  callsPerHour: z
    .number()
    .positive()
    .optional()
    .describe('Offered load as call attempts per hour (with holdingTime); not with erlangs.'),
  holdingTime: durationSchema.optional().describe('Mean holding time of a call of this stream.'),
  video: share.optional().describe('Share of client-to-client calls that are video calls.'),
  pstnShare: share
    .optional()
    .describe('Share of a site-to-site stream that calls the PSTN from the first site instead.'),
  codecs: codecMix.optional(),
  trunks: z
    .array(z.string())
    .min(1)
    .optional()
    .describe('The gateways PSTN calls use, picked at random; default: those of the site.'),
});

/** The busy hour's offered load, for mediapath plan. */
const traffic = z
  .strictObject({
    seed: z.number().int().optional().describe('Seed of the arrivals; default simulation.seed.'),
    holdingTime: durationSchema.optional().describe('Mean holding time of every stream.'),
    video: share.optional(),
    pstnShare: share.optional(),
    codecs: codecMix.optional(),
    streams: z.array(trafficStream).min(1),
  })
  .describe('Offered load for mediapath plan: Poisson streams between sites and the PSTN.');
/** A codec figure that replaces the table's (c.4). */
const codecFigure = z.strictObject({
  codec: z.enum([...CODEC_NAMES, ...VIDEO_CODEC_NAMES]),
  kbps: kbps.optional().describe('What CAC reserves for one stream, instead of the table.'),
  ptime: durationSchema.optional().describe('Audio packetization, such as 20ms.'),
});

/** Set-CsOnlinePSTNGateway, with Local Media Optimization's settings. */
const teamsSbc = z.strictObject({
  gateway: z.string().describe('The hosts.gateways entry that is this SBC.'),
  mediaBypass: z.boolean().optional(),
  bypassMode: z.enum(TEAMS_BYPASS_MODES).optional().describe('Local Media Optimization mode.'),
  proxySbc: z.string().optional().describe('LMO: the proxy SBC of this downstream SBC.'),
  gatewaySite: z.string().optional().describe("LMO: the SBC's network site."),
  internalIp: ipv4.optional(),
  publicIp: ipv4.optional(),
});

const teamsRelay = z.strictObject({ name, ip: ipv4 });

const teamsDirectRouting = z.strictObject({
  sbcs: z.array(teamsSbc).optional(),
  trustedIps: z
    .array(z.strictObject({ ip: ipv4, maskBits: z.number().int() }))
    .optional()
    .describe('New-CsTenantTrustedIPAddress: the enterprise public addresses (LMO).'),
  mediaProcessors: z.array(teamsRelay).optional(),
  transportRelays: z.array(teamsRelay).optional(),
});

const deployment = z.strictObject({
  kind: z.enum(DEPLOYMENT_KINDS).optional(),
  contrast: z
    .enum(DEPLOYMENT_KINDS)
    .optional()
    .describe('Decide every call also under this deployment and show both.'),
});

const simulation = z.strictObject({
  interSitePolicy: z.enum(INTER_SITE_POLICY_MODES).optional(),
  gatewaySubnetMatch: z.enum(GATEWAY_SUBNET_MATCHES).optional(),
  zeroBandwidthLimit: z.enum(ZERO_BANDWIDTH_LIMITS).optional(),
  unmappedEndpoint: z.enum(UNMAPPED_ENDPOINT_MODES).optional(),
  missingRoute: z.enum(MISSING_ROUTE_MODES).optional(),
  alternatePathRegions: z.enum(ALTERNATE_PATH_REGIONS).optional(),
  pstnCallRefused: z.enum(PSTN_CALL_REFUSED_MODES).optional(),
  codecBandwidth: z.enum(CODEC_BANDWIDTH_TABLES).optional(),
  voicePolicyOwner: z.enum(VOICE_POLICY_OWNERS).optional(),
  seed: z.number().int().optional(),
  mediaTimeout: durationSchema
    .optional()
    .describe('Live run: RTP inactivity per leg that ends a call (0 turns it off).'),
  rtcpTimeout: durationSchema
    .optional()
    .describe('Live run: no RTCP this long ends a relayed call on a trunk with rtcpActiveCalls.'),
  ringTimeout: durationSchema
    .optional()
    .describe('Live run: RFC 3261 Timer C, a call ringing this long without an answer.'),
  fastFailoverTimeout: durationSchema
    .optional()
    .describe('Live run: the fast failover timer of trunks with enableFastFailoverTimer.'),
  keepAliveInterval: durationSchema
    .optional()
    .describe("Live run: the Mediation Server's OPTIONS to each gateway (0 turns them off)."),
  keepAliveMisses: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Live run: keep-alives missed in a row before a gateway is marked down.'),
  downGatewayStatus: z
    .number()
    .int()
    .min(400)
    .max(699)
    .optional()
    .describe('Live run: the final status of a call routed to a gateway marked down.'),
  degradedRun: z
    .enum(DEGRADED_RUN_MODES)
    .optional()
    .describe('A run that lost a host: fail (exit code 7) or pass.'),
});

/** A fault injected into the live run at a time of its timeline. */
const fault = z.union([
  z.strictObject({
    at: durationSchema,
    partition: z
      .tuple([z.string(), z.string()])
      .describe('Two sites: every datagram between their hosts is dropped, both ways.'),
    duration: durationSchema.describe('How long the partition lasts.'),
  }),
  z.strictObject({
    at: durationSchema,
    stop: z.string().describe('A host that goes silent at once, as if killed: no BYE.'),
  }),
]);

export const scenarioSchema = z
  .strictObject({
    name: z.string().optional(),
    description: z.string().optional(),
    simulation: simulation.optional(),
    network: network.optional(),
    networkConfiguration: networkConfiguration.optional(),
    trunkConfigurations: z.array(trunkConfiguration).optional(),
    mediaConfigurations: z.array(mediaConfiguration).optional(),
    voicePolicies: z.array(voicePolicy).optional(),
    hosts,
    users: z.array(user).optional(),
    codecTable: z.array(codecFigure).optional(),
    deployment: deployment.optional(),
    teamsDirectRouting: teamsDirectRouting.optional(),
    links: z.array(link).optional(),
    calls: z.array(call).optional(),
    traffic: traffic.optional(),
    faults: z.array(fault).optional(),
  })
  .describe('A mediapath scenario: network, SfB settings, hosts and a call timeline.');

export type RawScenario = z.infer<typeof scenarioSchema>;
export type RawCall = z.infer<typeof call>;
export type RawGateway = z.infer<typeof gateway>;
export type RawClient = z.infer<typeof client>;
export type RawImpairment = z.infer<typeof impairment>;
export type RawTraffic = z.infer<typeof traffic>;
