/**
 * Rules on the live run's faults: a partition is between two known, different sites and lasts
 * some time; a host that stops is a host of the scenario the lab emulates (an outside peer is
 * stopped by its owner, not by the lab).
 *
 * This file must not know YAML, zod or source positions, nor how a fault is injected.
 */
import { ErrorCodes } from '../../core/index.js';
import { defineRule } from './rule.js';
import { listOf } from './shared.js';

/** Every fault names what exists: two sites, or an emulated host. */
export const faultPartiesKnown = defineRule(
  {
    id: 'faults.known-parties',
    subject: 'scenario',
    checks:
      'A partition is between two different sites and lasts more than zero; a stopped host is an emulated host of the scenario.',
    messages: [
      'unknown site "<site>"',
      'a partition needs two different sites',
      'a partition needs a duration above zero',
      'unknown host "<host>" (or an outside peer, which the lab cannot stop)',
    ],
  },
  function faultPartiesKnown({ value: s }, ctx) {
    const f = ctx.facts;
    const outside = new Set(
      [...s.hosts.gateways, ...s.hosts.clients].filter((h) => h.external).map((h) => h.name),
    );
    for (const [i, fault] of s.faults.entries()) {
      if (fault.kind === 'partition') {
        for (const j of [0, 1] as const) {
          if (!f.siteNames.has(fault.between[j])) {
            ctx.error(
              ['faults', i, 'partition', j],
              ErrorCodes.SCENARIO_UNKNOWN_REF,
              `unknown site "${fault.between[j]}"`,
              { expected: `one of ${listOf(f.siteNames)}` },
            );
          }
        }
        if (fault.between[0] === fault.between[1]) {
          ctx.error(
            ['faults', i, 'partition'],
            ErrorCodes.SCENARIO_RULE,
            'a partition needs two different sites',
          );
        }
        if (fault.durationMs <= 0) {
          ctx.error(
            ['faults', i, 'duration'],
            ErrorCodes.SCENARIO_RULE,
            'a partition needs a duration above zero',
          );
        }
      } else if (!f.hostNames.has(fault.host) || outside.has(fault.host)) {
        ctx.error(
          ['faults', i, 'stop'],
          ErrorCodes.SCENARIO_UNKNOWN_REF,
          `unknown host "${fault.host}" (or an outside peer, which the lab cannot stop)`,
          { expected: 'a host of the scenario that the lab emulates' },
        );
      }
    }
  },
);
