/**
 * The global network configuration's own cmdlets: Get-, Set- and Remove-CsNetworkConfiguration
 * (CAC on or off, the media bypass settings, the whole configuration) and
 * New-CsNetworkMediaBypassConfiguration, which makes the media bypass settings as an object in
 * memory for `Set-CsNetworkConfiguration -MediaBypassSettings` (domain.md a.1, a.2).
 *
 * This file must not know roles (it asks the call to authorize), validation, or the list kinds.
 */
import { ErrorCodes, SimError } from '../core/index.js';
import { parameterError, type CmdletCall, type CmdletSpec } from './cmdlet.js';
import type { ConfigView } from './objects.js';
import { PsObject, type PsValue } from './values.js';

const GLOBAL = { scope: 'global', identity: 'Global' } as const;
const BYPASS_MODES = ['Off', 'ICE', 'Any'];

/** The media bypass settings of a configuration as an object (a.2). */
export function bypassSettingsObject(view: ConfigView): PsObject {
  const mb = view.scenario.networkConfiguration.mediaBypassSettings;
  return new PsObject('MediaBypassSettings', [
    ['Enabled', mb.enabled],
    ['InternalBypassMode', mb.internalBypassMode],
    ['ExternalBypassMode', mb.externalBypassMode],
    ['BypassID', mb.bypassId ?? view.topology.globalBypassId().id],
    ['AlwaysBypass', mb.alwaysBypass],
    ['EnableDefaultBypassID', mb.enableDefaultBypassId],
    ['EnabledForAudioVideoConferences', mb.enabledForAudioVideoConferences],
  ]);
}

/** The whole network configuration as Get-CsNetworkConfiguration shows it. */
export function networkConfigurationObject(view: ConfigView): PsObject {
  const s = view.scenario;
  const n = s.network;
  return new PsObject('CsNetworkConfiguration', [
    ['Identity', 'Global'],
    ['MediaBypassSettings', bypassSettingsObject(view)],
    ['BWPolicyProfiles', n.bwPolicyProfiles.map((p) => p.name)],
    ['NetworkRegions', n.regions.map((r) => r.name)],
    ['NetworkRegionLinks', n.regionLinks.map((l) => l.name)],
    ['InterNetworkRegionRoutes', n.regionRoutes.map((r) => r.name)],
    ['NetworkSites', n.sites.map((x) => x.name)],
    ['InterNetworkSitePolicies', n.interSitePolicies.map((p) => p.name)],
    ['Subnets', n.subnets.map((x) => `${x.subnet}/${x.maskBits}`)],
    ['EnableBandwidthPolicyCheck', s.networkConfiguration.enableBandwidthPolicyCheck],
  ]);
}

const IDENTITY = {
  name: 'Identity',
  type: 'string',
  help: 'Global (the only network configuration).',
} as const;

function checkGlobal(call: CmdletCall): void {
  const id = call.args.text('Identity');
  if (typeof id === 'string' && !/^global$/i.test(id.trim())) {
    throw new SimError(
      ErrorCodes.ADMIN_IDENTITY,
      `The network configuration has only the identity Global, not "${id}".`,
    );
  }
}

const COLLECTIONS =
  'the collections are changed with their own cmdlets (New-CsNetworkSite, New-CsNetworkSubnet, ...)';

