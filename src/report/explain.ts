/**
 * The explain report: every call of the timeline with its decision, predicted path, holding,
 * the ledger after it and its expectations, as text (optionally with the rule trace) and as a
 * result document (the same format as a run's, for `mediapath report`). Pure: it reads the
 * timeline; it knows nothing of sockets or files.
 */
import type { CallDecision, TimelineEntry, TimelineResult, TraceStep } from '../policy/index.js';
import type { Scenario } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import { checkExpectation, formatHostPath, type ExpectationFailure } from './expectations.js';
import { decidedBy, RESULT_FORMAT, RESULT_VERSION, type LedgerEvent } from './result.js';
import { allMet, plural } from './run.js';
import { decisionColour, styler, type Styler } from './style.js';
import { topologyView } from './topology-view.js';

/** One call of an explain report, with its expectation check. */
export interface ExplainedCall {
  readonly entry: TimelineEntry;
  readonly failures: readonly ExpectationFailure[];
}

/** Joins the timeline with the `expect:` checks. */
export function explainCalls(result: TimelineResult): ExplainedCall[] {
  return result.entries.map((entry) => ({
    entry,
    failures: checkExpectation(entry.call.expect, {
      decision: entry.decision.decision,
      path: entry.decision.mediaPath,
      reason: entry.decision.reason,
      ...(entry.decision.sip ? { sipStatus: entry.decision.sip.status } : {}),
    }),
  }));
}

const KIND_LABEL = {
  'outbound-pstn': 'outbound PSTN',
  'inbound-pstn': 'inbound PSTN',
  p2p: 'client to client',
} as const;

/** The human-readable explain report. */
export function formatExplain(
  topo: Topology,
  calls: readonly ExplainedCall[],
  options: { trace: boolean; colour: boolean; rulesDoc?: string },
): string {
  const st = styler(options.colour);
  const s = topo.scenario;
  const lines: string[] = [];
  lines.push(st.bold(`${s.name}`) + st.dim(` (${s.source})`));
  lines.push(st.dim(describeSettings(s)));
  lines.push('');
  for (const [i, c] of calls.entries()) {
    const { call, decision } = c.entry;
    lines.push(
      `${st.bold(`#${i + 1}`)} ${st.dim(`t=${(call.atMs / 1000).toFixed(1)}s`)} ${st.bold(call.id)}  ${call.from} -> ${call.to}` +
        st.dim(
          ` (${KIND_LABEL[call.kind]}${call.trunk && call.kind !== 'p2p' ? ` via ${call.trunk}` : ''}, ${(call.durationMs / 1000).toFixed(0)}s${call.modality === 'video' ? ', video' : ''})`,
        ),
    );
    if (c.entry.releasedBefore.length) {
      lines.push(`   ${st.dim('released')} ${st.dim(c.entry.releasedBefore.join(', '))}`);
    }
    lines.push(
      `   ${label('decision')}${decisionColour(st, decision.decision)}${decision.sip ? st.red(`  SIP ${decision.sip.status} ${decision.sip.reason}`) : ''}`,
    );
    lines.push(`   ${label('path')}${formatHostPath(decision.mediaPath)}${codecText(decision)}`);
    lines.push(`   ${label('reason')}${decision.reason}`);
    for (const w of decision.warnings) {
      lines.push(`   ${label('warning')}${st.yellow(w)}`);
    }
    lines.push(`   ${label('reserves')}${reservesText(decision)}`);
    lines.push(`   ${label('ledger')}${ledgerText(topo, c.entry)}`);
    if (call.expect) {
      lines.push(
        `   ${label('expect')}${c.failures.length === 0 ? st.green('ok') : st.red(c.failures.map((f) => `${f.field}: expected ${f.expected}, got ${f.actual}`).join('; '))}`,
      );
    }
    if (options.trace) {
      lines.push(`   ${st.dim('trace')}`);
      for (const step of decision.trace) {
        lines.push(`     ${traceLine(st, step)}`);
      }
    }
    lines.push('');
  }
  const failed = calls.filter((c) => c.failures.length > 0).length;
  const withExpect = calls.filter((c) => c.entry.call.expect).length;
  const counts = new Map<string, number>();
  for (const c of calls) {
    counts.set(c.entry.decision.decision, (counts.get(c.entry.decision.decision) ?? 0) + 1);
  }
  lines.push(
    `${plural(calls.length, 'call')}: ${[...counts.entries()].map(([d, n]) => `${n} ${decisionColour(st, d)}`).join(', ')}. ` +
      (withExpect === 0
        ? 'No expectations.'
        : failed === 0
          ? st.green(allMet(withExpect))
          : st.red(`${failed} of ${plural(withExpect, 'expectation')} failed.`)),
  );
  if (options.trace && options.rulesDoc !== undefined) {
    lines.push(st.dim(`Each rule id (b.1#10, c.5#19, ...) is explained in ${options.rulesDoc}.`));
  }
  return lines.join('\n') + '\n';
}

