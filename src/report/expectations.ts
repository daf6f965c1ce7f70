/**
 * The `expect:` assertions of a scenario's calls, checked against what a call turned out to be
 * (decided in explain, observed in a run). Pure; it knows nothing of how the outcome was made.
 */
import type { CallExpectation, DecisionExpectation } from '../scenario/index.js';

/** What a call turned out to be, for checking `expect:`. Fields a mode cannot know are left out. */
export interface CallOutcome {
  readonly decision: string;
  readonly path: readonly string[];
  readonly reason: string;
  readonly sipStatus?: number;
  /** `interrupted`: media flowed, then stopped before the call ended (a fault). */
  readonly media?: 'both-ways' | 'one-way' | 'none' | 'interrupted';
  readonly lossPercent?: number;
  /** The audio codec on the caller's side. */
  readonly codec?: string | null;
  readonly videoCodec?: string | null;
  /** The endpoint of a called user that answered. */
  readonly answeredBy?: string | null;
  readonly earlyDialogs?: number;
  readonly greetingClipped?: boolean;
  readonly rtcpTeardown?: boolean;
}

/** One expectation that did not hold. */
export interface ExpectationFailure {
  readonly field: string;
  readonly expected: string;
  readonly actual: string;
}

/** Formats a host path as the scenario writes it: `alice -> ms-chi -> gw-chi`. */
export function formatHostPath(path: readonly string[]): string {
  return path.length ? path.join(' -> ') : 'none';
}

function normalizePath(s: string): string {
  return s
    .split('->')
    .map((x) => x.trim())
    .filter((x) => x !== '')
    .join(' -> ');
}

/**
 * Checks every field of an expectation that the outcome can answer. `prefix` names the part
 * of the call the expectation is about in each failure (`transfer.`, `contrast.`).
 */
export function checkExpectation(
  expect: CallExpectation | DecisionExpectation | null,
  outcome: CallOutcome,
  prefix = '',
): ExpectationFailure[] {
  if (!expect) {
    return [];
  }
  const failures = [...decisionFailures(expect, outcome), ...detailFailures(expect, outcome)];
  return prefix === '' ? failures : failures.map((f) => ({ ...f, field: `${prefix}${f.field}` }));
}

/** The fields of an expectation about the decision itself. */
function decisionFailures(
  expect: CallExpectation | DecisionExpectation,
  outcome: CallOutcome,
): ExpectationFailure[] {
  const failures: ExpectationFailure[] = [];
  if (expect.decision !== undefined && expect.decision !== outcome.decision) {
    failures.push({ field: 'decision', expected: expect.decision, actual: outcome.decision });
  }
  if (expect.path !== undefined) {
    const want = normalizePath(expect.path);
    const got = formatHostPath(outcome.path);
    if (want !== got) {
      failures.push({ field: 'path', expected: want, actual: got });
    }
  }
  if (
    expect.reason !== undefined &&
    !outcome.reason.toLowerCase().includes(expect.reason.toLowerCase())
  ) {
    failures.push({
      field: 'reason',
      expected: `contains "${expect.reason}"`,
      actual: outcome.reason,
    });
  }
  if (
    expect.sipStatus !== undefined &&
    outcome.sipStatus !== undefined &&
    expect.sipStatus !== outcome.sipStatus
  ) {
    failures.push({
      field: 'sipStatus',
      expected: String(expect.sipStatus),
      actual: String(outcome.sipStatus),
    });
  }
  return failures;
}

/** The fields of an expectation about what the call carries (some known only to a run). */
function detailFailures(
  expect: CallExpectation | DecisionExpectation,
  outcome: CallOutcome,
): ExpectationFailure[] {
  const e = expect as CallExpectation;
  const failures: ExpectationFailure[] = [];
  type Value = string | number | boolean | undefined;
  const same = (field: string, want: Value, got: Value): void => {
    if (want !== undefined && got !== undefined && want !== got) {
      failures.push({ field, expected: String(want), actual: String(got) });
    }
  };
  same('codec', e.codec, outcome.codec === undefined ? undefined : (outcome.codec ?? 'none'));
  same(
    'videoCodec',
    e.videoCodec,
    outcome.videoCodec === undefined ? undefined : (outcome.videoCodec ?? 'none'),
  );
  same(
    'answeredBy',
    e.answeredBy,
    outcome.answeredBy === undefined ? undefined : (outcome.answeredBy ?? 'none'),
  );
  same('earlyDialogs', e.earlyDialogs, outcome.earlyDialogs);
  same('greetingClipped', e.greetingClipped, outcome.greetingClipped);
  same('rtcpTeardown', e.rtcpTeardown, outcome.rtcpTeardown);
  const expectMedia = e.media;
  if (expectMedia !== undefined && outcome.media !== undefined && expectMedia !== outcome.media) {
    failures.push({ field: 'media', expected: expectMedia, actual: outcome.media });
  }
  if (
    e.maxLossPercent !== undefined &&
    outcome.lossPercent !== undefined &&
    outcome.lossPercent > e.maxLossPercent
  ) {
    failures.push({
      field: 'maxLossPercent',
      expected: `<= ${e.maxLossPercent}%`,
      actual: `${outcome.lossPercent.toFixed(2)}%`,
    });
  }
  return failures;
}
