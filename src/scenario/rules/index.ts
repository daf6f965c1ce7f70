/**
 * The semantic rules of a scenario, in ONE ordered list, and the runner that applies them to
 * the normalized model: references, uniqueness, addressing, and the configuration rules of
 * docs/rules.md (section d) that apply to a simulation. A caller (the loader, a lab driven by
 * cmdlets, what-if planning) runs them all, or picks some by id.
 *
 * The order is the order of the report. Consecutive rules with the same subject run object by
 * object: for each site, every site rule in list order, then the next site. So the problems of
 * one object stay together, in the order of the list.
 *
 * This file must not know YAML, zod or source positions: the loader turns paths into
 * file:line:col.
 */
import { InternalError } from '../../core/index.js';
import type { PathSegments } from '../problems.js';
import type { Scenario } from '../types.js';
import {
  clientAddressMapped,
  clientMaskBitsValid,
  edgeAddressIsSubnet,
  gatewayAddressMapped,
  mediationServerAddressesMapped,
  mediationServerOneSite,
  subnetNested,
  subnetRangeValid,
  subnetSiteKnown,
} from './addressing.js';
import {
  alwaysBypassNeedsBypass,
  alwaysBypassWithoutCac,
  bypassNeedsConcentratedTopology,
  bypassWithoutReferNeedsRtcpOff,
  defaultBypassIdWithCac,
  globalBypassIdIsGuid,
  regionBypassIdIsGuid,
  siteBypassIdIsGuid,
} from './bypass.js';
import {
  alternatePathFormsExclusive,
  everyRegionPairRouted,
  interSitePolicyReferencesKnown,
  interSitePolicyUnique,
  profileLimitsValid,
  profileSessionWithinTotal,
  regionLinkDistinctRegions,
  regionLinkReferencesKnown,
  regionRouteChained,
  regionRouteReferencesKnown,
  regionRouteUnique,
} from './cac.js';
import {
  callCalleeKnown,
  callCallerKnown,
  callDurationPositive,
  callExpectedPathKnown,
  callIdUnique,
  callNotToSelf,
  callTrunkKnown,
  callVideoClientToClient,
  linkSitesKnown,
} from './calls.js';
import {
  codecFiguresValid,
  deploymentConsistent,
  teamsNamesAndRanges,
  teamsSbcKnown,
} from './deployment.js';
import { scenarioFacts, subjectItems } from './facts.js';
import { faultPartiesKnown } from './faults.js';
import {
  clientHasCodecs,
  clientVoicePolicyKnown,
  edgeSiteKnown,
  gatewayHasCodecs,
  gatewayMediaTerminationPoint,
  gatewayMediationServerKnown,
  gatewayNumbersValid,
  mediationServerSiteKnown,
} from './hosts.js';
import { uniqueHostAddresses, uniqueHostNames, uniqueNames } from './names.js';
import { isDomainRuleId } from '../rules.js';
import {
  type RuleContext,
  type RuleProblem,
  type ScenarioFacts,
  type ScenarioRule,
  type Subject,
} from './rule.js';
import {
  regionCentralSiteForCac,
  regionCentralSiteKnown,
  siteNeedsRegion,
  siteProfileExists,
  siteRegionExists,
} from './sites.js';
import {
  trafficEndsKnown,
  trafficHoldingPositive,
  trafficLoadGiven,
  trafficSharesApply,
  trafficSiteHasClients,
  trafficTrunksKnown,
} from './traffic.js';
import { mediaScopeKnown, srtpOnTcpTrunk, trunkScopeKnown, trunkScopeUnique } from './trunks.js';
import {
  callAnsweredBy,
  callTimesWithin,
  callTransferValid,
  callVideoCodecOnVideo,
  earlyDialogsCapped,
  peerWithoutRtcp,
  transferLosesBypass,
} from './transfers.js';
import {
  endpointTakesUserSettings,
  userEndpointsKnown,
  userNameUnique,
  userVoicePolicyKnown,
} from './users.js';
import { voicePolicyHasUsages, voiceRoutesValid } from './voice.js';

export { CITED_DOMAIN_RULES, isDomainRuleId, type DomainRuleId } from '../rules.js';
export type {
  HostItem,
  HostList,
  Item,
  ProblemDetails,
  RuleContext,
  RuleProblem,
  ScenarioFacts,
  ScenarioRule,
  Subject,
  SubjectItems,
} from './rule.js';

