/**
 * What-if between two configurations: one call timeline played against configuration A and
 * against configuration B, call by call. A call changed when its decision, media path,
 * reserved bandwidth or SIP status differs; for each, the first rule of the trace whose
 * verdict differs (or, when every verdict agrees, the first whose detail does) says why. A
 * summary counts the changes by kind and follows each constrained link's peak use. Also the
 * timeline of A played against B's configuration, with the call rules of the scenario layer
 * checked against B's hosts. Pure: it must not know how the result is shown.
 */
import type { TimelineEntry, TimelineResult, TraceStep } from '../policy/index.js';
import {
  SCENARIO_RULES,
  runRules,
  type Decision,
  type Modality,
  type PathSegments,
  type RuleProblem,
  type Scenario,
} from '../scenario/index.js';

/** What about a call can change. */
export type ChangeKind = 'decision' | 'path' | 'bandwidth' | 'sip' | 'added' | 'removed';

/** The kinds of change, in the order reports list them. */
export const CHANGE_KINDS: readonly ChangeKind[] = [
  'decision',
  'path',
  'bandwidth',
  'sip',
  'added',
  'removed',
];

/** Bandwidth a call reserves on one link and modality (summed over its legs). */
export interface LinkKbps {
  readonly link: string;
  readonly modality: Modality;
  readonly kbps: number;
}

/** A call as one configuration decided it. */
export interface CallSide {
  readonly decision: Decision;
  readonly reason: string;
  readonly mediaPath: readonly string[];
  readonly reserved: readonly LinkKbps[];
  readonly sipStatus: number | null;
}

/** The first rule of two traces that does not agree. */
export interface TraceDifference {
  readonly rule: string;
  readonly title: string;
  /** `verdict`: the verdicts differ (or one trace never reached the rule); `detail`: only what it found. */
  readonly kind: 'verdict' | 'detail';
  /** The step in A's trace and in B's; null where that trace never reached the rule. */
  readonly a: { readonly verdict: TraceStep['verdict']; readonly detail: string } | null;
  readonly b: { readonly verdict: TraceStep['verdict']; readonly detail: string } | null;
}

/** One call whose outcome differs. */
export interface CallChange {
  readonly id: string;
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly changes: readonly ChangeKind[];
  /** Null for a call only B's timeline has. */
  readonly a: CallSide | null;
  /** Null for a call only A's timeline has. */
  readonly b: CallSide | null;
  readonly why: TraceDifference | null;
}

/** A constrained link's peak use under each configuration (kbps at once). */
export interface PeakChange {
  readonly link: string;
  readonly modality: Modality;
  readonly a: number;
  readonly b: number;
}

/** The outcome of a what-if. */
export interface DiffResult {
  /** Calls compared (in either timeline). */
  readonly calls: number;
  readonly changed: readonly CallChange[];
  /** Changed calls per kind of change. */
  readonly byKind: Readonly<Record<ChangeKind, number>>;
  /** Decisions that moved, most calls first: `BYPASS -> CAC-ADMITTED` for 2 calls. */
  readonly moves: readonly {
    readonly from: Decision;
    readonly to: Decision;
    readonly calls: number;
  }[];
  /** Every constrained link used under either configuration, with its peak under each. */
  readonly peaks: readonly PeakChange[];
}

/**
 * Compares two timelines call by call (matched by id; A's order, then the calls only B has).
 */
export function diffTimelines(a: TimelineResult, b: TimelineResult): DiffResult {
  const inB = new Map(b.entries.map((e) => [e.call.id, e]));
  const inA = new Set(a.entries.map((e) => e.call.id));
  const changed: CallChange[] = [];
  for (const ea of a.entries) {
    const eb = inB.get(ea.call.id);
    const change = eb ? compare(ea, eb) : sided(ea, 'removed');
    if (change) {
      changed.push(change);
    }
  }
  for (const eb of b.entries) {
    if (!inA.has(eb.call.id)) {
      changed.push(sided(eb, 'added'));
    }
  }
  const byKind = Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>;
  const moves = new Map<string, { from: Decision; to: Decision; calls: number }>();
  for (const c of changed) {
    for (const k of c.changes) {
      byKind[k]++;
    }
    if (c.a && c.b && c.a.decision !== c.b.decision) {
      const key = `${c.a.decision} ${c.b.decision}`;
      const m = moves.get(key) ?? { from: c.a.decision, to: c.b.decision, calls: 0 };
      m.calls++;
      moves.set(key, m);
    }
  }
  return {
    calls: a.entries.length + b.entries.filter((e) => !inA.has(e.call.id)).length,
    changed,
    byKind,
    moves: [...moves.values()].sort((x, y) => y.calls - x.calls || x.from.localeCompare(y.from)),
    peaks: peaks(a, b),
  };
}

/** One call under both configurations; null when nothing that matters changed. */
function compare(ea: TimelineEntry, eb: TimelineEntry): CallChange | null {
  const a = side(ea);
  const b = side(eb);
  const changes: ChangeKind[] = [];
  if (a.decision !== b.decision) {
    changes.push('decision');
  }
  if (a.mediaPath.join('>') !== b.mediaPath.join('>')) {
    changes.push('path');
  }
  if (reservedKey(a.reserved) !== reservedKey(b.reserved)) {
    changes.push('bandwidth');
  }
  if (a.sipStatus !== b.sipStatus) {
    changes.push('sip');
  }
  if (changes.length === 0) {
    return null;
  }
  return {
    id: ea.call.id,
    at: ea.call.atMs / 1000,
    from: ea.call.from,
    to: ea.call.to,
    changes,
    a,
    b,
    why: firstDifference(ea.decision.trace, eb.decision.trace),
  };
}

