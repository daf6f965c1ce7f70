/**
 * Rules on the busy hour's offered load (the `traffic:` section, for `mediapath plan`): each
 * stream joins known sites or the PSTN, gives its load once, lasts some time, has clients to
 * place and take its calls, and gateways for its PSTN calls.
 *
 * This file must not know YAML, zod or source positions, nor how calls are generated from a
 * stream or decided.
 */
import { ErrorCodes } from '../../core/index.js';
import { PSTN_TRAFFIC_END } from '../enums.js';
import type { Scenario, TrafficStream } from '../types.js';
import { mappedSiteOf } from './addressing.js';
import { defineRule, type ScenarioFacts } from './rule.js';
import { knownName, listOf } from './shared.js';

/** Each end of a stream is a site of the scenario or the PSTN, and not both the PSTN. */
export const trafficEndsKnown = defineRule(
  {
    id: 'traffic.known-ends',
    subject: 'trafficStream',
    checks:
      'A traffic stream goes from a site or the PSTN to a site or the PSTN, not PSTN to PSTN.',
    messages: [
      'unknown site "<name>" (a site of network.sites, or pstn)',
      'a stream cannot go from the PSTN to the PSTN',
    ],
  },
  function trafficEndsKnown({ value: t, path }, ctx) {
    const sites = ctx.facts.siteNames;
    for (const end of ['from', 'to'] as const) {
      const name = t[end];
      if (name !== PSTN_TRAFFIC_END && !sites.has(name)) {
        ctx.error(
          [...path, end],
          ErrorCodes.SCENARIO_UNKNOWN_REF,
          `unknown site "${name}" (a site of network.sites, or pstn)`,
          { expected: sites.size ? `pstn or one of ${listOf(sites)}` : 'pstn, or a site' },
        );
      }
    }
    if (t.from === PSTN_TRAFFIC_END && t.to === PSTN_TRAFFIC_END) {
      ctx.error(
        [...path, 'to'],
        ErrorCodes.SCENARIO_RULE,
        'a stream cannot go from the PSTN to the PSTN',
        { expected: 'a site at one end at least' },
      );
    }
  },
);

/** A stream gives its offered load once: in Erlangs or in calls per hour. */
export const trafficLoadGiven = defineRule(
  {
    id: 'traffic.one-load',
    subject: 'trafficStream',
    checks: 'A traffic stream gives its offered load once: erlangs or callsPerHour.',
    messages: [
      'give the offered load as erlangs or as callsPerHour, not both',
      'a stream needs its offered load: erlangs or callsPerHour',
    ],
  },
  function trafficLoadGiven({ path }, ctx) {
    const erlangs = ctx.present([...path, 'erlangs']);
    const perHour = ctx.present([...path, 'callsPerHour']);
    if (erlangs && perHour) {
      ctx.error(
        [...path, 'callsPerHour'],
        ErrorCodes.SCENARIO_RULE,
        'give the offered load as erlangs or as callsPerHour, not both',
      );
    } else if (!erlangs && !perHour) {
      ctx.error(
        path,
        ErrorCodes.SCENARIO_RULE,
        'a stream needs its offered load: erlangs or callsPerHour',
        {
          expected: 'erlangs: 12, or callsPerHour: 240 with a holdingTime',
        },
      );
    }
  },
);

/** A stream's calls last some time. */
export const trafficHoldingPositive = defineRule(
  {
    id: 'traffic.positive-holding',
    subject: 'trafficStream',
    checks: "A traffic stream's mean holding time is above zero.",
    messages: ['a mean holding time of 0 offers no load'],
  },
  function trafficHoldingPositive({ value: t, path }, ctx) {
    if (t.holdingMs <= 0) {
      const own = ctx.present([...path, 'holdingTime']);
      ctx.error(
        own ? [...path, 'holdingTime'] : ['traffic', 'holdingTime'],
        ErrorCodes.SCENARIO_RULE,
        'a mean holding time of 0 offers no load',
        { expected: 'a duration above zero, such as 3m' },
      );
    }
  },
);

