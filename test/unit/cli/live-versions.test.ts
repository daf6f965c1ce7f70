import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sha256 } from '../../../src/cli/admin-target.js';
import { LiveVersions, type VersionChange } from '../../../src/cli/live-versions.js';
import { loadScenarioText, type Scenario } from '../../../src/scenario/index.js';

const FILE = 'labs/unmapped-subnet/scenario.yaml';
const TEXT = readFileSync(FILE, 'utf8');
const FIXED = TEXT.replace(
  '    - { subnet: 172.29.76.0,',
  '    - { subnet: 172.29.77.0, maskBits: 24, site: Portland }\n    - { subnet: 172.29.76.0,',
);

function load(text: string): Scenario {
  const r = loadScenarioText(text, FILE);
  if (!r.ok) {
    throw new Error(r.problems.map((p) => p.message).join('\n'));
  }
  return r.scenario;
}

/** The versions of a lab opened with the lab's starting file, `delayMs` of replication. */
function versions(delayMs: number): {
  v: LiveVersions;
  applied: string[];
  said: string[];
  clock: { ms: number };
} {
  const applied: string[] = [];
  const said: string[] = [];
  const clock = { ms: 0 };
  const initial: VersionChange = {
    version: 'v0',
    sha256: sha256(TEXT),
    seenAtMs: 0,
    inForceAtMs: 0,
    logged: null,
    kept: [],
  };
  const v = new LiveVersions({
    file: FILE,
    running: load(TEXT),
    initial,
    replicationDelayMs: delayMs,
    apply: (_s, version) => applied.push(version),
    elapsedMs: () => clock.ms,
    say: (line) => said.push(line),
  });
  return { v, applied, said, clock };
}

describe('the configuration versions of a live lab', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('puts a valid version in force at once with no replication delay', () => {
    const { v, applied } = versions(0);
    v.take({ text: FIXED, sha256: sha256(FIXED), logged: null, lastLogged: 0 });
    expect(applied).toEqual(['v0-hand1']);
    expect(v.inForce.version).toBe('v0-hand1');
    expect(v.changes.map((c) => c.version)).toEqual(['v0', 'v0-hand1']);
  });

  it('keeps the version in force until the replication delay is over', async () => {
    const { v, applied, said, clock } = versions(60_000);
    clock.ms = 1000;
    v.take({ text: FIXED, sha256: sha256(FIXED), logged: null, lastLogged: 0 });
    expect(applied).toEqual([]);
    expect(v.inForce.version).toBe('v0');
    expect(said.join('\n')).toContain('takes effect in 60s (replication delay)');
    clock.ms = 61_000;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(applied).toEqual(['v0-hand1']);
    expect(v.changes[1]).toMatchObject({ seenAtMs: 1000, inForceAtMs: 61_000 });
  });

  it('puts nothing in force once closed', async () => {
    const { v, applied } = versions(1000);
    v.take({ text: FIXED, sha256: sha256(FIXED), logged: null, lastLogged: 0 });
    v.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(applied).toEqual([]);
    expect(v.changes[1]?.inForceAtMs).toBeNull();
  });

  it('refuses a version that does not validate, or moves a host, and keeps the one in force', () => {
    const { v, applied, said } = versions(0);
    const broken = TEXT.replace('bwPolicyProfile: Branch2M }', 'bwPolicyProfile: Nowhere }');
    expect(broken).not.toBe(TEXT);
    v.take({ text: broken, sha256: sha256(broken), logged: null, lastLogged: 0 });
    const moved = TEXT.replace('172.29.77.15', '172.29.77.25');
    v.take({ text: moved, sha256: sha256(moved), logged: null, lastLogged: 0 });
    expect(applied).toEqual([]);
    expect(v.inForce.version).toBe('v0');
    expect(v.refused).toHaveLength(2);
    expect(v.refused[1]?.problems.join('\n')).toContain('alice changed');
    expect(said.filter((l) => l.includes('v0 stays in force'))).toHaveLength(2);
  });
});
