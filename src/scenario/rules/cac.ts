/**
 * Call admission control configuration rules (docs/rules.md d.V5-d.V7, d.V12, d.V16): bandwidth
 * policy profiles, region links, inter-region routes, inter-site policies and the alternate
 * path flags of regions.
 *
 * This file must not know YAML, zod or source positions, nor how the policy admits a call.
 */
import { ErrorCodes } from '../../core/index.js';
import { MODALITIES } from '../enums.js';
import { defineRule, pairKey } from './rule.js';
import { elementAt, knownName } from './shared.js';

/** d.V16: the scalar alternate path flags and the list form exclude each other. */
export const alternatePathFormsExclusive = defineRule(
  {
    id: 'd.V16',
    subject: 'region',
    checks:
      'A region gives its alternate path flags either as audioAlternatePath/videoAlternatePath or as bwAlternatePaths, not both.',
    messages: ['bwAlternatePaths cannot be combined with audioAlternatePath/videoAlternatePath'],
  },
  function alternatePathFormsExclusive({ path }, ctx) {
    if (
      ctx.present([...path, 'bwAlternatePaths']) &&
      (ctx.present([...path, 'audioAlternatePath']) || ctx.present([...path, 'videoAlternatePath']))
    ) {
      ctx.error(
        [...path, 'bwAlternatePaths'],
        ErrorCodes.SCENARIO_RULE,
        'bwAlternatePaths cannot be combined with audioAlternatePath/videoAlternatePath',
      );
    }
  },
);

/** d.V12: session limits have minimums; the list form excludes the four scalar limits. */
export const profileLimitsValid = defineRule(
  {
    id: 'd.V12',
    subject: 'bwPolicyProfile',
    checks:
      'A bandwidth policy profile does not combine bwPolicy with the scalar limits, and its audio and video session limits are at least 40 and 100 kbps.',
    messages: [
      'bwPolicy cannot be combined with <keys>',
      'audio session limit <kbps> kbps is below the minimum',
      'video session limit <kbps> kbps is below the minimum',
    ],
  },
  function profileLimitsValid({ value: p, path }, ctx) {
    const listForm = ctx.present([...path, 'bwPolicy']);
    const scalars = [
      'audioBWLimit',
      'audioBWSessionLimit',
      'videoBWLimit',
      'videoBWSessionLimit',
    ].filter((k) => ctx.present([...path, k]));
    if (listForm && scalars.length > 0) {
      ctx.error(
        [...path, 'bwPolicy'],
        ErrorCodes.SCENARIO_RULE,
        `bwPolicy cannot be combined with ${scalars.join(', ')}`,
      );
    }
    if (p.audio.sessionLimit !== null && p.audio.sessionLimit < 40) {
      ctx.error(
        listForm ? [...path, 'bwPolicy'] : [...path, 'audioBWSessionLimit'],
        ErrorCodes.SCENARIO_RULE,
        `audio session limit ${p.audio.sessionLimit} kbps is below the minimum`,
        { expected: 'at least 40 kbps' },
      );
    }
    if (p.video.sessionLimit !== null && p.video.sessionLimit < 100) {
      ctx.error(
        listForm ? [...path, 'bwPolicy'] : [...path, 'videoBWSessionLimit'],
        ErrorCodes.SCENARIO_RULE,
        `video session limit ${p.video.sessionLimit} kbps is below the minimum`,
        { expected: 'at least 100 kbps' },
      );
    }
  },
);

