import { describe, expect, it } from 'vitest';
import * as E from '../../../src/scenario/enums.js';
import { scenarioJsonSchema } from '../../../src/scenario/json-schema.js';
import { normalize } from '../../../src/scenario/normalize.js';
import { LIVE_DEFAULTS } from '../../../src/scenario/normalize-live.js';

interface Node {
  readonly properties?: Record<string, Node>;
  readonly items?: Node;
  readonly enum?: readonly string[];
}

/** The schema node at a dot-path of property names; `[]` steps into array items. */
function schemaAt(path: string): Node | undefined {
  let node: Node | undefined = scenarioJsonSchema();
  for (const part of path.split('.')) {
    node = part === '[]' ? node?.items : node?.properties?.[part];
  }
  return node;
}

/** Where each enumeration appears in the scenario file. */
const uses: readonly (readonly [string, readonly string[]])[] = [
  ['network.bwPolicyProfiles.[].bwPolicy.[].modality', E.MODALITIES],
  ['network.regions.[].bwAlternatePaths.[].bwPolicyModality', E.MODALITIES],
  ['calls.[].modality', E.MODALITIES],
  ['calls.[].codec', E.CODEC_NAMES],
  ['hosts.gateways.[].codecs.[]', E.CODEC_NAMES],
  ['hosts.clients.[].codecs.[]', E.CODEC_NAMES],
  ['networkConfiguration.mediaBypassSettings.internalBypassMode', E.BYPASS_MODES],
  ['networkConfiguration.mediaBypassSettings.externalBypassMode', E.BYPASS_MODES],
  ['trunkConfigurations.[].srtpMode', E.SRTP_MODES],
  ['mediaConfigurations.[].encryptionLevel', E.ENCRYPTION_LEVELS],
  ['hosts.gateways.[].kind', E.GATEWAY_KINDS],
  ['hosts.gateways.[].acceptsMediaFrom', E.MEDIA_SOURCES],
  ['hosts.gateways.[].transport', E.SIP_TRANSPORTS],
  ['hosts.clients.[].version', E.CLIENT_VERSIONS],
  ['hosts.clients.[].location', E.CLIENT_LOCATIONS],
  ['calls.[].expect.decision', E.DECISIONS],
  ['calls.[].expect.media', E.EXPECTED_MEDIA],
  ['simulation.interSitePolicy', E.INTER_SITE_POLICY_MODES],
  ['simulation.gatewaySubnetMatch', E.GATEWAY_SUBNET_MATCHES],
  ['simulation.zeroBandwidthLimit', E.ZERO_BANDWIDTH_LIMITS],
  ['simulation.unmappedEndpoint', E.UNMAPPED_ENDPOINT_MODES],
  ['simulation.missingRoute', E.MISSING_ROUTE_MODES],
  ['simulation.alternatePathRegions', E.ALTERNATE_PATH_REGIONS],
  ['simulation.pstnCallRefused', E.PSTN_CALL_REFUSED_MODES],
  ['simulation.codecBandwidth', E.CODEC_BANDWIDTH_TABLES],
  ['simulation.voicePolicyOwner', E.VOICE_POLICY_OWNERS],
  ['hosts.clients.[].videoCodecs.[]', E.VIDEO_CODEC_NAMES],
  ['calls.[].videoCodec', E.VIDEO_CODEC_NAMES],
  ['calls.[].expect.videoCodec', E.VIDEO_CODEC_NAMES],
  ['hosts.gateways.[].rtcp', E.PEER_RTCP_MODES],
  ['network.sites.[].edgeReach', E.EDGE_REACHES],
  ['deployment.kind', E.DEPLOYMENT_KINDS],
  ['deployment.contrast', E.DEPLOYMENT_KINDS],
  ['teamsDirectRouting.sbcs.[].bypassMode', E.TEAMS_BYPASS_MODES],
  ['hosts.clients.[].teamsUpgradeMode', E.TEAMS_UPGRADE_MODES],
  ['calls.[].expect.codec', E.CODEC_NAMES],
  ['calls.[].expect.contrast.decision', E.DECISIONS],
  ['calls.[].transfer.expect.decision', E.DECISIONS],
  ['codecTable.[].codec', [...E.CODEC_NAMES, ...E.VIDEO_CODEC_NAMES]],
  ['simulation.degradedRun', E.DEGRADED_RUN_MODES],
];

