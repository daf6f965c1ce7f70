import {
  ErrorCodes,
  formatIpv4,
  maskOf,
  networkOf,
  parseIpv4,
  rangesOverlap,
} from '../core/index.js';
import type { PathSegments, Severity } from './problems.js';
import type { Scenario } from './types.js';

/** A problem found by a semantic rule, before it is given a source position. */
export interface RuleProblem {
  readonly severity: Severity;
  readonly code: string;
  readonly path: PathSegments;
  readonly message: string;
  readonly expected?: string;
  readonly rule?: string;
  /** Point at the key rather than the value (duplicates). */
  readonly atKey?: boolean;
}

const GUID = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;

/**
 * Semantic rules over the normalized model: references, uniqueness, addressing, and the
 * configuration rules of domain.md section (d) that apply to a simulation. Each pushes
 * errors or warnings with the dot-path of the offending value.
 */
export function checkRules(s: Scenario, present: (path: PathSegments) => boolean): RuleProblem[] {
  const out: RuleProblem[] = [];
  const err = (
    path: PathSegments,
    code: string,
    message: string,
    extra: Partial<RuleProblem> = {},
  ): void => {
    out.push({ severity: 'error', code, path, message, ...extra });
  };
  const warn = (
    path: PathSegments,
    code: string,
    message: string,
    extra: Partial<RuleProblem> = {},
  ): void => {
    out.push({ severity: 'warning', code, path, message, ...extra });
  };
  const n = s.network;
  const cac = s.networkConfiguration.enableBandwidthPolicyCheck;
  const mb = s.networkConfiguration.mediaBypassSettings;

  // Names: unique within their kind; every host shares one namespace.
  const regionNames = uniqueNames(n.regions, ['network', 'regions'], 'region', out);
  const siteNames = uniqueNames(n.sites, ['network', 'sites'], 'site', out);
  const profileNames = uniqueNames(
    n.bwPolicyProfiles,
    ['network', 'bwPolicyProfiles'],
    'bandwidth policy profile',
    out,
  );
  const linkNames = uniqueNames(n.regionLinks, ['network', 'regionLinks'], 'region link', out);
  uniqueNames(n.regionRoutes, ['network', 'regionRoutes'], 'region route', out);
  uniqueNames(n.interSitePolicies, ['network', 'interSitePolicies'], 'inter-site policy', out);
  const policyNames = new Set(s.voicePolicies.map((v) => v.name));
  uniqueNames(
    s.voicePolicies.filter((v) => v.name !== 'global' || present(['voicePolicies'])),
    ['voicePolicies'],
    'voice policy',
    out,
  );
  const h = s.hosts;
  const hostLists = [
    ['mediationServers', h.mediationServers],
    ['gateways', h.gateways],
    ['clients', h.clients],
    ['edges', h.edges],
    ['voicemail', h.voicemail],
  ] as const;
  const hostNames = new Set<string>();
  const hostIps = new Map<string, string>();
  for (const [key, list] of hostLists) {
    list.forEach((host, i) => {
      if (hostNames.has(host.name)) {
        err(
          ['hosts', key, i, 'name'],
          ErrorCodes.SCENARIO_DUPLICATE,
          `host name "${host.name}" is used twice`,
          {
            expected: 'a host name unique across all host kinds',
          },
        );
      }
      hostNames.add(host.name);
      const ips = host.kind === 'mediation-server' ? [host.clientIp, host.gatewayIp] : [host.ip];
      for (const [j, ip] of ips.entries()) {
        const other = hostIps.get(ip);
        const field =
          host.kind === 'mediation-server' ? (j === 0 ? 'clientIp' : 'gatewayIp') : 'ip';
        if (other !== undefined && other !== host.name) {
          err(
            ['hosts', key, i, field],
            ErrorCodes.SCENARIO_DUPLICATE,
            `address ${ip} is already used by host "${other}"`,
          );
        }
        hostIps.set(ip, host.name);
      }
    });
  }
  const gatewayNames = new Set(h.gateways.map((g) => g.name));
  const clientNames = new Set(h.clients.map((c) => c.name));
  const msNames = new Set(h.mediationServers.map((m) => m.name));

  const ref = (
    path: PathSegments,
    value: string | null,
    known: Set<string>,
    what: string,
    rule?: string,
  ): void => {
    if (value !== null && !known.has(value)) {
      err(path, ErrorCodes.SCENARIO_UNKNOWN_REF, `unknown ${what} "${value}"`, {
        expected: known.size ? `one of ${listOf(known)}` : `a ${what} defined in the scenario`,
        ...(rule ? { rule } : {}),
      });
    }
  };

  // Regions.
  n.regions.forEach((r, i) => {
    const path = ['network', 'regions', i];
    if (r.bypassId !== null && !GUID.test(r.bypassId)) {
      err(
        [...path, 'bypassId'],
        ErrorCodes.SCENARIO_RULE,
        `bypassId "${r.bypassId}" is not a GUID`,
        {
          expected: 'a GUID such as 8c8d9e5f-0a1b-4c2d-9e3f-112233445566',
          rule: 'd.V9',
        },
      );
    }
    if (
      present([...path, 'bwAlternatePaths']) &&
      (present([...path, 'audioAlternatePath']) || present([...path, 'videoAlternatePath']))
    ) {
      err(
        [...path, 'bwAlternatePaths'],
        ErrorCodes.SCENARIO_RULE,
        'bwAlternatePaths cannot be combined with audioAlternatePath/videoAlternatePath',
        {
          rule: 'd.V16',
        },
      );
    }
    if (cac && r.centralSite === null) {
      err(
        path,
        ErrorCodes.SCENARIO_RULE,
        `region "${r.name}" has no centralSite, which CAC needs (the Bandwidth Policy Service runs there)`,
        {
          expected: 'centralSite: <site>',
          rule: 'a.3',
        },
      );
    }
    if (r.centralSite !== null && !siteNames.has(r.centralSite)) {
      warn(
        [...path, 'centralSite'],
        ErrorCodes.SCENARIO_UNKNOWN_REF,
        `central site "${r.centralSite}" is not a network site of the scenario`,
      );
    }
  });

  // Sites.
  n.sites.forEach((site, i) => {
    const path = ['network', 'sites', i];
    ref([...path, 'region'], site.region, regionNames, 'region', 'd.V17');
    ref(
      [...path, 'bwPolicyProfile'],
      site.bwPolicyProfile,
      profileNames,
      'bandwidth policy profile',
    );
    if (site.region === null && (site.bwPolicyProfile !== null || site.bypassId !== null)) {
      err(
        path,
        ErrorCodes.SCENARIO_RULE,
        `site "${site.name}" has a ${site.bwPolicyProfile !== null ? 'bwPolicyProfile' : 'bypassId'} but no region`,
        {
          expected: 'region: <region>',
          rule: 'd.V8',
        },
      );
    } else if (site.region === null && cac) {
      err(path, ErrorCodes.SCENARIO_RULE, `site "${site.name}" has no region, which CAC needs`, {
        expected: 'region: <region>',
        rule: 'd.V8',
      });
    }
    if (site.bypassId !== null && !GUID.test(site.bypassId)) {
      err(
        [...path, 'bypassId'],
        ErrorCodes.SCENARIO_RULE,
        `bypassId "${site.bypassId}" is not a GUID`,
        { expected: 'a GUID', rule: 'd.V9' },
      );
    }
  });

  // Subnets: first address, mask range, overlaps, site reference.
  const parsed: { net: number; bits: number; i: number }[] = [];
  n.subnets.forEach((sub, i) => {
    const path = ['network', 'subnets', i];
    ref([...path, 'site'], sub.site, siteNames, 'site');
    if (sub.maskBits < 1 || sub.maskBits > 32) {
      err(
        [...path, 'maskBits'],
        ErrorCodes.SCENARIO_RULE,
        `maskBits ${sub.maskBits} is out of range`,
        { expected: '1 to 32', rule: 'd.V10' },
      );
      return;
    }
    const ip = parseIpv4(sub.subnet);
    if (ip < 0) {
      return;
    }
    const first = networkOf(ip, sub.maskBits);
    if (first !== ip) {
      err(
        [...path, 'subnet'],
        ErrorCodes.SCENARIO_RULE,
        `${sub.subnet}/${sub.maskBits} is not the first address of its range`,
        {
          expected: `${formatIpv4(first)} (the range's first address)`,
          rule: 'd.V10',
        },
      );
    }
    for (const other of parsed) {
      if (rangesOverlap(first, sub.maskBits, other.net, other.bits)) {
        const o = n.subnets[other.i];
        err(
          [...path, 'subnet'],
          ErrorCodes.SCENARIO_RULE,
          `${sub.subnet}/${sub.maskBits} overlaps ${o?.subnet}/${o?.maskBits} (network.subnets[${other.i}])`,
          {
            expected: 'subnets that do not overlap',
            rule: 'd.V10',
          },
        );
      }
    }
    parsed.push({ net: first, bits: sub.maskBits, i });
  });

  // Bandwidth policy profiles: session minimums, list form exclusive.
  n.bwPolicyProfiles.forEach((p, i) => {
    const path = ['network', 'bwPolicyProfiles', i];
    const scalars = [
      'audioBWLimit',
      'audioBWSessionLimit',
      'videoBWLimit',
      'videoBWSessionLimit',
    ].filter((k) => present([...path, k]));
    if (present([...path, 'bwPolicy']) && scalars.length > 0) {
      err(
        [...path, 'bwPolicy'],
        ErrorCodes.SCENARIO_RULE,
        `bwPolicy cannot be combined with ${scalars.join(', ')}`,
        { rule: 'd.V12' },
      );
    }
    const listForm = present([...path, 'bwPolicy']);
    if (p.audio.sessionLimit !== null && p.audio.sessionLimit < 40) {
      err(
        listForm ? [...path, 'bwPolicy'] : [...path, 'audioBWSessionLimit'],
        ErrorCodes.SCENARIO_RULE,
        `audio session limit ${p.audio.sessionLimit} kbps is below the minimum`,
        {
          expected: 'at least 40 kbps',
          rule: 'd.V12',
        },
      );
    }
    if (p.video.sessionLimit !== null && p.video.sessionLimit < 100) {
      err(
        listForm ? [...path, 'bwPolicy'] : [...path, 'videoBWSessionLimit'],
        ErrorCodes.SCENARIO_RULE,
        `video session limit ${p.video.sessionLimit} kbps is below the minimum`,
        {
          expected: 'at least 100 kbps',
          rule: 'd.V12',
        },
      );
    }
    for (const m of ['audio', 'video'] as const) {
      const l = p[m];
      if (l.limit !== null && l.sessionLimit !== null && l.limit > 0 && l.sessionLimit > l.limit) {
        warn(
          path,
          ErrorCodes.SCENARIO_RULE,
          `${m} session limit ${l.sessionLimit} exceeds the total ${l.limit}: no session would fit beyond the total`,
        );
      }
    }
  });

  // Region links and routes.
  n.regionLinks.forEach((l, i) => {
    const path = ['network', 'regionLinks', i];
    ref([...path, 'regions', 0], l.regions[0], regionNames, 'region');
    ref([...path, 'regions', 1], l.regions[1], regionNames, 'region');
    ref([...path, 'bwPolicyProfile'], l.bwPolicyProfile, profileNames, 'bandwidth policy profile');
    if (l.regions[0] === l.regions[1]) {
      err(
        [...path, 'regions'],
        ErrorCodes.SCENARIO_RULE,
        'a region link must join two different regions',
      );
    }
  });
  const routePairs = new Map<string, number>();
  n.regionRoutes.forEach((r, i) => {
    const path = ['network', 'regionRoutes', i];
    ref([...path, 'regions', 0], r.regions[0], regionNames, 'region');
    ref([...path, 'regions', 1], r.regions[1], regionNames, 'region');
    r.links.forEach((l, j) => {
      ref([...path, 'links', j], l, linkNames, 'region link');
    });
    if (r.regions[0] === r.regions[1]) {
      err(
        [...path, 'regions'],
        ErrorCodes.SCENARIO_RULE,
        'a route must join two different regions',
        { rule: 'd.V6' },
      );
      return;
    }
    const key = pairKey(r.regions[0], r.regions[1]);
    const prev = routePairs.get(key);
    if (prev !== undefined) {
      err(
        [...path, 'regions'],
        ErrorCodes.SCENARIO_DUPLICATE,
        `regions ${r.regions[0]} and ${r.regions[1]} already have a route (network.regionRoutes[${prev}])`,
        {
          rule: 'd.V6',
        },
      );
    }
    routePairs.set(key, i);
    // The links must chain from one region to the other.
    let at = r.regions[0];
    for (const [j, lname] of r.links.entries()) {
      const link = n.regionLinks.find((x) => x.name === lname);
      if (!link) {
        break;
      }
      if (link.regions[0] === at) {
        at = link.regions[1];
      } else if (link.regions[1] === at) {
        at = link.regions[0];
      } else {
        err(
          [...path, 'links', j],
          ErrorCodes.SCENARIO_RULE,
          `link "${lname}" does not continue the route from region ${at}`,
          {
            expected: `a link touching ${at}`,
          },
        );
        break;
      }
    }
  });
  if (cac) {
    const regs = n.regions.map((r) => r.name);
    for (let a = 0; a < regs.length; a++) {
      for (let b = a + 1; b < regs.length; b++) {
        const ra = regs[a] ?? '';
        const rb = regs[b] ?? '';
        if (!routePairs.has(pairKey(ra, rb))) {
          err(
            ['network', 'regionRoutes'],
            ErrorCodes.SCENARIO_RULE,
            `no inter-region route between ${ra} and ${rb}; CAC needs one for every pair of regions`,
            {
              expected: `a route with regions: [${ra}, ${rb}]`,
              rule: 'd.V5',
            },
          );
        }
      }
    }
  }
  const sitePairs = new Map<string, number>();
  n.interSitePolicies.forEach((p, i) => {
    const path = ['network', 'interSitePolicies', i];
    ref([...path, 'sites', 0], p.sites[0], siteNames, 'site');
    ref([...path, 'sites', 1], p.sites[1], siteNames, 'site');
    ref([...path, 'bwPolicyProfile'], p.bwPolicyProfile, profileNames, 'bandwidth policy profile');
    const key = pairKey(p.sites[0], p.sites[1]);
    const prev = sitePairs.get(key);
    if (prev !== undefined) {
      err(
        [...path, 'sites'],
        ErrorCodes.SCENARIO_DUPLICATE,
        `sites ${p.sites[0]} and ${p.sites[1]} already have a policy (network.interSitePolicies[${prev}])`,
        {
          rule: 'd.V7',
        },
      );
    }
    sitePairs.set(key, i);
  });

  // Global bypass and CAC exclusivity.
  const mbPath = ['networkConfiguration', 'mediaBypassSettings'];
  if (mb.alwaysBypass && cac) {
    err(
      [...mbPath, 'alwaysBypass'],
      ErrorCodes.SCENARIO_RULE,
      'alwaysBypass cannot be used while CAC is enabled (enableBandwidthPolicyCheck: true)',
      {
        expected: 'alwaysBypass: false (site and region mode) with CAC',
        rule: 'd.V1',
      },
    );
  }
  if (mb.alwaysBypass && !mb.enabled) {
    warn(
      [...mbPath, 'alwaysBypass'],
      ErrorCodes.SCENARIO_RULE,
      'alwaysBypass has no effect while media bypass is not enabled',
      { rule: 'd.V2' },
    );
  }
  if (mb.enableDefaultBypassId && cac) {
    warn(
      [...mbPath, 'enableDefaultBypassId'],
      ErrorCodes.SCENARIO_RULE,
      'enableDefaultBypassId with CAC on is not recommended',
      { rule: 'd.V3' },
    );
  }
  if (mb.bypassId !== null && !GUID.test(mb.bypassId)) {
    err(
      [...mbPath, 'bypassId'],
      ErrorCodes.SCENARIO_RULE,
      `bypassId "${mb.bypassId}" is not a GUID`,
      { expected: 'a GUID', rule: 'd.V9' },
    );
  }

  // Trunk configurations.
  const scopes = new Map<string, number>();
  s.trunkConfigurations.forEach((t, i) => {
    if (!present(['trunkConfigurations', i])) {
      return;
    }
    const path = ['trunkConfigurations', i];
    scopeRef([...path, 'scope'], t.scope, siteNames, gatewayNames, err);
    const prev = scopes.get(t.scope.toLowerCase());
    if (prev !== undefined) {
      err(
        [...path, 'scope'],
        ErrorCodes.SCENARIO_DUPLICATE,
        `scope ${t.scope} already has a trunk configuration (trunkConfigurations[${prev}])`,
        { rule: 'd.V20' },
      );
    }
    scopes.set(t.scope.toLowerCase(), i);
    if (t.enableBypass && !t.concentratedTopology) {
      err(
        [...path, 'concentratedTopology'],
        ErrorCodes.SCENARIO_RULE,
        'enableBypass needs concentratedTopology (centralized media processing) on',
        {
          expected: 'concentratedTopology: true, or enableBypass: false',
          rule: 'd.V13',
        },
      );
    }
    if (
      t.enableBypass &&
      !t.enableReferSupport &&
      !t.enable3pccRefer &&
      (t.rtcpActiveCalls || t.rtcpCallsOnHold)
    ) {
      err(
        [...path, 'enableReferSupport'],
        ErrorCodes.SCENARIO_RULE,
        'enableBypass with enableReferSupport off needs rtcpActiveCalls and rtcpCallsOnHold off (or enable3pccRefer)',
        {
          rule: 'd.V14',
        },
      );
    }
    if (t.scope.startsWith('pstnGateway:') && present([...path, 'srtpMode'])) {
      const g = h.gateways.find((x) => `pstnGateway:${x.name}` === t.scope);
      if (g?.transport === 'tcp' && t.srtpMode !== 'NotSupported') {
        warn(
          [...path, 'srtpMode'],
          ErrorCodes.SCENARIO_RULE,
          `srtpMode ${t.srtpMode} is forced to NotSupported on a TCP trunk`,
          { rule: 'd.V15' },
        );
      }
    }
  });
  s.mediaConfigurations.forEach((m, i) => {
    if (present(['mediaConfigurations', i])) {
      scopeRef(['mediaConfigurations', i, 'scope'], m.scope, siteNames, new Set(), err);
    }
  });

  // Voice policies.
  s.voicePolicies.forEach((v, i) => {
    if (!present(['voicePolicies', i])) {
      return;
    }
    if (v.pstnUsages !== null && v.pstnUsages.length === 0) {
      warn(
        ['voicePolicies', i, 'pstnUsages'],
        ErrorCodes.SCENARIO_RULE,
        `voice policy "${v.name}" has no PSTN usages: its users cannot place outbound PSTN calls`,
        {
          rule: 'd.V21',
        },
      );
    }
    v.routes.forEach((r, j) => {
      regexOk(['voicePolicies', i, 'routes', j, 'numberPattern'], r.numberPattern, err);
      r.trunks.forEach((t, k) => {
        ref(['voicePolicies', i, 'routes', j, 'trunks', k], t, gatewayNames, 'gateway');
      });
    });
  });

  // Hosts.
  const subnetOf = (ipText: string): { site: string | null } | null => {
    const ip = parseIpv4(ipText);
    let best: { site: string | null; bits: number } | null = null;
    for (const sub of n.subnets) {
      const net = parseIpv4(sub.subnet);
      if (
        ip >= 0 &&
        net >= 0 &&
        sub.maskBits >= 1 &&
        sub.maskBits <= 32 &&
        (ip & maskOf(sub.maskBits)) >>> 0 === net
      ) {
        if (!best || sub.maskBits > best.bits) {
          best = { site: sub.site, bits: sub.maskBits };
        }
      }
    }
    return best;
  };
  const unmapped = (path: PathSegments, ip: string, who: string): string | null => {
    const sub = subnetOf(ip);
    if (sub?.site == null) {
      warn(
        path,
        ErrorCodes.SCENARIO_RULE,
        `${who} address ${ip} is in no subnet mapped to a site: CAC cannot locate it (KHI 36034)`,
        { rule: 'd.V11' },
      );
      return null;
    }
    return sub.site;
  };
  h.mediationServers.forEach((m, i) => {
    const path = ['hosts', 'mediationServers', i];
    ref([...path, 'site'], m.site, siteNames, 'site');
    const a = unmapped([...path, 'clientIp'], m.clientIp, `Mediation Server ${m.name}`);
    const b =
      m.gatewayIp === m.clientIp
        ? a
        : unmapped([...path, 'gatewayIp'], m.gatewayIp, `Mediation Server ${m.name}`);
    if (cac && a !== null && b !== null && a !== b) {
      warn(
        path,
        ErrorCodes.SCENARIO_RULE,
        `both interfaces of ${m.name} must be mapped to the same site (${a} vs ${b})`,
        { rule: 'b.2#20' },
      );
    }
  });
  h.gateways.forEach((g, i) => {
    const path = ['hosts', 'gateways', i];
    ref([...path, 'mediationServer'], g.mediationServer, msNames, 'Mediation Server', 'b.0#1');
    unmapped(
      [...path, present([...path, 'mediaIp']) ? 'mediaIp' : 'ip'],
      g.mediaIp,
      `gateway ${g.name}`,
    );
    if (g.numbers !== null) {
      regexOk([...path, 'numbers'], g.numbers, err);
    }
    if (g.kind !== 'ip-pbx' && present([...path, 'mediaTerminationPoint'])) {
      warn(
        [...path, 'mediaTerminationPoint'],
        ErrorCodes.SCENARIO_RULE,
        'mediaTerminationPoint only applies to an ip-pbx',
      );
    }
    if (g.codecs.length === 0) {
      err([...path, 'codecs'], ErrorCodes.SCENARIO_RULE, 'a gateway needs at least one codec', {
        expected: 'PCMU or PCMA',
      });
    }
  });
  h.clients.forEach((c, i) => {
    const path = ['hosts', 'clients', i];
    ref(
      [...path, 'voicePolicy'],
      present([...path, 'voicePolicy']) ? c.voicePolicy : null,
      policyNames,
      'voice policy',
    );
    if (c.maskBits < 1 || c.maskBits > 32) {
      err(
        [...path, 'maskBits'],
        ErrorCodes.SCENARIO_RULE,
        `maskBits ${c.maskBits} is out of range`,
        { expected: '1 to 32' },
      );
    }
    if (c.location === 'internal') {
      unmapped([...path, 'ip'], c.ip, `client ${c.name}`);
    }
    if (c.codecs.length === 0) {
      err([...path, 'codecs'], ErrorCodes.SCENARIO_RULE, 'a client needs at least one codec');
    }
  });
  h.edges.forEach((e, i) => {
    const path = ['hosts', 'edges', i];
    ref([...path, 'site'], e.site, siteNames, 'site');
    const ip = parseIpv4(e.ip);
    const exact = n.subnets.some(
      (sub) => sub.maskBits === 32 && parseIpv4(sub.subnet) === ip && sub.site !== null,
    );
    if (!exact) {
      warn(
        [...path, 'ip'],
        ErrorCodes.SCENARIO_RULE,
        `the A/V Edge public address ${e.ip} should be a /32 subnet mapped to the Edge's site`,
        { rule: 'a.5' },
      );
    }
  });

  // Links with impairments.
  s.links.forEach((l, i) => {
    for (const j of [0, 1] as const) {
      const x = l.between[j];
      if (!siteNames.has(x)) {
        err(['links', i, 'between', j], ErrorCodes.SCENARIO_UNKNOWN_REF, `unknown site "${x}"`, {
          expected: 'two sites: the impairment applies to traffic between hosts of those sites',
        });
      }
    }
  });

  // Calls.
  const callIds = new Map<string, number>();
  s.calls.forEach((c, i) => {
    const path = ['calls', i];
    const prev = callIds.get(c.id);
    if (prev !== undefined) {
      err(
        [...path, 'id'],
        ErrorCodes.SCENARIO_DUPLICATE,
        `call id "${c.id}" is used twice (calls[${prev}])`,
      );
    }
    callIds.set(c.id, i);
    const fromOk = clientNames.has(c.from) || gatewayNames.has(c.from);
    if (!fromOk) {
      err([...path, 'from'], ErrorCodes.SCENARIO_UNKNOWN_REF, `unknown caller "${c.from}"`, {
        expected: `a client or gateway: ${listOf(new Set([...clientNames, ...gatewayNames]))}`,
      });
    }
    if (gatewayNames.has(c.from) && !clientNames.has(c.to)) {
      err(
        [...path, 'to'],
        ErrorCodes.SCENARIO_UNKNOWN_REF,
        `an inbound call from gateway ${c.from} must go to a client, not "${c.to}"`,
        {
          expected: `one of ${listOf(clientNames)}`,
        },
      );
    } else if (
      clientNames.has(c.from) &&
      !clientNames.has(c.to) &&
      !gatewayNames.has(c.to) &&
      c.trunk === null
    ) {
      err(
        [...path, 'to'],
        ErrorCodes.SCENARIO_UNKNOWN_REF,
        `unknown callee "${c.to}" (for a number, give trunk:)`,
        {
          expected: `a client or gateway: ${listOf(new Set([...clientNames, ...gatewayNames]))}`,
        },
      );
    }
    ref([...path, 'trunk'], present([...path, 'trunk']) ? c.trunk : null, gatewayNames, 'gateway');
    if (c.from === c.to) {
      err([...path, 'to'], ErrorCodes.SCENARIO_RULE, 'a call cannot go to its own caller');
    }
    if (c.durationMs <= 0) {
      err([...path, 'duration'], ErrorCodes.SCENARIO_RULE, 'a call needs a duration above zero');
    }
    if (c.modality === 'video' && c.kind !== 'p2p') {
      err(
        [...path, 'modality'],
        ErrorCodes.SCENARIO_RULE,
        'video is modelled for client-to-client calls only',
      );
    }
    if (c.expect?.path !== undefined) {
      for (const hop of c.expect.path.split('->').map((x) => x.trim())) {
        if (!hostNames.has(hop) && hop !== 'pstn' && hop !== 'none') {
          err(
            [...path, 'expect', 'path'],
            ErrorCodes.SCENARIO_UNKNOWN_REF,
            `unknown host "${hop}" in the expected path`,
            {
              expected: 'host names joined by ->',
            },
          );
        }
      }
    }
  });

  return out;
}

