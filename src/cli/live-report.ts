/**
 * What a live lab's report adds to a run's: a line per configuration version (when the lab saw
 * it and put it in force, its SHA-256, the command log's statements that made it) with the calls
 * decided under it, and a line per version refused; as text under the run's table, and as the
 * `live` section of the JSON result (which the HTML page draws).
 *
 * This file must not know how versions are found or taken, nor how calls are carried.
 */
import { styler, type RunCallResult } from '../report/index.js';
import { short, sourceText, type RefusedVersion, type VersionChange } from './live-versions.js';

/** The live lab's settings, for the report. */
export interface LiveSettings {
  readonly rounds: number;
  readonly roundsPlaced: number;
  readonly roundPeriodMs: number;
  readonly replicationDelayMs: number;
}

/** Seconds from the start, `12.3s`. */
function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** The calls decided under each version, in the order they started. */
function callsByVersion(results: readonly RunCallResult[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of results) {
    const v = r.configVersion ?? '?';
    out.set(v, [...(out.get(v) ?? []), r.call.id]);
  }
  return out;
}

/** The versions section of the terminal report. */
export function formatVersions(
  changes: readonly VersionChange[],
  refused: readonly RefusedVersion[],
  results: readonly RunCallResult[],
  colour: boolean,
): string {
  const st = styler(colour);
  const byVersion = callsByVersion(results);
  const lines = ['', st.bold('Configuration versions (and the calls decided under each)')];
  for (const [i, c] of changes.entries()) {
    const when =
      i === 0
        ? 'at the start'
        : c.inForceAtMs === null
          ? `seen at ${secs(c.seenAtMs)}, not yet in force when the lab stopped`
          : c.inForceAtMs - c.seenAtMs >= 50
            ? `seen at ${secs(c.seenAtMs)}, in force from ${secs(c.inForceAtMs)}`
            : `in force from ${secs(c.inForceAtMs)}`;
    const source =
      i === 0 && c.logged === null ? 'the file the lab started with' : sourceText(c.logged);
    lines.push(`  ${st.bold(c.version)}  ${when}, sha ${short(c.sha256)}: ${source}`);
    const calls = byVersion.get(c.version) ?? [];
    lines.push(`      calls: ${calls.length > 0 ? calls.join(', ') : 'none'}`);
  }
  for (const r of refused) {
    lines.push(
      st.yellow(
        `  refused  at ${secs(r.seenAtMs)}, sha ${short(r.sha256)}: ${sourceText(r.logged)}: ${r.problems[0] ?? ''}${
          r.problems.length > 1 ? ` (and ${r.problems.length - 1} more)` : ''
        }`,
      ),
    );
  }
  const unknown = byVersion.get('?');
  if (unknown) {
    lines.push(`  calls never decided (refused or failed first): ${unknown.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The `live` section of the JSON result. */
export function liveJson(
  settings: LiveSettings,
  changes: readonly VersionChange[],
  refused: readonly RefusedVersion[],
  inForce: string,
): Record<string, unknown> {
  return {
    rounds: Number.isFinite(settings.rounds) ? settings.rounds : null,
    roundsPlaced: settings.roundsPlaced,
    roundPeriodMs: Math.round(settings.roundPeriodMs),
    replicationDelayMs: settings.replicationDelayMs,
    configVersion: inForce,
    versions: changes.map((c, i) => ({
      version: c.version,
      sha256: c.sha256,
      seenAt: c.seenAtMs / 1000,
      inForceAt: c.inForceAtMs === null ? null : c.inForceAtMs / 1000,
      // How it was made: shell, apply, lab (a reset), hand, or start (the file as the lab found it).
      source: c.logged === null ? (i === 0 ? 'start' : 'hand') : c.logged.via,
      logVersion: c.logged?.version ?? null,
      role: c.logged?.role ?? null,
      statements: c.logged?.statements ?? [],
      kept: c.kept,
    })),
    refused: refused.map((r) => ({
      sha256: r.sha256,
      seenAt: r.seenAtMs / 1000,
      source: r.logged === null ? 'hand' : r.logged.via,
      problems: r.problems,
    })),
  };
}
