/**
 * Addressing rules (docs/rules.md a.5, b.2 #20, d.V10, d.V11, A17): subnets and their sites
 * (nested subnets are legal and warned about, the same subnet twice is an error), and whether
 * CAC can locate each host's address in a subnet mapped to a site.
 *
 * This file must not know YAML, zod or source positions, nor how the topology locates an
 * endpoint at run time (it only repeats the longest-prefix lookup to warn early).
 */
import {
  ErrorCodes,
  formatIpv4,
  maskOf,
  networkOf,
  parseIpv4,
  rangesOverlap,
} from '../../core/index.js';
import type { PathSegments } from '../problems.js';
import type { Scenario } from '../types.js';
import { defineRule, type RuleContext, type ScenarioFacts } from './rule.js';
import { elementAt, knownName } from './shared.js';

/** A subnet is mapped to a known site (or to none). */
export const subnetSiteKnown = defineRule(
  {
    id: 'subnets.known-site',
    subject: 'subnet',
    checks: 'A subnet is mapped to a site of the scenario, when it is mapped.',
    messages: ['unknown site "<site>"'],
  },
  function subnetSiteKnown({ value: sub, path }, ctx) {
    knownName(ctx, [...path, 'site'], sub.site, ctx.facts.siteNames, 'site');
  },
);

/** d.V10: a subnet is a valid range, given by its first address, configured once. */
export const subnetRangeValid = defineRule(
  {
    id: 'd.V10',
    subject: 'subnet',
    checks:
      'A subnet has maskBits from 1 to 32, is given by the first address of its range, and is not configured twice.',
    messages: [
      'maskBits <bits> is out of range',
      '<subnet>/<bits> is not the first address of its range',
      '<subnet>/<bits> is configured twice (network.subnets[<index>])',
    ],
  },
  function subnetRangeValid({ value: sub, path, index }, ctx) {
    if (!maskBitsValid(sub.maskBits)) {
      ctx.error(
        [...path, 'maskBits'],
        ErrorCodes.SCENARIO_RULE,
        `maskBits ${sub.maskBits} is out of range`,
        { expected: '1 to 32' },
      );
      return;
    }
    const ip = elementAt(ctx.facts.subnetAddresses, index, 'subnet');
    if (ip < 0) {
      return;
    }
    const first = networkOf(ip, sub.maskBits);
    if (first !== ip) {
      ctx.error(
        [...path, 'subnet'],
        ErrorCodes.SCENARIO_RULE,
        `${sub.subnet}/${sub.maskBits} is not the first address of its range`,
        { expected: `${formatIpv4(first)} (the range's first address)` },
      );
    }
    const twice = earlierSubnets(ctx, index, sub.maskBits, first).find(
      (o) => o.bits === sub.maskBits,
    );
    if (twice) {
      ctx.error(
        [...path, 'subnet'],
        ErrorCodes.SCENARIO_RULE,
        `${sub.subnet}/${sub.maskBits} is configured twice (network.subnets[${twice.index}])`,
        { expected: 'each subnet once' },
      );
    }
  },
);

/**
 * A17: nested subnets are legal ("virtual" subnets beside more specific ones): bypass uses the
 * exact match of a client's own subnet, CAC the longest prefix. A warning says so.
 */
