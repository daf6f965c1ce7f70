/**
 * A lab's goals checked against what a live run showed: each call goal against the calls'
 * decisions, observed media paths, media directions, SIP status and loss (with the checker of
 * `expect:`); each configuration goal against the configuration as Get- cmdlets show it (the
 * caller looks it up); validation goals against the scenario's problems; link goals against
 * the Bandwidth Policy Service's reservations; answer goals against what the trainee recorded.
 * A goal's reason cites the rule trace of the calls it looked at.
 *
 * Pure: this file must not know files, sockets, the cmdlets or the CLI.
 */
import type { LedgerEvent } from '../policy/index.js';
import {
  checkExpectation,
  formatHostPath,
  type CallOutcome,
  type RunCallResult,
} from '../report/index.js';
import type { CallExpectation, Problem } from '../scenario/index.js';
import type { CallGoalExpect, LabDefinition, LabGoal } from './definition.js';

/** A property of the configuration as `Get-<noun> [-Identity x]` shows it. */
export type ConfigLookup = (
  noun: string,
  identity: string | undefined,
  property: string,
) =>
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

/** What the goals are checked against. */
export interface LabFacts {
  readonly calls: readonly RunCallResult[];
  readonly ledger: readonly LedgerEvent[];
  /** The scenario's validation problems (its warnings: the scenario ran, so it is valid). */
  readonly problems: readonly Problem[];
  readonly config: ConfigLookup;
  /** The trainee's answers, by key. */
  readonly answers: ReadonlyMap<string, string>;
}

/** One goal, checked. */
export interface GoalResult {
  readonly id: string;
  readonly title: string;
  readonly points: number;
  readonly met: boolean;
  readonly reason: string;
}

/** Every goal, and the score. */
export interface LabCheck {
  readonly goals: readonly GoalResult[];
  readonly points: number;
  readonly maxPoints: number;
  readonly allMet: boolean;
}

/** Checks every goal of a lab. */
export function checkGoals(lab: LabDefinition, facts: LabFacts): LabCheck {
  const goals = lab.goals.map((g) => checkGoal(g, facts));
  const points = goals.reduce((n, g) => n + (g.met ? g.points : 0), 0);
  const maxPoints = goals.reduce((n, g) => n + g.points, 0);
  return { goals, points, maxPoints, allMet: goals.every((g) => g.met) };
}

function checkGoal(g: LabGoal, facts: LabFacts): GoalResult {
  const base = { id: g.id, title: g.title, points: g.points ?? 1 };
  const verdict = g.expect
    ? callGoal(g, g.expect, facts)
    : g.config
      ? configGoal(g.config, facts)
      : g.noProblems
        ? problemsGoal(g.noProblems, facts)
        : g.link
          ? linkGoal(g.link, facts)
          : g.answer
            ? answerGoal(g.answer, facts)
            : { met: false, reason: 'the goal checks nothing' };
  return { ...base, ...verdict };
}

type Verdict = { readonly met: boolean; readonly reason: string };

// Calls.

/** What a call turned out to be, as `expect:` checks it. */
export function callOutcome(r: RunCallResult): CallOutcome {
  return {
    decision: r.decision.decision,
    path: r.observed.forward.complete ? r.observed.forward.hops : [],
    reason: `${r.decision.reason} ${r.observed.divergences.map((d) => d.detail).join(' ')}`,
    ...(r.finalStatus !== null ? { sipStatus: r.finalStatus } : {}),
    media: r.observed.media,
    lossPercent: r.observed.lossPercent,
  };
}

/** The failures of one call against a goal's expectation (a list of decisions allowed). */
function callFailures(r: RunCallResult, e: CallGoalExpect): string[] {
  const { decision, ...rest } = e;
  const single = Object.fromEntries(
    Object.entries({
      ...rest,
      decision: typeof decision === 'string' ? decision : undefined,
    }).filter(([, v]) => v !== undefined),
  ) as CallExpectation;
  const out = checkExpectation(single, callOutcome(r)).map(
    (f) => `expected ${f.field} ${f.expected}, got ${f.actual}`,
  );
  if (Array.isArray(decision) && !decision.includes(r.decision.decision)) {
    out.unshift(`expected decision ${decision.join(' or ')}, got ${r.decision.decision}`);
  }
  return out;
}

/** The steps of a call's rule trace that stopped a path, in a few words each. */
export function decisiveSteps(r: RunCallResult, max = 2): string {
  const steps = r.decision.trace.filter((s) => s.verdict === 'fail').slice(0, max);
  if (steps.length === 0) {
    return r.decision.reason;
  }
  return steps.map((s) => `[${s.rule}] ${s.title}: ${s.detail}`).join('; ');
}

