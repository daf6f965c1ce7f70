/**
 * Rules on what happens during a call (docs/rules.md b.5 #37, #39, #40): the answering endpoint
 * of a call to a user, the times inside a call (answer, transfer, escalation), a transfer's
 * target and trunk, a transfer that loses bypass, more endpoints than the trunk's early
 * dialogs, and a peer without RTCP on a trunk that tears such calls down.
 *
 * This file must not know YAML, zod or source positions, nor how a call is decided.
 */
import { ErrorCodes } from '../../core/index.js';
import type { Call, Gateway } from '../types.js';
import { trunkOf } from './effective-trunk.js';
import { defineRule, type RuleContext } from './rule.js';
import { knownName, listOf } from './shared.js';

/** A call names its answering endpoint only when it goes to a user, and then one of its endpoints. */
export const callAnsweredBy = defineRule(
  {
    id: 'calls.answered-by',
    subject: 'call',
    checks:
      "A call's answeredBy is given only for a call to a user, and names one of the user's endpoints.",
    messages: [
      'answeredBy is for a call to a user; <to> is not one',
      '"<name>" is not an endpoint of user <user>',
    ],
  },
  function callAnsweredBy({ value: c, path }, ctx) {
    if (!ctx.present([...path, 'answeredBy'])) {
      return;
    }
    const user = ctx.scenario.users.find((u) => u.name === c.user);
    if (!user) {
      ctx.error(
        [...path, 'answeredBy'],
        ErrorCodes.SCENARIO_RULE,
        `answeredBy is for a call to a user; ${c.to} is not one`,
      );
    } else if (!user.endpoints.includes(c.to)) {
      ctx.error(
        [...path, 'answeredBy'],
        ErrorCodes.SCENARIO_UNKNOWN_REF,
        `"${c.to}" is not an endpoint of user ${user.name}`,
        { expected: `one of ${listOf(user.endpoints)}` },
      );
    }
  },
);

/** Things that happen during a call happen before it ends. */
export const callTimesWithin = defineRule(
  {
    id: 'calls.within-call',
    subject: 'call',
    checks: "A call's answerAfter, transfer time and escalateAt are shorter than its duration.",
    messages: ['<key> (<ms> ms) is not within the call (duration <ms> ms)'],
  },
  function callTimesWithin({ value: c, path }, ctx) {
    const times: [readonly (string | number)[], number | null][] = [
      [['answerAfter'], ctx.present([...path, 'answerAfter']) ? c.answerAfterMs : null],
      [['transfer', 'at'], c.transfer?.atMs ?? null],
      [['escalateAt'], c.escalateAtMs],
    ];
    for (const [key, ms] of times) {
      if (ms !== null && ms >= c.durationMs) {
        ctx.error(
          [...path, ...key],
          ErrorCodes.SCENARIO_RULE,
          `${key.join('.')} (${ms} ms) is not within the call (duration ${c.durationMs} ms)`,
          { expected: 'a time after the start and before the end of the call' },
        );
      }
    }
  },
);

/** A video codec is asked for on a video call only. */
export const callVideoCodecOnVideo = defineRule(
  {
    id: 'calls.video-codec',
    subject: 'call',
    checks: "A call's videoCodec is given only on a video call (a warning: it is not used).",
    messages: ['videoCodec is not used on an audio call'],
  },
  function callVideoCodecOnVideo({ value: c, path }, ctx) {
    if (c.videoCodec !== null && c.modality !== 'video') {
      ctx.warning(
        [...path, 'videoCodec'],
        ErrorCodes.SCENARIO_RULE,
        'videoCodec is not used on an audio call',
      );
    }
  },
);

/** The enterprise party of a PSTN call: the one who can transfer it. */
function transferor(c: Call): string {
  return c.kind === 'outbound-pstn' ? c.from : c.to;
}

/** A transfer is made during a PSTN call, to a user, a client or a number, through a known trunk. */
export const callTransferValid = defineRule(
  {
    id: 'calls.transfer',
    subject: 'call',
    checks:
      'A transfer is made during a PSTN call, to a user, a client or a number (not to the transferring client, nor another kind of host), and its trunk, when given, is a gateway.',
    messages: [
      'transfers are modelled on PSTN calls only',
      '<client> cannot transfer the call to itself',
      '"<name>" is a <kind>: a transfer goes to a user, a client or a number',
      'unknown gateway "<name>"',
    ],
  },
  function callTransferValid({ value: c, path }, ctx) {
    const t = c.transfer;
    if (!t) {
      return;
    }
    const at = [...path, 'transfer'];
    if (c.kind === 'p2p') {
      ctx.error(at, ErrorCodes.SCENARIO_RULE, 'transfers are modelled on PSTN calls only');
      return;
    }
    if (t.toClient !== null && t.toClient === transferor(c)) {
      ctx.error(
        [...at, 'to'],
        ErrorCodes.SCENARIO_RULE,
        `${t.toClient} cannot transfer the call to itself`,
      );
    }
    const host = ctx.facts.hosts.find((h) => h.value.name === t.to);
    if (t.toClient === null && t.toUser === null && host) {
      ctx.error(
        [...at, 'to'],
        ErrorCodes.SCENARIO_RULE,
        `"${t.to}" is a ${host.value.kind}: a transfer goes to a user, a client or a number`,
      );
    }
    const given = ctx.present([...at, 'trunk']);
    knownName(ctx, [...at, 'trunk'], given ? t.trunk : null, ctx.facts.gatewayNames, 'gateway');
  },
);