/** The internal clients of each site, by the longest configured prefix of their address. */
function clientsOf(s: Scenario, facts: ScenarioFacts, site: string): number {
  return s.hosts.clients.filter(
    (c) => c.location === 'internal' && mappedSiteOf(s, facts, c.ip) === site,
  ).length;
}

/** A site at an end of a stream has clients to place or take its calls. */
export const trafficSiteHasClients = defineRule(
  {
    id: 'traffic.site-clients',
    subject: 'trafficStream',
    checks:
      'A site at an end of a traffic stream has an internal client in its subnets, two for a stream within one site.',
    messages: [
      'site <name> has no internal client to place or take the calls of this stream',
      'a stream within site <name> needs two clients; it has one',
    ],
  },
  function trafficSiteHasClients({ value: t, path }, ctx) {
    const sites = ctx.facts.siteNames;
    for (const end of ['from', 'to'] as const) {
      const site = t[end];
      if (!sites.has(site) || (end === 'to' && site === t.from)) {
        continue;
      }
      const n = clientsOf(ctx.scenario, ctx.facts, site);
      if (n === 0) {
        ctx.error(
          [...path, end],
          ErrorCodes.SCENARIO_RULE,
          `site ${site} has no internal client to place or take the calls of this stream`,
          { expected: 'a client whose ip is in a subnet of the site' },
        );
      } else if (n === 1 && t.from === t.to) {
        ctx.error(
          [...path, 'to'],
          ErrorCodes.SCENARIO_RULE,
          `a stream within site ${site} needs two clients; it has one`,
        );
      }
    }
  },
);

/** True when some of the stream's calls are PSTN calls. */
function placesPstnCalls(t: TrafficStream): boolean {
  return t.from === PSTN_TRAFFIC_END || t.to === PSTN_TRAFFIC_END || t.pstnShare > 0;
}

/** The trunks of a stream are gateways; a stream with PSTN calls has a gateway to use. */
export const trafficTrunksKnown = defineRule(
  {
    id: 'traffic.known-trunks',
    subject: 'trafficStream',
    checks:
      "A traffic stream's trunks are gateways of the scenario, and a stream with PSTN calls has a gateway to use.",
    messages: ['unknown gateway "<name>"', 'no gateway in the scenario to carry the PSTN calls'],
  },
  function trafficTrunksKnown({ value: t, path }, ctx) {
    const gateways = ctx.facts.gatewayNames;
    t.trunks.forEach((g, i) => {
      knownName(ctx, [...path, 'trunks', i], g, gateways, 'gateway');
    });
    if (placesPstnCalls(t) && t.trunks.length === 0 && gateways.size === 0) {
      ctx.error(
        path,
        ErrorCodes.SCENARIO_RULE,
        'no gateway in the scenario to carry the PSTN calls',
        {
          expected: 'a gateway under hosts.gateways',
        },
      );
    }
  },
);

/** Video and the PSTN share apply to site-to-site streams only (a warning elsewhere). */
export const trafficSharesApply = defineRule(
  {
    id: 'traffic.site-to-site-shares',
    subject: 'trafficStream',
    checks:
      'A stream to or from the PSTN sets no video share and no PSTN share of its own: they apply to calls between sites (a warning).',
    messages: ['<key> applies to streams between sites; every call of this stream is a PSTN call'],
  },
  function trafficSharesApply({ value: t, path }, ctx) {
    if (t.from !== PSTN_TRAFFIC_END && t.to !== PSTN_TRAFFIC_END) {
      return;
    }
    for (const key of ['video', 'pstnShare'] as const) {
      if (ctx.present([...path, key]) && t[key] > 0) {
        ctx.warning(
          [...path, key],
          ErrorCodes.SCENARIO_RULE,
          `${key} applies to streams between sites; every call of this stream is a PSTN call`,
        );
      }
    }
  },
);
