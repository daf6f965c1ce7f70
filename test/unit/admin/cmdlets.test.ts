import { describe, expect, it } from 'vitest';
import { AdminSession, resolveRole, type Role } from '../../../src/admin/index.js';
import { loadScenarioText } from '../../../src/scenario/index.js';

/** A headquarters and a branch, CAC on, bypass by site and region; comments to keep. */
const TEXT = `# Training network: keep this comment.
name: Admin fixture
networkConfiguration:
  enableBandwidthPolicyCheck: true
  mediaBypassSettings: { enabled: true }

network:
  regions:
    - { name: NorthAmerica, centralSite: Chicago }
  bwPolicyProfiles:
    - { name: Branch, audioBWLimit: 500, audioBWSessionLimit: 175 }
  sites:
    - { name: Chicago, region: NorthAmerica }  # headquarters
    - { name: Portland, region: NorthAmerica, bwPolicyProfile: Branch }
  subnets:
    - { subnet: 172.28.152.128, maskBits: 25, site: Chicago }
    - { subnet: 172.29.77.0, maskBits: 24, site: Portland }

trunkConfigurations:
  - { scope: global, enableBypass: true }

hosts:
  mediationServers:
    - { name: ms-chi, clientIp: 172.28.152.130, gatewayIp: 172.28.152.131 }
  gateways:
    - { name: gw-chi, kind: pstn-gateway, ip: 172.28.152.200, mediationServer: ms-chi }
    - { name: gw-por, kind: pstn-gateway, ip: 172.29.77.200, mediationServer: ms-chi }
  clients:
    - { name: alice, ip: 172.29.77.15, maskBits: 24 }
    - { name: bob, ip: 172.28.152.150, maskBits: 25 }

calls:
  - { id: c1, at: 0s, from: alice, to: gw-por }
`;

function role(name: string, scopes: string[] = []): Role {
  const r = resolveRole(name, { scopes });
  if (typeof r === 'string') {
    throw new Error(r);
  }
  return r;
}

function session(name = 'CsAdministrator', text = TEXT): AdminSession {
  return new AdminSession({ text, file: 'fixture.yaml', role: role(name), mode: 'live' });
}

/** The model of a session's text now. */
function model(s: AdminSession) {
  const r = loadScenarioText(s.text, 'x.yaml');
  if (!r.ok) {
    throw new Error(JSON.stringify(r.problems));
  }
  return r.scenario;
}