function selectCalls(g: LabGoal, facts: LabFacts): { calls: RunCallResult[]; missing: string[] } {
  const ids = g.calls === 'all' ? null : (g.calls ?? (g.call !== undefined ? [g.call] : []));
  if (ids === null) {
    return { calls: [...facts.calls], missing: [] };
  }
  const calls: RunCallResult[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const c = facts.calls.find((x) => x.call.id === id);
    if (c) {
      calls.push(c);
    } else {
      missing.push(id);
    }
  }
  return { calls, missing };
}

function callGoal(g: LabGoal, e: CallGoalExpect, facts: LabFacts): Verdict {
  const { calls, missing } = selectCalls(g, facts);
  if (missing.length > 0) {
    return { met: false, reason: `no call ${missing.join(', ')} in the scenario` };
  }
  // With a loss limit, the call that lost the most is the one to show.
  const failed = calls
    .map((r) => ({ r, failures: callFailures(r, e) }))
    .filter((x) => x.failures.length > 0)
    .sort((a, b) =>
      e.maxLossPercent === undefined ? 0 : b.r.observed.lossPercent - a.r.observed.lossPercent,
    );
  const first = failed[0];
  if (first !== undefined) {
    const more =
      failed.length > 1
        ? ` (and ${failed.length - 1} more call${failed.length > 2 ? 's' : ''})`
        : '';
    return {
      met: false,
      reason: `${first.r.call.id}: ${first.failures.join('; ')}${more}; ${first.r.decision.decision}: ${decisiveSteps(first.r)}`,
    };
  }
  const shown = calls[0];
  if (shown === undefined) {
    return { met: false, reason: 'the run has no calls' };
  }
  const path = formatHostPath(callOutcome(shown).path);
  return {
    met: true,
    reason:
      calls.length === 1
        ? `${shown.call.id}: ${shown.decision.decision}, ${path}: ${shown.decision.reason}`
        : `${calls.length} calls as expected; ${shown.call.id}: ${shown.decision.decision}, ${path}`,
  };
}

// Configuration and validation.

function configGoal(c: NonNullable<LabGoal['config']>, facts: LabFacts): Verdict {
  const what = `Get-${c.get}${c.identity !== undefined ? ` -Identity "${c.identity}"` : ''}`;
  const got = facts.config(c.get, c.identity, c.property);
  if (!got.ok) {
    return c.exists === false
      ? { met: true, reason: `${what}: ${got.reason}, as expected` }
      : { met: false, reason: `${what}: ${got.reason}` };
  }
  if (c.exists === false) {
    return { met: false, reason: `${what}: it exists (expected it not to)` };
  }
  const value = got.value;
  const shown = `${c.property} is ${show(value)}`;
  if (c.equals !== undefined && !same(value, c.equals)) {
    return { met: false, reason: `${what}: ${shown}, expected ${show(c.equals)}` };
  }
  if (c.atMost !== undefined && !(typeof value === 'number' && value <= c.atMost)) {
    return { met: false, reason: `${what}: ${shown}, expected at most ${c.atMost}` };
  }
  if (c.atLeast !== undefined && !(typeof value === 'number' && value >= c.atLeast)) {
    return { met: false, reason: `${what}: ${shown}, expected at least ${c.atLeast}` };
  }
  return { met: true, reason: `${what}: ${shown}` };
}

function show(v: unknown): string {
  if (v === null || v === undefined) {
    return '(none)';
  }
  if (typeof v === 'boolean') {
    return v ? 'True' : 'False';
  }
  if (Array.isArray(v)) {
    return `{${v.map(show).join(', ')}}`;
  }
  return typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v);
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    return a.toLowerCase() === b.toLowerCase();
  }
  if ((a === null || a === undefined) && b === null) {
    return true;
  }
  return a === b;
}

function problemsGoal(rules: readonly string[], facts: LabFacts): Verdict {
  const found = facts.problems.filter((p) => p.rule !== undefined && rules.includes(p.rule));
  const first = found[0];
  if (first === undefined) {
    return { met: true, reason: `no ${rules.join(' or ')} problem in the configuration` };
  }
  return {
    met: false,
    reason: `${found.length} ${first.severity}${found.length > 1 ? 's' : ''} of ${rules.join(' or ')}; ${first.path}: ${first.message} [${first.rule ?? ''}]`,
  };
}

