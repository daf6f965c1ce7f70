/**
 * The report of `mediapath explain`: every call of the timeline with its decision, path,
 * reservations, ledger and expectation check, as text and as the JSON result document; and
 * the ledger over time (`--ledger`, `--ledger-csv`): per constrained link and modality, each
 * reservation and release with the kbps in use against the limit, and the ledger's invariants
 * checked on the way. Pure string building: it must not know how a decision is made.
 */
import {
  reservationBases,
  type CallDecision,
  type ReservationBasis,
  type TimelineEntry,
  type TimelineResult,
  type TraceStep,
} from '../policy/index.js';
import type { DecisionExpectation, Modality, Scenario } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import {
  decisionDetailsJson,
  forkingText,
  rtcpText,
  streamText,
  teamsText,
  transferText,
} from './call-details.js';
import {
  checkExpectation,
  formatHostPath,
  type CallOutcome,
  type ExpectationFailure,
} from './expectations.js';
import { decidedBy, RESULT_FORMAT, RESULT_VERSION, type LedgerEvent } from './result.js';
import { allMet, plural } from './run.js';
import { decisionColour, styler, type Styler } from './style.js';
import { topologyView } from './topology-view.js';

/** One call of an explain report, with its expectation checks. */
export interface ExplainedCall {
  readonly entry: TimelineEntry;
  /** Every expectation that failed, those of the transfer (`transfer.`) and contrast (`contrast.`) too. */
  readonly failures: readonly ExpectationFailure[];
  /** The part after the call's transfer (b.5 #39), decided at the transfer time; null: none. */
  readonly transfer: TimelineEntry | null;
  /** The same call under the contrast deployment (g); null: the scenario has none. */
  readonly contrast: TimelineEntry | null;
  /** The contrast deployment, when the scenario has one. */
  readonly contrastDeployment: string | null;
  /** Under the contrast deployment, the part after the call's transfer; null: none. */
  readonly contrastTransfer: TimelineEntry | null;
}

/** Joins the timeline with the `expect:` checks, the transfers and the contrast. */
export function explainCalls(result: TimelineResult): ExplainedCall[] {
  const transfers = transfersByCall(result.transfers);
  const contrastTransfers = transfersByCall(result.contrast?.result.transfers ?? []);
  const contrast = new Map<string, TimelineEntry>(
    (result.contrast?.result.entries ?? []).map((e) => [e.call.id, e] as const),
  );
  return result.entries.map((entry) => {
    const call = entry.call;
    const transfer = transfers.get(call.id) ?? null;
    const other = contrast.get(call.id) ?? null;
    const failures = [
      ...checkExpectation(call.expect, outcomeOf(entry.decision)),
      ...partFailures(call.transfer?.expect ?? null, transfer, 'transfer.', 'a transfer'),
      ...partFailures(call.expect?.contrast ?? null, other, 'contrast.', 'a contrast deployment'),
    ];
    return {
      entry,
      failures,
      transfer,
      contrast: other,
      contrastDeployment: result.contrast?.deployment ?? null,
      contrastTransfer: contrastTransfers.get(call.id) ?? null,
    };
  });
}

/** The parts after transfers, by the id of the call transferred. */
function transfersByCall(entries: readonly TimelineEntry[]): Map<string, TimelineEntry> {
  const out = new Map<string, TimelineEntry>();
  for (const e of entries) {
    if (e.call.transferOf) {
      out.set(e.call.transferOf.callId, e);
    }
  }
  return out;
}

/** The expectation of a part of a call (after its transfer, under the contrast). */
function partFailures(
  expect: DecisionExpectation | null,
  part: TimelineEntry | null,
  prefix: string,
  what: string,
): ExpectationFailure[] {
  if (expect === null) {
    return [];
  }
  if (part === null) {
    return [{ field: prefix.slice(0, -1), expected: what, actual: 'none' }];
  }
  return checkExpectation(expect, outcomeOf(part.decision), prefix);
}