export const subnetNested = defineRule(
  {
    id: 'subnets.nested',
    subject: 'subnet',
    checks:
      'A subnet nested in (or holding) an earlier one is reported, since bypass and CAC locate addresses differently in it (a warning, A17).',
    messages: [
      '<subnet>/<bits> is nested in <subnet>/<bits> (network.subnets[<index>]): bypass uses only exact matches (b.1#10), CAC the longest prefix (c.1#1)',
      '<subnet>/<bits> holds <subnet>/<bits> (network.subnets[<index>]): bypass uses only exact matches (b.1#10), CAC the longest prefix (c.1#1)',
    ],
  },
  function subnetNested({ value: sub, path, index }, ctx) {
    const ip = elementAt(ctx.facts.subnetAddresses, index, 'subnet');
    if (!maskBitsValid(sub.maskBits) || ip < 0 || networkOf(ip, sub.maskBits) !== ip) {
      return;
    }
    const other = earlierSubnets(ctx, index, sub.maskBits, ip).find((o) => o.bits !== sub.maskBits);
    if (other) {
      const how = other.bits < sub.maskBits ? 'is nested in' : 'holds';
      ctx.warning(
        [...path, 'subnet'],
        ErrorCodes.SCENARIO_RULE,
        `${sub.subnet}/${sub.maskBits} ${how} ${other.text} (network.subnets[${other.index}]): bypass uses only exact matches (b.1#10), CAC the longest prefix (c.1#1)`,
      );
    }
  },
);

/** The valid earlier subnets whose range overlaps (so nests in, holds or equals) this one. */
function earlierSubnets(
  ctx: RuleContext,
  index: number,
  bits: number,
  first: number,
): { readonly index: number; readonly bits: number; readonly text: string }[] {
  const subnets = ctx.scenario.network.subnets;
  const out: { index: number; bits: number; text: string }[] = [];
  for (let j = 0; j < index; j++) {
    const other = elementAt(subnets, j, 'subnet');
    const otherIp = elementAt(ctx.facts.subnetAddresses, j, 'subnet');
    if (!maskBitsValid(other.maskBits) || otherIp < 0) {
      continue;
    }
    if (rangesOverlap(first, bits, networkOf(otherIp, other.maskBits), other.maskBits)) {
      out.push({ index: j, bits: other.maskBits, text: `${other.subnet}/${other.maskBits}` });
    }
  }
  return out;
}

function maskBitsValid(bits: number): boolean {
  return bits >= 1 && bits <= 32;
}

/**
 * The site of the most specific subnet containing `ipText` (a subnet counts only when its
 * address is the first of its range), or `null` when no subnet contains it or that subnet is
 * mapped to no site.
 */
export function mappedSiteOf(s: Scenario, facts: ScenarioFacts, ipText: string): string | null {
  const ip = parseIpv4(ipText);
  if (ip < 0) {
    return null;
  }
  let best: { site: string | null; bits: number } | null = null;
  for (const [i, sub] of s.network.subnets.entries()) {
    const net = elementAt(facts.subnetAddresses, i, 'subnet');
    if (
      net >= 0 &&
      maskBitsValid(sub.maskBits) &&
      (ip & maskOf(sub.maskBits)) >>> 0 === net &&
      (best === null || sub.maskBits > best.bits)
    ) {
      best = { site: sub.site, bits: sub.maskBits };
    }
  }
  return best?.site ?? null;
}

const V11 = {
  id: 'd.V11',
  messages: [
    '<host> address <ip> is in no subnet mapped to a site: CAC cannot locate it (KHI 36034)',
  ],
} as const;

/** The d.V11 warning for one address, when it is in no subnet mapped to a site. */
function warnUnmapped(ctx: RuleContext, path: PathSegments, ip: string, who: string): void {
  if (mappedSiteOf(ctx.scenario, ctx.facts, ip) === null) {
    ctx.warning(
      path,
      ErrorCodes.SCENARIO_RULE,
      `${who} address ${ip} is in no subnet mapped to a site: CAC cannot locate it (KHI 36034)`,
    );
  }
}

/** d.V11 on Mediation Servers: both interfaces are in subnets mapped to sites. */
export const mediationServerAddressesMapped = defineRule(
  {
    ...V11,
    subject: 'mediationServer',
    checks:
      "Both of a Mediation Server's interfaces are in subnets mapped to sites (a warning, KHI 36034).",
  },
  function mediationServerAddressesMapped({ value: m, path }, ctx) {
    const who = `Mediation Server ${m.name}`;
    warnUnmapped(ctx, [...path, 'clientIp'], m.clientIp, who);
    if (m.gatewayIp !== m.clientIp) {
      warnUnmapped(ctx, [...path, 'gatewayIp'], m.gatewayIp, who);
    }
  },
);

