import { describe, expect, it } from 'vitest';
import { loadScenarioText, type Problem } from '../../../src/scenario/index.js';
import { positionOf, problemsOf, ScenarioBuilder } from '../../support/scenario-builder.js';

const base = (): ScenarioBuilder => new ScenarioBuilder();

/** Where a problem must point: the `sub` part of the `occurrence`-th `needle` (whole needle when omitted). */
interface At {
  readonly needle: string;
  readonly sub?: string;
  readonly occurrence?: number;
}

interface Case {
  readonly title: string;
  readonly build: () => ScenarioBuilder;
  readonly severity: Problem['severity'];
  readonly code:
    'SIM_ERR_SCENARIO_RULE' | 'SIM_ERR_SCENARIO_UNKNOWN_REF' | 'SIM_ERR_SCENARIO_DUPLICATE';
  readonly path: string;
  readonly rule?: string;
  readonly at: At;
}

const RULE = 'SIM_ERR_SCENARIO_RULE';
const REF = 'SIM_ERR_SCENARIO_UNKNOWN_REF';
const DUP = 'SIM_ERR_SCENARIO_DUPLICATE';

/** A second region with a site, route and link to NorthAmerica, for the region rules. */
const twoRegions = (): ScenarioBuilder =>
  base()
    .add('network.regions', { name: 'EMEA', centralSite: 'London' })
    .add('network.sites', { name: 'London', region: 'EMEA' })
    .set('network.regionLinks', [{ name: 'L1', regions: ['NorthAmerica', 'EMEA'] }])
    .set('network.regionRoutes', [
      { name: 'R1', regions: ['NorthAmerica', 'EMEA'], links: ['L1'] },
    ]);