/** Every semantic rule of a scenario, in the order they run and report. */
export const SCENARIO_RULES: readonly ScenarioRule[] = [
  // Names.
  uniqueNames,
  uniqueHostNames,
  uniqueHostAddresses,
  // Regions and sites.
  regionBypassIdIsGuid,
  alternatePathFormsExclusive,
  regionCentralSiteForCac,
  regionCentralSiteKnown,
  siteRegionExists,
  siteProfileExists,
  siteNeedsRegion,
  siteBypassIdIsGuid,
  // Subnets.
  subnetSiteKnown,
  subnetRangeValid,
  subnetNested,
  // Bandwidth policy profiles, region links and routes, inter-site policies.
  profileLimitsValid,
  profileSessionWithinTotal,
  regionLinkReferencesKnown,
  regionLinkDistinctRegions,
  regionRouteReferencesKnown,
  regionRouteUnique,
  regionRouteChained,
  everyRegionPairRouted,
  interSitePolicyReferencesKnown,
  interSitePolicyUnique,
  // Global media bypass settings against CAC.
  alwaysBypassWithoutCac,
  alwaysBypassNeedsBypass,
  defaultBypassIdWithCac,
  globalBypassIdIsGuid,
  // Trunk and media configurations.
  trunkScopeKnown,
  trunkScopeUnique,
  bypassNeedsConcentratedTopology,
  bypassWithoutReferNeedsRtcpOff,
  srtpOnTcpTrunk,
  mediaScopeKnown,
  // Voice policies.
  voicePolicyHasUsages,
  voiceRoutesValid,
  // Hosts.
  mediationServerSiteKnown,
  mediationServerAddressesMapped,
  mediationServerOneSite,
  gatewayMediationServerKnown,
  gatewayAddressMapped,
  gatewayNumbersValid,
  gatewayMediaTerminationPoint,
  gatewayHasCodecs,
  peerWithoutRtcp,
  clientVoicePolicyKnown,
  clientMaskBitsValid,
  clientAddressMapped,
  clientHasCodecs,
  endpointTakesUserSettings,
  edgeSiteKnown,
  edgeAddressIsSubnet,
  // Users and their endpoints.
  userNameUnique,
  userEndpointsKnown,
  userVoicePolicyKnown,
  // Codec figures, the deployment and Teams Direct Routing.
  codecFiguresValid,
  deploymentConsistent,
  teamsNamesAndRanges,
  teamsSbcKnown,
  // Impaired links and calls.
  linkSitesKnown,
  callIdUnique,
  callCallerKnown,
  callCalleeKnown,
  callTrunkKnown,
  callNotToSelf,
  callDurationPositive,
  callVideoClientToClient,
  callExpectedPathKnown,
  // The busy hour's offered load.
  trafficEndsKnown,
  trafficLoadGiven,
  trafficHoldingPositive,
  trafficSiteHasClients,
  trafficTrunksKnown,
  trafficSharesApply,
  callAnsweredBy,
  callTimesWithin,
  callVideoCodecOnVideo,
  callTransferValid,
  transferLosesBypass,
  earlyDialogsCapped,
  // Faults of the live run.
  faultPartiesKnown,
];

/** The distinct rule ids, in list order. */
export const SCENARIO_RULE_IDS: readonly string[] = [...new Set(SCENARIO_RULES.map((r) => r.id))];

/**
 * The rules with the given ids, in list order. One id may select several entries (d.V9 and
 * d.V11 apply to several kinds of object).
 *
 * @throws InternalError for an id that is not in the list: the caller has a bug.
 */
export function selectRules(ids: Iterable<string>): readonly ScenarioRule[] {
  const wanted = new Set(ids);
  for (const id of wanted) {
    if (!SCENARIO_RULE_IDS.includes(id)) {
      throw new InternalError(`no scenario rule has the id "${id}"`);
    }
  }
  return SCENARIO_RULES.filter((r) => wanted.has(r.id));
}

/**
 * Runs rules over a normalized scenario and returns what they found, in their order.
 *
 * @param present True when the scenario file itself has a value at a path (some rules only
 *   apply to what the user wrote, not to defaults).
 * @param rules All rules by default; {@link selectRules} picks some.
 */
export function runRules(
  scenario: Scenario,
  present: (path: PathSegments) => boolean,
  rules: readonly ScenarioRule[] = SCENARIO_RULES,
): RuleProblem[] {
  const out: RuleProblem[] = [];
  const facts = scenarioFacts(scenario, present);
  const items = subjectItems(scenario, facts, present);
  for (const group of bySubject(rules)) {
    const bound = group.rules.map((rule) => ({
      rule,
      ctx: ruleContext(rule, scenario, facts, present, out),
    }));
    for (const item of items[group.subject]) {
      for (const { rule, ctx } of bound) {
        rule.check(item, ctx);
      }
    }
  }
  return out;
}

/** Runs every rule: the semantic check of `loadScenarioText`. */
export function checkRules(
  scenario: Scenario,
  present: (path: PathSegments) => boolean,
): RuleProblem[] {
  return runRules(scenario, present);
}

/** Consecutive rules with the same subject, which run object by object. */
function bySubject(
  rules: readonly ScenarioRule[],
): { readonly subject: Subject; readonly rules: ScenarioRule[] }[] {
  const groups: { subject: Subject; rules: ScenarioRule[] }[] = [];
  for (const rule of rules) {
    const last = groups.at(-1);
    if (last?.subject === rule.subject) {
      last.rules.push(rule);
    } else {
      groups.push({ subject: rule.subject, rules: [rule] });
    }
  }
  return groups;
}

/** The context of one rule: its problems name the rule when it is a rule of docs/rules.md. */
function ruleContext(
  rule: ScenarioRule,
  scenario: Scenario,
  facts: ScenarioFacts,
  present: (path: PathSegments) => boolean,
  out: RuleProblem[],
): RuleContext {
  const cited = isDomainRuleId(rule.id) ? { rule: rule.id } : {};
  return {
    scenario,
    facts,
    present,
    error(path, code, message, details = {}) {
      out.push({ severity: 'error', code, path, message, ...details, ...cited });
    },
    warning(path, code, message, details = {}) {
      out.push({ severity: 'warning', code, path, message, ...details, ...cited });
    },
  };
}