/** What a decision answers of an expectation (explain sees no packets). */
export function outcomeOf(d: CallDecision): CallOutcome {
  const video = d.streams.find((x) => x.modality === 'video');
  const carried = d.decision !== 'REJECTED' && d.decision !== 'HANDED-OFF';
  return {
    decision: d.decision,
    path: d.mediaPath,
    reason: d.reason,
    ...(d.sip ? { sipStatus: d.sip.status } : {}),
    codec: carried ? d.codecs.caller : null,
    videoCodec: video?.codec ?? null,
    answeredBy: d.forking?.answeredBy ?? null,
    earlyDialogs: d.forking ? d.forking.earlyDialogs : d.kind === 'inbound-pstn' && carried ? 1 : 0,
    greetingClipped: d.forking?.greetingClipped ?? false,
    rtcpTeardown: d.rtcp?.teardownAfterMs !== null && d.rtcp?.teardownAfterMs !== undefined,
  };
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
    lines.push(...callLines(st, topo, c, i, options.trace), '');
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

/** The lines of one call: its decision and path, what the live run must do, its checks. */
function callLines(
  st: Styler,
  topo: Topology,
  c: ExplainedCall,
  i: number,
  trace: boolean,
): string[] {
  const { call, decision } = c.entry;
  const lines: string[] = [];
  const callee = call.user ? `${call.user} (user; answered by ${call.to})` : call.to;
  lines.push(
    `${st.bold(`#${i + 1}`)} ${st.dim(`t=${(call.atMs / 1000).toFixed(1)}s`)} ${st.bold(call.id)}  ${call.from} -> ${callee}` +
      st.dim(
        ` (${KIND_LABEL[call.kind]}${call.trunk && call.kind !== 'p2p' ? ` via ${call.trunk}` : ''}, ${(call.durationMs / 1000).toFixed(0)}s${call.modality === 'video' ? ', video' : ''})`,
      ),
  );
  if (c.entry.releasedBefore.length) {
    lines.push(`   ${st.dim('released')} ${st.dim(c.entry.releasedBefore.join(', '))}`);
  }
  lines.push(...decisionLines(st, topo, c.entry));
  const more: [string, string | null][] = [
    ['rings', forkingText(decision)],
    ['teams', teamsText(decision)],
    ['rtcp', rtcpText(decision)],
  ];
  for (const [name, text] of more) {
    if (text !== null) {
      lines.push(`   ${label(name)}${text}`);
    }
  }
  decision.streams.forEach((x, k) => {
    lines.push(`   ${label(k === 0 ? 'streams' : '')}${streamText(x)}`);
  });
  const transfer = transferText(decision);
  if (transfer !== null) {
    const after = c.transfer
      ? `; after: ${decisionColour(st, c.transfer.decision.decision)} ${formatHostPath(c.transfer.decision.mediaPath)} (${c.transfer.decision.reason})`
      : '';
    lines.push(`   ${label('transfer')}${transfer}${after}`);
  }
  if (c.contrast) {
    const d = c.contrast.decision;
    const relays = teamsText(d);
    const after = c.contrastTransfer?.decision;
    lines.push(
      `   ${label('contrast')}${c.contrastDeployment ?? ''}: ${decisionColour(st, d.decision)} ${formatHostPath(d.mediaPath)}${codecText(d)}; ${d.reason}`,
      ...(relays === null ? [] : [`   ${label('')}${relays}`]),
      ...(after
        ? [
            `   ${label('')}after the transfer: ${decisionColour(st, after.decision)} ${formatHostPath(after.mediaPath)} (${after.reason})`,
          ]
        : []),
    );
  }
  if (call.expect || call.transfer?.expect) {
    lines.push(
      `   ${label('expect')}${c.failures.length === 0 ? st.green('ok') : st.red(c.failures.map((f) => `${f.field}: expected ${f.expected}, got ${f.actual}`).join('; '))}`,
    );
  }
  if (trace) {
    lines.push(...traceLines(st, 'trace', decision.trace));
    if (c.transfer) {
      lines.push(...traceLines(st, 'trace after the transfer', c.transfer.decision.trace));
    }
    if (c.contrast) {
      lines.push(
        ...traceLines(st, `trace under ${c.contrastDeployment ?? ''}`, c.contrast.decision.trace),
      );
    }
  }
  return lines;
}

/** The decision, path, reason, warnings, reservations and ledger of an entry. */
function decisionLines(st: Styler, topo: Topology, e: TimelineEntry): string[] {
  const decision = e.decision;
  const lines = [
    `   ${label('decision')}${decisionColour(st, decision.decision)}${decision.sip ? st.red(`  SIP ${decision.sip.status} ${decision.sip.reason}`) : ''}`,
    `   ${label('path')}${formatHostPath(decision.mediaPath)}${codecText(decision)}`,
    `   ${label('reason')}${decision.reason}`,
  ];
  for (const w of decision.warnings) {
    lines.push(`   ${label('warning')}${st.yellow(w)}`);
  }
  lines.push(`   ${label('reserves')}${reservesText(decision)}`);
  lines.push(`   ${label('ledger')}${ledgerText(topo, e)}`);
  return lines;
}

function traceLines(st: Styler, title: string, steps: readonly TraceStep[]): string[] {
  return [`   ${st.dim(title)}`, ...steps.map((step) => `     ${traceLine(st, step)}`)];
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
  const d = s.deployment;
  const deployment =
    d.kind === 'sfb-server' && d.contrast === null
      ? ''
      : `; deployment ${d.kind}${d.contrast ? `, contrast ${d.contrast}` : ''}`;
  return `${s.calls.length} calls; ${bypass}; CAC ${nc.enableBandwidthPolicyCheck ? 'on' : 'off'}; codec table ${s.simulation.codecBandwidth}; inter-site policy ${s.simulation.interSitePolicy}${deployment}`;
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
  const parts = d.holding.reservations.map(
    (r) => `${r.link} ${r.modality} ${round(r.kbps)} kbps${r.codec ? ` (${r.codec})` : ''}`,
  );
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
      deployment: topo.scenario.deployment,
    },
    calls: calls.map((c) => ({
      ...entryJson(c.entry),
      id: c.entry.call.id,
      user: c.entry.call.user,
      answerAfter: c.entry.call.answerAfterMs / 1000,
      releasedBefore: c.entry.releasedBefore,
      ledgerAfter: c.entry.ledgerAfter,
      expect: c.entry.call.expect,
      expectationFailures: c.failures,
      afterTransfer: c.transfer ? entryJson(c.transfer) : null,
      contrast: c.contrast
        ? {
            deployment: c.contrastDeployment,
            ...entryJson(c.contrast),
            afterTransfer: c.contrastTransfer ? entryJson(c.contrastTransfer) : null,
          }
        : null,
    })),
    expectationsFailed: calls.filter((c) => c.failures.length > 0).length,
    topology: topologyView(topo),
    ledger: timelineLedger(calls.flatMap((c) => (c.transfer ? [c.entry, c.transfer] : [c.entry]))),
    ledgerChecks: ledgerOverTime(calls).checks,
  };
}