const cases: Case[] = [
  // Names and addresses.
  {
    title: 'a region name used twice',
    build: () => base().add('network.regions', { name: 'NorthAmerica', centralSite: 'Chicago' }),
    severity: 'error',
    code: DUP,
    path: 'network.regions[1].name',
    at: { needle: 'name: NorthAmerica', sub: 'NorthAmerica', occurrence: 1 },
  },
  {
    title: 'a host name shared by a client and a gateway',
    build: () => base().add('hosts.clients', { name: 'gw-chi', ip: '10.1.0.99', maskBits: 24 }),
    severity: 'error',
    code: DUP,
    path: 'hosts.clients[2].name',
    at: { needle: 'name: gw-chi', sub: 'gw-chi', occurrence: 1 },
  },
  {
    title: 'an address used by two hosts',
    build: () => base().add('hosts.clients', { name: 'carl', ip: '10.1.0.15', maskBits: 24 }),
    severity: 'error',
    code: DUP,
    path: 'hosts.clients[2].ip',
    at: { needle: 'ip: 10.1.0.15', sub: '10.1.0.15', occurrence: 1 },
  },
  // Regions.
  {
    title: 'd.V9 a region bypassId that is not a GUID',
    build: () => base().region('NorthAmerica', { bypassId: 'not-a-guid' }),
    severity: 'error',
    code: RULE,
    path: 'network.regions[0].bypassId',
    rule: 'd.V9',
    at: { needle: 'not-a-guid' },
  },
  {
    title: 'd.V16 bwAlternatePaths together with audioAlternatePath',
    build: () =>
      base().region('NorthAmerica', {
        audioAlternatePath: true,
        bwAlternatePaths: [{ bwPolicyModality: 'video', alternatePath: false }],
      }),
    severity: 'error',
    code: RULE,
    path: 'network.regions[0].bwAlternatePaths',
    rule: 'd.V16',
    at: { needle: '- bwPolicyModality', sub: '-' },
  },
  {
    title: 'a.3 a region without centralSite while CAC is on',
    build: () => base().region('NorthAmerica', { centralSite: undefined }),
    severity: 'error',
    code: RULE,
    path: 'network.regions[0]',
    rule: 'a.3',
    at: { needle: 'name: NorthAmerica', sub: 'name' },
  },
  {
    title: 'a central site that is not a network site (warning)',
    build: () => base().region('NorthAmerica', { centralSite: 'Atlantis' }),
    severity: 'warning',
    code: REF,
    path: 'network.regions[0].centralSite',
    at: { needle: 'Atlantis' },
  },
  // Sites.
  {
    title: 'd.V17 a site in a region that does not exist',
    build: () => base().site('Portland', { region: 'Nowhere' }),
    severity: 'error',
    code: REF,
    path: 'network.sites[1].region',
    rule: 'd.V17',
    at: { needle: 'Nowhere' },
  },
  {
    title: 'a site with an unknown bandwidth profile',
    build: () => base().site('Portland', { bwPolicyProfile: 'Missing' }),
    severity: 'error',
    code: REF,
    path: 'network.sites[1].bwPolicyProfile',
    at: { needle: 'Missing' },
  },
  {
    title: 'd.V8 a site with a bandwidth profile but no region',
    build: () => base().cac(false).site('Portland', { region: undefined }),
    severity: 'error',
    code: RULE,
    path: 'network.sites[1]',
    rule: 'd.V8',
    at: { needle: 'name: Portland', sub: 'name' },
  },
  {
    title: 'd.V8 a site with a bypassId but no region',
    build: () =>
      base()
        .cac(false)
        .add('network.sites', { name: 'Lab', bypassId: '11111111-2222-4333-8444-555555555555' }),
    severity: 'error',
    code: RULE,
    path: 'network.sites[2]',
    rule: 'd.V8',
    at: { needle: 'name: Lab', sub: 'name' },
  },
  {
    title: 'd.V8 a site without region while CAC is on',
    build: () => base().add('network.sites', { name: 'Lab' }),
    severity: 'error',
    code: RULE,
    path: 'network.sites[2]',
    rule: 'd.V8',
    at: { needle: 'name: Lab', sub: 'name' },
  },
  {
    title: 'd.V9 a site bypassId that is not a GUID',
    build: () => base().site('Portland', { bypassId: '1234' }),
    severity: 'error',
    code: RULE,
    path: 'network.sites[1].bypassId',
    rule: 'd.V9',
    at: { needle: 'bypassId: "1234"', sub: '"1234"' },
  },
  // Subnets.
  {
    title: 'a subnet mapped to an unknown site',
    build: () => base().add('network.subnets', { subnet: '10.7.0.0', maskBits: 24, site: 'Mars' }),
    severity: 'error',
    code: REF,
    path: 'network.subnets[2].site',
    at: { needle: 'Mars' },
  },
  {
    title: 'd.V10 maskBits outside 1..32',
    build: () =>
      base().add('network.subnets', { subnet: '10.7.0.0', maskBits: 33, site: 'Chicago' }),
    severity: 'error',
    code: RULE,
    path: 'network.subnets[2].maskBits',
    rule: 'd.V10',
    at: { needle: 'maskBits: 33', sub: '33' },
  },
  {
    title: 'd.V10 a SubnetID that is not the first address of its range',
    build: () =>
      base().add('network.subnets', { subnet: '10.7.0.5', maskBits: 24, site: 'Chicago' }),
    severity: 'error',
    code: RULE,
    path: 'network.subnets[2].subnet',
    rule: 'd.V10',
    at: { needle: '10.7.0.5' },
  },
  {
    title: 'd.V10 the same subnet twice (overlap)',
    build: () =>
      base().add('network.subnets', { subnet: '10.2.0.0', maskBits: 24, site: 'Chicago' }),
    severity: 'error',
    code: RULE,
    path: 'network.subnets[2].subnet',
    rule: 'd.V10',
    at: { needle: 'subnet: 10.2.0.0', sub: '10.2.0.0', occurrence: 1 },
  },
  // Bandwidth policy profiles.
  {
    title: 'd.V12 an audio session limit below 40',
    build: () => base().profile('Branch', { audioBWSessionLimit: 39 }),
    severity: 'error',
    code: RULE,
    path: 'network.bwPolicyProfiles[0].audioBWSessionLimit',
    rule: 'd.V12',
    at: { needle: 'audioBWSessionLimit: 39', sub: '39' },
  },
  {
    title: 'd.V12 a video session limit below 100',
    build: () => base().profile('Branch', { videoBWSessionLimit: 99 }),
    severity: 'error',
    code: RULE,
    path: 'network.bwPolicyProfiles[0].videoBWSessionLimit',
    rule: 'd.V12',
    at: { needle: 'videoBWSessionLimit: 99', sub: '99' },
  },
  {
    title: 'd.V12 bwPolicy combined with scalar limits',
    build: () => base().profile('Branch', { bwPolicy: [{ modality: 'audio', limit: 500 }] }),
    severity: 'error',
    code: RULE,
    path: 'network.bwPolicyProfiles[0].bwPolicy',
    rule: 'd.V12',
    at: { needle: '- modality', sub: '-' },
  },
  {
    title: 'd.V12 a list-form session limit below 40 points at bwPolicy',
    build: () =>
      base().add('network.bwPolicyProfiles', {
        name: 'List',
        bwPolicy: [{ modality: 'audio', limit: 500, sessionLimit: 30 }],
      }),
    severity: 'error',
    code: RULE,
    path: 'network.bwPolicyProfiles[1].bwPolicy',
    rule: 'd.V12',
    at: { needle: '- modality', sub: '-' },
  },
  {
    title: 'a session limit above the total (warning)',
    build: () => base().profile('Branch', { audioBWLimit: 100 }),
    severity: 'warning',
    code: RULE,
    path: 'network.bwPolicyProfiles[0]',
    at: { needle: 'name: Branch', sub: 'name' },
  },
  // Region links, routes and inter-site policies.
  {
    title: 'a region link to an unknown region',
    build: () =>
      twoRegions().patch('network.regionLinks', 'L1', { regions: ['NorthAmerica', 'APAC'] }),
    severity: 'error',
    code: REF,
    path: 'network.regionLinks[0].regions[1]',
    at: { needle: '- APAC', sub: 'APAC' },
  },
  {
    title: 'a region link with an unknown profile',
    build: () => twoRegions().patch('network.regionLinks', 'L1', { bwPolicyProfile: 'Nope' }),
    severity: 'error',
    code: REF,
    path: 'network.regionLinks[0].bwPolicyProfile',
    at: { needle: 'Nope' },
  },
  {
    title: 'a region link joining a region to itself',
    build: () => twoRegions().patch('network.regionLinks', 'L1', { regions: ['EMEA', 'EMEA'] }),
    severity: 'error',
    code: RULE,
    path: 'network.regionLinks[0].regions',
    at: { needle: '- EMEA', sub: '-' },
  },
  {
    title: 'a route through an unknown link',
    build: () => twoRegions().patch('network.regionRoutes', 'R1', { links: ['L9'] }),
    severity: 'error',
    code: REF,
    path: 'network.regionRoutes[0].links[0]',
    at: { needle: '- L9', sub: 'L9' },
  },
  {
    title: 'd.V6 a route from a region to itself',
    build: () =>
      twoRegions().add('network.regionRoutes', {
        name: 'R2',
        regions: ['EMEA', 'EMEA'],
        links: [],
      }),
    severity: 'error',
    code: RULE,
    path: 'network.regionRoutes[1].regions',
    rule: 'd.V6',
    at: { needle: '- EMEA', sub: '-', occurrence: 2 },
  },
  {
    title: 'd.V6 a second route for the same pair of regions',
    build: () =>
      twoRegions().add('network.regionRoutes', {
        name: 'R2',
        regions: ['EMEA', 'NorthAmerica'],
        links: ['L1'],
      }),
    severity: 'error',
    code: DUP,
    path: 'network.regionRoutes[1].regions',
    rule: 'd.V6',
    at: { needle: '- EMEA', sub: '-', occurrence: 2 },
  },
  {
    title: 'a route whose links do not chain from one region to the other',
    build: () =>
      twoRegions()
        .add('network.regions', { name: 'APAC', centralSite: 'Beijing' })
        .add('network.sites', { name: 'Beijing', region: 'APAC' })
        .add('network.regionLinks', { name: 'L2', regions: ['EMEA', 'APAC'] })
        .add('network.regionRoutes', {
          name: 'R2',
          regions: ['NorthAmerica', 'APAC'],
          links: ['L2'],
        })
        .add('network.regionRoutes', { name: 'R3', regions: ['EMEA', 'APAC'], links: ['L2'] }),
    severity: 'error',
    code: RULE,
    path: 'network.regionRoutes[1].links[0]',
    at: { needle: '- L2', sub: 'L2' },
  },
  {
    title: 'd.V5 a pair of regions without a route while CAC is on',
    build: () =>
      twoRegions()
        .add('network.regions', { name: 'APAC', centralSite: 'Beijing' })
        .add('network.sites', { name: 'Beijing', region: 'APAC' }),
    severity: 'error',
    code: RULE,
    path: 'network.regionRoutes',
    rule: 'd.V5',
    at: { needle: '- name: R1', sub: '-' },
  },
  {
    title: 'an inter-site policy with an unknown site',
    build: () =>
      base().add('network.interSitePolicies', {
        name: 'P1',
        sites: ['Chicago', 'Moon'],
        bwPolicyProfile: 'Branch',
      }),
    severity: 'error',
    code: REF,
    path: 'network.interSitePolicies[0].sites[1]',
    at: { needle: '- Moon', sub: 'Moon' },
  },
  {
    title: 'an inter-site policy with an unknown profile',
    build: () =>
      base().add('network.interSitePolicies', {
        name: 'P1',
        sites: ['Chicago', 'Portland'],
        bwPolicyProfile: 'Ghost',
      }),
    severity: 'error',
    code: REF,
    path: 'network.interSitePolicies[0].bwPolicyProfile',
    at: { needle: 'Ghost' },
  },
  {
    title: 'd.V7 a second inter-site policy for the same pair of sites',
    build: () =>
      base()
        .add('network.interSitePolicies', {
          name: 'P1',
          sites: ['Chicago', 'Portland'],
          bwPolicyProfile: 'Branch',
        })
        .add('network.interSitePolicies', {
          name: 'P2',
          sites: ['Portland', 'Chicago'],
          bwPolicyProfile: 'Branch',
        }),
    severity: 'error',
    code: DUP,
    path: 'network.interSitePolicies[1].sites',
    rule: 'd.V7',
    at: { needle: '- Portland\n', sub: '-', occurrence: 1 },
  },
  // Global bypass settings.
  {
    title: 'd.V1 AlwaysBypass while CAC is enabled',
    build: () => base().bypass({ alwaysBypass: true }),
    severity: 'error',
    code: RULE,
    path: 'networkConfiguration.mediaBypassSettings.alwaysBypass',
    rule: 'd.V1',
    at: { needle: 'alwaysBypass: true', sub: 'true' },
  },
  {
    title: 'd.V2 AlwaysBypass while bypass is not enabled (warning)',
    build: () => base().cac(false).bypass({ enabled: false, alwaysBypass: true }),
    severity: 'warning',
    code: RULE,
    path: 'networkConfiguration.mediaBypassSettings.alwaysBypass',
    rule: 'd.V2',
    at: { needle: 'alwaysBypass: true', sub: 'true' },
  },
  {
    title: 'd.V3 EnableDefaultBypassID with CAC on (warning)',
    build: () => base().bypass({ enableDefaultBypassId: true }),
    severity: 'warning',
    code: RULE,
    path: 'networkConfiguration.mediaBypassSettings.enableDefaultBypassId',
    rule: 'd.V3',
    at: { needle: 'enableDefaultBypassId: true', sub: 'true' },
  },
  {
    title: 'd.V9 a global bypassId that is not a GUID',
    build: () => base().bypass({ bypassId: 'abc' }),
    severity: 'error',
    code: RULE,
    path: 'networkConfiguration.mediaBypassSettings.bypassId',
    rule: 'd.V9',
    at: { needle: 'bypassId: abc', sub: 'abc' },
  },
  // Trunk and media configurations.
  {
    title: 'a trunk configuration scoped to an unknown site',
    build: () => base().trunk('site:Gotham', {}),
    severity: 'error',
    code: REF,
    path: 'trunkConfigurations[1].scope',
    at: { needle: 'site:Gotham' },
  },
  {
    title: 'a trunk configuration scoped to an unknown gateway',
    build: () => base().trunk('pstnGateway:gw-x', {}),
    severity: 'error',
    code: REF,
    path: 'trunkConfigurations[1].scope',
    at: { needle: 'pstnGateway:gw-x' },
  },
  {
    title: 'd.V20 two trunk configurations for one scope',
    build: () => base().add('trunkConfigurations', { scope: 'Global' }),
    severity: 'error',
    code: DUP,
    path: 'trunkConfigurations[1].scope',
    rule: 'd.V20',
    at: { needle: 'Global' },
  },
  {
    title: 'd.V13 EnableBypass without ConcentratedTopology',
    build: () => base().trunk('global', { concentratedTopology: false }),
    severity: 'error',
    code: RULE,
    path: 'trunkConfigurations[0].concentratedTopology',
    rule: 'd.V13',
    at: { needle: 'concentratedTopology: false', sub: 'false' },
  },
  {
    title: 'd.V14 EnableBypass, REFER off and an RTCP flag on',
    build: () => base().trunk('global', { enableReferSupport: false, rtcpActiveCalls: false }),
    severity: 'error',
    code: RULE,
    path: 'trunkConfigurations[0].enableReferSupport',
    rule: 'd.V14',
    at: { needle: 'enableReferSupport: false', sub: 'false' },
  },
  {
    title: 'd.V15 SRTPMode on a TCP trunk is forced to NotSupported (warning)',
    build: () =>
      base()
        .gateway('gw-por', { transport: 'tcp' })
        .trunk('pstnGateway:gw-por', { srtpMode: 'Required' }),
    severity: 'warning',
    code: RULE,
    path: 'trunkConfigurations[1].srtpMode',
    rule: 'd.V15',
    at: { needle: 'srtpMode: Required', sub: 'Required' },
  },
  {
    title: 'a media configuration scoped to an unknown site',
    build: () => base().add('mediaConfigurations', { scope: 'site:Gotham' }),
    severity: 'error',
    code: REF,
    path: 'mediaConfigurations[0].scope',
    at: { needle: 'site:Gotham' },
  },
  // Voice policies.
  {
    title: 'd.V21 a voice policy with no PSTN usages (warning)',
    build: () => base().add('voicePolicies', { name: 'empty', pstnUsages: [] }),
    severity: 'warning',
    code: RULE,
    path: 'voicePolicies[0].pstnUsages',
    rule: 'd.V21',
    at: { needle: 'pstnUsages: []', sub: '[]' },
  },
  {
    title: 'a route number pattern that is not a regular expression',
    build: () =>
      base().add('voicePolicies', {
        name: 'p',
        routes: [{ numberPattern: '([', trunks: ['gw-chi'] }],
      }),
    severity: 'error',
    code: RULE,
    path: 'voicePolicies[0].routes[0].numberPattern',
    at: { needle: 'numberPattern: ([', sub: '([' },
  },
  {
    title: 'a route through an unknown gateway',
    build: () =>
      base().add('voicePolicies', {
        name: 'p',
        routes: [{ numberPattern: '.*', trunks: ['gw-zz'] }],
      }),
    severity: 'error',
    code: REF,
    path: 'voicePolicies[0].routes[0].trunks[0]',
    at: { needle: 'gw-zz' },
  },
  // Hosts.
  {
    title: 'a Mediation Server in an unknown site',
    build: () => base().patch('hosts.mediationServers', 'ms-chi', { site: 'Narnia' }),
    severity: 'error',
    code: REF,
    path: 'hosts.mediationServers[0].site',
    at: { needle: 'Narnia' },
  },
  {
    title: 'd.V11 a Mediation Server interface in no mapped subnet (warning)',
    build: () => base().patch('hosts.mediationServers', 'ms-chi', { gatewayIp: '10.99.0.11' }),
    severity: 'warning',
    code: RULE,
    path: 'hosts.mediationServers[0].gatewayIp',
    rule: 'd.V11',
    at: { needle: '10.99.0.11' },
  },
  {
    title: 'b.2#20 Mediation Server interfaces mapped to different sites (warning)',
    build: () => base().patch('hosts.mediationServers', 'ms-chi', { gatewayIp: '10.2.0.11' }),
    severity: 'warning',
    code: RULE,
    path: 'hosts.mediationServers[0]',
    rule: 'b.2#20',
    at: { needle: 'name: ms-chi', sub: 'name' },
  },
  {
    title: 'b.0#1 a gateway associated with an unknown Mediation Server',
    build: () => base().gateway('gw-por', { mediationServer: 'ms-nope' }),
    severity: 'error',
    code: REF,
    path: 'hosts.gateways[1].mediationServer',
    rule: 'b.0#1',
    at: { needle: 'ms-nope' },
  },
  {
    title: 'd.V11 a gateway in no mapped subnet (warning)',
    build: () => base().gateway('gw-por', { ip: '10.99.0.200' }),
    severity: 'warning',
    code: RULE,
    path: 'hosts.gateways[1].ip',
    rule: 'd.V11',
    at: { needle: '10.99.0.200' },
  },
  {
    title: 'a gateway numbers pattern that is not a regular expression',
    build: () => base().gateway('gw-por', { numbers: '+1(' }),
    severity: 'error',
    code: RULE,
    path: 'hosts.gateways[1].numbers',
    at: { needle: '+1(' },
  },
  {
    title: 'mediaTerminationPoint on a gateway that is not an IP-PBX (warning)',
    build: () => base().gateway('gw-por', { mediaTerminationPoint: true }),
    severity: 'warning',
    code: RULE,
    path: 'hosts.gateways[1].mediaTerminationPoint',
    at: { needle: 'mediaTerminationPoint: true', sub: 'true' },
  },
  {
    title: 'a gateway without codecs',
    build: () => base().gateway('gw-por', { codecs: [] }),
    severity: 'error',
    code: RULE,
    path: 'hosts.gateways[1].codecs',
    at: { needle: 'codecs: []', sub: '[]' },
  },
  {
    title: 'a client with an unknown voice policy',
    build: () => base().client('bob', { voicePolicy: 'gold' }),
    severity: 'error',
    code: REF,
    path: 'hosts.clients[1].voicePolicy',
    at: { needle: 'gold' },
  },
  {
    title: 'a client maskBits outside 1..32',
    build: () => base().client('bob', { maskBits: 0 }),
    severity: 'error',
    code: RULE,
    path: 'hosts.clients[1].maskBits',
    at: { needle: 'maskBits: 0', sub: '0' },
  },
  {
    title: 'd.V11 an internal client in no mapped subnet (warning)',
    build: () => base().client('bob', { ip: '10.99.0.15' }),
    severity: 'warning',
    code: RULE,
    path: 'hosts.clients[1].ip',
    rule: 'd.V11',
    at: { needle: '10.99.0.15' },
  },
  {
    title: 'a client without codecs',
    build: () => base().client('bob', { codecs: [] }),
    severity: 'error',
    code: RULE,
    path: 'hosts.clients[1].codecs',
    at: { needle: 'codecs: []', sub: '[]' },
  },
  {
    title: 'an Edge in an unknown site',
    build: () =>
      base()
        .add('network.subnets', { subnet: '131.107.0.10', maskBits: 32, site: 'Chicago' })
        .add('hosts.edges', { name: 'edge', ip: '131.107.0.10', site: 'Oz' }),
    severity: 'error',
    code: REF,
    path: 'hosts.edges[0].site',
    at: { needle: 'site: Oz', sub: 'Oz' },
  },
  {
    title: 'a.5 an Edge public address that is not a /32 subnet (warning)',
    build: () => base().add('hosts.edges', { name: 'edge', ip: '131.107.0.10', site: 'Chicago' }),
    severity: 'warning',
    code: RULE,
    path: 'hosts.edges[0].ip',
    rule: 'a.5',
    at: { needle: '131.107.0.10' },
  },
  // Link impairments and calls.
  {
    title: 'an impaired link between unknown places',
    build: () => base().add('links', { between: ['Chicago', 'Atlantis'], impairment: { loss: 1 } }),
    severity: 'error',
    code: REF,
    path: 'links[0].between[1]',
    at: { needle: '- Atlantis', sub: 'Atlantis' },
  },
  {
    title: 'a call id used twice',
    build: () => base().add('calls', { id: 'c1', at: 1, from: 'bob', to: 'gw-chi' }),
    severity: 'error',
    code: DUP,
    path: 'calls[1].id',
    at: { needle: 'id: c1', sub: 'c1', occurrence: 1 },
  },
  {
    title: 'a call from an unknown caller',
    build: () => base().calls({ id: 'c1', at: 0, from: 'zed', to: 'bob' }),
    severity: 'error',
    code: REF,
    path: 'calls[0].from',
    at: { needle: 'from: zed', sub: 'zed' },
  },
  {
    title: 'an inbound call from a gateway to something that is not a client',
    build: () => base().calls({ id: 'c1', at: 0, from: 'gw-chi', to: 'gw-por' }),
    severity: 'error',
    code: REF,
    path: 'calls[0].to',
    at: { needle: 'to: gw-por', sub: 'gw-por' },
  },
  {
    title: 'a call to an unknown callee without a trunk',
    build: () => base().calls({ id: 'c1', at: 0, from: 'bob', to: 'nobody' }),
    severity: 'error',
    code: REF,
    path: 'calls[0].to',
    at: { needle: 'to: nobody', sub: 'nobody' },
  },
  {
    title: 'a call through an unknown trunk',
    build: () => base().calls({ id: 'c1', at: 0, from: 'bob', to: '+13125550100', trunk: 'gw-x' }),
    severity: 'error',
    code: REF,
    path: 'calls[0].trunk',
    at: { needle: 'trunk: gw-x', sub: 'gw-x' },
  },
  {
    title: 'a call to its own caller',
    build: () => base().calls({ id: 'c1', at: 0, from: 'bob', to: 'bob' }),
    severity: 'error',
    code: RULE,
    path: 'calls[0].to',
    at: { needle: 'to: bob', sub: 'bob' },
  },
  {
    title: 'a call of zero duration',
    build: () => base().calls({ id: 'c1', at: 0, from: 'bob', to: 'alice', duration: 0 }),
    severity: 'error',
    code: RULE,
    path: 'calls[0].duration',
    at: { needle: 'duration: 0', sub: '0' },
  },
  {
    title: 'a video call to a gateway',
    build: () => base().calls({ id: 'c1', at: 0, from: 'bob', to: 'gw-chi', modality: 'video' }),
    severity: 'error',
    code: RULE,
    path: 'calls[0].modality',
    at: { needle: 'modality: video', sub: 'video' },
  },
  {
    title: 'an expected path through an unknown host',
    build: () =>
      base().calls({
        id: 'c1',
        at: 0,
        from: 'alice',
        to: 'gw-por',
        expect: { path: 'alice -> ghost' },
      }),
    severity: 'error',
    code: REF,
    path: 'calls[0].expect.path',
    at: { needle: 'alice -> ghost' },
  },
];

