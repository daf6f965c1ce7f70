/**
 * The configuration objects the cmdlets manage, one descriptor per kind: where its items live
 * in the scenario file, which key is its identity, which cmdlet parameter sets which key, and
 * how `Get-` shows an item (PowerShell property names, defaults filled in, effective bypass
 * IDs). The generic Get/Set/New/Remove cmdlets (`collection-cmdlets.ts`) work from these.
 *
 * This file must not know how a cmdlet binds its parameters, nor roles or validation.
 */
import type { Scenario } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import type { ConfigDocument, DocPath } from './config-document.js';
import type { ChangeTarget, Family } from './rbac.js';
import { PsObject, type PsValue } from './values.js';
import type { VoiceRouting } from './voice-routing.js';

/** The type of a parameter, which says how its value is converted. */
export type ParamType =
  'string' | 'bool' | 'int' | 'number' | 'enum' | 'switch' | 'list' | 'object';

/** A cmdlet parameter that sets one key of an item. */
export interface FieldDef {
  /** The parameter and property name, as PowerShell spells it. */
  readonly ps: string;
  /** The key in the scenario file. */
  readonly key: string;
  /** For a pair key (`regions: [a, b]`): which element. */
  readonly index?: 0 | 1;
  /** `-NetworkRegionLinkIDs "a,b"`: a comma-separated string for a list key. */
  readonly commaList?: boolean;
  readonly type: ParamType;
  readonly values?: readonly string[];
  readonly help: string;
}

/** What `Get-` is shown: the scenario model, its topology and the file itself. */
export interface ConfigView {
  readonly scenario: Scenario;
  readonly topology: Topology;
  readonly doc: ConfigDocument;
  readonly voice: VoiceRouting;
}

/** A kind of configuration object kept as a list in the scenario file. */
export interface CollectionKind {
  /** The cmdlet noun: `CsNetworkSite`. */
  readonly noun: string;
  readonly family: Family;
  /** In words, for messages: `network site`. */
  readonly title: string;
  readonly path: DocPath;
  /** The key that holds the identity. */
  readonly idKey: string;
  /** The parameter that may give the identity on `New-` besides `-Identity` (`-NetworkSiteID`). */
  readonly idParam: string | null;
  readonly fields: readonly FieldDef[];
  /** Parameters `New-` requires besides the identity. */
  readonly requiredOnNew: readonly string[];
  /** Parameters the real cmdlet has that do not change the media path: accepted and ignored. */
  readonly notModelled: readonly string[];
  /** A `global` item exists even when the file has none (trunk, media, voice). */
  readonly implicitGlobal: boolean;
  /** The key order of a new item. */
  readonly keyOrder: readonly string[];
  /** The stored identity for what was typed, or null when it is not one of this kind. */
  parseIdentity(text: string, view: ConfigView | null): string | null;
  /** The identity as `Get-` shows it. */
  showIdentity(id: string): string;
  /** The `Get-` object of the model's item `index`. */
  view(v: ConfigView, index: number): PsObject;
  /** What a change of the item with this identity touches, for RBAC. */
  target(id: string, view: ConfigView | null): ChangeTarget;
}

/** The `description` the file gives an item of a list, or null. */
function describe(v: ConfigView, path: DocPath, index: number): string | null {
  const d = (v.doc.items(path)[index] as Record<string, unknown> | undefined)?.description;
  return typeof d === 'string' ? d : null;
}

const global = (identity: string): ChangeTarget => ({ scope: 'global', identity });

/** A name-keyed kind of the global network configuration. */
function networkKind(
  spec: Omit<
    CollectionKind,
    | 'family'
    | 'idKey'
    | 'implicitGlobal'
    | 'parseIdentity'
    | 'showIdentity'
    | 'target'
    | 'notModelled'
  > & { readonly notModelled?: readonly string[] },
): CollectionKind {
  return {
    notModelled: [],
    ...spec,
    family: 'network',
    idKey: spec.path[1] === 'subnets' ? 'subnet' : 'name',
    implicitGlobal: false,
    parseIdentity: (text) => (text.trim() === '' ? null : text.trim()),
    showIdentity: (id) => id,
    target: (id) => global(`${spec.noun.slice(2)} ${id}`),
  };
}