function uniqueNames(
  list: readonly { name: string }[],
  path: readonly string[],
  what: string,
  out: RuleProblem[],
): Set<string> {
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const prev = seen.get(item.name);
    if (prev !== undefined) {
      out.push({
        severity: 'error',
        code: ErrorCodes.SCENARIO_DUPLICATE,
        path: [...path, i, 'name'],
        message: `${what} "${item.name}" is defined twice (first at ${path.join('.')}[${prev}])`,
      });
    } else {
      seen.set(item.name, i);
    }
  });
  return new Set(seen.keys());
}

function scopeRef(
  path: PathSegments,
  scope: string,
  sites: Set<string>,
  gateways: Set<string>,
  err: (path: PathSegments, code: string, message: string, extra?: Partial<RuleProblem>) => void,
): void {
  if (scope.startsWith('site:') && !sites.has(scope.slice(5))) {
    err(path, ErrorCodes.SCENARIO_UNKNOWN_REF, `unknown site "${scope.slice(5)}" in scope`, {
      expected: `site:<one of ${listOf(sites)}>`,
    });
  }
  if (scope.startsWith('pstnGateway:') && !gateways.has(scope.slice(12))) {
    err(path, ErrorCodes.SCENARIO_UNKNOWN_REF, `unknown gateway "${scope.slice(12)}" in scope`, {
      expected: `pstnGateway:<one of ${listOf(gateways)}>`,
    });
  }
}

function regexOk(
  path: PathSegments,
  pattern: string,
  err: (path: PathSegments, code: string, message: string, extra?: Partial<RuleProblem>) => void,
): void {
  try {
    new RegExp(pattern);
  } catch {
    err(path, ErrorCodes.SCENARIO_RULE, `"${pattern}" is not a valid regular expression`);
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

function listOf(names: Set<string>): string {
  const all = [...names];
  return all.length > 8 ? `${all.slice(0, 8).join(', ')}, ...` : all.join(', ');
}
