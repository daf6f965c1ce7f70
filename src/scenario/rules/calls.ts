/**
 * Rules on the run's timeline: the impaired links between sites, and each call (a unique id,
 * a known caller, callee (a client, a user, a gateway or a number) and trunk, a duration, a
 * modality the simulator models, and expected media paths through known hosts). What happens
 * during a call (answer, transfer, escalation) is in `transfers.ts`.
 *
 * This file must not know YAML, zod or source positions, nor how a call is decided or run.
 */
import { ErrorCodes } from '../../core/index.js';
import { defineRule } from './rule.js';
import { knownName, listOf } from './shared.js';

/** An impaired link joins two known sites. */
export const linkSitesKnown = defineRule(
  {
    id: 'links.known-sites',
    subject: 'link',
    checks: 'An impaired link is between two sites of the scenario.',
    messages: ['unknown site "<site>"'],
  },
  function linkSitesKnown({ value: l, path }, ctx) {
    for (const j of [0, 1] as const) {
      const site = l.between[j];
      if (!ctx.facts.siteNames.has(site)) {
        ctx.error(
          [...path, 'between', j],
          ErrorCodes.SCENARIO_UNKNOWN_REF,
          `unknown site "${site}"`,
          {
            expected: 'two sites: the impairment applies to traffic between hosts of those sites',
          },
        );
      }
    }
  },
);

/** Each call has an id of its own. */
export const callIdUnique = defineRule(
  {
    id: 'calls.unique-id',
    subject: 'call',
    checks: 'No earlier call has the same id.',
    messages: ['call id "<id>" is used twice (calls[<index>])'],
  },
  function callIdUnique({ value: c, path, index }, ctx) {
    const prev = ctx.facts.earlierCallId[index];
    if (prev !== undefined) {
      ctx.error(
        [...path, 'id'],
        ErrorCodes.SCENARIO_DUPLICATE,
        `call id "${c.id}" is used twice (calls[${prev}])`,
      );
    }
  },
);

/** A call is placed by a client or a gateway. */
export const callCallerKnown = defineRule(
  {
    id: 'calls.known-caller',
    subject: 'call',
    checks: 'A call is placed by a client or a gateway of the scenario.',
    messages: ['unknown caller "<name>"'],
  },
  function callCallerKnown({ value: c, path }, ctx) {
    const f = ctx.facts;
    if (!f.clientNames.has(c.from) && !f.gatewayNames.has(c.from)) {
      ctx.error([...path, 'from'], ErrorCodes.SCENARIO_UNKNOWN_REF, `unknown caller "${c.from}"`, {
        expected: `a client or gateway: ${listOf(new Set([...f.clientNames, ...f.gatewayNames]))}`,
      });
    }
  },
);

/** An inbound call reaches a client; a client's call reaches a client, a gateway or a number. */
export const callCalleeKnown = defineRule(
  {
    id: 'calls.known-callee',
    subject: 'call',
    checks:
      "A gateway's call goes to a client; a client's call goes to a client or a gateway of the scenario, or to a number over a trunk.",
    messages: [
      'an inbound call from gateway <gateway> must go to a client, not "<name>"',
      'unknown callee "<name>" (for a number, give trunk:)',
    ],
  },
  function callCalleeKnown({ value: c, path }, ctx) {
    const f = ctx.facts;
    if (f.gatewayNames.has(c.from) && !f.clientNames.has(c.to)) {
      ctx.error(
        [...path, 'to'],
        ErrorCodes.SCENARIO_UNKNOWN_REF,
        `an inbound call from gateway ${c.from} must go to a client, not "${c.to}"`,
        { expected: `a client or user: ${listOf(new Set([...f.clientNames, ...f.userNames]))}` },
      );
    } else if (
      f.clientNames.has(c.from) &&
      !f.clientNames.has(c.to) &&
      !f.gatewayNames.has(c.to) &&
      c.trunk === null
    ) {
      ctx.error(
        [...path, 'to'],
        ErrorCodes.SCENARIO_UNKNOWN_REF,
        `unknown callee "${c.to}" (for a number, give trunk:)`,
        {
          expected: `a client, user or gateway: ${listOf(new Set([...f.clientNames, ...f.userNames, ...f.gatewayNames]))}`,
        },
      );
    }
  },
);

