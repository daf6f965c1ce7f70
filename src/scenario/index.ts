/**
 * The scenario layer's public face: load and validate a scenario file into the frozen model,
 * the model's types, the enumerations of the format with their defaults, and the semantic
 * rules in their one ordered list (so that a caller can run one rule, or all, by id). Other
 * layers import from here, never from a file inside.
 *
 * This layer must not know the topology, the policy, SIP, media or the lab.
 */
export * from './types.js';
export * from './problems.js';
export * from './enums.js';
export { loadScenarioFile, loadScenarioText, deepFreeze, type LoadResult } from './load.js';
export { durationMs } from './normalize.js';
export { PLAIN_CALL_OPTIONS } from './normalize-calls.js';
export { scenarioSchema } from './schema.js';
export {
  CITED_DOMAIN_RULES,
  isDomainRuleId,
  runRules,
  SCENARIO_RULE_IDS,
  SCENARIO_RULES,
  selectRules,
  type DomainRuleId,
  type RuleContext,
  type RuleProblem,
  type ScenarioFacts,
  type ScenarioRule,
  type Subject,
  type SubjectItems,
} from './rules/index.js';
/** The former names of {@link CODEC_NAMES} and {@link DECISIONS}. */
export { CODEC_NAMES as codecNames, DECISIONS as decisionNames } from './enums.js';