/** One decided entry of the timeline, as the result document shows it. */
function entryJson(e: TimelineEntry): Record<string, unknown> {
  const d = e.decision;
  return {
    id: e.call.id,
    at: e.call.atMs / 1000,
    endsAt: e.endsAtMs / 1000,
    from: e.call.from,
    to: e.call.to,
    kind: e.call.kind,
    trunk: d.trunk,
    decidedBy: decidedBy(d),
    decision: d.decision,
    reason: d.reason,
    mediaPath: d.mediaPath,
    codecs: d.codecs,
    sip: d.sip,
    reroute: d.reroute,
    warnings: d.warnings,
    bypassIds: d.bypassIds,
    legs: d.legs,
    reservations: d.holding.reservations,
    channels: d.holding.channels,
    ...decisionDetailsJson(d),
    trace: d.trace,
  };
}

/** Reserve and release events of a timeline, at each entry's start and its end. */
function timelineLedger(entries: readonly TimelineEntry[]): LedgerEvent[] {
  const out: LedgerEvent[] = [];
  for (const { call, decision, endsAtMs } of entries) {
    for (const r of decision.holding.reservations) {
      const base = { callId: call.id, link: r.link, modality: r.modality, kbps: r.kbps };
      out.push({ t: call.atMs, op: 'reserve', ...base });
      out.push({ t: endsAtMs, op: 'release', ...base });
    }
  }
  return out.sort((a, b) => a.t - b.t || (a.op === b.op ? 0 : a.op === 'release' ? -1 : 1));
}

/** One reservation or release on a link, with what the link holds after it. */
export interface LedgerRow {
  /** Ms from the start of the timeline. */
  readonly t: number;
  readonly op: 'reserve' | 'release';
  readonly callId: string;
  readonly kbps: number;
  /** Kbps in use on the link and modality after it. */
  readonly inUseKbps: number;
  /** How the call's reservation was admitted (policy's `reservationBases`). */
  readonly basis: ReservationBasis;
  /** True when the link holds more than its limit after it. */
  readonly aboveLimit: boolean;
}

/** One constrained link and modality over the timeline. */
export interface LedgerLink {
  readonly link: string;
  readonly modality: Modality;
  /** As the link checks of the decisions saw it; null when unlimited or never checked. */
  readonly limitKbps: number | null;
  readonly sessionLimitKbps: number | null;
  readonly peakKbps: number;
  readonly rows: readonly LedgerRow[];
}

