/**
 * The rules reference: every rule id that mediapath prints (in decision traces, validation
 * problems and scenario settings), each with a statement in the project's own words, the
 * settings involved and the Microsoft documentation it comes from. `docs/rules.md` is generated
 * from this list (`npm run rules`, a test keeps it in step) and the HTML report links each id of
 * a trace to its entry. Pure data: it knows nothing of policy code, sockets or the CLI.
 */

/** Where a rule comes from. */
export interface RuleSource {
  readonly title: string;
  readonly url: string;
}

/** How sure the rule is: documented by Microsoft, or an inference this simulator makes. */
export type RuleBasis = 'documented' | 'inferred' | 'simulator';

/** One entry of the rules reference. */
export interface RuleEntry {
  /** The id as printed: `b.1#10`, `c.5#19`, `d.V1`, `A14`. */
  readonly id: string;
  readonly title: string;
  /** What the rule says, in the project's own words. */
  readonly statement: string;
  /** Scenario settings (YAML keys, with their cmdlet parameter names) the rule reads. */
  readonly settings: readonly string[];
  readonly basis: RuleBasis;
  readonly sources: readonly RuleSource[];
}

/** A group of entries, in the order of the reference. */
export interface RuleSection {
  readonly id: string;
  readonly title: string;
  readonly intro: string;
  readonly entries: readonly RuleEntry[];
}

const LEARN = 'https://learn.microsoft.com/en-us/skypeforbusiness';
const CMDLET = 'https://learn.microsoft.com/en-us/powershell/module/skype';

/** The Microsoft documents the rules cite. */
export const SOURCES = {
  deployBypass: {
    title: 'Deploy media bypass in Skype for Business Server',
    url: `${LEARN}/deploy/deploy-enterprise-voice/deploy-media-bypass`,
  },
  trunkBypass: {
    title: 'Configure a trunk with media bypass in Skype for Business Server',
    url: `${LEARN}/deploy/deploy-enterprise-voice/configure-trunk-with-media-bypass`,
  },
  trunkSettings: {
    title: 'Trunk configuration settings in Skype for Business Server',
    url: `${LEARN}/deploy/deploy-enterprise-voice/trunk-configuration-settings`,
  },
  planBypass: {
    title: 'Plan for media bypass in Skype for Business',
    url: `${LEARN}/plan-your-deployment/enterprise-voice-solution/media-bypass`,
  },
  planCac: {
    title: 'Plan for call admission control in Skype for Business Server',
    url: `${LEARN}/plan-your-deployment/enterprise-voice-solution/call-admission-control`,
  },
  cacExample: {
    title:
      'Example: Gathering requirements for call admission control in Skype for Business Server',
    url: `${LEARN}/plan-your-deployment/enterprise-voice-solution/example-gathering-requirements`,
  },
  cacTopologies: {
    title: 'Components and topologies for call admission control in Skype for Business',
    url: `${LEARN}/plan-your-deployment/enterprise-voice-solution/components-and-topologies`,
  },
  networkSettings: {
    title:
      'Network settings for the advanced Enterprise Voice features in Skype for Business Server',
    url: `${LEARN}/plan-your-deployment/enterprise-voice-solution/network-settings-for-advanced-features`,
  },
  mediationServer: {
    title: 'Mediation Server component in Skype for Business Server',
    url: `${LEARN}/plan-your-deployment/enterprise-voice-solution/mediation-server`,
  },
  deployNetwork: {
    title: 'Deploy network regions, sites and subnets in Skype for Business',
    url: `${LEARN}/deploy/deploy-enterprise-voice/deploy-network`,
  },
  bwProfiles: {
    title: 'Create or modify bandwidth policy profiles in Skype for Business Server',
    url: `${LEARN}/deploy/deploy-enterprise-voice/create-bandwidth-policy-profiles`,
  },
  networkRequirements: {
    title: 'Network requirements for Skype for Business',
    url: `${LEARN}/plan-your-deployment/network-requirements/network-requirements`,
  },
  voicePolicy: {
    title: 'Voice policies and PSTN usage records in Skype for Business Server',
    url: `${LEARN}/deploy/deploy-enterprise-voice/voice-policy-and-pstn-usage-records`,
  },
  setNetworkConfiguration: {
    title: 'Set-CsNetworkConfiguration',
    url: `${CMDLET}/set-csnetworkconfiguration`,
  },
  newBypassConfiguration: {
    title: 'New-CsNetworkMediaBypassConfiguration',
    url: `${CMDLET}/new-csnetworkmediabypassconfiguration`,
  },
  newSite: { title: 'New-CsNetworkSite', url: `${CMDLET}/new-csnetworksite` },
  newRegion: { title: 'New-CsNetworkRegion', url: `${CMDLET}/new-csnetworkregion` },
  newSubnet: { title: 'New-CsNetworkSubnet', url: `${CMDLET}/new-csnetworksubnet` },
  newProfile: {
    title: 'New-CsNetworkBandwidthPolicyProfile',
    url: `${CMDLET}/new-csnetworkbandwidthpolicyprofile`,
  },
  newRegionLink: { title: 'New-CsNetworkRegionLink', url: `${CMDLET}/new-csnetworkregionlink` },
  newRoute: {
    title: 'New-CsNetworkInterRegionRoute',
    url: `${CMDLET}/new-csnetworkinterregionroute`,
  },
  newSitePolicy: {
    title: 'New-CsNetworkInterSitePolicy',
    url: `${CMDLET}/new-csnetworkintersitepolicy`,
  },
  newTrunk: { title: 'New-CsTrunkConfiguration', url: `${CMDLET}/new-cstrunkconfiguration` },
  newVoicePolicy: { title: 'New-CsVoicePolicy', url: `${CMDLET}/new-csvoicepolicy` },
  newMediaConfiguration: {
    title: 'New-CsMediaConfiguration',
    url: `${CMDLET}/new-csmediaconfiguration`,
  },
} as const satisfies Record<string, RuleSource>;

