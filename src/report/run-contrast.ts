/**
 * The contrast of a live run (docs/rules.md g): a scenario with `deployment.contrast` is run a
 * second time under the contrast deployment, the same calls on the same timeline; each call of
 * the first pass is joined with its second-pass self, whose `expect.contrast` is checked
 * against what that pass observed on the wire (the decision it was given and the path its
 * packets took). Shown as a section after the run table, a `contrast` object per call in the
 * JSON, and a line under the call's decision in the HTML page. Pure.
 */
import type { CallDecision } from '../policy/index.js';
import type { Call } from '../scenario/index.js';
import { checkExpectation, type ExpectationFailure } from './expectations.js';
import {
  escalationJson,
  observedEscalation,
  observedEscalationText,
} from './observed-escalation.js';
import { observedJson, type CallMedia, type ObservedCall } from './observed.js';
import type { SipLogEntry } from './sip-log.js';
import { transferNotes } from './observed-transfer.js';
import { decisionColour, pad, styler, visibleLength } from './style.js';

/** What the contrast reads of a call of a run (a `RunCallResult` of `run.ts`). */
export interface ContrastCall {
  readonly call: Call;
  readonly decision: CallDecision;
  readonly observed: ObservedCall;
  readonly media: CallMedia;
  /** Its SIP log (a live run's). */
  readonly sip?: readonly SipLogEntry[];
  readonly state: string;
  readonly finalStatus: number | null;
  readonly finalReason: string | null;
  readonly failures: readonly ExpectationFailure[];
  readonly contrast?: RunContrast;
}

/** A call of the second pass, under the contrast deployment. */
export interface RunContrast {
  readonly deployment: string;
  readonly result: ContrastCall;
}

/**
 * Joins each call of the first pass with the same call of the contrast pass, and adds the
 * failures of its `expect.contrast` (prefixed `contrast.`) to the call's own.
 */
export function withContrast<T extends ContrastCall>(
  primary: readonly T[],
  contrast: readonly ContrastCall[],
  deployment: string,
): T[] {
  const byId = new Map(contrast.map((r) => [r.call.id, r] as const));
  return primary.map((r) => {
    const other = byId.get(r.call.id);
    if (!other) {
      return r;
    }
    const o = other.observed;
    const failures = checkExpectation(
      r.call.expect?.contrast ?? null,
      {
        decision: other.decision.decision,
        path: o.forward.complete ? o.forward.hops : [],
        reason: `${other.decision.reason} ${o.divergences.map((d) => d.detail).join(' ')}`,
        ...(other.finalStatus !== null ? { sipStatus: other.finalStatus } : {}),
      },
      'contrast.',
    );
    return {
      ...r,
      contrast: { deployment, result: other },
      failures: [...r.failures, ...failures],
    };
  });
}

/** The observed path of a call as the run table writes it. */
export function observedPathText(r: ContrastCall): string {
  const o = r.observed;
  if (o.media === 'none') {
    return r.decision.decision === 'REJECTED' ? `none (SIP ${r.finalStatus ?? '?'})` : 'none';
  }
  return o.forward.complete
    ? o.forward.hops.join(' -> ')
    : `${o.backward.hops.join(' -> ')} (one way)`;
}

/**
 * The second pass beside the first, one line per call: the decision and observed path under
 * each deployment, then the contrast pass's divergences. Empty when the run had no contrast.
 */
export function formatContrast(results: readonly ContrastCall[], colour: boolean): string {
  const joined = results.filter((r) => r.contrast !== undefined);
  const first = joined[0]?.contrast;
  if (!first) {
    return '';
  }
  const st = styler(colour);
  const own = joined[0]?.decision.deployment ?? '';
  const rows: string[][] = [
    ['call', own, 'observed path', first.deployment, 'observed path', 'media'],
  ];
  const notes: string[] = [];
  for (const r of joined) {
    const k = r.contrast?.result;
    if (!k) {
      continue;
    }
    rows.push([
      r.call.id,
      decisionColour(st, r.decision.decision),
      observedPathText(r),
      decisionColour(st, k.decision.decision),
      observedPathText(k),
      k.observed.media,
    ]);
    const escalation = observedEscalation(k.decision, k.media, k);
    if (escalation) {
      notes.push(`  ${r.call.id} (${first.deployment}): ${observedEscalationText(escalation)}`);
    }
    for (const d of k.observed.divergences) {
      notes.push(`${st.yellow('!')} ${r.call.id} (${first.deployment}): ${d.kind}: ${d.detail}`);
    }
  }
  // A transfer under the contrast deployment: its path before and after, as the run's own.
  const second = joined.flatMap((r) => (r.contrast ? [r.contrast.result] : []));
  notes.push(...transferNotes(second, ` (${first.deployment})`).map((t) => `  ${t}`));
  const widths = rows[0]?.map((_, c) =>
    Math.max(...rows.map((row) => visibleLength(row[c] ?? ''))),
  );
  const lines = [
    '',
    st.bold(`Contrast: the same calls run again under ${first.deployment} (observed)`),
  ];
  for (const [i, row] of rows.entries()) {
    const text = `  ${row.map((cell, c) => pad(cell, widths?.[c] ?? 0)).join('  ')}`.trimEnd();
    lines.push(i === 0 ? st.dim(text) : text);
  }
  return `${[...lines, ...notes].join('\n')}\n`;
}

/** The contrast pass of a call in the JSON report: decision, observed path both ways, state. */
export function contrastJson(c: RunContrast | undefined): Record<string, unknown> | null {
  if (!c) {
    return null;
  }
  const r = c.result;
  return {
    deployment: c.deployment,
    decision: r.decision.decision,
    reason: r.decision.reason,
    mediaPath: r.decision.mediaPath,
    codecs: r.decision.codecs,
    teams: r.decision.teams,
    ...observedJson(r.observed),
    state: r.state,
    finalStatus: r.finalStatus,
    finalReason: r.finalReason,
    ...escalationJson(r),
    received: r.media.received,
    trace: r.decision.trace,
  };
}
