/**
 * Configuration versions of a running lab: which line of a lab folder's command log made the
 * scenario file a running lab reads (by the file's SHA-256, which `shell`, `apply` and `lab
 * reset` log with the version they wrote), the statements that went into that version, its
 * label (`v3`, or `v3-hand1` for a file written by hand), and what of a new version the running
 * lab can take: its hosts must be the ones bound (same names, kinds and addresses); its links,
 * timeline, faults and simulator settings are kept from the start.
 *
 * Pure: it is given the log's text and the scenarios. It must not read files, watch folders or
 * know the live lab.
 */
import type { Scenario } from '../scenario/index.js';

/** What a running lab needs of a line of `commands.log.jsonl`. */
export interface LoggedStatement {
  readonly time: string;
  readonly via: string;
  readonly role: string;
  readonly statement: string;
  readonly changed: boolean;
  readonly version: number;
  readonly sha256: string | null;
}

/** A version of the scenario file, as the command log tells where it came from. */
export interface LoggedVersion {
  /** The configuration version (monotonic over the folder's history). */
  readonly version: number;
  readonly sha256: string;
  /** When it was written (the log line's time). */
  readonly time: string;
  /** `shell`, `apply` or `lab` (a reset). */
  readonly via: string;
  readonly role: string;
  /** The statements that changed the configuration since the version before it, in order. */
  readonly statements: readonly string[];
}

/** The lines of a command log; a line that is not a log line (a hand edit) is skipped. */
export function parseCommandLog(text: string): LoggedStatement[] {
  const out: LoggedStatement[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      continue;
    }
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof v !== 'object' || v === null) {
      continue;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.version !== 'number' || typeof o.statement !== 'string') {
      continue;
    }
    out.push({
      time: typeof o.time === 'string' ? o.time : '',
      via: typeof o.via === 'string' ? o.via : '?',
      role: typeof o.role === 'string' ? o.role : '?',
      statement: o.statement,
      changed: o.changed === true,
      version: o.version,
      sha256: typeof o.sha256 === 'string' ? o.sha256 : null,
    });
  }
  return out;
}

/** The highest version the log records (0 when none). */
export function lastLoggedVersion(log: readonly LoggedStatement[]): number {
  return log.reduce((m, l) => Math.max(m, l.version), 0);
}

/**
 * The logged version whose file has this SHA-256 (the newest such line), with the statements
 * that made it since version `since` (the one the reader had: a reader that missed a version
 * written a moment before gets its statements too), or by default since the file version logged
 * before it; null when no line has it (the file was written by hand, or its line is not written
 * yet).
 */
export function loggedVersionOf(
  log: readonly LoggedStatement[],
  sha256: string,
  since?: number,
): LoggedVersion | null {
  let at = -1;
  for (const [i, l] of log.entries()) {
    if (l.sha256 === sha256) {
      at = i;
    }
  }
  const line = log[at];
  if (!line) {
    return null;
  }
  let before = 0;
  for (const l of log.slice(0, at)) {
    if (l.sha256 !== null && l.version < line.version) {
      before = Math.max(before, l.version);
    }
  }
  if (since !== undefined && since < line.version) {
    before = since;
  }
  const statements = log
    .slice(0, at + 1)
    .filter((l) => l.changed && l.version > before && l.version <= line.version)
    .map((l) => l.statement);
  return {
    version: line.version,
    sha256,
    time: line.time,
    via: line.via,
    role: line.role,
    statements: statements.length > 0 ? statements : [line.statement],
  };
}

/** A version's label: `v<N>` when logged, `v<N>-hand<k>` for the k-th written by hand after N. */
export function versionLabel(logged: number, hand = 0): string {
  return hand > 0 ? `v${logged}-hand${hand}` : `v${logged}`;
}

/** What a running lab makes of a new version of its scenario. */
export interface VersionFit {
  /** Why the running lab cannot take it (its hosts are bound): empty when it can. */
  readonly problems: readonly string[];
  /** What of it the running lab does not take (kept from the start): said, not refused. */
  readonly kept: readonly string[];
}

/** The hosts of a scenario by name, with what a running lab has bound of each. */
function boundHosts(s: Scenario): Map<string, string> {
  const out = new Map<string, string>();
  const h = s.hosts;
  for (const m of h.mediationServers) {
    out.set(m.name, `Mediation Server ${m.clientIp}/${m.gatewayIp}`);
  }
  for (const g of h.gateways) {
    out.set(g.name, `gateway ${g.ip}/${g.mediaIp}${g.external ? ' outside' : ''}`);
  }
  for (const c of h.clients) {
    out.set(c.name, `client ${c.ip}${c.external ? ' outside' : ''}`);
  }
  for (const e of h.edges) {
    out.set(e.name, `Edge ${JSON.stringify(e)}`);
  }
  for (const v of h.voicemail) {
    out.set(v.name, `voice mail ${v.ip}`);
  }
  return out;
}

/**
 * Whether a running lab, opened with `running`, can take `next` for its calls to come: the
 * hosts must be the same (a host added, removed, of another kind or at another address needs
 * the lab started again); the links, the timeline, the faults and the simulator settings are
 * kept from the start and reported as such when they differ.
 */
export function versionFit(running: Scenario, next: Scenario): VersionFit {
  const problems: string[] = [];
  const was = boundHosts(running);
  const now = boundHosts(next);
  for (const [name, what] of now) {
    const before = was.get(name);
    if (before === undefined) {
      problems.push(`hosts: ${name} is new; a running lab keeps the hosts it started with`);
    } else if (before !== what) {
      problems.push(
        `hosts: ${name} changed its kind, address or place (${before} -> ${what}); a running lab keeps the hosts it started with`,
      );
    }
  }
  for (const name of was.keys()) {
    if (!now.has(name)) {
      problems.push(`hosts: ${name} was removed; a running lab keeps the hosts it started with`);
    }
  }
  const kept: string[] = [];
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (!same(running.links, next.links)) {
    kept.push('links: the running lab keeps the links it started with');
  }
  if (!same(running.calls, next.calls)) {
    kept.push('calls: the rounds repeat the timeline the lab started with');
  }
  if (!same(running.faults, next.faults)) {
    kept.push('faults: the running lab keeps the faults it started with');
  }
  if (!same(running.simulation, next.simulation)) {
    kept.push(
      'simulation: decisions follow the new settings; the hosts keep the timers, keep-alives and media timeouts they started with',
    );
  }
  return { problems, kept };
}