/** The invariants of the ledger, checked over a timeline. */
export interface LedgerChecks {
  /** Usage never went below zero. */
  readonly neverNegative: boolean;
  /**
   * No link held more than its limit beyond what calls admitted by a bandwidth policy
   * override (c.5 #17) or accounted without a check (b.2 #21) held there.
   */
  readonly withinLimits: boolean;
  /** Every link was back at zero once every call had ended. */
  readonly backToZero: boolean;
  /** Calls admitted by a bandwidth policy override that reserved bandwidth. */
  readonly overrideAdmissions: number;
  /** Calls with bandwidth accounted without a check. */
  readonly uncheckedAdmissions: number;
  /** Reservations after which a link held more than its limit. */
  readonly aboveLimitEvents: number;
}

/** The ledger over a timeline: every constrained link's use, and the invariants. */
export interface LedgerOverTime {
  readonly links: readonly LedgerLink[];
  readonly checks: LedgerChecks;
}

/**
 * The ledger over the timeline: reservations at each call's start and releases at its end (a
 * call ending at the instant another starts is released first, as the timeline does), per
 * link and modality, with the invariants of the ledger checked at every step.
 */
export function ledgerOverTime(calls: readonly ExplainedCall[]): LedgerOverTime {
  interface Ev {
    readonly t: number;
    readonly order: number;
    readonly op: 'reserve' | 'release';
    readonly callId: string;
    readonly link: string;
    readonly modality: Modality;
    readonly kbps: number;
    readonly basis: ReservationBasis;
  }
  const events: Ev[] = [];
  const limits = new Map<string, { limit: number | null; session: number | null }>();
  let overrideAdmissions = 0;
  let uncheckedAdmissions = 0;
  calls.forEach(({ entry }, order) => {
    const { call, decision } = entry;
    for (const leg of decision.legs) {
      for (const lc of leg.links) {
        limits.set(`${lc.link}|${lc.modality}`, {
          limit: lc.limitKbps,
          session: lc.sessionLimitKbps,
        });
      }
    }
    const bases = reservationBases(decision);
    overrideAdmissions += bases.includes('override') ? 1 : 0;
    uncheckedAdmissions += bases.includes('unchecked') ? 1 : 0;
    decision.holding.reservations.forEach((r, i) => {
      const base = { callId: call.id, link: r.link, modality: r.modality, kbps: r.kbps };
      const basis = bases[i] ?? 'checked';
      events.push({ t: call.atMs, order, op: 'reserve', basis, ...base });
      events.push({ t: call.atMs + call.durationMs, order, op: 'release', basis, ...base });
    });
  });
  events.sort(
    (a, b) => a.t - b.t || (a.op === b.op ? a.order - b.order : a.op === 'release' ? -1 : 1),
  );
  const links = new Map<
    string,
    {
      link: string;
      modality: Modality;
      used: number;
      exempt: number;
      peak: number;
      rows: LedgerRow[];
    }
  >();
  let neverNegative = true;
  let withinLimits = true;
  let aboveLimitEvents = 0;
  for (const e of events) {
    const key = `${e.link}|${e.modality}`;
    let l = links.get(key);
    if (!l) {
      l = { link: e.link, modality: e.modality, used: 0, exempt: 0, peak: 0, rows: [] };
      links.set(key, l);
    }
    const sign = e.op === 'reserve' ? 1 : -1;
    l.used = snap(l.used + sign * e.kbps);
    if (e.basis !== 'checked') {
      l.exempt = snap(l.exempt + sign * e.kbps);
    }
    l.peak = Math.max(l.peak, l.used);
    neverNegative &&= l.used >= 0;
    const limit = limits.get(key)?.limit ?? null;
    const above = limit !== null && l.used > limit + 1e-6;
    if (above && e.op === 'reserve') {
      aboveLimitEvents++;
      withinLimits &&= l.used - l.exempt <= limit + 1e-6;
    }
    l.rows.push({
      t: e.t,
      op: e.op,
      callId: e.callId,
      kbps: e.kbps,
      inUseKbps: l.used,
      basis: e.basis,
      aboveLimit: above,
    });
  }
  const out = [...links.values()]
    .sort((a, b) => a.link.localeCompare(b.link) || a.modality.localeCompare(b.modality))
    .map((l) => {
      const lim = limits.get(`${l.link}|${l.modality}`);
      return {
        link: l.link,
        modality: l.modality,
        limitKbps: lim?.limit ?? null,
        sessionLimitKbps: lim?.session ?? null,
        peakKbps: l.peak,
        rows: l.rows,
      };
    });
  return {
    links: out,
    checks: {
      neverNegative,
      withinLimits,
      backToZero: [...links.values()].every((l) => l.used === 0),
      overrideAdmissions,
      uncheckedAdmissions,
      aboveLimitEvents,
    },
  };
}

