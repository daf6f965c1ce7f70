import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  exportPowerShell,
  importPowerShell,
  PowerShellSyntaxError,
} from '../../../src/admin/index.js';
import { loadScenarioText, type Scenario } from '../../../src/scenario/index.js';

const files = readdirSync('scenarios')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join('scenarios', f));

function load(text: string, file: string): Scenario {
  const r = loadScenarioText(text, file);
  if (!r.ok) {
    throw new Error(`${file}: ${JSON.stringify(r.problems.slice(0, 3))}`);
  }
  return r.scenario;
}

/** The part of a model that cmdlets configure. */
function configuration(s: Scenario): unknown {
  return {
    networkConfiguration: s.networkConfiguration,
    network: s.network,
    trunkConfigurations: s.trunkConfigurations,
    mediaConfigurations: s.mediaConfigurations,
    voicePolicies: s.voicePolicies,
  };
}

/** A configuration without the simulator's own settings (a site's edgeReach). */
function cmdletPart(config: unknown): unknown {
  return JSON.parse(JSON.stringify(config), (key, value: unknown) =>
    key === 'edgeReach' ? undefined : value,
  ) as unknown;
}

describe('export --powershell, then import', () => {
  it.each(files)('gives the same model for %s', (file) => {
    const text = readFileSync(file, 'utf8');
    const before = load(text, file);
    const script = exportPowerShell(before, text, file);
    const onto = importPowerShell(script, { text, file });
    expect(onto.records.filter((r) => r.outcome !== 'ok')).toEqual([]);
    const after = load(onto.text, file);
    expect(configuration(after)).toEqual(configuration(before));
    // Hosts, links, calls and settings come from the scenario imported onto.
    expect(after).toEqual(before);
    // Without --onto, the configuration alone, the same; but for the simulator's own settings on
    // its objects (a site's edgeReach, A16), which no cmdlet sets and only --onto carries over.
    const bare = importPowerShell(script, null);
    const loaded = loadScenarioText(bare.text, 'bare.yaml');
    // A trunk of a gateway that the bare scenario has no host for is the only error allowed.
    const errors = loaded.ok
      ? []
      : loaded.problems.filter(
          (p) => p.severity === 'error' && !p.message.includes('unknown gateway'),
        );
    expect(errors).toEqual([]);
    expect(cmdletPart(loaded.ok ? configuration(loaded.scenario) : configuration(before))).toEqual(
      cmdletPart(configuration(before)),
    );
  });

  it('writes the deployment order: trunks, global bypass, network, voice, CAC last', () => {
    const text = readFileSync('scenarios/litware.yaml', 'utf8');
    const script = exportPowerShell(load(text, 'litware'), text, 'scenarios/litware.yaml');
    const at = (s: string): number => script.indexOf(s);
    expect(at('Set-CsTrunkConfiguration -Identity Global -EnableBypass $true')).toBeGreaterThan(0);
    expect(at('Set-CsTrunkConfiguration')).toBeLessThan(
      at('New-CsNetworkMediaBypassConfiguration'),
    );
    expect(at('Set-CsNetworkConfiguration -MediaBypassSettings $bypass')).toBeLessThan(
      at('New-CsNetworkRegion'),
    );
    expect(at('New-CsNetworkRegion')).toBeLessThan(at('New-CsNetworkSite'));
    expect(at('New-CsNetworkSite')).toBeLessThan(at('New-CsNetworkSubnet'));
    expect(at('New-CsNetworkSubnet')).toBeLessThan(
      at('Set-CsNetworkConfiguration -EnableBandwidthPolicyCheck $true'),
    );
    expect(script).toContain(
      'New-CsNetworkInterRegionRoute -Identity NA_APAC_ROUTE -NetworkRegionID1 NorthAmerica -NetworkRegionID2 APAC -NetworkRegionLinkIDs "NA-EMEA-LINK,EMEA-APAC-LINK"',
    );
    expect(script).toContain(
      'New-CsNetworkSubnet -Identity 131.107.0.10 -MaskBits 32 -NetworkSiteID Chicago -Description "A/V Edge public address"',
    );
    expect(script).toContain(
      '#   gw-por: pstn-gateway at 172.29.77.200, trunk to Mediation Server ms-chi',
    );
  });

  it('reads an administrator script that is not an export', () => {
    const script = [
      'Import-Module SkypeForBusiness',
      'New-CsNetworkRegion -Identity "NorthAmerica" -CentralSite "Chicago"',
      'New-CsNetworkSite -Identity Chicago -NetworkRegionID NorthAmerica',
      'New-CsNetworkSubnet -SubnetID 172.28.152.128 -MaskBits 25 -NetworkSiteID Chicago',
      '$mb = New-CsNetworkMediaBypassConfiguration -Enabled $true',
      'Set-CsNetworkConfiguration -MediaBypassSettings $mb',
      'Set-CsNetworkConfiguration -EnableBandwidthPolicyCheck $true',
      'Set-CsTrunkConfiguration -EnableBypass $true',
    ].join('\n');
    const r = importPowerShell(script, null, 'Chicago only');
    expect(r.records.map((x) => x.outcome)).toEqual(Array(8).fill('ok'));
    const m = load(r.text, 'x');
    expect(m.name).toBe('Chicago only');
    expect(m.networkConfiguration.mediaBypassSettings.enabled).toBe(true);
    expect(m.trunkConfigurations[0]?.enableBypass).toBe(true);
    expect(m.network.subnets).toEqual([
      { subnet: '172.28.152.128', maskBits: 25, site: 'Chicago' },
    ]);
  });

  it('runs nothing of a script with a syntax error', () => {
    expect(() => importPowerShell('Get-CsNetworkSite | Remove-CsNetworkSite', null)).toThrow(
      PowerShellSyntaxError,
    );
  });
});
