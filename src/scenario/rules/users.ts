/**
 * Rules on users and their endpoints (docs/rules.md b.5 #37): a user's name is unique among
 * users and hosts (one SIP namespace), its endpoints are clients, each client is the endpoint
 * of one user at most, and an endpoint takes its SIP URI, line URI, voice policy and voice
 * mail from its user.
 *
 * This file must not know YAML, zod or source positions, nor how a call forks.
 */
import { ErrorCodes } from '../../core/index.js';
import { defineRule } from './rule.js';
import { knownName, listOf } from './shared.js';

/** A user's name is its own: no other user and no host has it. */
export const userNameUnique = defineRule(
  {
    id: 'users.unique-name',
    subject: 'user',
    checks: 'No other user and no host has the name of a user (calls name either).',
    messages: ['user name "<name>" is used twice', 'user name "<name>" is also a host name'],
  },
  function userNameUnique({ value: u, path, index }, ctx) {
    const earlier = ctx.scenario.users.slice(0, index).some((x) => x.name === u.name);
    if (earlier) {
      ctx.error(
        [...path, 'name'],
        ErrorCodes.SCENARIO_DUPLICATE,
        `user name "${u.name}" is used twice`,
      );
    } else if (ctx.facts.hostNames.has(u.name)) {
      ctx.error(
        [...path, 'name'],
        ErrorCodes.SCENARIO_DUPLICATE,
        `user name "${u.name}" is also a host name`,
        {
          expected: 'a name no host has: a call to it must say whether it is the user or the host',
        },
      );
    }
  },
);

/** A user's endpoints are clients, each listed once and by no other user. */
export const userEndpointsKnown = defineRule(
  {
    id: 'users.known-endpoints',
    subject: 'user',
    checks:
      "A user's endpoints are clients of the scenario, each listed once, and no client is the endpoint of two users.",
    messages: [
      'unknown client "<name>"',
      'endpoint "<name>" is listed twice',
      'client "<name>" is already an endpoint of user "<user>"',
    ],
  },
  function userEndpointsKnown({ value: u, path }, ctx) {
    const seen = new Set<string>();
    u.endpoints.forEach((e, j) => {
      const at = [...path, 'endpoints', j];
      if (!ctx.facts.clientNames.has(e)) {
        ctx.error(at, ErrorCodes.SCENARIO_UNKNOWN_REF, `unknown client "${e}"`, {
          expected: `clients: ${listOf(ctx.facts.clientNames)}`,
        });
      } else if (seen.has(e)) {
        ctx.error(at, ErrorCodes.SCENARIO_DUPLICATE, `endpoint "${e}" is listed twice`);
      } else {
        const owner = ctx.facts.endpointOwner.get(e);
        if (owner !== undefined && owner !== u.name) {
          ctx.error(
            at,
            ErrorCodes.SCENARIO_DUPLICATE,
            `client "${e}" is already an endpoint of user "${owner}"`,
          );
        }
      }
      seen.add(e);
    });
  },
);

/** A user's voice policy, when given, is a known policy. */
export const userVoicePolicyKnown = defineRule(
  {
    id: 'users.known-voice-policy',
    subject: 'user',
    checks: "A user's voice policy, when given, is a voice policy of the scenario.",
    messages: ['unknown voice policy "<name>"'],
  },
  function userVoicePolicyKnown({ value: u, path }, ctx) {
    const given = ctx.present([...path, 'voicePolicy']);
    knownName(
      ctx,
      [...path, 'voicePolicy'],
      given ? u.voicePolicy : null,
      ctx.facts.voicePolicyNames,
      'voice policy',
    );
  },
);

const FROM_USER = ['sipUri', 'lineUri', 'voicePolicy', 'voicemail'] as const;

/** An endpoint's identity comes from its user: the client's own keys are not used. */
export const endpointTakesUserSettings = defineRule(
  {
    id: 'users.endpoint-settings',
    subject: 'client',
    checks:
      "A client that is an endpoint of a user does not set sipUri, lineUri, voicePolicy or voicemail itself: they are the user's (a warning).",
    messages: ['<key> of an endpoint is not used: <client> takes it from user <user>'],
  },
  function endpointTakesUserSettings({ value: c, path }, ctx) {
    const owner = ctx.facts.endpointOwner.get(c.name);
    if (owner === undefined) {
      return;
    }
    for (const key of FROM_USER) {
      if (ctx.present([...path, key])) {
        ctx.warning(
          [...path, key],
          ErrorCodes.SCENARIO_RULE,
          `${key} of an endpoint is not used: ${c.name} takes it from user ${owner}`,
        );
      }
    }
  },
);
