/**
 * Media bypass on and off as people read it: a table with bypass as configured, bypass off,
 * and what bypass saves (per Mediation Server the relayed calls, streams, packets and the
 * estimated relay CPU at the peak; per constrained link the kbps reserved; the calls refused
 * and re-routed), the calls whose outcome changes, the live measurements when there are any,
 * and the JSON document. Pure string building: it must not know how the figures were made.
 */
import type { Styler } from '../report/index.js';
import type { Scenario } from '../scenario/index.js';
import { RELAY_CPU_US_PER_PACKET, type BypassComparison, type CompareSide } from './compare.js';
import { kbpsText, table, thousands } from './text.js';

/** The `format` of a comparison's JSON document. */
export const COMPARE_FORMAT = 'mediapath-compare';

/** What a live run of one side measured (`compare --live`). */
export interface LiveSide {
  /** RTP packets each Mediation Server's relay received, by name. */
  readonly relayedPackets: Readonly<Record<string, number>>;
  /** CPU time of the process that ran every host (user + system), seconds. */
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  /** Calls answered (final status 200). */
  readonly answered: number;
}

/** The live measurements of both sides. */
export interface LiveComparison {
  readonly configured: LiveSide;
  readonly off: LiveSide;
}

/** Where the calls came from, for the title. */
export interface CompareSource {
  readonly file: string;
  /** `timeline`: the scenario's calls; `busy-hour`: calls drawn from its traffic: section. */
  readonly calls: 'timeline' | 'busy-hour';
  /** Hours of traffic drawn, for a busy hour. */
  readonly hours?: number;
}

/** A row: label, bypass as configured, bypass off, format, and whether the difference is a saving. */
type Row = readonly [string, number, number, (n: number) => string, boolean?];

/** The text report of a comparison. */
export function formatCompare(
  scenario: Scenario,
  c: BypassComparison,
  src: CompareSource,
  st: Styler,
  live: LiveComparison | null = null,
): string {
  const lines: string[] = [
    st.bold(`Media bypass on and off: ${scenario.name}`) + st.dim(` (${src.file})`),
  ];
  const what =
    src.calls === 'timeline'
      ? `${thousands(c.calls)} calls of the timeline`
      : `${thousands(c.calls)} calls of ${src.hours ?? 1} busy hour${src.hours === 1 ? '' : 's'} drawn from traffic:`;
  lines.push(
    `${what}, decided with media bypass as configured (${c.configured.bypassEnabled ? 'on' : 'off'}) and with it off; ${live ? 'then both run live on loopback' : 'no sockets'}.`,
  );
  if (!c.configured.bypassEnabled) {
    lines.push(st.yellow('Media bypass is off in this scenario already: both sides are the same.'));
  }
  lines.push('');
  const int = (n: number): string => thousands(n);
  const rows: Row[] = [['calls bypassed', c.configured.bypassed, c.off.bypassed, int, false]];
  for (const r of c.configured.relays) {
    const o = c.off.relays.find((x) => x.mediationServer === r.mediationServer);
    const m = r.mediationServer;
    rows.push(
      [`${m} relayed calls`, r.relayedCalls, o?.relayedCalls ?? 0, int],
      [`${m} relayed streams`, r.relayedStreams, o?.relayedStreams ?? 0, int],
      [`${m} relayed packets`, r.packets, o?.packets ?? 0, int],
      [`${m} relayed calls at once, peak`, r.peakCalls, o?.peakCalls ?? 0, int],
      [`${m} relay CPU at the peak, est.`, r.peakCpu, o?.peakCpu ?? 0, cpu],
    );
  }
  for (const key of linkKeys(c.configured, c.off)) {
    const a = c.configured.links.find((l) => `${l.link} ${l.modality}` === key);
    const b = c.off.links.find((l) => `${l.link} ${l.modality}` === key);
    rows.push(
      [`${key} kbps at once, peak`, a?.peakKbps ?? 0, b?.peakKbps ?? 0, kbpsText],
      [`${key} calls reserving`, a?.calls ?? 0, b?.calls ?? 0, int],
    );
  }
  rows.push(
    ['calls refused (REJECTED)', c.configured.refused, c.off.refused, int],
    ['calls re-routed (CAC-REROUTED-*)', c.configured.rerouted, c.off.rerouted, int],
  );
  if (live) {
    for (const m of Object.keys(live.configured.relayedPackets).sort()) {
      rows.push([
        `${m} relayed packets, measured`,
        live.configured.relayedPackets[m] ?? 0,
        live.off.relayedPackets[m] ?? 0,
        int,
      ]);
    }
    rows.push(
      ['CPU of the run, s (every host)', live.configured.cpuSeconds, live.off.cpuSeconds, secs],
      ['calls answered', live.configured.answered, live.off.answered, int, false],
    );
  }
  lines.push(
    table(
      ['', 'bypass as configured', 'bypass off', 'saved by bypass'],
      rows.map(([label, a, b, f, saving]) => [
        label,
        f(a),
        f(b),
        saving === false ? '' : saved(b - a, f),
      ]),
      [false, true, true, true],
    ),
  );
  lines.push(
    '',
    st.dim(
      `Relay CPU estimated at ${RELAY_CPU_US_PER_PACKET} µs per packet (the relay benchmark, docs/performance.md)${live ? '; measured CPU is the whole process: every emulated host runs in it, so the difference is what the relay cost' : '; compare --live measures it'}.`,
    ),
  );
  const diff = c.diff;
  if (diff && diff.changed.length > 0) {
    lines.push('', `Calls whose outcome changes without bypass (${diff.changed.length}):`);
    for (const ch of diff.changed) {
      const a = ch.a;
      const b = ch.b;
      if (!a || !b) {
        continue;
      }
      const reserves = b.reserved.map((r) => `${r.link} ${r.modality} ${kbpsText(r.kbps)} kbps`);
      lines.push(
        `  ${ch.id}  ${ch.from} -> ${ch.to}: ${a.decision} => ${b.decision} (${b.mediaPath.join(' -> ') || 'none'})${reserves.length ? `, reserves ${reserves.join(', ')}` : ''}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function linkKeys(a: CompareSide, b: CompareSide): string[] {
  return [...new Set([...a.links, ...b.links].map((l) => `${l.link} ${l.modality}`))].sort();
}

function cpu(share: number): string {
  return `${(share * 100).toFixed(2)} %`;
}

function secs(s: number): string {
  return s.toFixed(2);
}

function saved(d: number, f: (n: number) => string): string {
  if (Math.abs(d) < 1e-9) {
    return '-';
  }
  return d > 0 ? f(d) : `-${f(-d)}`;
}

/** The JSON document of a comparison. */
export function compareJson(
  scenario: Scenario,
  c: BypassComparison,
  src: CompareSource,
  live: LiveComparison | null,
): unknown {
  return {
    format: COMPARE_FORMAT,
    version: 1,
    scenario: { name: scenario.name, source: src.file },
    calls: {
      from: src.calls,
      count: c.calls,
      ...(src.hours === undefined ? {} : { hours: src.hours }),
    },
    relayCpuUsPerPacket: RELAY_CPU_US_PER_PACKET,
    configured: c.configured,
    off: c.off,
    changed: c.diff?.changed ?? null,
    live,
  };
}
