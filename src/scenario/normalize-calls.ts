/**
 * Normalizing the call timeline: each call's kind from who calls whom (a call to a user rings
 * the user's endpoints and is answered by one of them, b.5 #37), its durations in
 * milliseconds, a transfer during the call (b.5 #39), and what is expected of it.
 *
 * This file must not know zod, YAML positions or the semantic rules: a name it cannot place
 * is kept as written, for the rules to report.
 */
import {
  DEFAULT_CALL_MODALITY,
  MODALITIES,
  type CodecName,
  type Decision,
  type ExpectedMedia,
  type VideoCodecName,
} from './enums.js';
import type {
  Call,
  CallExpectation,
  CallKind,
  CallTransfer,
  DecisionExpectation,
  User,
} from './types.js';
import { durationMs, obj, pick, str, strOrNull } from './normalize-read.js';

/** The names a call's parties are looked up in, to tell its kind. */
export interface CallParties {
  readonly clients: ReadonlySet<string>;
  readonly gateways: ReadonlySet<string>;
  readonly users: ReadonlyMap<string, User>;
}

/**
 * A call of the timeline; its kind follows from who calls whom, and whether a trunk is given.
 * A call to a user goes to the endpoint that answers (`answeredBy`, else the user's first).
 */
/**
 * The options of a call that is placed as it is: to a host rather than a user, answered at
 * once, no video codec asked for, no transfer, no escalation. Calls made outside a scenario's
 * timeline (an outside peer's, one placed on demand, a busy hour's) start from these.
 */
export const PLAIN_CALL_OPTIONS = Object.freeze({
  user: null,
  answerAfterMs: 0,
  videoCodec: null,
  transfer: null,
  transferOf: null,
  escalateAtMs: null,
} as const satisfies Pick<
  Call,
  'user' | 'answerAfterMs' | 'videoCodec' | 'transfer' | 'transferOf' | 'escalateAtMs'
>);

export function call(c: unknown, index: number, parties: CallParties): Call {
  const o = obj(c);
  const from = str(o.from, '');
  const written = str(o.to, '');
  const user = parties.users.get(written) ?? null;
  const to = user ? answeringEndpoint(user, o.answeredBy) : written;
  const trunk = strOrNull(o.trunk);
  const { clients, gateways } = parties;
  let kind: CallKind = 'p2p';
  if (clients.has(from) && (gateways.has(to) || (trunk !== null && !clients.has(to)))) {
    kind = 'outbound-pstn';
  } else if (gateways.has(from)) {
    kind = 'inbound-pstn';
  }
  return {
    id: str(o.id, `call-${index + 1}`),
    index,
    atMs: durationMs(o.at, 0),
    durationMs: durationMs(o.duration, 5000),
    kind,
    from,
    to,
    trunk:
      kind === 'outbound-pstn'
        ? (trunk ?? (gateways.has(to) ? to : null))
        : kind === 'inbound-pstn'
          ? from
          : trunk,
    number: strOrNull(o.number),
    codec: typeof o.codec === 'string' ? (o.codec as CodecName) : null,
    modality: pick(o.modality, MODALITIES, DEFAULT_CALL_MODALITY),
    expect: o.expect === undefined ? null : expectation(obj(o.expect)),
    user: user?.name ?? null,
    answerAfterMs: durationMs(o.answerAfter, 0),
    videoCodec: typeof o.videoCodec === 'string' ? (o.videoCodec as VideoCodecName) : null,
    transfer: o.transfer === undefined ? null : transfer(obj(o.transfer), parties),
    transferOf: null,
    escalateAtMs: o.escalateAt === undefined ? null : durationMs(o.escalateAt, 0),
  };
}

/** The endpoint that answers a call to a user: the one named, else the first. */
function answeringEndpoint(user: User, answeredBy: unknown): string {
  return typeof answeredBy === 'string' ? answeredBy : (user.endpoints[0] ?? user.name);
}

/** A transfer during a call: to a user (its first endpoint takes it), a client or a number. */
function transfer(o: Record<string, unknown>, parties: CallParties): CallTransfer {
  const to = str(o.to, '');
  const toUser = parties.users.get(to) ?? null;
  const toClient = toUser ? (toUser.endpoints[0] ?? null) : parties.clients.has(to) ? to : null;
  return {
    atMs: durationMs(o.at, 0),
    to,
    toClient,
    toUser: toUser?.name ?? null,
    trunk: strOrNull(o.trunk),
    expect: o.expect === undefined ? null : decisionExpectation(obj(o.expect)),
  };
}

/** The part of an expectation that a decision answers; only the keys given are checked. */
function decisionExpectation(e: Record<string, unknown>): DecisionExpectation {
  return {
    ...(typeof e.decision === 'string' ? { decision: e.decision as Decision } : {}),
    ...(typeof e.path === 'string' ? { path: e.path } : {}),
    ...(typeof e.reason === 'string' ? { reason: e.reason } : {}),
    ...(typeof e.sipStatus === 'number' ? { sipStatus: e.sipStatus } : {}),
  };
}

/** What a call is expected to do; only the keys given are checked. */
function expectation(e: Record<string, unknown>): CallExpectation {
  return {
    ...decisionExpectation(e),
    ...(typeof e.media === 'string' ? { media: e.media as ExpectedMedia } : {}),
    ...(typeof e.maxLossPercent === 'number' ? { maxLossPercent: e.maxLossPercent } : {}),
    ...(typeof e.codec === 'string' ? { codec: e.codec as CodecName } : {}),
    ...(typeof e.videoCodec === 'string' ? { videoCodec: e.videoCodec as VideoCodecName } : {}),
    ...(typeof e.answeredBy === 'string' ? { answeredBy: e.answeredBy } : {}),
    ...(typeof e.earlyDialogs === 'number' ? { earlyDialogs: e.earlyDialogs } : {}),
    ...(typeof e.greetingClipped === 'boolean' ? { greetingClipped: e.greetingClipped } : {}),
    ...(typeof e.rtcpTeardown === 'boolean' ? { rtcpTeardown: e.rtcpTeardown } : {}),
    ...(e.contrast === undefined ? {} : { contrast: decisionExpectation(obj(e.contrast)) }),
  };
}