/** b.2 #20: CAC counts both legs of a relayed call at the Mediation Server's one site. */
export const mediationServerOneSite = defineRule(
  {
    id: 'b.2#20',
    subject: 'mediationServer',
    checks:
      "While CAC is enabled, a Mediation Server's two interfaces, when both are mapped, are mapped to the same site (a warning).",
    messages: ['both interfaces of <host> must be mapped to the same site (<site> vs <site>)'],
  },
  function mediationServerOneSite({ value: m, path }, ctx) {
    if (!ctx.scenario.networkConfiguration.enableBandwidthPolicyCheck) {
      return;
    }
    const a = mappedSiteOf(ctx.scenario, ctx.facts, m.clientIp);
    const b = mappedSiteOf(ctx.scenario, ctx.facts, m.gatewayIp);
    if (a !== null && b !== null && a !== b) {
      ctx.warning(
        path,
        ErrorCodes.SCENARIO_RULE,
        `both interfaces of ${m.name} must be mapped to the same site (${a} vs ${b})`,
      );
    }
  },
);

/** d.V11 on gateways: the media address is in a subnet mapped to a site. */
export const gatewayAddressMapped = defineRule(
  {
    ...V11,
    subject: 'gateway',
    checks: "A gateway's media address is in a subnet mapped to a site (a warning, KHI 36034).",
  },
  function gatewayAddressMapped({ value: g, path }, ctx) {
    const field = ctx.present([...path, 'mediaIp']) ? 'mediaIp' : 'ip';
    warnUnmapped(ctx, [...path, field], g.mediaIp, `gateway ${g.name}`);
  },
);

/** A client's own subnet mask is a valid mask. */
export const clientMaskBitsValid = defineRule(
  {
    id: 'clients.mask-bits',
    subject: 'client',
    checks: "A client's maskBits is from 1 to 32.",
    messages: ['maskBits <bits> is out of range'],
  },
  function clientMaskBitsValid({ value: c, path }, ctx) {
    if (!maskBitsValid(c.maskBits)) {
      ctx.error(
        [...path, 'maskBits'],
        ErrorCodes.SCENARIO_RULE,
        `maskBits ${c.maskBits} is out of range`,
        { expected: '1 to 32' },
      );
    }
  },
);

/** d.V11 on clients: an internal client's address is in a subnet mapped to a site. */
export const clientAddressMapped = defineRule(
  {
    ...V11,
    subject: 'client',
    checks: "An internal client's address is in a subnet mapped to a site (a warning, KHI 36034).",
  },
  function clientAddressMapped({ value: c, path }, ctx) {
    if (c.location === 'internal') {
      warnUnmapped(ctx, [...path, 'ip'], c.ip, `client ${c.name}`);
    }
  },
);

/** a.5: the A/V Edge's public address is entered as a /32 subnet of the Edge's site. */
export const edgeAddressIsSubnet = defineRule(
  {
    id: 'a.5',
    subject: 'edge',
    checks: "An A/V Edge's public address is a /32 subnet mapped to a site (a warning).",
    messages: ["the A/V Edge public address <ip> should be a /32 subnet mapped to the Edge's site"],
  },
  function edgeAddressIsSubnet({ value: e, path }, ctx) {
    const ip = parseIpv4(e.ip);
    const exact = ctx.scenario.network.subnets.some(
      (sub, i) =>
        sub.maskBits === 32 &&
        elementAt(ctx.facts.subnetAddresses, i, 'subnet') === ip &&
        sub.site !== null,
    );
    if (!exact) {
      ctx.warning(
        [...path, 'ip'],
        ErrorCodes.SCENARIO_RULE,
        `the A/V Edge public address ${e.ip} should be a /32 subnet mapped to the Edge's site`,
      );
    }
  },
);
