/**
 * The configuration versions of a live lab: each new text of the scenario file that the
 * watcher hands over is validated (the scenario's rules, and the hosts the lab has bound); a
 * version that does not validate is refused with its problems and the one in force stays; one
 * that does is put in force after the replication delay, for the calls that start from then
 * on. Keeps a line per version (when it was seen and put in force, its SHA-256, the command
 * log's statements that made it) and per refusal, for the progress lines and the report.
 *
 * This file must not know how the file is watched, how calls are placed or how the lab takes a
 * version: it is given the text and a function that puts a version in force.
 */
import type { LoggedVersion } from '../labs/index.js';
import { versionFit, versionLabel } from '../labs/index.js';
import { formatProblem, loadScenarioText, type Scenario } from '../scenario/index.js';
import type { SeenVersion } from './scenario-watcher.js';

/** A version the lab took. */
export interface VersionChange {
  /** `v3`, or `v3-hand1` for a file written by hand. */
  readonly version: string;
  readonly sha256: string;
  /** When the lab saw it, ms from the lab's start (0 for the version it started with). */
  readonly seenAtMs: number;
  /** When it was put in force (after the replication delay); null when the lab stopped first. */
  inForceAtMs: number | null;
  /** The command log's line that wrote it; null when the file was written by hand. */
  readonly logged: LoggedVersion | null;
  /** What of it the running lab does not take (kept from the start). */
  readonly kept: readonly string[];
}

/** A version the lab refused. */
export interface RefusedVersion {
  readonly sha256: string;
  readonly seenAtMs: number;
  readonly logged: LoggedVersion | null;
  /** Why, each problem on a line of its own (`file:line:col: ...`). */
  readonly problems: readonly string[];
}

/** Options of {@link LiveVersions}. */
export interface LiveVersionsOptions {
  /** The scenario file (for the problems' locations). */
  readonly file: string;
  /** The scenario the lab was opened with (its hosts are bound). */
  readonly running: Scenario;
  /** The version the lab starts with. */
  readonly initial: VersionChange;
  /** How long a new version waits before it is put in force (ms). */
  readonly replicationDelayMs: number;
  /** Puts a version in force in the lab. */
  readonly apply: (scenario: Scenario, version: string) => void;
  /** Milliseconds since the lab started. */
  readonly elapsedMs: () => number;
  /** A progress line. */
  readonly say: (line: string) => void;
}

/** The versions of one live lab. */
export class LiveVersions {
  readonly #o: LiveVersionsOptions;
  readonly #changes: VersionChange[];
  readonly #refused: RefusedVersion[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #inForce: VersionChange;
  #hand = 0;
  #closed = false;

  constructor(o: LiveVersionsOptions) {
    this.#o = o;
    this.#inForce = o.initial;
    this.#changes = [o.initial];
    if (/-hand\d+$/.test(o.initial.version)) {
      this.#hand = 1;
    }
  }

  /** The version calls are decided under now. */
  get inForce(): VersionChange {
    return this.#inForce;
  }

  /** Every version taken, the first the lab started with. */
  get changes(): readonly VersionChange[] {
    return this.#changes;
  }

  /** Every version refused. */
  get refused(): readonly RefusedVersion[] {
    return this.#refused;
  }

  /** A new text of the scenario file: refused, or put in force after the delay. */
  take(seen: SeenVersion): void {
    if (this.#closed) {
      return;
    }
    const at = this.#o.elapsedMs();
    const loaded = loadScenarioText(seen.text, this.#o.file);
    const fit = loaded.ok ? versionFit(this.#o.running, loaded.scenario) : null;
    if (!loaded.ok || (fit !== null && fit.problems.length > 0)) {
      const problems = loaded.ok
        ? (fit?.problems ?? [])
        : loaded.problems.filter((p) => p.severity === 'error').map((p) => formatProblem(p));
      this.#refused.push({ sha256: seen.sha256, seenAtMs: at, logged: seen.logged, problems });
      this.#o.say(
        `refused a new version of the scenario (sha ${short(seen.sha256)}, ${sourceText(seen.logged)}): ${
          loaded.ok ? 'the running lab cannot take it' : 'it is not valid'
        }; ${this.#inForce.version} stays in force`,
      );
      for (const p of problems) {
        this.#o.say(`  ${p}`);
      }
      return;
    }
    const version = seen.logged
      ? versionLabel(seen.logged.version)
      : versionLabel(seen.lastLogged, ++this.#hand);
    const change: VersionChange = {
      version,
      sha256: seen.sha256,
      seenAtMs: at,
      inForceAtMs: null,
      logged: seen.logged,
      kept: fit?.kept ?? [],
    };
    this.#changes.push(change);
    this.#o.say(
      `new configuration ${version} (sha ${short(seen.sha256)}), ${sourceText(seen.logged)}`,
    );
    for (const k of change.kept) {
      this.#o.say(`  not taken: ${k}`);
    }
    const scenario = loaded.scenario;
    const delayMs = this.#o.replicationDelayMs;
    if (delayMs > 0) {
      this.#o.say(
        `  ${version} takes effect in ${delayMs / 1000}s (replication delay); ${this.#inForce.version} stays in force until then`,
      );
    }
    const putInForce = (): void => {
      this.#o.apply(scenario, version);
      change.inForceAtMs = this.#o.elapsedMs();
      this.#inForce = change;
      this.#o.say(`${version} in force: calls that start from now on are decided under it`);
    };
    if (delayMs === 0) {
      putInForce();
      return;
    }
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#closed) {
        putInForce();
      }
    }, delayMs);
    this.#timers.add(t);
  }

  /** Puts nothing more in force. */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) {
      clearTimeout(t);
    }
    this.#timers.clear();
  }
}

/** The first 8 hex digits of a SHA-256. */
export function short(sha: string): string {
  return sha.slice(0, 8);
}

/** Where a version came from, in a few words. */
export function sourceText(logged: LoggedVersion | null): string {
  if (logged === null) {
    return 'written by hand (not in the command log)';
  }
  const what =
    logged.via === 'lab'
      ? 'lab reset'
      : `${logged.via} as ${logged.role}: ${logged.statements.join('; ')}`;
  return `version ${logged.version} of the command log, ${what}`;
}