const DESCRIPTION: FieldDef = {
  ps: 'Description',
  key: 'description',
  type: 'string',
  help: 'Free text.',
};

/** New-CsNetworkRegion and friends. */
export const REGIONS = networkKind({
  noun: 'CsNetworkRegion',
  title: 'network region',
  path: ['network', 'regions'],
  idParam: 'NetworkRegionID',
  fields: [
    {
      ps: 'CentralSite',
      key: 'centralSite',
      type: 'string',
      help: 'The site that runs the Bandwidth Policy Service of the region.',
    },
    {
      ps: 'AudioAlternatePath',
      key: 'audioAlternatePath',
      type: 'bool',
      help: 'Audio may take the Internet (A/V Edge) path when the WAN refuses it.',
    },
    {
      ps: 'VideoAlternatePath',
      key: 'videoAlternatePath',
      type: 'bool',
      help: 'The same for video.',
    },
    { ps: 'BypassID', key: 'bypassId', type: 'string', help: 'Override of the region bypass ID.' },
    DESCRIPTION,
  ],
  requiredOnNew: ['CentralSite'],
  keyOrder: ['name', 'centralSite', 'audioAlternatePath', 'videoAlternatePath', 'bypassId'],
  view(v, i) {
    const r = v.scenario.network.regions[i];
    const name = r?.name ?? '';
    return new PsObject('CsNetworkRegion', [
      ['Identity', name],
      ['NetworkRegionID', name],
      ['Description', describe(v, ['network', 'regions'], i)],
      ['BypassID', r?.bypassId ?? v.topology.autoBypassId(`region:${name}`)],
      ['CentralSite', r?.centralSite ?? null],
      ['AudioAlternatePath', r?.audioAlternatePath ?? true],
      ['VideoAlternatePath', r?.videoAlternatePath ?? true],
    ]);
  },
});

/** New-CsNetworkSite and friends. */
export const SITES = networkKind({
  noun: 'CsNetworkSite',
  title: 'network site',
  path: ['network', 'sites'],
  idParam: 'NetworkSiteID',
  fields: [
    { ps: 'NetworkRegionID', key: 'region', type: 'string', help: 'The region of the site.' },
    {
      ps: 'BWPolicyProfileID',
      key: 'bwPolicyProfile',
      type: 'string',
      help: "The bandwidth policy profile of the site's WAN uplink ($null for none).",
    },
    { ps: 'BypassID', key: 'bypassId', type: 'string', help: 'Override of the site bypass ID.' },
    DESCRIPTION,
  ],
  requiredOnNew: ['NetworkRegionID'],
  notModelled: ['LocationPolicy', 'EnableLocationBasedRouting', 'VoiceRoutingPolicy'],
  keyOrder: ['name', 'region', 'bwPolicyProfile', 'bypassId'],
  view(v, i) {
    const s = v.scenario.network.sites[i];
    const name = s?.name ?? '';
    return new PsObject('CsNetworkSite', [
      ['Identity', name],
      ['NetworkSiteID', name],
      ['Description', describe(v, ['network', 'sites'], i)],
      ['NetworkRegionID', s?.region ?? null],
      ['BypassID', s ? (v.topology.siteBypassId(s)?.id ?? null) : null],
      ['BWPolicyProfileID', s?.bwPolicyProfile ?? null],
    ]);
  },
});