/** A call only one of the timelines has. */
function sided(e: TimelineEntry, kind: 'added' | 'removed'): CallChange {
  const s = side(e);
  return {
    id: e.call.id,
    at: e.call.atMs / 1000,
    from: e.call.from,
    to: e.call.to,
    changes: [kind],
    a: kind === 'removed' ? s : null,
    b: kind === 'added' ? s : null,
    why: null,
  };
}

function side(e: TimelineEntry): CallSide {
  const d = e.decision;
  return {
    decision: d.decision,
    reason: d.reason,
    mediaPath: d.mediaPath,
    reserved: sumReservations(d.holding.reservations),
    sipStatus: d.sip?.status ?? null,
  };
}

/** Reservations summed per link and modality (to 0.1 kbps), sorted. */
function sumReservations(rs: readonly LinkKbps[]): LinkKbps[] {
  const sums = new Map<string, LinkKbps>();
  for (const r of rs) {
    const key = `${r.link}|${r.modality}`;
    const prev = sums.get(key);
    sums.set(key, { link: r.link, modality: r.modality, kbps: (prev?.kbps ?? 0) + r.kbps });
  }
  return [...sums.values()]
    .map((r) => ({ ...r, kbps: Math.round(r.kbps * 10) / 10 }))
    .sort((x, y) => x.link.localeCompare(y.link) || x.modality.localeCompare(y.modality));
}

function reservedKey(rs: readonly LinkKbps[]): string {
  return rs.map((r) => `${r.link}|${r.modality}|${r.kbps}`).join(';');
}

/**
 * The first rule, in the order of A's trace, that B's trace gives another verdict or never
 * reaches (steps of the same rule are matched by their order of occurrence); else the first
 * rule of B's trace A's never reaches; else, when every verdict agrees, the first rule whose
 * detail differs. Null for two traces that say the same.
 */
export function firstDifference(
  a: readonly TraceStep[],
  b: readonly TraceStep[],
): TraceDifference | null {
  const keyed = (steps: readonly TraceStep[]): Map<string, TraceStep> => {
    const seen = new Map<string, number>();
    const out = new Map<string, TraceStep>();
    for (const s of steps) {
      const n = seen.get(s.rule) ?? 0;
      seen.set(s.rule, n + 1);
      out.set(`${s.rule}\u0000${n}`, s);
    }
    return out;
  };
  const ka = keyed(a);
  const kb = keyed(b);
  const step = (s: TraceStep | undefined): TraceDifference['a'] =>
    s ? { verdict: s.verdict, detail: s.detail } : null;
  for (const [key, sa] of ka) {
    const sb = kb.get(key);
    if (sb?.verdict !== sa.verdict) {
      return { rule: sa.rule, title: sa.title, kind: 'verdict', a: step(sa), b: step(sb) };
    }
  }
  for (const [key, sb] of kb) {
    if (!ka.has(key)) {
      return { rule: sb.rule, title: sb.title, kind: 'verdict', a: null, b: step(sb) };
    }
  }
  for (const [key, sa] of ka) {
    const sb = kb.get(key);
    if (sb && sb.detail !== sa.detail) {
      return { rule: sa.rule, title: sa.title, kind: 'detail', a: step(sa), b: step(sb) };
    }
  }
  return null;
}

/** The peak use of every constrained link under each configuration, from the ledger after each call. */
function peaks(a: TimelineResult, b: TimelineResult): PeakChange[] {
  const out = new Map<string, { link: string; modality: Modality; a: number; b: number }>();
  const walk = (r: TimelineResult, which: 'a' | 'b'): void => {
    for (const e of r.entries) {
      for (const u of e.ledgerAfter) {
        const key = `${u.link}|${u.modality}`;
        const p = out.get(key) ?? { link: u.link, modality: u.modality, a: 0, b: 0 };
        p[which] = Math.max(p[which], u.kbps);
        out.set(key, p);
      }
    }
  };
  walk(a, 'a');
  walk(b, 'b');
  return [...out.values()].sort(
    (x, y) => x.link.localeCompare(y.link) || x.modality.localeCompare(y.modality),
  );
}

/**
 * Configuration B with the call timeline of A, and what the call rules of the scenario layer
 * find wrong with A's calls against B's hosts (an unknown caller, a trunk B does not have).
 * A call's kind stays what A's hosts made it.
 */
export function withCallsOf(
  a: Scenario,
  b: Scenario,
): {
  readonly scenario: Scenario;
  readonly problems: readonly RuleProblem[];
} {
  const scenario: Scenario = { ...b, calls: a.calls };
  // Whether A's file wrote a call's optional key, told from the normalized call.
  const present = (path: PathSegments): boolean => {
    if (path[0] !== 'calls' || typeof path[1] !== 'number') {
      return true;
    }
    const c = a.calls[path[1]];
    if (c === undefined) {
      return false;
    }
    const written: Readonly<Record<string, boolean>> = {
      trunk: c.trunk !== null,
      number: c.number !== null,
      codec: c.codec !== null,
      expect: c.expect !== null,
      answeredBy: c.user !== null,
      answerAfter: c.answerAfterMs > 0,
      videoCodec: c.videoCodec !== null,
      transfer: c.transfer !== null,
      escalateAt: c.escalateAtMs !== null,
    };
    return typeof path[2] === 'string' ? (written[path[2]] ?? true) : true;
  };
  const callRules = SCENARIO_RULES.filter((r) => r.subject === 'call');
  return { scenario, problems: runRules(scenario, present, callRules) };
}