// Links.

/** The most bandwidth reserved at once on each link during the run, kbps. */
export function peakReservations(ledger: readonly LedgerEvent[]): Map<string, number> {
  const now = new Map<string, number>();
  const peak = new Map<string, number>();
  for (const e of ledger) {
    const v = (now.get(e.link) ?? 0) + (e.op === 'reserve' ? e.kbps : -e.kbps);
    now.set(e.link, v);
    peak.set(e.link, Math.max(peak.get(e.link) ?? 0, v));
  }
  return peak;
}

function linkGoal(l: NonNullable<LabGoal['link']>, facts: LabFacts): Verdict {
  const peak = peakReservations(facts.ledger).get(l.name) ?? 0;
  const shown = `at most ${round(peak)} kbps was reserved at once on ${l.name}`;
  if (l.minPeakKbps !== undefined && peak < l.minPeakKbps) {
    return {
      met: false,
      reason: `${shown}, expected at least ${l.minPeakKbps} kbps (CAC did not count the calls there)`,
    };
  }
  if (l.maxPeakKbps !== undefined && peak > l.maxPeakKbps) {
    return { met: false, reason: `${shown}, expected at most ${l.maxPeakKbps} kbps` };
  }
  return { met: true, reason: shown };
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

// Answers.

function answerGoal(a: NonNullable<LabGoal['answer']>, facts: LabFacts): Verdict {
  const given = facts.answers.get(a.key);
  if (given === undefined || given.trim() === '') {
    return {
      met: false,
      reason: `not answered yet: ${a.question} (mediapath lab answer ${a.key} "...")`,
    };
  }
  const ok = answerMatches(a, given.trim(), facts);
  return ok.met
    ? { met: true, reason: `${a.key} = ${given.trim()}: ${ok.why}` }
    : { met: false, reason: `${a.key} = ${given.trim()}: ${ok.why}` };
}

function answerMatches(
  a: NonNullable<LabGoal['answer']>,
  given: string,
  facts: LabFacts,
): { met: boolean; why: string } {
  if (a.callsWhere !== undefined) {
    const want = facts.calls
      .filter((r) => callFailures(r, a.callsWhere ?? {}).length === 0)
      .map((r) => r.call.id.toLowerCase())
      .sort();
    const got = given
      .split(/[\s,;]+/)
      .filter((x) => x !== '')
      .map((x) => x.toLowerCase())
      .sort();
    return JSON.stringify(want) === JSON.stringify(got)
      ? { met: true, why: 'the run shows exactly these calls' }
      : { met: false, why: 'the run does not show these calls (look at the decisions again)' };
  }
  if (a.callField !== undefined) {
    const r = facts.calls.find((x) => x.call.id === a.callField?.call);
    if (r === undefined) {
      return { met: false, why: `no call ${a.callField.call} in the run` };
    }
    const value = fieldOf(r, a.callField.field);
    if (typeof value === 'number') {
      const n = Number(given.replace(/[%\s]|kbps/gi, ''));
      const tolerance = a.tolerance ?? 1;
      return Math.abs(n - value) <= tolerance
        ? { met: true, why: `the run shows ${round(value)}` }
        : { met: false, why: 'that is not what the run shows' };
    }
    const norm = (s: string): string =>
      s
        .toLowerCase()
        .replace(/\s*->\s*/g, ' -> ')
        .trim();
    return norm(given) === norm(value)
      ? { met: true, why: 'as the run shows' }
      : { met: false, why: 'that is not what the run shows' };
  }
  if (a.oneOf !== undefined) {
    return a.oneOf.some((x) => x.toLowerCase() === given.toLowerCase())
      ? { met: true, why: 'correct' }
      : { met: false, why: 'not the answer the trainers expect' };
  }
  return { met: false, why: 'the goal has no way to check the answer' };
}

/** A field of a call's result, for an answer. */
function fieldOf(r: RunCallResult, field: string): string | number {
  switch (field) {
    case 'decision':
      return r.decision.decision;
    case 'path':
      return formatHostPath(callOutcome(r).path);
    case 'media':
      return r.observed.media;
    case 'sipStatus':
      return r.finalStatus ?? 0;
    case 'lossPercent':
      return r.observed.lossPercent;
    case 'trunk':
      return r.decision.trunk ?? 'none';
    case 'refusedLink':
      return (
        r.decision.legs.flatMap((l) => l.links.filter((k) => !k.ok).map((k) => k.link))[0] ?? 'none'
      );
    default:
      return '';
  }
}