/** New-CsNetworkSubnet and friends. */
export const SUBNETS = networkKind({
  noun: 'CsNetworkSubnet',
  title: 'network subnet',
  path: ['network', 'subnets'],
  idParam: 'SubnetID',
  fields: [
    { ps: 'MaskBits', key: 'maskBits', type: 'int', help: 'The mask length, 1 to 32.' },
    {
      ps: 'NetworkSiteID',
      key: 'site',
      type: 'string',
      help: 'The site the subnet belongs to ($null for an unmapped subnet).',
    },
    DESCRIPTION,
  ],
  requiredOnNew: ['MaskBits'],
  keyOrder: ['subnet', 'maskBits', 'site'],
  view(v, i) {
    const s = v.scenario.network.subnets[i];
    return new PsObject('CsNetworkSubnet', [
      ['Identity', s?.subnet ?? ''],
      ['MaskBits', s?.maskBits ?? null],
      ['Description', describe(v, ['network', 'subnets'], i)],
      ['NetworkSiteID', s?.site ?? null],
      ['SubnetID', s?.subnet ?? ''],
    ]);
  },
});

const kbps = (ps: string, key: string, help: string): FieldDef => ({
  ps,
  key,
  type: 'number',
  help,
});

/** New-CsNetworkBandwidthPolicyProfile and friends. */
export const PROFILES = networkKind({
  noun: 'CsNetworkBandwidthPolicyProfile',
  title: 'bandwidth policy profile',
  path: ['network', 'bwPolicyProfiles'],
  idParam: 'BWPolicyProfileID',
  fields: [
    kbps('AudioBWLimit', 'audioBWLimit', 'Total concurrent audio, kbps one way.'),
    kbps('AudioBWSessionLimit', 'audioBWSessionLimit', 'Largest audio session, kbps (>= 40).'),
    kbps('VideoBWLimit', 'videoBWLimit', 'Total concurrent video, kbps one way.'),
    kbps('VideoBWSessionLimit', 'videoBWSessionLimit', 'Largest video session, kbps (>= 100).'),
    DESCRIPTION,
  ],
  requiredOnNew: [],
  keyOrder: ['name', 'audioBWLimit', 'audioBWSessionLimit', 'videoBWLimit', 'videoBWSessionLimit'],
  view(v, i) {
    const p = v.scenario.network.bwPolicyProfiles[i];
    const name = p?.name ?? '';
    return new PsObject('CsNetworkBandwidthPolicyProfile', [
      ['Identity', name],
      ['BWPolicyProfileID', name],
      ['Description', describe(v, ['network', 'bwPolicyProfiles'], i)],
      ['AudioBWLimit', p?.audio.limit ?? null],
      ['AudioBWSessionLimit', p?.audio.sessionLimit ?? null],
      ['VideoBWLimit', p?.video.limit ?? null],
      ['VideoBWSessionLimit', p?.video.sessionLimit ?? null],
    ]);
  },
});

const regionPair = (i: 0 | 1): FieldDef => ({
  ps: `NetworkRegionID${i + 1}`,
  key: 'regions',
  index: i,
  type: 'string',
  help: `The ${i === 0 ? 'first' : 'second'} region.`,
});

const profileField: FieldDef = {
  ps: 'BWPolicyProfileID',
  key: 'bwPolicyProfile',
  type: 'string',
  help: 'The bandwidth policy profile ($null for an unconstrained link).',
};

/** New-CsNetworkRegionLink and friends. */
export const REGION_LINKS = networkKind({
  noun: 'CsNetworkRegionLink',
  title: 'network region link',
  path: ['network', 'regionLinks'],
  idParam: 'NetworkRegionLinkID',
  fields: [regionPair(0), regionPair(1), profileField],
  requiredOnNew: ['NetworkRegionID1', 'NetworkRegionID2'],
  keyOrder: ['name', 'regions', 'bwPolicyProfile'],
  view(v, i) {
    const l = v.scenario.network.regionLinks[i];
    return new PsObject('CsNetworkRegionLink', [
      ['Identity', l?.name ?? ''],
      ['BWPolicyProfileID', l?.bwPolicyProfile ?? null],
      ['NetworkRegionID1', l?.regions[0] ?? null],
      ['NetworkRegionID2', l?.regions[1] ?? null],
      ['NetworkRegionLinkID', l?.name ?? ''],
    ]);
  },
});

