/**
 * Rules on network regions and sites as places: a region's central site, a site's region and
 * bandwidth profile (docs/rules.md a.3, a.4, d.V8, d.V17). Bypass IDs are in `bypass.ts`, alternate
 * paths in `cac.ts`.
 *
 * This file must not know YAML, zod or source positions.
 */
import { ErrorCodes } from '../../core/index.js';
import { defineRule } from './rule.js';
import { knownName } from './shared.js';

/** a.3: CAC runs the Bandwidth Policy Service in each region's central site. */
export const regionCentralSiteForCac = defineRule(
  {
    id: 'a.3',
    subject: 'region',
    checks: 'While CAC is enabled, every region has a central site.',
    messages: [
      'region "<name>" has no centralSite, which CAC needs (the Bandwidth Policy Service runs there)',
    ],
  },
  function regionCentralSiteForCac({ value: r, path }, ctx) {
    if (ctx.scenario.networkConfiguration.enableBandwidthPolicyCheck && r.centralSite === null) {
      ctx.error(
        path,
        ErrorCodes.SCENARIO_RULE,
        `region "${r.name}" has no centralSite, which CAC needs (the Bandwidth Policy Service runs there)`,
        { expected: 'centralSite: <site>' },
      );
    }
  },
);

/** A region's central site is a Topology Builder site: we only warn when it is not a network site. */
export const regionCentralSiteKnown = defineRule(
  {
    id: 'regions.known-central-site',
    subject: 'region',
    checks: "A region's central site is one of the network sites of the scenario (a warning).",
    messages: ['central site "<site>" is not a network site of the scenario'],
  },
  function regionCentralSiteKnown({ value: r, path }, ctx) {
    if (r.centralSite !== null && !ctx.facts.siteNames.has(r.centralSite)) {
      ctx.warning(
        [...path, 'centralSite'],
        ErrorCodes.SCENARIO_UNKNOWN_REF,
        `central site "${r.centralSite}" is not a network site of the scenario`,
      );
    }
  },
);

/** d.V17: a new site must reference an existing region. */
export const siteRegionExists = defineRule(
  {
    id: 'd.V17',
    subject: 'site',
    checks: "A site's region is a region of the scenario.",
    messages: ['unknown region "<region>"'],
  },
  function siteRegionExists({ value: site, path }, ctx) {
    knownName(ctx, [...path, 'region'], site.region, ctx.facts.regionNames, 'region');
  },
);

/** A site's WAN uplink profile exists. */
export const siteProfileExists = defineRule(
  {
    id: 'sites.known-profile',
    subject: 'site',
    checks: "A site's bandwidth policy profile is a profile of the scenario.",
    messages: ['unknown bandwidth policy profile "<profile>"'],
  },
  function siteProfileExists({ value: site, path }, ctx) {
    knownName(
      ctx,
      [...path, 'bwPolicyProfile'],
      site.bwPolicyProfile,
      ctx.facts.profileNames,
      'bandwidth policy profile',
    );
  },
);

/** d.V8: a bandwidth profile or bypass ID needs a region; so does every site under CAC. */
export const siteNeedsRegion = defineRule(
  {
    id: 'd.V8',
    subject: 'site',
    checks:
      'A site with a bandwidth policy profile or a bypass ID, and every site while CAC is enabled, is in a region.',
    messages: [
      'site "<site>" has a <bwPolicyProfile|bypassId> but no region',
      'site "<site>" has no region, which CAC needs',
    ],
  },
  function siteNeedsRegion({ value: site, path }, ctx) {
    if (site.region !== null) {
      return;
    }
    if (site.bwPolicyProfile !== null || site.bypassId !== null) {
      ctx.error(
        path,
        ErrorCodes.SCENARIO_RULE,
        `site "${site.name}" has a ${site.bwPolicyProfile !== null ? 'bwPolicyProfile' : 'bypassId'} but no region`,
        { expected: 'region: <region>' },
      );
    } else if (ctx.scenario.networkConfiguration.enableBandwidthPolicyCheck) {
      ctx.error(
        path,
        ErrorCodes.SCENARIO_RULE,
        `site "${site.name}" has no region, which CAC needs`,
        {
          expected: 'region: <region>',
        },
      );
    }
  },
);
