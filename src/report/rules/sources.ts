/**
 * The Microsoft documents the rules reference cites, with their public addresses. Pure data.
 */
import type { RuleSource } from './rule-types.js';

const LEARN = 'https://learn.microsoft.com/en-us/skypeforbusiness';
const CMDLET = 'https://learn.microsoft.com/en-us/powershell/module/skype';
const TEAMS = 'https://learn.microsoft.com/en-us/microsoftteams';

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
  newAdminRole: { title: 'New-CsAdminRole', url: `${CMDLET}/new-csadminrole` },
  newVoicePolicy: { title: 'New-CsVoicePolicy', url: `${CMDLET}/new-csvoicepolicy` },
  newMediaConfiguration: {
    title: 'New-CsMediaConfiguration',
    url: `${CMDLET}/new-csmediaconfiguration`,
  },
  teamsMediaBypass: {
    title: 'Plan for media bypass with Direct Routing',
    url: `${TEAMS}/direct-routing-plan-media-bypass`,
  },
  teamsLmo: {
    title: 'Plan Local Media Optimization for Direct Routing',
    url: `${TEAMS}/direct-routing-media-optimization`,
  },
  setOnlinePstnGateway: {
    title: 'Set-CsOnlinePSTNGateway',
    url: 'https://learn.microsoft.com/en-us/powershell/module/teams/set-csonlinepstngateway',
  },
} as const satisfies Record<string, RuleSource>;