/** New-CsNetworkInterRegionRoute and friends. */
export const REGION_ROUTES = networkKind({
  noun: 'CsNetworkInterRegionRoute',
  title: 'inter-region route',
  path: ['network', 'regionRoutes'],
  idParam: 'InterNetworkRegionRouteID',
  fields: [
    regionPair(0),
    regionPair(1),
    {
      ps: 'NetworkRegionLinks',
      key: 'links',
      type: 'list',
      help: 'The region links of the route, in order.',
    },
    {
      ps: 'NetworkRegionLinkIDs',
      key: 'links',
      commaList: true,
      type: 'string',
      help: 'The same as a comma-separated string.',
    },
  ],
  requiredOnNew: ['NetworkRegionID1', 'NetworkRegionID2'],
  keyOrder: ['name', 'regions', 'links'],
  view(v, i) {
    const r = v.scenario.network.regionRoutes[i];
    return new PsObject('CsNetworkInterRegionRoute', [
      ['Identity', r?.name ?? ''],
      ['NetworkRegionLinks', [...(r?.links ?? [])]],
      ['NetworkRegionID1', r?.regions[0] ?? null],
      ['NetworkRegionID2', r?.regions[1] ?? null],
      ['InterNetworkRegionRouteID', r?.name ?? ''],
    ]);
  },
});

const sitePair = (i: 0 | 1): FieldDef => ({
  ps: `NetworkSiteID${i + 1}`,
  key: 'sites',
  index: i,
  type: 'string',
  help: `The ${i === 0 ? 'first' : 'second'} site.`,
});

/** New-CsNetworkInterSitePolicy and friends. */
export const INTER_SITE_POLICIES = networkKind({
  noun: 'CsNetworkInterSitePolicy',
  title: 'inter-site policy',
  path: ['network', 'interSitePolicies'],
  idParam: 'InterNetworkSitePolicyID',
  fields: [sitePair(0), sitePair(1), profileField],
  requiredOnNew: ['NetworkSiteID1', 'NetworkSiteID2', 'BWPolicyProfileID'],
  keyOrder: ['name', 'sites', 'bwPolicyProfile'],
  view(v, i) {
    const p = v.scenario.network.interSitePolicies[i];
    return new PsObject('CsNetworkInterSitePolicy', [
      ['Identity', p?.name ?? ''],
      ['BWPolicyProfileID', p?.bwPolicyProfile ?? null],
      ['NetworkSiteID1', p?.sites[0] ?? null],
      ['NetworkSiteID2', p?.sites[1] ?? null],
      ['InterNetworkSitePolicyID', p?.name ?? ''],
    ]);
  },
});

/**
 * A configuration scope as typed (`Global`, `site:X`, `PstnGateway:X`,
 * `Service:PstnGateway:X`) -> as stored (`global`, `site:X`, `pstnGateway:X`); null when it
 * is not one of the kinds allowed.
 */
export function parseScope(
  text: string,
  allowed: readonly ('site' | 'pstnGateway')[],
  view: ConfigView | null,
): string | null {
  const t = text.trim().replace(/^service:/i, '');
  if (/^global$/i.test(t)) {
    return 'global';
  }
  const m = /^(site|pstngateway):(.+)$/i.exec(t);
  if (!m?.[1] || !m[2]) {
    return null;
  }
  const kind = m[1].toLowerCase() === 'site' ? 'site' : 'pstnGateway';
  if (!allowed.includes(kind)) {
    return null;
  }
  const names =
    kind === 'site'
      ? (view?.scenario.network.sites.map((s) => s.name) ?? [])
      : (view?.scenario.hosts.gateways.map((g) => g.name) ?? []);
  const known = names.find((n) => n.toLowerCase() === m[2]?.toLowerCase());
  return `${kind}:${known ?? m[2]}`;
}