describe('cmdlets against the scenario file', () => {
  it('changes a trunk and keeps the comments and the untouched sections as they were', () => {
    const s = session();
    const r = s.run('Set-CsTrunkConfiguration -Identity Global -EnableBypass $false');
    expect(r.records[0]).toMatchObject({ outcome: 'ok', changed: true, version: 1 });
    expect(s.text).toContain('# Training network: keep this comment.');
    expect(s.text).toContain('- { name: Chicago, region: NorthAmerica }  # headquarters');
    expect(s.text).toContain('  - { scope: global, enableBypass: false }');
    const unchanged = TEXT.slice(TEXT.indexOf('hosts:'));
    expect(s.text.endsWith(unchanged)).toBe(true);
  });

  it('refuses a new region while CAC is on and no route joins it [d.V5]', () => {
    const s = session();
    const r = s.run('New-CsNetworkRegion -Identity EMEA -CentralSite Chicago');
    expect(r.records[0]?.outcome).toBe('refused');
    expect(r.records[0]?.messages[0]).toMatch(/\[d\.V5\]/);
  });

  it('creates, shows, changes and removes objects of every network kind', () => {
    const s = session();
    const r = s.run(
      [
        'Set-CsNetworkConfiguration -EnableBandwidthPolicyCheck $false',
        'New-CsNetworkBandwidthPolicyProfile -Identity Reno5M -AudioBWLimit 4000 -AudioBWSessionLimit 175',
        'New-CsNetworkRegion -Identity EMEA -CentralSite London',
        'New-CsNetworkSite -Identity London -NetworkRegionID EMEA',
        'New-CsNetworkSite -NetworkSiteID Reno -NetworkRegionID NorthAmerica -BWPolicyProfileID Reno5M',
        'New-CsNetworkSubnet -Identity 157.57.210.0 -MaskBits 23 -NetworkSiteID Reno',
        'New-CsNetworkRegionLink -Identity NA-EMEA -NetworkRegionID1 NorthAmerica -NetworkRegionID2 EMEA -BWPolicyProfileID Reno5M',
        'New-CsNetworkInterRegionRoute -Identity NA_EMEA -NetworkRegionID1 NorthAmerica -NetworkRegionID2 EMEA -NetworkRegionLinkIDs NA-EMEA',
        'New-CsNetworkInterSitePolicy -Identity Reno_Portland -NetworkSiteID1 Reno -NetworkSiteID2 Portland -BWPolicyProfileID Reno5M',
        'Set-CsNetworkSite -Identity Reno -BWPolicyProfileID $null',
        'Set-CsNetworkSubnet 157.57.210.0 -Description "Reno office"',
        'Set-CsNetworkConfiguration -EnableBandwidthPolicyCheck $true',
      ].join('\n'),
    );
    // The region's central site is not a network site yet: a warning, and the change stands.
    expect(r.records.map((x) => x.outcome)).toEqual([
      'ok',
      'ok',
      'warning',
      ...Array<string>(9).fill('ok'),
    ]);
    const m = model(s);
    expect(m.network.regions.map((x) => x.name)).toEqual(['NorthAmerica', 'EMEA']);
    expect(m.network.sites.find((x) => x.name === 'Reno')).toMatchObject({
      region: 'NorthAmerica',
      bwPolicyProfile: null,
    });
    expect(m.network.regionRoutes[0]).toMatchObject({
      links: ['NA-EMEA'],
      regions: ['NorthAmerica', 'EMEA'],
    });
    expect(m.network.interSitePolicies[0]?.sites).toEqual(['Reno', 'Portland']);
    const get = s.run('Get-CsNetworkSubnet -Identity 157.57.210.0');
    expect(get.output.join('\n')).toMatch(/Description\s+: Reno office/);
    const rm = s.run(
      [
        'Set-CsNetworkConfiguration -EnableBandwidthPolicyCheck $false',
        'Remove-CsNetworkInterSitePolicy -Identity Reno_Portland',
        'Remove-CsNetworkInterRegionRoute NA_EMEA',
        'Remove-CsNetworkRegionLink NA-EMEA',
        'Remove-CsNetworkSubnet 157.57.210.0',
        'Remove-CsNetworkSite Reno',
        'Remove-CsNetworkSite London',
        'Remove-CsNetworkRegion EMEA',
        'Remove-CsNetworkBandwidthPolicyProfile Reno5M',
        'Set-CsNetworkConfiguration -EnableBandwidthPolicyCheck $true',
      ].join('\n'),
    );
    // Removing London leaves EMEA's central site unknown until EMEA goes: a warning.
    expect(rm.records.map((x) => x.outcome)).toEqual([
      ...Array<string>(6).fill('ok'),
      'warning',
      ...Array<string>(3).fill('ok'),
    ]);
    expect(loadScenarioText(s.text, 'x').ok).toBe(true);
    expect(model(s).network).toEqual(model(session()).network);
  });

  it('refuses a change that breaks a rule with the rule message, and changes nothing', () => {
    const s = session();
    const r = s.run(
      [
        '$mb = New-CsNetworkMediaBypassConfiguration -Enabled $true -AlwaysBypass $true',
        'Set-CsNetworkConfiguration -MediaBypassSettings $mb',
        'Set-CsTrunkConfiguration -Identity Global -ConcentratedTopology $false',
        'New-CsNetworkSubnet -Identity 172.29.77.5 -MaskBits 24 -NetworkSiteID Portland',
        'New-CsNetworkSite -Identity Reno -NetworkRegionID Nowhere',
      ].join('\n'),
    );
    expect(r.records.map((x) => x.outcome)).toEqual([
      'ok',
      'refused',
      'refused',
      'refused',
      'refused',
    ]);
    expect(r.records[1]?.messages[0]).toMatch(
      /alwaysBypass cannot be used while CAC is enabled.*\[d\.V1\]/,
    );
    expect(r.records[2]?.messages[0]).toMatch(/needs concentratedTopology.*\[d\.V13\]/);
    expect(r.records[3]?.messages[0]).toMatch(/\[d\.V10\]/);
    expect(r.records[4]?.messages[0]).toMatch(/unknown region "Nowhere"/);
    expect(r.output.join('\n')).toContain('FullyQualifiedErrorId : SIM_ERR_ADMIN_REFUSED');
    expect(s.text).toBe(TEXT);
    expect(s.version).toBe(0);
  });

  it('prints a new warning and keeps the change', () => {
    const s = session();
    const r = s.run(
      '$mb = New-CsNetworkMediaBypassConfiguration -Enabled $true -EnableDefaultBypassID $true\nSet-CsNetworkConfiguration -MediaBypassSettings $mb',
    );
    expect(r.records[1]).toMatchObject({ outcome: 'warning', changed: true });
    expect(r.output.join('\n')).toMatch(
      /^WARNING: enableDefaultBypassId with CAC on is not recommended \[d\.V3\]/m,
    );
    expect(model(s).networkConfiguration.mediaBypassSettings.enableDefaultBypassId).toBe(true);
  });

  it('turns CAC off and then allows AlwaysBypass; keeps the settings object flow style', () => {
    const s = session();
    const r = s.run(
      [
        'Set-CsNetworkConfiguration -EnableBandwidthPolicyCheck $false',
        'Set-CsNetworkConfiguration -MediaBypassSettings (New-CsNetworkMediaBypassConfiguration -Enabled $true -AlwaysBypass $true)',
      ].join('\n'),
    );
    expect(r.records.map((x) => x.outcome)).toEqual(['ok', 'ok']);
    expect(s.text).toContain('mediaBypassSettings: { enabled: true, alwaysBypass: true }');
  });

  it('changes an object through -Instance and member assignment', () => {
    const s = session();
    const r = s.run(
      [
        '$t = Get-CsTrunkConfiguration -Identity Global',
        '$t.SRTPMode = "Optional"',
        'Set-CsTrunkConfiguration -Instance $t',
        '$c = Get-CsNetworkConfiguration',
        '$c.MediaBypassSettings.EnableDefaultBypassID = $true',
        'Set-CsNetworkConfiguration -Instance $c',
      ].join('\n'),
    );
    expect(r.records.map((x) => x.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'warning']);
    expect(model(s).trunkConfigurations[0]?.srtpMode).toBe('Optional');
  });

  it('creates a gateway trunk by its service scope, in any letter case, and shows it', () => {
    const s = session();
    s.run('New-CsTrunkConfiguration -Identity "Service:PstnGateway:GW-POR" -EnableBypass $false');
    expect(model(s).trunkConfigurations.map((t) => t.scope)).toEqual([
      'global',
      'pstnGateway:gw-por',
    ]);
    const out = s.run(
      'Get-CsTrunkConfiguration -Filter "PstnGateway:*" | ft Identity,EnableBypass',
    ).output;
    expect(out.join('\n')).toMatch(/PstnGateway:gw-por\s+False/);
  });

  it('binds parameters as PowerShell does: prefixes, errors, ignored parameters, -WhatIf', () => {
    const s = session();
    const r = s.run(
      [
        'Set-CsTrunkConfiguration -Identity Global -EnableBy $false',
        'Set-CsTrunkConfiguration -Identity Global -Enable $false',
        'Set-CsTrunkConfiguration -Identity Global -Frobnicate 1',
        'Set-CsTrunkConfiguration -Identity Global -SRTPMode Sometimes',
        'Set-CsTrunkConfiguration -Identity Global -EnableBypass',
        'New-CsNetworkSubnet -Identity 10.0.0.0',
        'Set-CsTrunkConfiguration -Identity Global -EnableFastFailoverTimer $false',
        'Set-CsTrunkConfiguration -Identity Global -EnableBypass $true -WhatIf',
        'Set-CsNetworkSite -Identity Atlantis -BWPolicyProfileID Branch',
      ].join('\n'),
    );
    expect(r.records.map((x) => x.outcome)).toEqual([
      'ok',
      'error',
      'error',
      'error',
      'error',
      'error',
      'warning',
      'ok',
      'error',
    ]);
    const text = r.output.join('\n');
    expect(text).toContain("the parameter name 'Enable' is ambiguous");
    expect(text).toContain("A parameter cannot be found that matches parameter name 'Frobnicate'");
    expect(text).toContain(
      'Specify one of the following enumerator names and try again: Required, Optional, NotSupported',
    );
    expect(text).toContain("Missing an argument for parameter 'EnableBypass'");
    expect(text).toContain('missing mandatory parameters: MaskBits');
    expect(text).toContain('does not model -EnableFastFailoverTimer');
    expect(text).toContain(
      'What if: Performing the operation "Set-CsTrunkConfiguration" on target "Global"',
    );
    expect(text).toContain('Cannot set network site "Atlantis" because it does not exist');
    expect(model(s).trunkConfigurations[0]?.enableBypass).toBe(false);
  });

  it('stops a script at an error with -ErrorAction Stop or $ErrorActionPreference', () => {
    const s = session();
    const r = s.run('Set-CsNetworkSite -Identity Atlantis -ErrorAction Stop\nGet-CsNetworkSite');
    expect(r.records).toHaveLength(1);
    const t = session().run(
      '$ErrorActionPreference = "Stop"\nGet-CsNetworkSite X\nGet-CsNetworkSite',
    );
    expect(t.records).toHaveLength(2);
  });

  it('manages media configurations and voice policies, routes and PSTN usages', () => {
    const s = session();
    const r = s.run(
      [
        'New-CsMediaConfiguration -Identity site:Portland -EncryptionLevel SupportEncryption',
        'Set-CsPstnUsage -Identity Global -Usage @{Add="Local"}',
        'New-CsVoiceRoute -Identity LocalRoute -NumberPattern "^\\+1503" -PstnUsages @{Add="Local"} -PstnGatewayList @{Add="PstnGateway:gw-por"}',
        'New-CsVoicePolicy -Identity Branch -AllowPSTNReRouting $false -PstnUsages @{Add="Local"}',
        'Set-CsVoicePolicy -Identity Global -EnableBWPolicyOverride $true',
        'Get-CsVoicePolicy -Identity Tag:Branch',
      ].join('\n'),
    );
    expect(r.records.map((x) => x.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    const m = model(s);
    expect(m.mediaConfigurations[0]).toEqual({
      scope: 'site:Portland',
      encryptionLevel: 'SupportEncryption',
    });
    expect(m.voicePolicies.find((p) => p.name === 'Branch')).toMatchObject({
      allowPstnReRouting: false,
      pstnUsages: ['Local'],
      routes: [{ numberPattern: '^\\+1503', trunks: ['gw-por'] }],
    });
    expect(m.voicePolicies.find((p) => p.name === 'global')?.enableBWPolicyOverride).toBe(true);
    expect(r.output.join('\n')).toMatch(/Identity\s+: Tag:Branch/);
    const used = s.run('Set-CsPstnUsage -Usage @{Remove="Local"}');
    expect(used.records[0]).toMatchObject({ outcome: 'refused' });
    s.run('Remove-CsVoiceRoute -Identity LocalRoute');
    expect(model(s).voicePolicies.find((p) => p.name === 'Branch')?.routes).toEqual([]);
  });

  it('resets the global trunk configuration with Remove, and the whole network configuration', () => {
    const s = session();
    s.run('Remove-CsTrunkConfiguration -Identity Global');
    expect(model(s).trunkConfigurations[0]?.enableBypass).toBe(false);
    const r = s.run('Remove-CsNetworkConfiguration');
    // Every host is now in no mapped subnet: warnings (d.V11), and the change stands.
    expect(r.records[0]?.outcome).toBe('warning');
    expect(model(s).network.sites).toEqual([]);
  });

  it('answers Get-Command with what the role may run, and Get-Help with the syntax', () => {
    const viewer = session('CsViewOnlyAdministrator');
    const names = viewer.run('Get-Command').output.join('\n');
    expect(names).toContain('Get-CsTrunkConfiguration');
    expect(names).not.toContain('Set-CsTrunkConfiguration');
    const help = session().run('Get-Help Set-CsNetworkSite').output.join('\n');
    expect(help).toContain('-BWPolicyProfileID');
  });

  it('reports a syntax error and runs nothing of the script', () => {
    const s = session();
    const r = s.run(
      'Set-CsTrunkConfiguration -Identity Global -EnableBypass $false\nGet-CsNetworkSite | Remove-CsNetworkSite',
    );
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({
      outcome: 'syntax',
      code: 'SIM_ERR_ADMIN_SYNTAX',
      line: 2,
    });
    expect(s.text).toBe(TEXT);
  });
});
