/**
 * The `expect:` assertions of a scenario's calls, checked against what a call turned out to be
 * (decided in explain, observed in a run). Pure; it knows nothing of how the outcome was made.
 */
import type { CallExpectation } from '../scenario/index.js';

/** What a call turned out to be, for checking `expect:`. Fields a mode cannot know are left out. */
export interface CallOutcome {
  readonly decision: string;
  readonly path: readonly string[];
  readonly reason: string;
  readonly sipStatus?: number;
  readonly media?: 'both-ways' | 'one-way' | 'none';
  readonly lossPercent?: number;
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

/** Checks every field of an expectation that the outcome can answer. */
export function checkExpectation(
  expect: CallExpectation | null,
  outcome: CallOutcome,
): ExpectationFailure[] {
  if (!expect) {
    return [];
  }
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
  if (expect.media !== undefined && outcome.media !== undefined && expect.media !== outcome.media) {
    failures.push({ field: 'media', expected: expect.media, actual: outcome.media });
  }
  if (
    expect.maxLossPercent !== undefined &&
    outcome.lossPercent !== undefined &&
    outcome.lossPercent > expect.maxLossPercent
  ) {
    failures.push({
      field: 'maxLossPercent',
      expected: `<= ${expect.maxLossPercent}%`,
      actual: `${outcome.lossPercent.toFixed(2)}%`,
    });
  }
  return failures;
}