/** A stored scope as `Get-` shows it: `Global`, `Site:Portland`, `PstnGateway:gw-por`. */
export function showScope(id: string): string {
  if (id === 'global') {
    return 'Global';
  }
  if (id.startsWith('site:')) {
    return `Site:${id.slice(5)}`;
  }
  if (id.startsWith('pstnGateway:')) {
    return `PstnGateway:${id.slice(12)}`;
  }
  return id;
}

/** What a change of a scoped object touches: a site, the site of a gateway, or global. */
export function scopeTarget(id: string, view: ConfigView | null): ChangeTarget {
  const identity = showScope(id);
  if (id.startsWith('site:')) {
    return { scope: 'site', site: id.slice(5), identity };
  }
  if (id.startsWith('pstnGateway:') && view !== null) {
    const g = view.topology.gateway(id.slice(12));
    const site = g ? view.topology.siteOfHost(g) : null;
    if (site) {
      return { scope: 'site', site: site.name, identity };
    }
  }
  return { scope: 'global', identity };
}

const trunkBool = (ps: string, key: string, help: string): FieldDef => ({
  ps,
  key,
  type: 'bool',
  help,
});

/** New-CsTrunkConfiguration and friends. */
export const TRUNKS: CollectionKind = {
  noun: 'CsTrunkConfiguration',
  family: 'trunk',
  title: 'trunk configuration',
  path: ['trunkConfigurations'],
  idKey: 'scope',
  idParam: null,
  fields: [
    trunkBool('EnableBypass', 'enableBypass', 'Media bypass on this trunk.'),
    trunkBool(
      'ConcentratedTopology',
      'concentratedTopology',
      'Centralized media processing; bypass needs it.',
    ),
    trunkBool('EnableReferSupport', 'enableReferSupport', 'Send REFER to the gateway.'),
    trunkBool('Enable3pccRefer', 'enable3pccRefer', 'REFER with third-party call control.'),
    trunkBool('RTCPActiveCalls', 'rtcpActiveCalls', 'Drop active calls without RTCP.'),
    trunkBool('RTCPCallsOnHold', 'rtcpCallsOnHold', 'Drop held calls without RTCP.'),
    {
      ps: 'SRTPMode',
      key: 'srtpMode',
      type: 'enum',
      values: ['Required', 'Optional', 'NotSupported'],
      help: 'Encryption support level of the trunk.',
    },
    {
      ps: 'MaxEarlyDialogs',
      key: 'maxEarlyDialogs',
      type: 'int',
      help: 'Forked responses the peer can take.',
    },
    trunkBool('EnableRTPLatching', 'enableRtpLatching', 'RTP latching for clients behind NAT.'),
  ],
  requiredOnNew: [],
  notModelled: [
    'EnableFastFailoverTimer',
    'ForwardCallHistory',
    'ForwardPAI',
    'EnableSessionTimer',
    'EnableSignalBoost',
    'RemovePlusFromUri',
    'EnableMobileTrunkSupport',
    'EnablePIDFLOSupport',
    'EnableOnlineVoice',
    'EnableLocationRestriction',
    'NetworkSiteID',
    'PstnUsages',
    'Description',
    'OutboundTranslationRulesList',
    'OutboundCallingNumberTranslationRulesList',
    'InboundTranslationRulesList',
    'InboundExternalTranslationRulesList',
    'CallingNumberTranslationRulesList',
    'CalledNumberTranslationRulesList',
  ],
  implicitGlobal: true,
  keyOrder: [
    'scope',
    'enableBypass',
    'concentratedTopology',
    'enableReferSupport',
    'enable3pccRefer',
    'rtcpActiveCalls',
    'rtcpCallsOnHold',
    'srtpMode',
    'maxEarlyDialogs',
    'enableRtpLatching',
  ],
  parseIdentity: (text, view) => parseScope(text, ['site', 'pstnGateway'], view),
  showIdentity: showScope,
  view(v, i) {
    const t = v.scenario.trunkConfigurations[i];
    return new PsObject('CsTrunkConfiguration', [
      ['Identity', showScope(t?.scope ?? 'global')],
      ['ConcentratedTopology', t?.concentratedTopology ?? true],
      ['EnableBypass', t?.enableBypass ?? false],
      ['EnableReferSupport', t?.enableReferSupport ?? true],
      ['Enable3pccRefer', t?.enable3pccRefer ?? false],
      ['SRTPMode', t?.srtpMode ?? 'Required'],
      ['MaxEarlyDialogs', t?.maxEarlyDialogs ?? 20],
      ['RTCPActiveCalls', t?.rtcpActiveCalls ?? true],
      ['RTCPCallsOnHold', t?.rtcpCallsOnHold ?? true],
      ['EnableRTPLatching', t?.enableRtpLatching ?? false],
    ]);
  },
  target: scopeTarget,
};

