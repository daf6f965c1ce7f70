/**
 * A what-if as people read it: the text report (a summary by kind of change, then each call
 * that changed with both sides and the first rule that disagrees), the JSON document, and the
 * section of the HTML page that lists the changed calls (inserted into the report's page of
 * configuration B). Pure string building: it must not know how the timelines were decided.
 */
import type { Styler } from '../report/index.js';
import type { Scenario } from '../scenario/index.js';
import {
  CHANGE_KINDS,
  type CallChange,
  type CallSide,
  type ChangeKind,
  type DiffResult,
  type TraceDifference,
} from './diff.js';
import { kbpsText, plural } from './text.js';

/** The `format` of a what-if's JSON document. */
export const DIFF_FORMAT = 'mediapath-diff';

/** Which timeline a what-if played. */
export type DiffTimeline = 'a' | 'each';

/** The two files of a what-if, as the user named them. */
export interface DiffSources {
  readonly a: string;
  readonly b: string;
  readonly timeline: DiffTimeline;
}

const KIND_TEXT: Readonly<Record<ChangeKind, string>> = {
  decision: 'decision',
  path: 'path',
  bandwidth: 'bandwidth',
  sip: 'SIP status',
  added: 'only in B',
  removed: 'only in A',
};

/** The text report of a what-if. */
export function formatDiff(r: DiffResult, src: DiffSources, st: Styler): string {
  const lines: string[] = [st.bold(`What-if: ${src.a} -> ${src.b}`)];
  lines.push(
    src.timeline === 'a'
      ? `${plural(r.calls, 'call')} of ${src.a}, decided under each configuration.`
      : `The calls of each file, matched by id: ${plural(r.calls, 'call')}.`,
  );
  if (r.changed.length === 0) {
    lines.push(st.green('No call changed: same decisions, paths, bandwidth and SIP status.'));
  } else {
    lines.push(
      st.yellow(`${plural(r.changed.length, 'call')} changed`) +
        `: ${CHANGE_KINDS.filter((k) => r.byKind[k] > 0)
          .map((k) => `${r.byKind[k]} ${KIND_TEXT[k]}`)
          .join(', ')}.`,
    );
    for (const m of r.moves) {
      lines.push(`  ${m.from} -> ${m.to}: ${plural(m.calls, 'call')}`);
    }
  }
  for (const c of r.changed) {
    lines.push('', ...callLines(c, st));
  }
  const moved = r.peaks.filter((p) => Math.abs(p.a - p.b) > 0.05);
  if (r.peaks.length > 0) {
    lines.push('', 'Peak use of constrained links (kbps at once, A -> B):');
    for (const p of r.peaks) {
      const text = `  ${p.link} ${p.modality}  ${kbpsText(p.a)} -> ${kbpsText(p.b)}`;
      lines.push(moved.includes(p) ? text : st.dim(`${text} (same)`));
    }
  }
  return `${lines.join('\n')}\n`;
}

function callLines(c: CallChange, st: Styler): string[] {
  const head = `${st.bold(c.id)} ${st.dim(`t=${c.at.toFixed(1)}s`)} ${c.from} -> ${c.to}: ${c.changes.map((k) => KIND_TEXT[k]).join(', ')}`;
  const out = [head];
  const a = c.a;
  const b = c.b;
  if (!a || !b) {
    const s = a ?? b;
    if (s) {
      out.push(`   ${label('decision')}${s.decision}`, `   ${label('path')}${pathText(s)}`);
    }
    return out;
  }
  out.push(`   ${label('decision')}${pair(a.decision, b.decision, st)}`);
  out.push(`   ${label('path')}${pair(pathText(a), pathText(b), st)}`);
  out.push(`   ${label('reserves')}${pair(reservedText(a), reservedText(b), st)}`);
  out.push(`   ${label('SIP')}${pair(sipText(a), sipText(b), st)}`);
  if (c.why) {
    out.push(...whyLines(c.why, st));
  }
  return out;
}

