/**
 * Voice policy rules (docs/rules.md d.V21): PSTN usages, and the PSTN routes folded into each
 * policy.
 *
 * This file must not know YAML, zod or source positions, nor how a call is routed.
 */
import { ErrorCodes } from '../../core/index.js';
import { defineRule } from './rule.js';
import { knownName, validPattern } from './shared.js';

/** d.V21: a policy without PSTN usages lets its users place no outbound PSTN call. */
export const voicePolicyHasUsages = defineRule(
  {
    id: 'd.V21',
    subject: 'voicePolicy',
    checks: 'A voice policy that lists its PSTN usages lists at least one (a warning).',
    messages: [
      'voice policy "<name>" has no PSTN usages: its users cannot place outbound PSTN calls',
    ],
  },
  function voicePolicyHasUsages({ value: v, path }, ctx) {
    if (v.pstnUsages !== null && v.pstnUsages.length === 0) {
      ctx.warning(
        [...path, 'pstnUsages'],
        ErrorCodes.SCENARIO_RULE,
        `voice policy "${v.name}" has no PSTN usages: its users cannot place outbound PSTN calls`,
      );
    }
  },
);

/**
 * Each PSTN route has a valid number pattern and known trunks. Both are checked route by
 * route, so that the problems of one route are reported together.
 */
export const voiceRoutesValid = defineRule(
  {
    id: 'voicePolicies.routes',
    subject: 'voicePolicy',
    checks:
      "Each of a voice policy's PSTN routes has a number pattern that is a regular expression and names gateways of the scenario as trunks.",
    messages: ['"<pattern>" is not a valid regular expression', 'unknown gateway "<gateway>"'],
  },
  function voiceRoutesValid({ value: v, path }, ctx) {
    v.routes.forEach((r, j) => {
      validPattern(ctx, [...path, 'routes', j, 'numberPattern'], r.numberPattern);
      r.trunks.forEach((t, k) => {
        knownName(ctx, [...path, 'routes', j, 'trunks', k], t, ctx.facts.gatewayNames, 'gateway');
      });
    });
  },
);