/** b.5 #39: a bypassed call transferred by the Mediation Server itself becomes relayed. */
export const transferLosesBypass = defineRule(
  {
    id: 'b.5#39',
    subject: 'call',
    checks:
      'A transfer on a trunk with EnableBypass on, EnableReferSupport off and Enable3pccRefer off is reported: the Mediation Server carries it out and a bypassed call becomes relayed (a warning).',
    messages: [
      'the transfer is carried out by the Mediation Server (<scope>: enableReferSupport and enable3pccRefer off): a bypassed call becomes relayed after it (d.V14)',
    ],
  },
  function transferLosesBypass({ value: c, path }, ctx) {
    const gw = transferGateway(ctx, c);
    const tc = gw ? trunkOf(ctx, gw) : undefined;
    if (c.transfer && tc?.enableBypass && !tc.enableReferSupport && !tc.enable3pccRefer) {
      ctx.warning(
        [...path, 'transfer'],
        ErrorCodes.SCENARIO_RULE,
        `the transfer is carried out by the Mediation Server (${tc.scope}: enableReferSupport and enable3pccRefer off): a bypassed call becomes relayed after it (d.V14)`,
      );
    }
  },
);

/** The gateway of a PSTN call, when there is one. */
function transferGateway(ctx: RuleContext, c: Call): Gateway | undefined {
  return c.kind === 'p2p' ? undefined : findGateway(ctx, c.trunk);
}

/** A gateway by name. */
function findGateway(ctx: RuleContext, name: string | null): Gateway | undefined {
  return ctx.scenario.hosts.gateways.find((g) => g.name === name);
}

/** b.5 #37: an inbound call to a user rings more endpoints than the trunk forwards early dialogs. */
export const earlyDialogsCapped = defineRule(
  {
    id: 'b.5#37',
    subject: 'call',
    checks:
      "An inbound call to a user with more endpoints than its trunk's MaxEarlyDialogs is reported: only that many early dialogs reach the peer (a warning).",
    messages: [
      'user <user> has <n> endpoints but <scope> forwards at most <n> early dialogs (maxEarlyDialogs) to <gateway>',
    ],
  },
  function earlyDialogsCapped({ value: c, path }, ctx) {
    const user = ctx.scenario.users.find((u) => u.name === c.user);
    const gw = c.kind === 'inbound-pstn' ? findGateway(ctx, c.from) : undefined;
    const tc = gw ? trunkOf(ctx, gw) : undefined;
    if (user && gw && tc && user.endpoints.length > tc.maxEarlyDialogs) {
      ctx.warning(
        [...path, 'to'],
        ErrorCodes.SCENARIO_RULE,
        `user ${user.name} has ${user.endpoints.length} endpoints but ${tc.scope} forwards at most ${tc.maxEarlyDialogs} early dialogs (maxEarlyDialogs) to ${gw.name}`,
      );
    }
  },
);

/** b.5 #40: a peer without RTCP on a trunk that tears down calls without RTCP. */
export const peerWithoutRtcp = defineRule(
  {
    id: 'b.5#40',
    subject: 'gateway',
    checks:
      'A gateway that sends no RTCP on a trunk with RTCPActiveCalls on is reported: its calls are torn down after simulation.rtcpTimeout, 30 s by default (a warning).',
    messages: [
      '<gateway> sends no RTCP and <scope> has rtcpActiveCalls on: its calls are torn down after <rtcpTimeout>',
    ],
  },
  function peerWithoutRtcp({ value: g, path }, ctx) {
    const tc = g.rtcp === 'none' ? trunkOf(ctx, g) : undefined;
    const timeoutMs = ctx.scenario.simulation.rtcpTimeoutMs;
    if (tc?.rtcpActiveCalls) {
      ctx.warning(
        [...path, 'rtcp'],
        ErrorCodes.SCENARIO_RULE,
        `${g.name} sends no RTCP and ${tc.scope} has rtcpActiveCalls on: its calls are torn down after ${timeoutMs / 1000} s`,
      );
    }
  },
);
