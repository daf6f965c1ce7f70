/**
 * A simulated busy hour as people read it: a text table per constrained link (offered and
 * carried load, blocking with its interval, peak and 95th-percentile kbps, where refused calls
 * went, the limit that meets the target), a CSV for spreadsheets, and a JSON document. Pure
 * string building: it must not know how the hour was simulated, nor where the text goes.
 */
import type { Styler } from '../report/index.js';
import type { Scenario } from '../scenario/index.js';
import type { BusyHourResult, LinkPlan } from './busy-hour.js';
import { cell, kbpsText, percent, plural, table, thousands } from './text.js';

/** The `format` of a plan's JSON document. */
export const PLAN_FORMAT = 'mediapath-plan';

/** The text report of a busy hour. */
export function formatPlan(scenario: Scenario, r: BusyHourResult, st: Styler): string {
  const s = r.settings;
  const lines: string[] = [];
  lines.push(st.bold(`Busy hour of ${scenario.name}`) + st.dim(` (${scenario.source})`));
  const model =
    s.model === 'poisson'
      ? 'Poisson arrivals, exponential holding times'
      : 'evenly spaced arrivals, every call the mean holding time';
  lines.push(
    `${hoursText(s.hours)} simulated after a ${minutes(s.warmupMs)} warm-up; ${model}; seed ${s.seed}.`,
  );
  const decisions = Object.entries(r.calls.byDecision)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([d, n]) => `${thousands(n ?? 0)} ${d}`)
    .join(', ');
  lines.push(
    `${plural(r.calls.measured, 'call')} in the measured window (${thousands(r.calls.warmup)} more in the warm-up)${decisions ? `: ${decisions}` : ''}.`,
  );
  const batchMinutes = (s.hours * 60) / s.batches;
  lines.push(
    st.dim(
      `Blocking intervals at ${percent(s.confidence)} confidence over ${s.batches} batches of ${batchMinutes.toFixed(batchMinutes < 10 ? 1 : 0)} min; limits sized for ${percent(s.targetBlocking)} blocking of the load offered to each link.`,
    ),
  );
  lines.push('');
  if (r.links.length === 0) {
    lines.push('No call was checked against a constrained link.');
  } else {
    lines.push(linkTable(r.links, s.targetBlocking, s.confidence, st));
  }
  lines.push('');
  lines.push(ledgerLine(r));
  return `${lines.join('\n')}\n`;
}

function linkTable(
  links: readonly LinkPlan[],
  target: number,
  confidence: number,
  st: Styler,
): string {
  const head = [
    'link',
    'offered E',
    'calls',
    'carried E',
    'blocking',
    `${percent(confidence)} interval`,
    'peak kbps',
    'p95 kbps',
    'limit kbps',
    `limit for ${percent(target)}`,
  ];
  const rows: string[][] = [];
  const notes = new Map<number, string>();
  for (const l of links) {
    const over = l.blocking > target;
    rows.push([
      `${l.link} ${l.modality}`,
      l.offeredErlangs.toFixed(2),
      thousands(l.offeredCalls),
      l.carriedErlangs.toFixed(2),
      over ? st.red(percent(l.blocking)) : st.green(percent(l.blocking)),
      interval(l.blockingInterval.low, l.blockingInterval.high),
      kbpsText(l.peakKbps),
      kbpsText(l.p95Kbps),
      l.limitKbps === null ? 'none' : kbpsText(l.limitKbps),
      adviceText(l),
    ]);
    const refused = refusedText(l);
    if (refused) {
      notes.set(rows.length - 1, `  ${st.dim(refused)}`);
    }
  }
  return table(head, rows, [false, true, true, true, true, true, true, true, true, true], notes);
}

/** An interval of two probabilities: `2.1-3.3 %`. */
function interval(low: number, high: number): string {
  return `${percent(low).replace(' %', '')}-${percent(high)}`;
}

function adviceText(l: LinkPlan): string {
  const a = l.advice;
  if (a === null) {
    return '-';
  }
  const per =
    a.calls !== null && a.calls > 0 ? ` (${a.calls} x ${kbpsText(a.limitKbps / a.calls)})` : '';
  return `${kbpsText(a.limitKbps)}${per}`;
}