describe('the enumerations of the scenario format', () => {
  it.each(uses)('%s accepts exactly its enumeration, in order', (path, values) => {
    expect(schemaAt(path)?.enum).toEqual(values);
  });

  it('every enumeration list of enums.ts is used by the schema', () => {
    const lists = Object.entries(E).filter(
      ([k, v]) => /^[A-Z_]+$/.test(k) && !k.startsWith('DEFAULT_') && Array.isArray(v),
    );
    expect(lists.length).toBe(28);
    const used = new Set(uses.map(([, values]) => values));
    expect(lists.filter(([, v]) => !used.has(v as readonly string[])).map(([k]) => k)).toEqual([]);
  });

  it('the normalizer fills in the defaults of enums.ts', () => {
    const s = normalize(
      {
        hosts: {
          gateways: [{ name: 'gw', ip: '192.0.2.1', mediationServer: 'ms' }],
          clients: [{ name: 'alice', ip: '192.0.2.15', maskBits: 24 }],
        },
        calls: [{ at: 0, from: 'alice', to: 'gw' }],
      },
      'defaults.yaml',
    );
    expect(s.simulation).toEqual({
      interSitePolicy: E.DEFAULT_INTER_SITE_POLICY_MODE,
      gatewaySubnetMatch: E.DEFAULT_GATEWAY_SUBNET_MATCH,
      zeroBandwidthLimit: E.DEFAULT_ZERO_BANDWIDTH_LIMIT,
      unmappedEndpoint: E.DEFAULT_UNMAPPED_ENDPOINT_MODE,
      missingRoute: E.DEFAULT_MISSING_ROUTE_MODE,
      alternatePathRegions: E.DEFAULT_ALTERNATE_PATH_REGIONS,
      pstnCallRefused: E.DEFAULT_PSTN_CALL_REFUSED_MODE,
      codecBandwidth: E.DEFAULT_CODEC_BANDWIDTH_TABLE,
      voicePolicyOwner: E.DEFAULT_VOICE_POLICY_OWNER,
      seed: 1,
      ...LIVE_DEFAULTS,
      degradedRun: E.DEFAULT_DEGRADED_RUN_MODE,
    });
    const mb = s.networkConfiguration.mediaBypassSettings;
    expect([mb.internalBypassMode, mb.externalBypassMode]).toEqual([
      E.DEFAULT_BYPASS_MODE,
      E.DEFAULT_BYPASS_MODE,
    ]);
    expect(s.trunkConfigurations.map((t) => t.srtpMode)).toEqual([E.DEFAULT_SRTP_MODE]);
    expect(s.mediaConfigurations.map((m) => m.encryptionLevel)).toEqual([
      E.DEFAULT_ENCRYPTION_LEVEL,
    ]);
    const gw = s.hosts.gateways[0];
    expect([gw?.kind, gw?.acceptsMediaFrom, gw?.transport, gw?.codecs]).toEqual([
      E.DEFAULT_GATEWAY_KIND,
      E.DEFAULT_MEDIA_SOURCE,
      E.DEFAULT_SIP_TRANSPORT,
      E.DEFAULT_GATEWAY_CODECS,
    ]);
    const alice = s.hosts.clients[0];
    expect([alice?.version, alice?.location, alice?.codecs]).toEqual([
      E.DEFAULT_CLIENT_VERSION,
      E.DEFAULT_CLIENT_LOCATION,
      E.DEFAULT_CLIENT_CODECS,
    ]);
    expect(s.calls[0]?.modality).toBe(E.DEFAULT_CALL_MODALITY);
    expect([alice?.videoCodecs, alice?.teamsUpgradeMode]).toEqual([
      E.DEFAULT_CLIENT_VIDEO_CODECS,
      E.DEFAULT_TEAMS_UPGRADE_MODE,
    ]);
    expect(gw?.rtcp).toBe(E.DEFAULT_PEER_RTCP_MODE);
    expect(s.deployment).toEqual({ kind: E.DEFAULT_DEPLOYMENT_KIND, contrast: null });
    const site = normalize({ network: { sites: [{ name: 'X' }] }, hosts: {} }, 's.yaml').network
      .sites[0];
    expect(site?.edgeReach).toBe(E.DEFAULT_EDGE_REACH);
  });

  it('with bypass enabled and no internalBypassMode given, it is Any (a.2)', () => {
    const s = normalize(
      { networkConfiguration: { mediaBypassSettings: { enabled: true } }, hosts: {} },
      'bypass.yaml',
    );
    expect(s.networkConfiguration.mediaBypassSettings.internalBypassMode).toBe('Any');
  });
});