/** Sums of kbps such as 44.8 do not cancel exactly in floating point: residue is zero. */
function snap(x: number): number {
  return Math.abs(x) < 1e-9 ? 0 : Math.round(x * 1e6) / 1e6;
}

/** The ledger over time as text: one table per link and modality, then the invariants. */
export function formatLedger(view: LedgerOverTime, options: { colour: boolean }): string {
  const st = styler(options.colour);
  const lines: string[] = [
    st.bold('Ledger over time') +
      st.dim(' (kbps in use, one direction, per constrained link and modality)'),
  ];
  if (view.links.length === 0) {
    lines.push('', 'No call reserved bandwidth on a constrained link.');
  }
  for (const l of view.links) {
    const limit = l.limitKbps === null ? 'no limit checked' : `limit ${round(l.limitKbps)} kbps`;
    const session = l.sessionLimitKbps === null ? '' : `, ${round(l.sessionLimitKbps)} per session`;
    lines.push(
      '',
      `${st.bold(`${l.link} ${l.modality}`)}  ${limit}${session}; peak ${round(l.peakKbps)} kbps`,
    );
    const idWidth = Math.max(4, ...l.rows.map((r) => r.callId.length));
    lines.push(
      st.dim(
        `  ${'t (s)'.padStart(8)}    ${'call'.padEnd(idWidth)}${'kbps'.padStart(8)}  ${'in use'.padStart(9)}`,
      ),
    );
    for (const r of l.rows) {
      const sign = r.op === 'reserve' ? '+' : '-';
      const note = [
        r.basis === 'override' ? 'bandwidth policy override' : '',
        r.basis === 'unchecked' ? 'accounted without a check' : '',
        r.aboveLimit ? 'above the limit' : '',
      ].filter((x) => x !== '');
      const text = `  ${(r.t / 1000).toFixed(1).padStart(8)}  ${sign} ${r.callId.padEnd(idWidth)}${round(r.kbps).toString().padStart(8)}  ${round(r.inUseKbps).toString().padStart(9)}${note.length ? `  ${note.join(', ')}` : ''}`;
      lines.push(r.aboveLimit ? st.yellow(text) : text);
    }
  }
  lines.push('', ledgerChecksLine(view.checks, st));
  return `${lines.join('\n')}\n`;
}

function ledgerChecksLine(c: LedgerChecks, st: Styler): string {
  const exempt = [
    c.overrideAdmissions
      ? `${plural(c.overrideAdmissions, 'call')} admitted by a bandwidth policy override`
      : '',
    c.uncheckedAdmissions
      ? `${plural(c.uncheckedAdmissions, 'call')} accounted without a check`
      : '',
  ].filter((x) => x !== '');
  const limits = `never above a limit${exempt.length ? ` but by ${exempt.join(' and ')} (${plural(c.aboveLimitEvents, 'reservation')} above a limit)` : ''}`;
  const checks = [
    { ok: c.neverNegative, text: 'never negative' },
    { ok: c.withinLimits, text: limits },
    { ok: c.backToZero, text: 'back to zero once every call ended' },
  ];
  const broken = checks.filter((x) => !x.ok);
  return broken.length === 0
    ? st.green(`Ledger invariants held: ${checks.map((x) => x.text).join('; ')}.`)
    : st.red(`Ledger invariants BROKEN (a bug): not ${broken.map((x) => x.text).join('; not ')}.`);
}

/** The columns of the ledger's CSV, in order. */
export const LEDGER_CSV_COLUMNS = [
  't_s',
  'link',
  'modality',
  'op',
  'call',
  'kbps',
  'in_use_kbps',
  'limit_kbps',
  'basis',
  'above_limit',
] as const;

/** The ledger over time as CSV: one row per reservation or release, links in order. */
export function ledgerCsv(view: LedgerOverTime): string {
  const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = view.links.flatMap((l) =>
    l.rows.map((r) =>
      [
        String(r.t / 1000),
        quote(l.link),
        l.modality,
        r.op,
        quote(r.callId),
        String(r.kbps),
        String(r.inUseKbps),
        l.limitKbps === null ? '' : String(l.limitKbps),
        r.basis,
        String(r.aboveLimit),
      ].join(','),
    ),
  );
  return `${[LEDGER_CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}