function label(s: string): string {
  return s.padEnd(10);
}

function describeSettings(s: Scenario): string {
  const nc = s.networkConfiguration;
  const mb = nc.mediaBypassSettings;
  const bypass = !mb.enabled
    ? 'bypass off'
    : mb.alwaysBypass
      ? 'bypass: always'
      : `bypass: sites and regions${mb.enableDefaultBypassId ? ' + default ID' : ''}`;
  return `${s.calls.length} calls; ${bypass}; CAC ${nc.enableBandwidthPolicyCheck ? 'on' : 'off'}; codec table ${s.simulation.codecBandwidth}; inter-site policy ${s.simulation.interSitePolicy}`;
}

function codecText(d: CallDecision): string {
  const { caller, callee } = d.codecs;
  if (!caller && !callee) {
    return '';
  }
  return caller === callee || !callee
    ? `  (codec ${caller ?? callee ?? ''})`
    : `  (codecs ${caller ?? '?'} | ${callee})`;
}

function reservesText(d: CallDecision): string {
  const parts = d.holding.reservations.map((r) => `${r.link} ${r.modality} ${round(r.kbps)} kbps`);
  parts.push(...d.holding.channels.map((g) => `1 channel on ${g}`));
  return parts.length ? parts.join(', ') : 'nothing';
}

function ledgerText(topo: Topology, e: TimelineEntry): string {
  if (e.ledgerAfter.length === 0) {
    return 'no constrained link in use';
  }
  return e.ledgerAfter
    .map((u) => {
      const limit = topo.linkProfile(u.link)?.[u.modality].limit;
      return `${u.link} ${u.modality} ${round(u.kbps)}${limit ? `/${limit}` : ''}`;
    })
    .join(', ');
}

function traceLine(st: Styler, step: TraceStep): string {
  const v =
    step.verdict === 'pass'
      ? st.green('pass')
      : step.verdict === 'fail'
        ? st.red('FAIL')
        : st.dim('info');
  return `${step.rule.padEnd(14)}${v}  ${step.title}: ${step.detail}`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The machine-readable explain report: the same document format as a run's result. */
export function explainJson(topo: Topology, calls: readonly ExplainedCall[]): unknown {
  return {
    format: RESULT_FORMAT,
    version: RESULT_VERSION,
    kind: 'explain',
    scenario: {
      name: topo.scenario.name,
      source: topo.scenario.source,
      simulation: topo.scenario.simulation,
    },
    calls: calls.map((c) => ({
      id: c.entry.call.id,
      at: c.entry.call.atMs / 1000,
      from: c.entry.call.from,
      to: c.entry.call.to,
      kind: c.entry.call.kind,
      trunk: c.entry.decision.trunk,
      decidedBy: decidedBy(c.entry.decision),
      decision: c.entry.decision.decision,
      reason: c.entry.decision.reason,
      mediaPath: c.entry.decision.mediaPath,
      codecs: c.entry.decision.codecs,
      sip: c.entry.decision.sip,
      reroute: c.entry.decision.reroute,
      warnings: c.entry.decision.warnings,
      bypassIds: c.entry.decision.bypassIds,
      legs: c.entry.decision.legs,
      reservations: c.entry.decision.holding.reservations,
      channels: c.entry.decision.holding.channels,
      releasedBefore: c.entry.releasedBefore,
      ledgerAfter: c.entry.ledgerAfter,
      expect: c.entry.call.expect,
      expectationFailures: c.failures,
      trace: c.entry.decision.trace,
    })),
    expectationsFailed: calls.filter((c) => c.failures.length > 0).length,
    topology: topologyView(topo),
    ledger: timelineLedger(calls.map((c) => c.entry)),
  };
}

/** Reserve and release events of a timeline, at each call's start and planned end. */
function timelineLedger(entries: readonly TimelineEntry[]): LedgerEvent[] {
  const out: LedgerEvent[] = [];
  for (const { call, decision } of entries) {
    for (const r of decision.holding.reservations) {
      const base = { callId: call.id, link: r.link, modality: r.modality, kbps: r.kbps };
      out.push({ t: call.atMs, op: 'reserve', ...base });
      out.push({ t: call.atMs + call.durationMs, op: 'release', ...base });
    }
  }
  return out.sort((a, b) => a.t - b.t || (a.op === b.op ? 0 : a.op === 'release' ? -1 : 1));
}
