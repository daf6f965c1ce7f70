/**
 * A scenario's configuration as the Skype for Business Server cmdlets that would configure a
 * real deployment like it, in the order of the media bypass deployment process: trunks, media
 * bypass globally, then the network regions, sites and subnets that site and region mode (and
 * call admission control) need, voice policies and routes, and call admission control last
 * (enabling it checks the whole configuration). An administrator can run it as a starting
 * point; `import.ts` reads it back into the same model.
 *
 * This file must not know files or the CLI: a scenario and its text in, a script out.
 */
import type { Scenario } from '../scenario/index.js';
import { ConfigDocument } from './config-document.js';
import { showScope, showVoicePolicy } from './objects.js';
import { policyRoutesUsage } from './voice-routing.js';

/** A value in PowerShell: `$true`, a number, a bare word, or a double-quoted string. */
export function psValue(v: string | number | boolean): string {
  if (typeof v === 'boolean') {
    return v ? '$true' : '$false';
  }
  if (typeof v === 'number') {
    return String(v);
  }
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v) && !/^\d+(\.\d+)?$/.test(v)
    ? v
    : `"${v.replace(/[`"$]/g, (c) => `\`${c}`)}"`;
}

/** A list in PowerShell: `@{Add="a","b"}`. */
function psAdd(items: readonly string[]): string {
  return `@{Add=${items.map((i) => `"${i.replace(/[`"$]/g, (c) => `\`${c}`)}"`).join(',')}}`;
}

/** `-Name value` for each given pair; undefined and null values are left out. */
function params(
  pairs: readonly (readonly [string, string | number | boolean | null | undefined])[],
): string {
  return pairs
    .filter(
      (p): p is readonly [string, string | number | boolean] => p[1] !== null && p[1] !== undefined,
    )
    .map(([n, v]) => `-${n} ${psValue(v)}`)
    .join(' ');
}

/** The `description` an item of a list has in the file. */
function descriptions(doc: ConfigDocument, path: readonly string[]): (string | null)[] {
  return doc.items(path).map((item) => {
    const d = (item as Record<string, unknown> | null)?.description;
    return typeof d === 'string' ? d : null;
  });
}

/**
 * The cmdlets that configure a deployment like the scenario.
 *
 * @param scenario - The valid scenario.
 * @param text - Its text (for the descriptions the model does not keep).
 * @param source - Where it came from, for the header.
 */
export function exportPowerShell(scenario: Scenario, text: string, source: string): string {
  const doc = ConfigDocument.parse(text);
  const out: string[] = [...header(scenario, source)];
  out.push('', '# 1. Trunks: media bypass per trunk (Configure a trunk with media bypass).');
  for (const t of scenario.trunkConfigurations) {
    const verb = t.scope === 'global' ? 'Set' : 'New';
    out.push(
      `${verb}-CsTrunkConfiguration ${params([
        ['Identity', showScope(t.scope)],
        ['EnableBypass', t.enableBypass],
        ['ConcentratedTopology', t.concentratedTopology],
        ['EnableReferSupport', t.enableReferSupport],
        ['Enable3pccRefer', t.enable3pccRefer],
        ['RTCPActiveCalls', t.rtcpActiveCalls],
        ['RTCPCallsOnHold', t.rtcpCallsOnHold],
        ['SRTPMode', t.srtpMode],
        ['MaxEarlyDialogs', t.maxEarlyDialogs],
        ['EnableRTPLatching', t.enableRtpLatching],
      ])}`,
    );
  }
  out.push('', '# 2. Media bypass, globally: always, or by site and region.');
  out.push(...bypassLines(scenario));
  for (const m of scenario.mediaConfigurations) {
    const verb = m.scope === 'global' ? 'Set' : 'New';
    out.push(
      `${verb}-CsMediaConfiguration ${params([
        ['Identity', showScope(m.scope)],
        ['EncryptionLevel', m.encryptionLevel],
      ])}`,
    );
  }
  out.push(...networkLines(scenario, doc));
  out.push(...voiceLines(scenario));
  out.push(
    '',
    '# 5. Call admission control, last: turning it on checks the whole network configuration.',
    `Set-CsNetworkConfiguration ${params([
      ['EnableBandwidthPolicyCheck', scenario.networkConfiguration.enableBandwidthPolicyCheck],
    ])}`,
    '',
  );
  return out.join('\n');
}

function header(scenario: Scenario, source: string): string[] {
  const lines = [
    `# ${scenario.name}: the Skype for Business Server configuration of ${source}, exported by mediapath.`,
    '# Run it in the Skype for Business Server Management Shell as a member of CsVoiceAdministrator,',
    '# CsAdministrator or RTCUniversalServerAdmins. The order is that of the media bypass deployment',
    '# process; call admission control is enabled last.',
    '#',
    '# Not configured here (Topology Builder): the Mediation Servers and the gateways with their trunks.',
    '# PstnGateway:<name> stands for the gateway as Topology Builder knows it (its FQDN or IP address):',
  ];
  for (const g of scenario.hosts.gateways) {
    lines.push(
      `#   ${g.name}: ${g.kind} at ${g.ip}, trunk to Mediation Server ${g.mediationServer}`,
    );
  }
  const sim = Object.entries(scenario.simulation).filter(
    ([k, v]) => k !== 'seed' && !DEFAULT_SIMULATION.has(`${k}=${String(v)}`),
  );
  if (sim.length > 0) {
    lines.push('#', '# Simulator settings with no cmdlet (see the scenario):');
    for (const [k, v] of sim) {
      lines.push(`#   simulation.${k}: ${String(v)}`);
    }
  }
  return lines;
}

const DEFAULT_SIMULATION = new Set([
  'interSitePolicy=add',
  'gatewaySubnetMatch=containment',
  'zeroBandwidthLimit=unlimited',
  'unmappedEndpoint=admit',
  'missingRoute=refuse',
  'alternatePathRegions=every-refusing-region',
  'pstnCallRefused=internet-then-reject',
  'codecBandwidth=table1',
  'voicePolicyOwner=docs',
]);

function bypassLines(scenario: Scenario): string[] {
  const mb = scenario.networkConfiguration.mediaBypassSettings;
  const derived = mb.enabled ? 'Any' : 'Off';
  return [
    `$bypass = New-CsNetworkMediaBypassConfiguration ${params([
      ['Enabled', mb.enabled],
      ['AlwaysBypass', mb.alwaysBypass],
      ['EnableDefaultBypassID', mb.enableDefaultBypassId ? true : undefined],
      ['BypassID', mb.bypassId],
      ['InternalBypassMode', mb.internalBypassMode === derived ? undefined : mb.internalBypassMode],
      ['ExternalBypassMode', mb.externalBypassMode === 'Off' ? undefined : mb.externalBypassMode],
      ['EnabledForAudioVideoConferences', mb.enabledForAudioVideoConferences ? true : undefined],
    ])}`,
    'Set-CsNetworkConfiguration -MediaBypassSettings $bypass',
  ];
}

function networkLines(scenario: Scenario, doc: ConfigDocument): string[] {
  const n = scenario.network;
  const out = [
    '',
    '# 3. Network regions, sites and subnets (site and region mode, and CAC, need them).',
  ];
  const profileNotes = descriptions(doc, ['network', 'bwPolicyProfiles']);
  n.bwPolicyProfiles.forEach((p, i) => {
    out.push(
      `New-CsNetworkBandwidthPolicyProfile ${params([
        ['Identity', p.name],
        ['AudioBWLimit', p.audio.limit],
        ['AudioBWSessionLimit', p.audio.sessionLimit],
        ['VideoBWLimit', p.video.limit],
        ['VideoBWSessionLimit', p.video.sessionLimit],
        ['Description', profileNotes[i]],
      ])}`,
    );
  });
  const regionNotes = descriptions(doc, ['network', 'regions']);
  n.regions.forEach((r, i) => {
    if (r.bandwidthPolicyServiceDown) {
      out.push(`# simulation: the Bandwidth Policy Service of ${r.name} is down (no cmdlet)`);
    }
    out.push(
      `New-CsNetworkRegion ${params([
        ['Identity', r.name],
        ['CentralSite', r.centralSite],
        ['AudioAlternatePath', r.audioAlternatePath],
        ['VideoAlternatePath', r.videoAlternatePath],
        ['BypassID', r.bypassId],
        ['Description', regionNotes[i]],
      ])}`,
    );
  });
  const siteNotes = descriptions(doc, ['network', 'sites']);
  n.sites.forEach((s, i) => {
    out.push(
      `New-CsNetworkSite ${params([
        ['Identity', s.name],
        ['NetworkRegionID', s.region],
        ['BWPolicyProfileID', s.bwPolicyProfile],
        ['BypassID', s.bypassId],
        ['Description', siteNotes[i]],
      ])}`,
    );
  });
  const subnetNotes = descriptions(doc, ['network', 'subnets']);
  n.subnets.forEach((s, i) => {
    out.push(
      `New-CsNetworkSubnet ${params([
        ['Identity', s.subnet],
        ['MaskBits', s.maskBits],
        ['NetworkSiteID', s.site],
        ['Description', subnetNotes[i]],
      ])}`,
    );
  });
  for (const l of n.regionLinks) {
    out.push(
      `New-CsNetworkRegionLink ${params([
        ['Identity', l.name],
        ['NetworkRegionID1', l.regions[0]],
        ['NetworkRegionID2', l.regions[1]],
        ['BWPolicyProfileID', l.bwPolicyProfile],
      ])}`,
    );
  }
  for (const r of n.regionRoutes) {
    out.push(
      `New-CsNetworkInterRegionRoute ${params([
        ['Identity', r.name],
        ['NetworkRegionID1', r.regions[0]],
        ['NetworkRegionID2', r.regions[1]],
        ['NetworkRegionLinkIDs', r.links.join(',')],
      ])}`,
    );
  }
  for (const p of n.interSitePolicies) {
    out.push(
      `New-CsNetworkInterSitePolicy ${params([
        ['Identity', p.name],
        ['NetworkSiteID1', p.sites[0]],
        ['NetworkSiteID2', p.sites[1]],
        ['BWPolicyProfileID', p.bwPolicyProfile],
      ])}`,
    );
  }
  return out;
}

function voiceLines(scenario: Scenario): string[] {
  const out = [
    '',
    '# 4. Voice policies: PSTN re-route and bandwidth policy override; their PSTN usages and routes.',
  ];
  const usages: string[] = [];
  for (const p of scenario.voicePolicies) {
    usages.push(...(p.pstnUsages ?? []));
    if (p.routes.length > 0) {
      usages.push(policyRoutesUsage(p.name));
    }
  }
  const unique = [...new Set(usages)];
  if (unique.length > 0) {
    out.push(`Set-CsPstnUsage -Identity Global -Usage ${psAdd(unique)}`);
  }
  for (const p of scenario.voicePolicies) {
    p.routes.forEach((r, i) => {
      out.push(
        `New-CsVoiceRoute ${params([
          ['Identity', `${p.name} route ${i + 1}`],
          ['NumberPattern', r.numberPattern],
        ])} -PstnUsages ${psAdd([policyRoutesUsage(p.name)])} -PstnGatewayList ${psAdd(r.trunks.map((t) => `PstnGateway:${t}`))}`,
      );
    });
  }
  for (const p of scenario.voicePolicies) {
    const mine = [
      ...(p.pstnUsages ?? []),
      ...(p.routes.length > 0 ? [policyRoutesUsage(p.name)] : []),
    ];
    const verb = p.name === 'global' ? 'Set' : 'New';
    const list =
      mine.length > 0
        ? ` -PstnUsages ${psAdd(mine)}`
        : p.pstnUsages !== null
          ? ' -PstnUsages @()'
          : '';
    out.push(
      `${verb}-CsVoicePolicy ${params([
        ['Identity', showVoicePolicy(p.name)],
        ['AllowPSTNReRouting', p.allowPstnReRouting],
        ['EnableBWPolicyOverride', p.enableBWPolicyOverride],
      ])}${list}`,
    );
  }
  return out;
}