/** New-CsMediaConfiguration and friends. */
export const MEDIA_CONFIGURATIONS: CollectionKind = {
  noun: 'CsMediaConfiguration',
  family: 'media',
  title: 'media configuration',
  path: ['mediaConfigurations'],
  idKey: 'scope',
  idParam: null,
  fields: [
    {
      ps: 'EncryptionLevel',
      key: 'encryptionLevel',
      type: 'enum',
      values: ['SupportEncryption', 'RequireEncryption', 'DoNotSupportEncryption'],
      help: 'Media encryption the clients use.',
    },
  ],
  requiredOnNew: [],
  notModelled: [
    'EnableSiren',
    'MaxVideoRateAllowed',
    'EnableQoS',
    'EnableInCallQoS',
    'InCallQoSIntervalSeconds',
    'EnableH264Codec',
    'EnableAdaptiveBandWidthEstimation',
    'EnableVideoBasedSharing',
    'EnableG722StereoCodec',
    'EnableRtpRtcpMultiplexing',
  ],
  implicitGlobal: true,
  keyOrder: ['scope', 'encryptionLevel'],
  parseIdentity: (text, view) => parseScope(text, ['site'], view),
  showIdentity: showScope,
  view(v, i) {
    const m = v.scenario.mediaConfigurations[i];
    return new PsObject('CsMediaConfiguration', [
      ['Identity', showScope(m?.scope ?? 'global')],
      ['EncryptionLevel', m?.encryptionLevel ?? 'RequireEncryption'],
    ]);
  },
  target: scopeTarget,
};

/** A voice policy name as typed (`Global`, `Tag:Name`, `site:X`, `Name`) -> as stored. */
export function parseVoicePolicyIdentity(text: string): string | null {
  const t = text.trim();
  if (t === '') {
    return null;
  }
  if (/^global$/i.test(t)) {
    return 'global';
  }
  const tag = /^tag:(.+)$/i.exec(t);
  if (tag?.[1] !== undefined) {
    return tag[1];
  }
  const site = /^site:(.+)$/i.exec(t);
  return site?.[1] !== undefined ? `site:${site[1]}` : t;
}

/** A stored voice policy name as `Get-` shows it: `Global`, `Site:X`, `Tag:Name`. */
export function showVoicePolicy(name: string): string {
  if (name === 'global') {
    return 'Global';
  }
  return name.startsWith('site:') ? `Site:${name.slice(5)}` : `Tag:${name}`;
}

/** Every collection kind, by noun. */
export const COLLECTION_KINDS: readonly CollectionKind[] = [
  REGIONS,
  SITES,
  SUBNETS,
  PROFILES,
  REGION_LINKS,
  REGION_ROUTES,
  INTER_SITE_POLICIES,
  TRUNKS,
  MEDIA_CONFIGURATIONS,
];

/** A value for a field of an item as the file holds it (a pair's element, a list). */
export function fieldValue(item: Record<string, unknown>, f: FieldDef): PsValue {
  const v = item[f.key];
  if (f.index !== undefined) {
    return Array.isArray(v) ? ((v[f.index] as PsValue | undefined) ?? null) : null;
  }
  if (Array.isArray(v)) {
    return f.commaList ? v.map(String).join(',') : (v as PsValue[]);
  }
  return (v as PsValue | undefined) ?? null;
}
