/**
 * The rules reference's sections about a call: the bypass check (b.0, b.1, b.4), call
 * admission control (b.2, c.1-c.4) and the refusal chain (c.5), in the project's own words.
 * Pure data; it knows nothing of the policy code that applies them.
 */
import { rule, type RuleSection } from './rule-types.js';
import { SOURCES as S } from './sources.js';

/** The sections about deciding a call, in order. */
export const CALL_RULES: readonly RuleSection[] = [
  {
    id: 'b.0',
    title: 'Before the bypass check: trunk and Mediation Server',
    intro:
      "A PSTN call is one whose signalling passes through a Mediation Server towards a gateway peer (a PSTN gateway, an IP-PBX or a SIP trunk provider's SBC). Before anything is decided the call needs a trunk and the trunk's settings.",
    entries: [
      rule(
        'b.0#1',
        'Routing picks the trunk; the trunk picks the Mediation Server',
        'Voice routing selects a trunk, not a Mediation Server. The Mediation Server (pool) associated with that trunk carries the signalling. A call for which no trunk or no Mediation Server can be found is answered 404.',
        [S.mediationServer],
        { settings: ['calls[].trunk', 'hosts.gateways[].mediationServer'] },
      ),
      rule(
        'b.0#2',
        'Effective trunk configuration',
        "The trunk configuration that applies is the most specific one: the one scoped to the gateway (PstnGateway:<name>), else the one scoped to the Mediation Server's site (site:<name>), else the global one.",
        [S.trunkBypass, S.newTrunk],
        { settings: ['trunkConfigurations[].scope'] },
      ),
      rule(
        'sim.channels',
        'Gateway has a free channel',
        'A gateway may have a limited number of channels (trunk capacity). When every channel is busy the call is answered 503 before any media decision. This models PSTN trunk capacity; it is not a Skype for Business setting.',
        [],
        { settings: ['hosts.gateways[].channels'], basis: 'simulator' },
      ),
    ],
  },
  {
    id: 'b.1',
    title: 'Media bypass (always checked first)',
    intro:
      'Bypass and call admission control never apply to the same call: bypass is checked first, and CAC runs only when bypass is not used. The rules are checked in order; the first one that rules bypass out stops the check. Client-to-client calls have no Mediation Server, so the bypass check does not apply to them (the trace shows `b.1` as information).',
    entries: [
      rule(
        'b.1',
        'Media bypass does not apply',
        'A call between two clients has no Mediation Server in its path, so media bypass is not a question for it; only CAC (if enabled) applies.',
        [S.planBypass],
      ),
      rule(
        'b.1#3',
        'Global media bypass',
        'With media bypass disabled in the global network configuration, no call bypasses the Mediation Server.',
        [S.newBypassConfiguration, S.deployBypass],
        { settings: ['networkConfiguration.mediaBypassSettings.enabled (Enabled)'] },
      ),
      rule(
        'b.1#4',
        'Trunk EnableBypass',
        'Bypass must also be enabled on the trunk configuration that applies (b.0#2). With EnableBypass off, no call on that trunk bypasses, even with global bypass on.',
        [S.trunkBypass, S.newTrunk],
        { settings: ['trunkConfigurations[].enableBypass (EnableBypass)'] },
      ),
      rule(
        'b.1#5',
        'Trunk is bypass-capable',
        'Bypass needs centralized media processing on the trunk (ConcentratedTopology: the peer terminates media at its signalling address), and, when the trunk cannot take REFER (EnableReferSupport off, Enable3pccRefer off), both RTCP flags off. A trunk configuration that breaks this is refused by validation (d.V13, d.V14); if one reaches a decision anyway, the call is relayed.',
        [S.trunkSettings, S.newTrunk],
        {
          settings: [
            'trunkConfigurations[].concentratedTopology (ConcentratedTopology)',
            'trunkConfigurations[].enableReferSupport (EnableReferSupport)',
            'trunkConfigurations[].enable3pccRefer (Enable3pccRefer)',
            'trunkConfigurations[].rtcpActiveCalls, rtcpCallsOnHold',
          ],
        },
      ),
      rule(
        'b.1#6',
        'Client is internal',
        'A client signed in from outside through the Access Edge, with media through the A/V Edge, never bypasses: the Mediation Server carries its media. External bypass is reserved and not supported.',
        [S.newBypassConfiguration, S.mediationServer],
        { settings: ['hosts.clients[].location'] },
      ),
      rule(
        'b.1#7',
        'InternalBypassMode',
        'Bypass for internal clients needs InternalBypassMode other than Off. The cmdlet sets it to Any when bypass is enabled; a scenario that sets it to Off explicitly turns internal bypass off.',
        [S.newBypassConfiguration],
        {
          settings: [
            'networkConfiguration.mediaBypassSettings.internalBypassMode (InternalBypassMode)',
          ],
        },
      ),
      rule(
        'b.1#8',
        'Client is Lync 2010 or newer',
        'Only Lync 2010 and newer clients take part in media bypass; an Office Communicator 2007 R2 client is always relayed.',
        [S.planBypass],
        { settings: ['hosts.clients[].version'] },
      ),
      rule(
        'b.1#9',
        'Conference MCU endpoint',
        'When the Skype for Business side of the call is a conferencing server (a PSTN participant of an A/V conference), bypass is used only if EnabledForAudioVideoConferences is on.',
        [S.newBypassConfiguration],
        {
          settings: [
            'hosts.clients[].conferenceMcu',
            'networkConfiguration.mediaBypassSettings.enabledForAudioVideoConferences',
          ],
        },
      ),
      rule(
        'b.1#10',
        'Client bypass ID',
        "With AlwaysBypass, every client has the one system-wide bypass ID. Otherwise the client's own subnet (its address with its own mask) must be configured exactly (no containment: a configured 172.29.0.0/16 does not match a client on 172.29.81.0/24); the client then has the bypass ID of the subnet's site (see b.4). An unconfigured or unmapped subnet has no ID, unless EnableDefaultBypassID gives it the global one.",
        [S.planBypass, S.networkSettings, S.newBypassConfiguration],
        {
          settings: [
            'networkConfiguration.mediaBypassSettings.alwaysBypass (AlwaysBypass)',
            'networkConfiguration.mediaBypassSettings.enableDefaultBypassId (EnableDefaultBypassID)',
            'network.subnets[]',
          ],
        },
      ),
      rule(
        'b.1#11',
        'Gateway bypass ID',
        "The gateway's bypass ID comes from its media address (the signalling address, since bypass needs centralized media processing). A gateway reports no mask, so the simulator finds its subnet by containment, the longest configured prefix (setting A3). With AlwaysBypass it has the system-wide ID.",
        [S.planBypass, S.trunkSettings],
        { settings: ['hosts.gateways[].mediaIp', 'simulation.gatewaySubnetMatch (A3)'] },
      ),
      rule(
        'b.1#12',
        'Compare bypass IDs',
        "Bypass is possible only when the client and the gateway both have a bypass ID and the two are equal. On an outbound call the Mediation Server compares them; on an inbound call the Mediation Server offers the gateway's ID and the client compares it with its own.",
        [S.planBypass],
      ),
      rule(
        'b.1#13',
        'Common G.711 codec',
        'A bypassed leg can only use a codec the gateway has, in practice G.711 (PCMU or PCMA). RTAudio and SILK are spoken only between client and Mediation Server. If client and gateway share no G.711 codec the call is relayed.',
        [S.planBypass, S.planCac],
        { settings: ['hosts.clients[].codecs', 'hosts.gateways[].codecs', 'calls[].codec'] },
      ),
      rule(
        'b.1#14',
        'Encryption compatible',
        "The trunk's SRTPMode must be compatible with the client's media EncryptionLevel. The simulator's table: RequireEncryption works with Required, and with Optional when the peer offers SRTP; SupportEncryption works with anything; DoNotSupportEncryption works with anything but Required. A TCP trunk is always NotSupported.",
        [S.trunkSettings, S.newTrunk, S.newMediaConfiguration],
        {
          settings: [
            'trunkConfigurations[].srtpMode (SRTPMode)',
            'mediaConfigurations[].encryptionLevel (EncryptionLevel)',
            'hosts.gateways[].transport, offersSrtp',
          ],
          basis: 'inferred',
        },
      ),
      rule(
        'b.1#15',
        'Peer capabilities',
        'The server cannot check the peer, but a bypass peer must accept media straight from clients (many SIP trunk SBCs accept media only from the Mediation Server) and handle several early dialogs. A peer that lacks them is not relayed instead: the call misbehaves (no media one way, a clipped greeting), and the trace warns about it.',
        [S.planBypass, S.deployBypass],
        {
          settings: ['hosts.gateways[].acceptsMediaFrom', 'hosts.gateways[].supportsEarlyDialogs'],
        },
      ),
      rule(
        'b.1#16',
        'Direct path works',
        'Matching IDs make bypass possible, not certain: media still needs a working direct path (ICE connectivity). When the direct check fails the call falls back to the relay. Without a live check the direct path is assumed to work.',
        [S.planBypass],
        { basis: 'inferred' },
      ),
      rule(
        'b.1#17',
        'Bypass is used: no CAC reservation',
        "A bypassed call makes no bandwidth reservation at all and counts against no link's limits. Decision BYPASS.",
        [S.deployBypass, S.planBypass],
      ),
    ],
  },
  {
    id: 'b.2',
    title: 'Call admission control when bypass is not used',
    intro:
      'CAC admits or refuses audio and video sessions across constrained WAN links. The Bandwidth Policy Service keeps a ledger of what is in use per link and modality.',
    entries: [
      rule(
        'b.2#18',
        'CAC enabled (EnableBandwidthPolicyCheck)',
        'With EnableBandwidthPolicyCheck off, nothing is checked or reserved: a PSTN call is relayed (RELAY), a client-to-client call goes direct (DIRECT).',
        [S.setNetworkConfiguration, S.planCac],
        {
          settings: [
            'networkConfiguration.enableBandwidthPolicyCheck (EnableBandwidthPolicyCheck)',
          ],
        },
      ),
      rule(
        'b.2#19',
        'Bandwidth Policy Service up',
        'When the Bandwidth Policy Service that owns the path is down, CAC is not enforced: the call is admitted without a reservation and links may be oversubscribed.',
        [S.planCac],
        { settings: ['network.regions[].bandwidthPolicyServiceDown'] },
      ),
      rule(
        'b.2#20',
        'Two legs for a PSTN call',
        "A relayed PSTN call is checked on two legs: leg A between the client and the Mediation Server's client-facing address, and leg B between the Mediation Server's gateway-facing address and the peer's media address. Both Mediation Server addresses belong to the Mediation Server's site; validation warns when they are not in a subnet of that site.",
        [S.cacTopologies, S.planCac],
      ),
      rule(
        'b.2#21',
        'Outbound call to an IP-PBX without a media termination point',
        'For an outbound call to an IP-PBX that has no media termination point, the far media endpoint is unknown at setup: only leg A is checked, and leg B is accounted once the call is up.',
        [S.cacTopologies],
        { settings: ['hosts.gateways[].kind: ip-pbx', 'hosts.gateways[].mediaTerminationPoint'] },
      ),
      rule(
        'b.2#23',
        'Every leg admitted',
        'The call is admitted only when each of its legs is admitted (or carried by an alternate path or the bandwidth policy override). Decision CAC-ADMITTED.',
        [S.planCac],
      ),
    ],
  },
  {
    id: 'b.4',
    title: 'Bypass IDs',
    intro:
      'Bypass IDs are generated when media bypass is enabled in site and region mode. Two endpoints bypass only when their IDs are equal (b.1#12), so the IDs encode which places are "well connected".',
    entries: [
      rule(
        'b.4',
        'Bypass-ID assignment',
        "Each region gets one ID. A site without a bandwidth policy profile (an unconstrained uplink) shares its region's ID; a site with a profile gets an ID of its own. Subnets take their site's ID. So sites in different regions never share an ID, and a constrained site never shares with anyone. An administrator may override a site's or region's ID (rarely advisable). Inter-site policies do not change IDs (setting A5).",
        [S.planBypass, S.newSite, S.newRegion],
        {
          settings: [
            'network.sites[].bwPolicyProfile',
            'network.sites[].bypassId',
            'network.regions[].bypassId',
          ],
        },
      ),
    ],
  },
  {
    id: 'c.1',
    title: 'CAC: locating endpoints',
    intro: 'Each media endpoint is placed in a subnet, its site and its region.',
    entries: [
      rule(
        'c.1#1',
        'Locate by longest prefix',
        'Unlike bypass, CAC accepts "virtual" subnets: an address is placed in the longest configured prefix that contains it.',
        [S.planCac, S.networkSettings],
        { settings: ['network.subnets[]'] },
      ),
      rule(
        'c.1#2',
        'Locate endpoints',
        'An address in no subnet mapped to a site cannot be located; the Bandwidth Policy Service raises an alert (event 36034). What happens to the call is not documented: by default the leg is admitted without a reservation (setting A12).',
        [S.deployNetwork, S.planCac],
        { settings: ['simulation.unmappedEndpoint (A12)'] },
      ),
    ],
  },
  {
    id: 'c.2',
    title: 'CAC: the path between two sites',
    intro:
      "The constrained links between two sites are: each site's uplink (its bandwidth policy profile), the region links of the route between their regions, and an inter-site policy between the two sites if there is one.",
    entries: [
      rule(
        'c.2',
        'Path between sites',
        "Two endpoints in the same site use the LAN: nothing to check. Otherwise the path is the sites' uplinks (where they have a profile), the region links of the inter-region route between their regions (in order; a link without a profile is unconstrained), and an inter-site policy for the pair (added to the uplinks, or replacing them: setting A4).",
        [S.planCac, S.cacExample, S.newRoute, S.newSitePolicy],
        {
          settings: [
            'network.sites[].bwPolicyProfile',
            'network.regionRoutes[]',
            'network.interSitePolicies[]',
            'simulation.interSitePolicy (A4)',
          ],
        },
      ),
      rule(
        'c.2#7',
        'Inter-region route',
        'Two sites in different regions need an inter-region route for their pair of regions. Without one (validation d.V5 flags it) the leg is refused by default (setting missingRoute), and a site without a region cannot be placed on a path at all.',
        [S.newRoute, S.setNetworkConfiguration],
        { settings: ['network.regionRoutes[]', 'simulation.missingRoute'] },
      ),
    ],
  },
  {
    id: 'c.3',
    title: 'CAC: limits per link',
    intro:
      'Bandwidth policy profiles give, per modality, a total limit for all sessions on the link and a limit per session, in kbps, one direction. A two-way call of 97 kbps per stream counts 97 against a link, not 194.',
    entries: [
      rule(
        'c.3#11',
        'Link has room',
        'On every constrained link of the path, the stream must fit the session limit, and what is in use plus the stream must fit the total limit.',
        [S.planCac, S.newProfile],
        { settings: ['network.bwPolicyProfiles[]', 'simulation.zeroBandwidthLimit (A9)'] },
      ),
      rule(
        'c.3#12',
        'Admit and reserve',
        'When every link has room the leg is admitted and its bandwidth is reserved on each constrained link until the call ends.',
        [S.planCac],
      ),
      rule(
        'c.3#14',
        'Session limit as codec governor',
        "A low session limit keeps expensive codecs off a link: the endpoints use the highest-priority codec they share (each endpoint's codecs list is in priority order) whose bandwidth fits the session limit of every link on the path; the trace names the preferred codec, the link whose session limit it exceeds and the codec used, and the live call sends that codec's payload size. The same holds for video codecs. When none fits, the leg is refused.",
        [S.planCac],
        {
          settings: [
            'hosts.clients[].codecs',
            'hosts.clients[].videoCodecs',
            'simulation.codecBandwidth (A11)',
            'codecTable[]',
          ],
          basis: 'inferred',
        },
      ),
      rule(
        'c.3#16',
        'Voice mail is never denied',
        'Depositing voice mail is never refused for bandwidth and reserves none.',
        [S.planCac],
      ),
    ],
  },
  {
    id: 'c.4',
    title: 'CAC: bandwidth per codec',
    intro:
      'Microsoft publishes two tables of bandwidth per codec that disagree slightly (RTCP overhead 5 or 10 kbps; G.711 97 or 102 kbps). Setting A11 chooses one.',
    entries: [
      rule(
        'c.4',
        'Bandwidth per stream',
        "Every codec of both tables, FEC and stereo variants included, at 20 ms packetization. table1 (default, network requirements, maximum without FEC, and with FEC for the +FEC codecs; 5 kbps RTCP included): G.711 (PCMU, PCMA) 97 / 161, RTAudio narrowband 44.8 / 56.6, RTAudio wideband 62 / 91, SILK wideband 69 / 105, G.722 100.6 / 164.6, Siren 52.6 / 68.6 kbps. table2 (CAC planning table, 10 kbps RTCP): G.711 102 / 166, RTAudio narrowband 49.8 / 61.6, RTAudio wideband 67 / 96, G.722 105.6 / 169.6, Siren 57.6 / 73.6 kbps. Video: RTVideo CIF 15 fps 260 and VGA 30 fps 610 kbps in both. Inferred: G.722 stereo and the SILK rates of 26, 20 and 13 kbps, which the tables list without a maximum, take the next column plus the table's RTCP (G.722 stereo 164.6 / 228.6, SILK 26k 59 / 85, SILK 20k 53 / 73, SILK 13k (SILK-NB) 46 / 59 kbps in table1), and SILK, which table2 lacks, keeps table1's figure. A scenario may set its own figure per codec (codecTable). Each stream of a decision names its codec, payload type, packet interval and payload size (G.711: 160 bytes every 20 ms; a FEC packet carries two frames; RTVideo CIF: 2 packets per frame, 30 a second). Two clients that share no video codec cannot make a video call.",
        [S.networkRequirements, S.planCac],
        { settings: ['simulation.codecBandwidth (A11)', 'codecTable[]'] },
      ),
    ],
  },
  {
    id: 'c.5',
    title: 'When the primary path is refused',
    intro:
      'A refused call is not necessarily lost. The options are tried in this order: the bandwidth policy override, the Internet alternate path, a PSTN re-route, voice mail; only then is the call rejected.',
    entries: [
      rule(
        'c.5',
        'Refused PSTN leg',
        'What "re-route through the PSTN" means for a call already on a gateway is not documented (settings A6 and A15). By default a refused PSTN leg may take the Internet alternate path (leg A only) and is otherwise rejected; with full-chain an outbound call also tries the other trunks of the caller\'s routes, and an inbound call the callee\'s voice mail.',
        [S.planCac],
        { settings: ['simulation.pstnCallRefused (A6, A15)'], basis: 'inferred' },
      ),
      rule(
        'c.5#17',
        'Bandwidth policy override',
        "An incoming call to a user whose voice policy has EnableBWPolicyOverride is admitted anyway; its bandwidth is still accounted. It never applies to that user's outgoing calls.",
        [S.voicePolicy, S.newVoicePolicy],
        { settings: ['voicePolicies[].enableBWPolicyOverride (EnableBWPolicyOverride)'] },
      ),
      rule(
        'c.5#18',
        'Internet alternate path',
        "If the region allows it (AudioAlternatePath or VideoAlternatePath, on by default; which region: setting A14) and an A/V Edge exists, media goes through the Edge relay over the Internet instead of the WAN. Of the sub-paths the ICE bandwidth checks look at, the local site to its relay's site and the remote site to its relay's site must pass CAC when the site reaches the Edge over the WAN; a site that reaches it over its own Internet breakout (the default, setting A16) has no WAN link on its sub-path, which is not checked. The trace names each sub-path and whether it was checked. It is not recorded as a re-route. Decision CAC-REROUTED-INTERNET.",
        [S.planCac, S.newRegion],
        {
          settings: [
            'network.regions[].audioAlternatePath (AudioAlternatePath)',
            'network.regions[].videoAlternatePath (VideoAlternatePath)',
            'simulation.alternatePathRegions (A14)',
            'network.sites[].edgeReach (A16)',
          ],
        },
      ),
      rule(
        'c.5#19',
        'PSTN re-route',
        "If the caller's voice policy allows PSTN re-routing (AllowPSTNReRouting, on by default; whose policy: setting A7), an audio call to an enterprise user goes out through a trunk of the caller's routes that matches the callee's line URI, and comes back in through the gateway that serves that number. Without a matching route, the next step applies. Decision CAC-REROUTED-PSTN.",
        [S.voicePolicy, S.newVoicePolicy, S.planCac],
        {
          settings: [
            'voicePolicies[].allowPstnReRouting (AllowPSTNReRouting)',
            'voicePolicies[].routes',
            'hosts.clients[].lineUri',
            'hosts.gateways[].numbers',
            'simulation.voicePolicyOwner (A7)',
          ],
        },
      ),
      rule(
        'c.5#20',
        'Voice mail',
        "The call goes to the callee's voice mail. Decision CAC-REROUTED-VOICEMAIL.",
        [S.planCac],
        { settings: ['hosts.clients[].voicemail', 'hosts.voicemail[]'] },
      ),
      rule(
        'c.5#21',
        'Reject',
        'The session is blocked and the caller is told the reason is CAC: SIP 488 Not Acceptable Here. Decision REJECTED.',
        [S.planCac],
      ),
      rule(
        'c.5#22',
        'Video gets only the Internet path',
        'Video is never re-routed to the PSTN or voice mail: it takes the Internet alternate path or is refused.',
        [S.planCac],
      ),
    ],
  },
];
