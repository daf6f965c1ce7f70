/**
 * The rules reference's sections about the configuration: what validation (and the cmdlets)
 * refuse or warn about (d), and the settings for what the documentation leaves open (A).
 * Pure data; it knows nothing of the validation code.
 */
import { rule, type RuleSection } from './rule-types.js';
import { SOURCES as S } from './sources.js';

/** The sections about the configuration, in order. */
export const CONFIG_RULES: readonly RuleSection[] = [
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
        'A subnet is given by its first address and a mask of 1 to 32 bits, and is configured once. Error. A subnet nested in another is legal (setting A17) and only warned about.',
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
    id: 'e',
    title: 'Administrative roles',
    intro:
      'Who may run the cmdlets of `mediapath shell` and `mediapath apply` (docs/cmdlets.md). RBAC applies to remote administration (the Control Panel and a remote shell); the shell acts as a remote session under the role. A denied cmdlet changes nothing and its message names the role.',
    entries: [
      rule(
        'e.roles',
        'Predefined roles',
        'CsAdministrator, CsVoiceAdministrator and the RTCUniversalServerAdmins group may change the media bypass, trunk, network (regions, sites, subnets, CAC) and media configuration and the voice policies; CsServerAdministrator may change trunk, network and media configuration within the limit of A8. CsViewOnlyAdministrator, CsHelpDesk and RTCUniversalReadOnlyAdmins only read (Get- cmdlets); CsUserAdministrator reads voice policies and RTCUniversalUserAdmins the network configuration; the other predefined roles have none of these cmdlets.',
        [S.deployBypass, S.newAdminRole],
      ),
      rule(
        'e.scope',
        'Roles scoped to sites',
        'A role made from a predefined one with ConfigScopes site:<name> changes only objects of those sites: trunk configurations of site:<name> or of a gateway whose address is in the site (PstnGateway:<name>), media configurations and voice policies of site:<name>. The network configuration (bypass settings, CAC, regions, sites, subnets, profiles, links, routes) is one global object, so a scoped role cannot change it.',
        [S.newAdminRole],
        { basis: 'inferred' },
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
        'A8',
        'CsServerAdministrator and changes of global scope',
        'The media bypass deployment topic lists CsServerAdministrator for every step (trunks, global bypass, subnets), while the role is described as unable to make changes with global impact. no-global (default): it changes only objects of a site or a service (site:<name> and PstnGateway:<name> trunk configurations, site media configurations); deploy-table: trunk, network and media configuration, as the deployment topic says. The conservative reading is the default: a wrong denial costs a question, a wrong permission teaches the wrong thing.',
        [S.deployBypass, S.newAdminRole],
        {
          settings: ['serverAdministratorScope (lab.yaml), --server-admin-scope'],
          basis: 'inferred',
        },
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
      rule(
        'A16',
        'How a site reaches the A/V Edge',
        "Whether a branch reaches the Edge's relay over the enterprise WAN or over its own Internet connection is a property of the deployment the documentation does not model. internet-breakout (default): the site reaches the Edge's public side over its own Internet link, so the WAN links that refused the call are not on the Internet alternate path and its sub-path is not checked; this is how the documented examples re-route branch calls through a single Edge in the central site. via-wan: the sub-path between the site and the Edge's site is checked by CAC (c.5#18).",
        [S.planCac],
        { settings: ['network.sites[].edgeReach'], basis: 'inferred' },
      ),
      rule(
        'A17',
        'Nested subnets',
        'Configured subnets may nest: a "virtual" super-subnet beside more specific ones. Bypass finds a client\'s bypass ID only through the exact match of its own subnet (b.1#10), CAC places an address in the longest matching prefix (c.1#1), so nesting is legal and changes where each looks. Only the same subnet configured twice is an error (d.V10); a nested one is a warning.',
        [S.planCac, S.networkSettings],
        { settings: ['network.subnets[]'], basis: 'inferred' },
      ),
    ],
  },
];