/** Get-, Set- and Remove-CsNetworkConfiguration, New-CsNetworkMediaBypassConfiguration. */
export const NETWORK_CONFIGURATION_CMDLETS: readonly CmdletSpec[] = [
  {
    name: 'Get-CsNetworkConfiguration',
    family: 'network',
    access: 'read',
    changesFile: false,
    synopsis: 'Shows the global network configuration: CAC, media bypass, the collections.',
    params: [IDENTITY, { name: 'LocalStore', type: 'switch', help: 'Accepted.' }],
    positional: ['Identity'],
    notModelled: [],
    run(call) {
      checkGlobal(call);
      return [networkConfigurationObject(call.view())];
    },
  },
  {
    name: 'Set-CsNetworkConfiguration',
    family: 'network',
    access: 'write',
    changesFile: true,
    synopsis:
      'Turns CAC on or off (-EnableBandwidthPolicyCheck) and replaces the media bypass settings (-MediaBypassSettings).',
    params: [
      IDENTITY,
      {
        name: 'EnableBandwidthPolicyCheck',
        type: 'bool',
        help: 'Call admission control on or off; turning it on checks the whole configuration.',
      },
      {
        name: 'MediaBypassSettings',
        type: 'object',
        objectType: 'MediaBypassSettings',
        help: 'Settings from New-CsNetworkMediaBypassConfiguration; they replace the current ones.',
      },
      {
        name: 'Instance',
        type: 'object',
        objectType: 'CsNetworkConfiguration',
        help: 'The configuration from Get-CsNetworkConfiguration, with properties changed.',
      },
    ],
    positional: ['Identity'],
    notModelled: [],
    unsupported: {
      BWPolicyProfiles: COLLECTIONS,
      NetworkRegions: COLLECTIONS,
      NetworkRegionLinks: COLLECTIONS,
      InterNetworkRegionRoutes: COLLECTIONS,
      NetworkSites: COLLECTIONS,
      InterNetworkSitePolicies: COLLECTIONS,
      Subnets: COLLECTIONS,
    },
    run(call) {
      checkGlobal(call);
      call.authorize(GLOBAL);
      const inst = call.args.get('Instance');
      let cac: PsValue | undefined = call.args.get('EnableBandwidthPolicyCheck') as PsValue;
      let settings = call.args.get('MediaBypassSettings');
      if (inst instanceof PsObject) {
        cac = inst.get('EnableBandwidthPolicyCheck');
        settings = inst.get('MediaBypassSettings');
      }
      if (typeof cac === 'boolean') {
        call.doc.set(['networkConfiguration', 'enableBandwidthPolicyCheck'], cac);
      }
      if (settings instanceof PsObject) {
        writeBypassSettings(call, settings);
      }
      return [];
    },
  },
  {
    name: 'Remove-CsNetworkConfiguration',
    family: 'network',
    access: 'write',
    changesFile: true,
    synopsis:
      'Resets the network configuration: CAC and bypass off, every region, site, subnet, profile, link, route and policy removed.',
    params: [IDENTITY],
    positional: ['Identity'],
    notModelled: [],
    run(call) {
      checkGlobal(call);
      call.authorize(GLOBAL);
      call.doc.delete(['networkConfiguration']);
      call.doc.delete(['network']);
      return [];
    },
  },
  {
    name: 'New-CsNetworkMediaBypassConfiguration',
    family: 'network',
    access: 'write',
    changesFile: false,
    synopsis:
      'Makes media bypass settings in memory, for Set-CsNetworkConfiguration -MediaBypassSettings.',
    params: [
      { name: 'Enabled', type: 'bool', help: 'Media bypass on.' },
      {
        name: 'AlwaysBypass',
        type: 'bool',
        help: 'One bypass ID for every subnet ("Always bypass"); not with CAC.',
      },
      { name: 'BypassID', type: 'string', help: 'The global bypass ID (leave it out).' },
      {
        name: 'EnableDefaultBypassID',
        type: 'bool',
        help: 'Subnets that are not mapped get the global bypass ID.',
      },
      {
        name: 'InternalBypassMode',
        type: 'enum',
        values: BYPASS_MODES,
        help: 'Off, ICE or Any; Any when bypass is enabled.',
      },
      {
        name: 'ExternalBypassMode',
        type: 'enum',
        values: BYPASS_MODES,
        help: 'Accepted; external clients never bypass.',
      },
      {
        name: 'EnabledForAudioVideoConferences',
        type: 'bool',
        help: 'Bypass for A/V conferences (Lync Server 2013 and later).',
      },
    ],
    positional: [],
    notModelled: [],
    run(call) {
      const a = call.args;
      const enabled = a.get('Enabled') === true;
      const internal = a.get('InternalBypassMode');
      return [
        new PsObject('MediaBypassSettings', [
          ['Enabled', enabled],
          ['InternalBypassMode', typeof internal === 'string' ? internal : enabled ? 'Any' : 'Off'],
          ['ExternalBypassMode', (a.get('ExternalBypassMode') as PsValue | undefined) ?? 'Off'],
          ['BypassID', (a.get('BypassID') as PsValue | undefined) ?? null],
          ['AlwaysBypass', a.get('AlwaysBypass') === true],
          ['EnableDefaultBypassID', a.get('EnableDefaultBypassID') === true],
          ['EnabledForAudioVideoConferences', a.get('EnabledForAudioVideoConferences') === true],
        ]),
      ];
    },
  },
];

/**
 * Writes media bypass settings into the file, replacing the current ones (a.1): the switches,
 * and the other settings where they differ from their defaults. InternalBypassMode is Any
 * whenever bypass is enabled (a.2), so it is written only when it says something else.
 *
 * @throws {SimError} `SIM_ERR_ADMIN_PARAMETER` for a property of the wrong type.
 */
function writeBypassSettings(call: CmdletCall, o: PsObject): void {
  const bool = (name: string): boolean => {
    const v = o.get(name);
    if (typeof v !== 'boolean') {
      throw parameterError(`MediaBypassSettings.${name} must be $true or $false.`);
    }
    return v;
  };
  const mode = (name: string): string => {
    const v = o.get(name);
    const m = BYPASS_MODES.find(
      (x) => typeof v === 'string' && x.toLowerCase() === v.toLowerCase(),
    );
    if (m === undefined) {
      throw parameterError(
        `MediaBypassSettings.${name} must be one of ${BYPASS_MODES.join(', ')}.`,
      );
    }
    return m;
  };
  const enabled = bool('Enabled');
  const settings: Record<string, unknown> = {
    enabled,
    alwaysBypass: bool('AlwaysBypass'),
  };
  if (bool('EnableDefaultBypassID')) {
    settings.enableDefaultBypassId = true;
  }
  const id = o.get('BypassID');
  let current: string | null = null;
  try {
    current = call.view().scenario.networkConfiguration.mediaBypassSettings.bypassId;
  } catch {
    // A script being imported may not be a valid configuration yet: no ID is pinned then.
  }
  if (typeof id === 'string' && id !== '' && (current !== null || !isAutoId(call, id))) {
    settings.bypassId = id;
  }
  const internal = mode('InternalBypassMode');
  if (!enabled && internal !== 'Off') {
    settings.internalBypassMode = internal;
  }
  if (enabled && internal !== 'Any' && internal !== 'Off') {
    settings.internalBypassMode = internal;
  }
  const external = mode('ExternalBypassMode');
  if (external !== 'Off') {
    settings.externalBypassMode = external;
  }
  if (bool('EnabledForAudioVideoConferences')) {
    settings.enabledForAudioVideoConferences = true;
  }
  call.doc.set(['networkConfiguration', 'mediaBypassSettings'], settings);
}

/** True when an ID is the one generated for the global settings (Get- shows it; not to be pinned). */
function isAutoId(call: CmdletCall, id: string): boolean {
  try {
    return call.view().topology.globalBypassId().id === id;
  } catch {
    return false;
  }
}