/** A session limit above a non-zero total lets no session through beyond the total. */
export const profileSessionWithinTotal = defineRule(
  {
    id: 'profiles.session-within-total',
    subject: 'bwPolicyProfile',
    checks:
      "A profile's session limit is not above its non-zero total limit, per modality (a warning).",
    messages: [
      '<modality> session limit <kbps> exceeds the total <kbps>: no session would fit beyond the total',
    ],
  },
  function profileSessionWithinTotal({ value: p, path }, ctx) {
    for (const m of MODALITIES) {
      const l = p[m];
      if (l.limit !== null && l.sessionLimit !== null && l.limit > 0 && l.sessionLimit > l.limit) {
        ctx.warning(
          path,
          ErrorCodes.SCENARIO_RULE,
          `${m} session limit ${l.sessionLimit} exceeds the total ${l.limit}: no session would fit beyond the total`,
        );
      }
    }
  },
);

/** A region link joins known regions and uses a known profile. */
export const regionLinkReferencesKnown = defineRule(
  {
    id: 'regionLinks.known-references',
    subject: 'regionLink',
    checks: 'A region link names two regions and a bandwidth policy profile of the scenario.',
    messages: ['unknown region "<region>"', 'unknown bandwidth policy profile "<profile>"'],
  },
  function regionLinkReferencesKnown({ value: l, path }, ctx) {
    const f = ctx.facts;
    knownName(ctx, [...path, 'regions', 0], l.regions[0], f.regionNames, 'region');
    knownName(ctx, [...path, 'regions', 1], l.regions[1], f.regionNames, 'region');
    knownName(
      ctx,
      [...path, 'bwPolicyProfile'],
      l.bwPolicyProfile,
      f.profileNames,
      'bandwidth policy profile',
    );
  },
);

/** A region link joins two different regions. */
export const regionLinkDistinctRegions = defineRule(
  {
    id: 'regionLinks.distinct-regions',
    subject: 'regionLink',
    checks: 'A region link joins two different regions.',
    messages: ['a region link must join two different regions'],
  },
  function regionLinkDistinctRegions({ value: l, path }, ctx) {
    if (l.regions[0] === l.regions[1]) {
      ctx.error(
        [...path, 'regions'],
        ErrorCodes.SCENARIO_RULE,
        'a region link must join two different regions',
      );
    }
  },
);

/** A route joins known regions over known links. */
export const regionRouteReferencesKnown = defineRule(
  {
    id: 'regionRoutes.known-references',
    subject: 'regionRoute',
    checks: 'An inter-region route names two regions and region links of the scenario.',
    messages: ['unknown region "<region>"', 'unknown region link "<link>"'],
  },
  function regionRouteReferencesKnown({ value: r, path }, ctx) {
    const f = ctx.facts;
    knownName(ctx, [...path, 'regions', 0], r.regions[0], f.regionNames, 'region');
    knownName(ctx, [...path, 'regions', 1], r.regions[1], f.regionNames, 'region');
    r.links.forEach((l, j) => {
      knownName(ctx, [...path, 'links', j], l, f.regionLinkNames, 'region link');
    });
  },
);

/** d.V6: a route joins two different regions, and each pair of regions has one route. */
export const regionRouteUnique = defineRule(
  {
    id: 'd.V6',
    subject: 'regionRoute',
    checks:
      'An inter-region route joins two different regions, and no earlier route joins the same two.',
    messages: [
      'a route must join two different regions',
      'regions <region> and <region> already have a route (network.regionRoutes[<index>])',
    ],
  },
  function regionRouteUnique({ value: r, path, index }, ctx) {
    if (r.regions[0] === r.regions[1]) {
      ctx.error(
        [...path, 'regions'],
        ErrorCodes.SCENARIO_RULE,
        'a route must join two different regions',
      );
      return;
    }
    const prev = ctx.facts.earlierRoute[index];
    if (prev !== undefined) {
      ctx.error(
        [...path, 'regions'],
        ErrorCodes.SCENARIO_DUPLICATE,
        `regions ${r.regions[0]} and ${r.regions[1]} already have a route (network.regionRoutes[${prev}])`,
      );
    }
  },
);