const S = SOURCES;

function rule(
  id: string,
  title: string,
  statement: string,
  sources: readonly RuleSource[],
  more: { settings?: readonly string[]; basis?: RuleBasis } = {},
): RuleEntry {
  return {
    id,
    title,
    statement,
    settings: more.settings ?? [],
    basis: more.basis ?? 'documented',
    sources,
  };
}

/** The whole reference, in order. */
export const RULE_BOOK: readonly RuleSection[] = [
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
        'A low session limit keeps expensive codecs off a link: the endpoints use the highest-priority codec they share whose bandwidth fits the session limit of every link on the path. When none fits, the leg is refused.',
        [S.planCac],
        {
          settings: ['hosts.clients[].codecs', 'simulation.codecBandwidth (A11)'],
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
        'table1 (default, network requirements, maximum without FEC): G.711 97, RTAudio narrowband 44.8, RTAudio wideband 62, SILK wideband 69, G.722 100.6, Siren 52.6 kbps. table2 (CAC planning table): G.711 102, RTAudio narrowband 49.8, RTAudio wideband 67, G.722 105.6, Siren 57.6 kbps. Video (RTVideo CIF 15 fps) 260 kbps in both.',
        [S.networkRequirements, S.planCac],
        { settings: ['simulation.codecBandwidth (A11)'] },
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
        'If the region allows it (AudioAlternatePath or VideoAlternatePath, on by default; which region: setting A14) and an A/V Edge exists, media goes through the Edge relay over the Internet instead of the WAN. The sub-paths between each site and its relay site must pass CAC. It is not recorded as a re-route. Decision CAC-REROUTED-INTERNET.',
        [S.planCac, S.newRegion],
        {
          settings: [
            'network.regions[].audioAlternatePath (AudioAlternatePath)',
            'network.regions[].videoAlternatePath (VideoAlternatePath)',
            'simulation.alternatePathRegions (A14)',
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
  {
    id: 'd',
    title: 'Configuration validation',
    intro:
      'What the cmdlets refuse or warn about. `mediapath validate` reports every broken rule at once with file:line:col; errors stop a run, warnings do not.',
    entries: [
      rule(
        'd.V1',
        'AlwaysBypass with CAC',
        'AlwaysBypass cannot be combined with call admission control: with CAC on, bypass must use site and region configuration. Error.',
        [S.deployBypass, S.planBypass],
        {
          settings: [
            'networkConfiguration.mediaBypassSettings.alwaysBypass',
            'networkConfiguration.enableBandwidthPolicyCheck',
          ],
        },
      ),
      rule(
        'd.V2',
        'AlwaysBypass without Enabled',
        'AlwaysBypass has no effect while media bypass is disabled. Warning.',
        [S.newBypassConfiguration],
      ),
      rule(
        'd.V3',
        'Default bypass ID with CAC',
        'Enabling bypass for non-mapped sites (EnableDefaultBypassID) while CAC is on is allowed but not recommended. Warning.',
        [S.deployBypass],
      ),
      rule(
        'd.V5',
        'Missing inter-region route',
        'Every pair of regions needs an inter-region route before CAC can be enabled. Error when CAC is on.',
        [S.setNetworkConfiguration, S.newRoute],
      ),
      rule(
        'd.V6',
        'Route between one region and itself, or twice',
        'An inter-region route joins two different regions, and a pair of regions has at most one route. Error.',
        [S.newRoute],
      ),
      rule(
        'd.V7',
        'Inter-site policy twice',
        'A pair of sites has at most one inter-site policy. Error.',
        [S.newSitePolicy],
      ),
      rule(
        'd.V8',
        'Site without a region',
        'A site with a bandwidth policy profile or a bypass ID needs a region (no bypass ID is generated without one). Error.',
        [S.newSite],
      ),
      rule(
        'd.V9',
        'Bypass ID format',
        'A bypass ID set by hand must be a GUID. Error. Setting one by hand is discouraged.',
        [S.newBypassConfiguration, S.newSite, S.newRegion],
      ),
      rule(
        'd.V10',
        'Subnet address and mask',
        'A subnet is given by its first address and a mask of 1 to 32 bits. Error.',
        [S.newSubnet],
      ),
      rule(
        'd.V11',
        'Unmapped subnet',
        'A subnet that belongs to no site (or a host address in no subnet) cannot be located for CAC or bypass; the server raises an alert at run time. Warning.',
        [S.deployNetwork],
      ),
      rule(
        'd.V12',
        'Session limits',
        'The audio session limit is at least 40 kbps and the video session limit at least 100 kbps; the list form (BWPolicy) cannot be combined with the four scalar limits. Error.',
        [S.newProfile, S.bwProfiles],
      ),
      rule(
        'd.V13',
        'Bypass without centralized media processing',
        'EnableBypass needs ConcentratedTopology on. Error.',
        [S.trunkSettings, S.newTrunk],
      ),
      rule(
        'd.V14',
        'Bypass without REFER and with RTCP flags',
        'With EnableBypass on and EnableReferSupport off, both RTCP flags must be off (or third-party call control REFER used). Error.',
        [S.trunkBypass, S.newTrunk],
      ),
      rule(
        'd.V15',
        'SRTP on a TCP trunk',
        'SRTPMode on a trunk over TCP is silently forced to NotSupported. Warning.',
        [S.newTrunk],
      ),
      rule(
        'd.V16',
        'Alternate path given twice',
        'The two alternate-path booleans of a region and its list form (BWAlternatePaths) are mutually exclusive. Error.',
        [S.newRegion],
      ),
      rule(
        'd.V17',
        'Site in an unknown region',
        'A site can only be placed in a region that exists. Error.',
        [S.deployNetwork, S.newSite],
      ),
      rule(
        'd.V20',
        'One trunk configuration per scope',
        'A site or gateway has at most one trunk configuration. Error.',
        [S.trunkBypass],
      ),
      rule(
        'd.V21',
        'Voice policy without routes',
        'A voice policy with no PSTN usages (routes) cannot place outbound PSTN calls. Warning.',
        [S.newVoicePolicy],
      ),
      rule(
        'a.3',
        'Region central site',
        "A region names a central site, which runs its Bandwidth Policy Service; it must be one of the scenario's sites. Error.",
        [S.newRegion],
      ),
      rule(
        'a.5',
        'Public Edge address as a /32',
        "The public address of an A/V Edge is entered as a /32 subnet mapped to the Edge's site. Warning when it is not.",
        [S.deployNetwork],
      ),
    ],
  },
  {
    id: 'A',
    title: 'Settings for what the documentation leaves open',
    intro:
      'Where the documentation is silent or contradicts itself, the behaviour is a `simulation:` setting of the scenario, with the default given here. Each entry says what is open and what the choices mean.',
    entries: [
      rule(
        'A3',
        'How a gateway finds its subnet',
        'Clients are matched by an exact subnet; how a gateway (which reports no mask) is matched is not described. containment (default): the longest configured prefix containing its media address. exact: only a /32 subnet of that address.',
        [S.planBypass],
        { settings: ['simulation.gatewaySubnetMatch'], basis: 'inferred' },
      ),
      rule(
        'A4',
        'An inter-site policy and the uplinks',
        "It is not said whether a direct inter-site link replaces the two sites' uplinks or comes in addition to them. add (default) or replace.",
        [S.newSitePolicy],
        { settings: ['simulation.interSitePolicy'], basis: 'inferred' },
      ),
      rule(
        'A5',
        'Inter-site policies and bypass IDs',
        'The bypass-ID rules do not mention inter-site policies: they do not change IDs.',
        [S.planBypass],
        { basis: 'inferred' },
      ),
      rule(
        'A6',
        'A refused PSTN call',
        'The re-route chain is described for calls between users. For a PSTN call the default takes the Internet path, else rejects (see c.5, setting pstnCallRefused).',
        [S.planCac],
        { settings: ['simulation.pstnCallRefused'], basis: 'inferred' },
      ),
      rule(
        'A7',
        'Whose voice policy',
        "The Skype for Business documentation has the caller's policy govern the PSTN re-route and the callee's the bandwidth policy override; a Lync 2010 book says the receiving user's for both. docs (default) or receiving-user.",
        [S.voicePolicy],
        { settings: ['simulation.voicePolicyOwner'] },
      ),
      rule(
        'A9',
        'A limit of zero',
        'A profile given only a session limit gets a total of 0; whether 0 blocks everything or means no limit is not stated. unlimited (default) or block.',
        [S.newProfile],
        { settings: ['simulation.zeroBandwidthLimit'], basis: 'inferred' },
      ),
      rule(
        'A11',
        'Which codec table',
        'Two Microsoft tables give different bandwidths per codec (see c.4). table1 (default) or table2.',
        [S.networkRequirements, S.planCac],
        { settings: ['simulation.codecBandwidth'] },
      ),
      rule(
        'A12',
        'Unmapped endpoints under CAC',
        'Only an alert is documented for an endpoint in no mapped subnet. admit (default, without a reservation) or refuse.',
        [S.deployNetwork],
        { settings: ['simulation.unmappedEndpoint'], basis: 'inferred' },
      ),
      rule(
        'A14',
        'Which region allows the Internet path',
        'For a call between regions it is not said whose AlternatePath flag counts. every-refusing-region (default: every region whose links refused the call must allow it), caller-region or callee-region.',
        [S.newRegion],
        { settings: ['simulation.alternatePathRegions'], basis: 'inferred' },
      ),
      rule(
        'A15',
        'Leg B refused',
        'A relayed PSTN call has two CAC checks; whether a refusal on the gateway leg takes the same re-route chain is not said. It is treated like A6.',
        [S.cacTopologies],
        { settings: ['simulation.pstnCallRefused'], basis: 'inferred' },
      ),
    ],
  },
];

/** Every entry by id. */
export function ruleEntry(id: string): RuleEntry | undefined {
  return byId.get(id);
}

/** The anchor of an entry in `docs/rules.md` and in the HTML report (`b.1#10` -> `rule-b-1-10`). */
export function ruleAnchor(id: string): string {
  return `rule-${id.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

const byId = new Map<string, RuleEntry>(
  RULE_BOOK.flatMap((s) => s.entries).map((e) => [e.id, e] as const),
);

/** `docs/rules.md`, generated from the list. */
export function rulesMarkdown(): string {
  const out: string[] = [
    '# Rules reference',
    '',
    '<!-- Generated from src/report/rule-book.ts by `npm run rules`; do not edit by hand. -->',
    '',
    'Every rule id that mediapath prints: in the rule trace of a decision (`mediapath explain --trace`, the',
    '`trace` of `--json`, the HTML report), in validation problems (`mediapath validate`) and in the',
    '`simulation:` settings of a scenario. Each entry says what the rule means here, the scenario settings',
    'it reads (with the Skype for Business cmdlet parameter in parentheses where the name differs), and the',
    'Microsoft documentation it comes from. Rules marked *inferred* fill a gap the documentation leaves;',
    'rules marked *simulator* model something that is not a Skype for Business setting.',
    '',
  ];
  for (const s of RULE_BOOK) {
    out.push(`- [${s.title}](#${ruleAnchor(s.id)}-section)`);
  }
  out.push('');
  for (const s of RULE_BOOK) {
    out.push(`<a id="${ruleAnchor(s.id)}-section"></a>`, '', `## ${s.title}`, '', s.intro, '');
    for (const e of s.entries) {
      out.push(`<a id="${ruleAnchor(e.id)}"></a>`, '', `### \`${e.id}\` ${e.title}`, '');
      out.push(e.statement + (e.basis === 'documented' ? '' : ` *(${e.basis})*`), '');
      if (e.settings.length) {
        out.push(`Settings: ${e.settings.map((x) => `\`${x}\``).join(', ')}.`, '');
      }
      if (e.sources.length) {
        out.push(`Sources: ${e.sources.map((x) => `[${x.title}](${x.url})`).join('; ')}.`, '');
      }
    }
  }
  return out.join('\n');
}
