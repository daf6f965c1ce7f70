/**
 * Trunk and media configuration rules (docs/rules.md d.V15, d.V20): the scope each configuration
 * applies to, one configuration per scope, and SRTP on TCP trunks. The bypass rules of a trunk
 * (d.V13, d.V14) are in `bypass.ts`.
 *
 * This file must not know YAML, zod or source positions, nor how a trunk configuration is
 * chosen for a call.
 */
import { ErrorCodes } from '../../core/index.js';
import { defineRule } from './rule.js';
import { knownScope } from './shared.js';

/** A trunk configuration's scope names a known site or gateway. */
export const trunkScopeKnown = defineRule(
  {
    id: 'trunkConfigurations.known-scope',
    subject: 'trunkConfiguration',
    checks:
      "A trunk configuration's site:<name> or pstnGateway:<name> scope names a site or gateway of the scenario.",
    messages: ['unknown site "<site>" in scope', 'unknown gateway "<gateway>" in scope'],
  },
  function trunkScopeKnown({ value: t, path }, ctx) {
    const f = ctx.facts;
    knownScope(ctx, [...path, 'scope'], t.scope, f.siteNames, f.gatewayNames);
  },
);

/** d.V20: a site or service has only one trunk configuration. */
export const trunkScopeUnique = defineRule(
  {
    id: 'd.V20',
    subject: 'trunkConfiguration',
    checks: 'No earlier trunk configuration has the same scope (in any letter case).',
    messages: ['scope <scope> already has a trunk configuration (trunkConfigurations[<index>])'],
  },
  function trunkScopeUnique({ value: t, path, index }, ctx) {
    const prev = ctx.facts.earlierTrunkScope[index];
    if (prev !== undefined) {
      ctx.error(
        [...path, 'scope'],
        ErrorCodes.SCENARIO_DUPLICATE,
        `scope ${t.scope} already has a trunk configuration (trunkConfigurations[${prev}])`,
      );
    }
  },
);

/** d.V15: SRTPMode on a TCP trunk is silently forced to NotSupported. */
export const srtpOnTcpTrunk = defineRule(
  {
    id: 'd.V15',
    subject: 'trunkConfiguration',
    checks:
      'A gateway trunk configuration over TCP sets srtpMode only to NotSupported (a warning: it is forced).',
    messages: ['srtpMode <mode> is forced to NotSupported on a TCP trunk'],
  },
  function srtpOnTcpTrunk({ value: t, path }, ctx) {
    if (!t.scope.startsWith('pstnGateway:') || !ctx.present([...path, 'srtpMode'])) {
      return;
    }
    const g = ctx.scenario.hosts.gateways.find((x) => `pstnGateway:${x.name}` === t.scope);
    if (g?.transport === 'tcp' && t.srtpMode !== 'NotSupported') {
      ctx.warning(
        [...path, 'srtpMode'],
        ErrorCodes.SCENARIO_RULE,
        `srtpMode ${t.srtpMode} is forced to NotSupported on a TCP trunk`,
      );
    }
  },
);

/** A media configuration's scope names a known site. */
export const mediaScopeKnown = defineRule(
  {
    id: 'mediaConfigurations.known-scope',
    subject: 'mediaConfiguration',
    checks: "A media configuration's site:<name> scope names a site of the scenario.",
    messages: ['unknown site "<site>" in scope', 'unknown gateway "<gateway>" in scope'],
  },
  function mediaScopeKnown({ value: m, path }, ctx) {
    knownScope(ctx, [...path, 'scope'], m.scope, ctx.facts.siteNames, new Set());
  },
);