/** Where a link's refused calls went, in a line; empty when it refused none. */
function refusedText(l: LinkPlan): string {
  if (l.blockedCalls === 0) {
    return '';
  }
  const r = l.refused;
  const parts = [
    r.internet ? `${thousands(r.internet)} to the Internet path` : '',
    r.pstn ? `${thousands(r.pstn)} re-routed through the PSTN` : '',
    r.voicemail ? `${thousands(r.voicemail)} to voice mail` : '',
    r.override ? `${thousands(r.override)} admitted by a bandwidth policy override` : '',
    r.rejected ? `${thousands(r.rejected)} rejected` : '',
  ].filter((x) => x !== '');
  return `refused ${plural(l.blockedCalls, 'call')}: ${parts.join(', ')}`;
}

function ledgerLine(r: BusyHourResult): string {
  const c = r.ledger;
  const exempt: string[] = [];
  if (c.overrideAdmissions > 0) {
    exempt.push(
      `${plural(c.overrideAdmissions, 'call')} admitted by a bandwidth policy override (${thousands(c.overLimitByOverride)} above a limit)`,
    );
  }
  if (c.uncheckedAdmissions > 0) {
    exempt.push(
      `${plural(c.uncheckedAdmissions, 'call')} accounted without a check (${thousands(c.overLimitByUnchecked)} above a limit)`,
    );
  }
  return `Ledger checked at every reservation and release (${plural(c.reserved, 'call')}): never negative, never above a limit${exempt.length ? ` but by ${exempt.join(' and ')}` : ''}, back to zero whenever every call had ended (${plural(c.drained, 'time')}).`;
}

function hoursText(hours: number): string {
  return hours === 1 ? 'One hour' : `${hours} hours`;
}

function minutes(ms: number): string {
  const m = ms / 60_000;
  return `${Number.isInteger(m) ? m : m.toFixed(1)} min`;
}

/** The columns of the CSV, in order. */
export const PLAN_CSV_COLUMNS = [
  'link',
  'modality',
  'limit_kbps',
  'session_limit_kbps',
  'offered_calls',
  'offered_erlangs',
  'carried_calls',
  'carried_erlangs',
  'blocked_calls',
  'blocking',
  'blocking_low',
  'blocking_high',
  'peak_kbps',
  'p95_kbps',
  'mean_kbps',
  'peak_calls',
  'to_internet',
  'to_pstn',
  'to_voicemail',
  'override',
  'rejected',
  'target_blocking',
  'advised_limit_kbps',
  'advised_calls',
  'advised_blocking',
] as const;

/** One row per constrained link and modality, with a header; numbers unformatted. */
export function planCsv(r: BusyHourResult): string {
  const rows = r.links.map((l) =>
    [
      l.link,
      l.modality,
      l.limitKbps,
      l.sessionLimitKbps,
      l.offeredCalls,
      round(l.offeredErlangs, 4),
      l.carriedCalls,
      round(l.carriedErlangs, 4),
      l.blockedCalls,
      round(l.blocking, 6),
      round(l.blockingInterval.low, 6),
      round(l.blockingInterval.high, 6),
      round(l.peakKbps, 1),
      round(l.p95Kbps, 1),
      round(l.meanKbps, 1),
      l.peakCalls,
      l.refused.internet,
      l.refused.pstn,
      l.refused.voicemail,
      l.refused.override,
      l.refused.rejected,
      r.settings.targetBlocking,
      l.advice?.limitKbps ?? null,
      l.advice?.calls ?? null,
      l.advice ? round(l.advice.blocking, 6) : null,
    ]
      .map(cell)
      .join(','),
  );
  return `${[PLAN_CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}

/** The JSON document of a plan: the settings, the streams, every link and the ledger checks. */
export function planJson(scenario: Scenario, r: BusyHourResult): unknown {
  const streams = scenario.traffic?.streams ?? [];
  return {
    format: PLAN_FORMAT,
    version: 1,
    scenario: { name: scenario.name, source: scenario.source },
    settings: r.settings,
    streams: streams.map((s, i) => ({
      from: s.from,
      to: s.to,
      erlangs: s.erlangs,
      callsPerHour: s.callsPerHour,
      holdingSeconds: s.holdingMs / 1000,
      video: s.video,
      pstnShare: s.pstnShare,
      codecs: s.codecs,
      trunks: s.trunks,
      drawn: r.streams[i] ?? 0,
    })),
    calls: r.calls,
    links: r.links,
    ledger: r.ledger,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