/** A route's links chain from its first region to its second. */
export const regionRouteChained = defineRule(
  {
    id: 'regionRoutes.chained-links',
    subject: 'regionRoute',
    checks:
      "An inter-region route's links, in order, each continue from the region the previous one reached.",
    messages: ['link "<link>" does not continue the route from region <region>'],
  },
  function regionRouteChained({ value: r, path }, ctx) {
    if (r.regions[0] === r.regions[1]) {
      return; // d.V6 reports it; there is nothing to chain.
    }
    const links = ctx.scenario.network.regionLinks;
    let at = r.regions[0];
    for (const [j, name] of r.links.entries()) {
      const link = links.find((x) => x.name === name);
      if (!link) {
        return;
      }
      if (link.regions[0] === at) {
        at = link.regions[1];
      } else if (link.regions[1] === at) {
        at = link.regions[0];
      } else {
        ctx.error(
          [...path, 'links', j],
          ErrorCodes.SCENARIO_RULE,
          `link "${name}" does not continue the route from region ${at}`,
          { expected: `a link touching ${at}` },
        );
        return;
      }
    }
  },
);

/** d.V5: CAC needs a route between every pair of regions. */
export const everyRegionPairRouted = defineRule(
  {
    id: 'd.V5',
    subject: 'scenario',
    checks: 'While CAC is enabled, every pair of regions has an inter-region route.',
    messages: [
      'no inter-region route between <region> and <region>; CAC needs one for every pair of regions',
    ],
  },
  function everyRegionPairRouted({ value: s }, ctx) {
    if (!s.networkConfiguration.enableBandwidthPolicyCheck) {
      return;
    }
    const regions = s.network.regions.map((r) => r.name);
    for (let a = 0; a < regions.length; a++) {
      for (let b = a + 1; b < regions.length; b++) {
        const ra = elementAt(regions, a, 'region');
        const rb = elementAt(regions, b, 'region');
        if (!ctx.facts.routedRegionPairs.has(pairKey(ra, rb))) {
          ctx.error(
            ['network', 'regionRoutes'],
            ErrorCodes.SCENARIO_RULE,
            `no inter-region route between ${ra} and ${rb}; CAC needs one for every pair of regions`,
            { expected: `a route with regions: [${ra}, ${rb}]` },
          );
        }
      }
    }
  },
);

/** An inter-site policy joins known sites and uses a known profile. */
export const interSitePolicyReferencesKnown = defineRule(
  {
    id: 'interSitePolicies.known-references',
    subject: 'interSitePolicy',
    checks: 'An inter-site policy names two sites and a bandwidth policy profile of the scenario.',
    messages: ['unknown site "<site>"', 'unknown bandwidth policy profile "<profile>"'],
  },
  function interSitePolicyReferencesKnown({ value: p, path }, ctx) {
    const f = ctx.facts;
    knownName(ctx, [...path, 'sites', 0], p.sites[0], f.siteNames, 'site');
    knownName(ctx, [...path, 'sites', 1], p.sites[1], f.siteNames, 'site');
    knownName(
      ctx,
      [...path, 'bwPolicyProfile'],
      p.bwPolicyProfile,
      f.profileNames,
      'bandwidth policy profile',
    );
  },
);

/** d.V7: one inter-site policy per pair of sites. */
export const interSitePolicyUnique = defineRule(
  {
    id: 'd.V7',
    subject: 'interSitePolicy',
    checks: 'No earlier inter-site policy joins the same two sites.',
    messages: [
      'sites <site> and <site> already have a policy (network.interSitePolicies[<index>])',
    ],
  },
  function interSitePolicyUnique({ value: p, path, index }, ctx) {
    const prev = ctx.facts.earlierInterSitePolicy[index];
    if (prev !== undefined) {
      ctx.error(
        [...path, 'sites'],
        ErrorCodes.SCENARIO_DUPLICATE,
        `sites ${p.sites[0]} and ${p.sites[1]} already have a policy (network.interSitePolicies[${prev}])`,
      );
    }
  },
);