function whyLines(w: TraceDifference, st: Styler): string[] {
  const verdict = (s: TraceDifference['a']): string => (s ? verdictText(s.verdict) : 'not reached');
  return [
    `   ${label('why')}${w.rule} ${w.title}: ${verdict(w.a)} -> ${verdict(w.b)}${w.kind === 'detail' ? ' (same verdict, other finding)' : ''}`,
    st.dim(`             A: ${w.a?.detail ?? '(rule not reached)'}`),
    st.dim(`             B: ${w.b?.detail ?? '(rule not reached)'}`),
  ];
}

function verdictText(v: string): string {
  return v === 'fail' ? 'FAIL' : v;
}

function label(s: string): string {
  return s.padEnd(10);
}

function pair(a: string, b: string, st: Styler): string {
  return a === b ? st.dim(`${a} (same)`) : `${a}  =>  ${st.yellow(b)}`;
}

function pathText(s: CallSide): string {
  return s.mediaPath.length ? s.mediaPath.join(' -> ') : 'none';
}

function reservedText(s: CallSide): string {
  return s.reserved.length
    ? s.reserved.map((r) => `${r.link} ${r.modality} ${kbpsText(r.kbps)} kbps`).join(', ')
    : 'nothing';
}

function sipText(s: CallSide): string {
  return s.sipStatus === null ? '-' : String(s.sipStatus);
}

/** The JSON document of a what-if. */
export function diffJson(a: Scenario, b: Scenario, r: DiffResult, src: DiffSources): unknown {
  return {
    format: DIFF_FORMAT,
    version: 1,
    a: { name: a.name, source: src.a },
    b: { name: b.name, source: src.b },
    timeline: src.timeline,
    calls: r.calls,
    changedCalls: r.changed.length,
    byKind: r.byKind,
    moves: r.moves,
    peaks: r.peaks,
    changed: r.changed,
  };
}

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * The section of the HTML page that lists the changed calls; each call of B's page is a
 * button that shows its detail (`indexInPage` gives its row on B's page, or -1).
 */
export function diffHtmlSection(
  r: DiffResult,
  src: DiffSources,
  indexInPage: (callId: string) => number,
): string {
  const summary =
    r.changed.length === 0
      ? 'No call changed: same decisions, paths, bandwidth and SIP status.'
      : `${plural(r.changed.length, 'call')} of ${plural(r.calls, 'call')} changed: ${CHANGE_KINDS.filter(
          (k) => r.byKind[k] > 0,
        )
          .map((k) => `${r.byKind[k]} ${KIND_TEXT[k]}`)
          .join(', ')}. The page below shows configuration B.`;
  const rows = r.changed.map((c) => {
    const i = indexInPage(c.id);
    const id =
      i >= 0
        ? `<button type="button" class="select" data-call="${esc(c.id)}" data-index="${i}">${esc(c.id)}</button>`
        : esc(c.id);
    const both = (f: (s: CallSide) => string): string =>
      `${esc(c.a ? f(c.a) : '-')} → ${esc(c.b ? f(c.b) : '-')}`;
    const why = c.why
      ? `<code>${esc(c.why.rule)}</code> ${esc(c.why.title)}: ${esc(c.why.a ? verdictText(c.why.a.verdict) : 'not reached')} → ${esc(c.why.b ? verdictText(c.why.b.verdict) : 'not reached')}`
      : '';
    return `<tr data-call="${esc(c.id)}" class="flagged"><td>${id}</td><td>${esc(c.changes.map((k) => KIND_TEXT[k]).join(', '))}</td><td>${both((s) => s.decision)}</td><td>${both(pathText)}</td><td>${both(reservedText)}</td><td>${both(sipText)}</td><td>${why}</td></tr>`;
  });
  const table = rows.length
    ? `<div class="scroll"><table class="calls"><thead><tr><th>call</th><th>changed</th><th>decision A → B</th><th>path A → B</th><th>reserves A → B</th><th>SIP A → B</th><th>first rule that differs</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
    : '';
  return `<section id="what-if"><h2>What-if: ${esc(src.a)} → ${esc(src.b)}</h2><p>${esc(summary)}</p>${table}</section>`;
}
