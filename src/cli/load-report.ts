/**
 * The text of `mediapath load`: one level's figures, the ramp's table, and the floors a level
 * missed.
 *
 * This file must not know how a level is run or measured (the media layer's load run), nor
 * where the text goes.
 */
import type { LoadLevelResult, RampResult } from '../media/index.js';
import { count } from './text.js';

/** When a level counts as held: loss below `maxLossRatio`, p99 below `maxP99Ms`, every call carried. */
export interface HoldCriteria {
  readonly maxLossRatio: number;
  readonly maxP99Ms: number;
}

/** The criteria `mediapath load` holds a level to. */
export const HOLD: HoldCriteria = { maxLossRatio: 0.001, maxP99Ms: 20 };

/** A count of packets or packets per second, with thousands separators. */
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
/** Milliseconds: two decimals under 10 ms, one above. */
export const fmtMs = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));
/** A ratio as a percentage with three decimals. */
export const fmtPct = (r: number): string => `${(r * 100).toFixed(3)} %`;
const MiB = 1024 * 1024;

/** The figures of one level, one per line. */
export function formatLevel(r: LoadLevelResult): string {
  const lines = [
    `  offered      ${fmtInt(r.offeredPps)} packets/s`,
    `  forwarded    ${r.forwardedPps === null ? '-' : fmtInt(r.forwardedPps)} packets/s (delivered ${fmtInt(r.deliveredPps)}/s)`,
    `  loss         ${fmtPct(r.lossRatio)}`,
    `  latency      p50 ${fmtMs(r.latencyMs.p50)} ms  p99 ${fmtMs(r.latencyMs.p99)} ms  p99.9 ${fmtMs(r.latencyMs.p999)} ms  max ${fmtMs(r.latencyMs.max)} ms`,
    `  calls        ${r.callsCarried} of ${count(r.calls, 'call')} carried media both ways`,
    `  relay CPU    ${(r.relayCpu * 100).toFixed(1)} % of one core`,
    `  memory       RSS ${(r.relayRssBytes / MiB).toFixed(1)} MiB, ${(r.setupBytesPerCall / 1024).toFixed(1)} KiB per call (RSS growth at setup)`,
    `  generator    ${(r.generator.cpu * 100).toFixed(1)} % CPU, schedule lag up to ${fmtMs(r.generator.maxLagMs)} ms`,
    `  other CPU    ${r.otherCpu === null ? '-' : `${(r.otherCpu * 100).toFixed(0)} % of a core used by other processes and the kernel during the run`}`,
    `  held         ${r.held ? 'yes' : 'no'} (loss < 0.1 %, p99 < 20 ms, every call carried)`,
  ];
  return lines.join('\n');
}

/** The ramp: one row per level run (re-runs included), then the largest load held. */
export function formatRamp(ramp: RampResult): string {
  const rows = ramp.levels.map(
    (r) =>
      `  ${String(r.calls).padStart(6)}  ${fmtInt(r.offeredPps).padStart(9)}  ${fmtPct(r.lossRatio).padStart(9)}  ${fmtMs(r.latencyMs.p99).padStart(8)}  ${(r.relayCpu * 100).toFixed(0).padStart(5)} %  ${r.held ? 'held' : 'not held'}`,
  );
  return [
    '   calls  packets/s       loss  p99 (ms)    CPU',
    ...rows,
    `Largest load held: ${count(ramp.maxHeldCalls, 'call')} (${fmtInt(ramp.maxHeldPps)} packets/s offered).`,
  ].join('\n');
}

/** Why a level did not hold, in a few words each (empty when it held). */
export function whyNotHeld(r: LoadLevelResult, criteria: HoldCriteria = HOLD): string[] {
  const why: string[] = [];
  if (r.lossRatio >= criteria.maxLossRatio) {
    why.push(`loss ${fmtPct(r.lossRatio)}, not under ${fmtPct(criteria.maxLossRatio)}`);
  }
  if (r.latencyMs.p99 >= criteria.maxP99Ms) {
    why.push(`p99 ${fmtMs(r.latencyMs.p99)} ms, not under ${criteria.maxP99Ms} ms`);
  }
  if (r.callsCarried < r.calls) {
    why.push(`${count(r.calls - r.callsCarried, 'call')} without media one way`);
  }
  return why;
}

/** The floors (`--max-loss`, `--max-p99-ms`, media on every call) a level missed. */
export function missedFloors(
  level: LoadLevelResult,
  floors: { readonly maxLossPct: number | undefined; readonly maxP99Ms: number | undefined },
): string[] {
  const missed: string[] = [];
  if (floors.maxLossPct !== undefined && level.lossRatio * 100 > floors.maxLossPct) {
    missed.push(`loss ${fmtPct(level.lossRatio)} exceeds --max-loss ${floors.maxLossPct} %`);
  }
  if (floors.maxP99Ms !== undefined && level.latencyMs.p99 > floors.maxP99Ms) {
    missed.push(`p99 ${fmtMs(level.latencyMs.p99)} ms exceeds --max-p99-ms ${floors.maxP99Ms}`);
  }
  if (level.callsCarried < level.calls) {
    missed.push(`${count(level.calls - level.callsCarried, 'call')} carried no media one way`);
  }
  return missed;
}