describe('scenario rules: each problem with its dot-path and line:col', () => {
  it.each(cases.map((c) => [c.title, c] as const))('%s', (_title, c) => {
    const text = c.build().yaml();
    const r = loadScenarioText(text, 'case.yaml');
    const found = problemsOf(r).filter((p) => p.path === c.path && p.code === c.code);
    expect(found.map((p) => p.severity)).toContain(c.severity);
    const p = found.find((x) => x.severity === c.severity)!;
    expect(p.rule).toBe(c.rule);
    const at = positionOf(text, c.at.needle, c.at.occurrence ?? 0);
    const offset = c.at.sub === undefined ? 0 : c.at.needle.indexOf(c.at.sub);
    expect(p.position).toEqual({ file: 'case.yaml', line: at.line, col: at.col + offset });
    // An error stops the scenario from loading; a warning alone never does.
    expect(r.ok).toBe(c.severity === 'warning');
  });

  it('every rule of the base scenario passes (no false positives)', () => {
    expect(problemsOf(base().load())).toEqual([]);
  });

  it('d.V14 REFER off is allowed with both RTCP flags off, or with 3pcc REFER', () => {
    expect(
      base()
        .trunk('global', {
          enableReferSupport: false,
          rtcpActiveCalls: false,
          rtcpCallsOnHold: false,
        })
        .load().ok,
    ).toBe(true);
    expect(
      base().trunk('global', { enableReferSupport: false, enable3pccRefer: true }).load().ok,
    ).toBe(true);
  });

  it('d.V13 ConcentratedTopology off is allowed when bypass is off on that trunk', () => {
    expect(
      base().trunk('global', { enableBypass: false, concentratedTopology: false }).load().ok,
    ).toBe(true);
  });

  it('d.V1 AlwaysBypass without CAC is allowed', () => {
    expect(base().cac(false).bypass({ alwaysBypass: true }).load().ok).toBe(true);
  });

  it('d.V5 every pair of regions has a route: no error once the route exists, none without CAC', () => {
    expect(problemsOf(twoRegions().load())).toEqual([]);
    const noRoute = twoRegions().set('network.regionRoutes', []);
    expect(noRoute.load().ok).toBe(false);
    expect(noRoute.cac(false).load().ok).toBe(true);
  });
});