/** A call's trunk, when given, is a known gateway. */
export const callTrunkKnown = defineRule(
  {
    id: 'calls.known-trunk',
    subject: 'call',
    checks: "A call's trunk, when given, is a gateway of the scenario.",
    messages: ['unknown gateway "<name>"'],
  },
  function callTrunkKnown({ value: c, path }, ctx) {
    const given = ctx.present([...path, 'trunk']);
    knownName(ctx, [...path, 'trunk'], given ? c.trunk : null, ctx.facts.gatewayNames, 'gateway');
  },
);

/** A call does not go to its own caller. */
export const callNotToSelf = defineRule(
  {
    id: 'calls.not-to-self',
    subject: 'call',
    checks: 'A call goes to someone other than its caller.',
    messages: ['a call cannot go to its own caller'],
  },
  function callNotToSelf({ value: c, path }, ctx) {
    if (c.from === c.to) {
      ctx.error([...path, 'to'], ErrorCodes.SCENARIO_RULE, 'a call cannot go to its own caller');
    }
  },
);

/** A call lasts some time. */
export const callDurationPositive = defineRule(
  {
    id: 'calls.positive-duration',
    subject: 'call',
    checks: 'A call lasts more than zero milliseconds.',
    messages: ['a call needs a duration above zero'],
  },
  function callDurationPositive({ value: c, path }, ctx) {
    if (c.durationMs <= 0) {
      ctx.error(
        [...path, 'duration'],
        ErrorCodes.SCENARIO_RULE,
        'a call needs a duration above zero',
      );
    }
  },
);

/** Video is modelled between clients only. */
export const callVideoClientToClient = defineRule(
  {
    id: 'calls.video-client-to-client',
    subject: 'call',
    checks: 'A video call is a call from client to client.',
    messages: ['video is modelled for client-to-client calls only'],
  },
  function callVideoClientToClient({ value: c, path }, ctx) {
    if (c.modality === 'video' && c.kind !== 'p2p') {
      ctx.error(
        [...path, 'modality'],
        ErrorCodes.SCENARIO_RULE,
        'video is modelled for client-to-client calls only',
      );
    }
  },
);

/** The expected media paths name known hosts (or `pstn`, `none`). */
export const callExpectedPathKnown = defineRule(
  {
    id: 'calls.known-expected-path',
    subject: 'call',
    checks:
      "Every hop of a call's expected media paths (of the call, after its transfer, under the contrast deployment) is a host of the scenario, a Teams relay, pstn or none.",
    messages: ['unknown host "<name>" in the expected path'],
  },
  function callExpectedPathKnown({ value: c, path }, ctx) {
    const paths: [readonly (string | number)[], string | undefined][] = [
      [['expect', 'path'], c.expect?.path],
      [['expect', 'contrast', 'path'], c.expect?.contrast?.path],
      [['transfer', 'expect', 'path'], c.transfer?.expect?.path],
    ];
    for (const [key, text] of paths) {
      if (text === undefined) {
        continue;
      }
      for (const hop of text.split('->').map((x) => x.trim())) {
        const known =
          ctx.facts.hostNames.has(hop) ||
          ctx.facts.teamsRelayNames.has(hop) ||
          hop === 'pstn' ||
          hop === 'none';
        if (!known) {
          ctx.error(
            [...path, ...key],
            ErrorCodes.SCENARIO_UNKNOWN_REF,
            `unknown host "${hop}" in the expected path`,
            { expected: 'host names joined by ->' },
          );
        }
      }
    }
  },
);
