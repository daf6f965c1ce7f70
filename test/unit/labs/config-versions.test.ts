import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  lastLoggedVersion,
  loggedVersionOf,
  parseCommandLog,
  versionFit,
  versionLabel,
} from '../../../src/labs/index.js';
import { loadScenarioText, type Scenario } from '../../../src/scenario/index.js';

/** A command log line as shell and apply write it. */
function line(o: {
  version: number;
  statement: string;
  changed?: boolean;
  sha256?: string | null;
  via?: string;
}): string {
  return JSON.stringify({
    time: '2026-01-01T00:00:00.000Z',
    via: o.via ?? 'apply',
    role: 'CsVoiceAdministrator',
    statement: o.statement,
    cmdlet: null,
    outcome: 'ok',
    code: null,
    messages: [],
    changed: o.changed ?? true,
    version: o.version,
    sha256: o.sha256 ?? null,
  });
}

const LOG = [
  line({ version: 1, statement: 'Set-A', sha256: 'aaa', via: 'shell' }),
  line({ version: 1, statement: 'Get-B', changed: false }),
  'not json: a hand edit',
  line({ version: 2, statement: 'Set-C' }),
  line({ version: 3, statement: 'Set-D', sha256: 'ddd' }),
  line({ version: 3, statement: 'Set-E refused', changed: false }),
].join('\n');

describe('configuration versions of a running lab', () => {
  it('finds the log line that wrote a file, with the statements since the version before', () => {
    const log = parseCommandLog(LOG);
    expect(log).toHaveLength(5);
    expect(lastLoggedVersion(log)).toBe(3);
    expect(loggedVersionOf(log, 'ddd')).toMatchObject({
      version: 3,
      via: 'apply',
      statements: ['Set-C', 'Set-D'],
    });
    expect(loggedVersionOf(log, 'aaa')).toMatchObject({ version: 1, statements: ['Set-A'] });
    expect(loggedVersionOf(log, 'zzz')).toBeNull();
    expect(lastLoggedVersion(parseCommandLog(''))).toBe(0);
  });

  it('gives the statements since the version a reader had, when it missed one', () => {
    const log = parseCommandLog(
      [
        line({ version: 1, statement: 'Set-A', sha256: 'aaa', via: 'shell' }),
        line({ version: 2, statement: 'Set-B', sha256: 'bbb', via: 'shell' }),
        line({ version: 3, statement: 'Set-C', sha256: 'ccc', via: 'shell' }),
      ].join('\n'),
    );
    expect(loggedVersionOf(log, 'ccc')?.statements).toEqual(['Set-C']);
    expect(loggedVersionOf(log, 'ccc', 1)?.statements).toEqual(['Set-B', 'Set-C']);
    expect(loggedVersionOf(log, 'ccc', 3)?.statements).toEqual(['Set-C']);
  });

  it('labels versions by the log, and hand-written ones after the last logged', () => {
    expect(versionLabel(3)).toBe('v3');
    expect(versionLabel(3, 2)).toBe('v3-hand2');
  });

  it('takes a version with the same hosts, and says what it keeps from the start', () => {
    const text = readFileSync('labs/unmapped-subnet/scenario.yaml', 'utf8');
    const load = (t: string): Scenario => {
      const r = loadScenarioText(t, 'scenario.yaml');
      if (!r.ok) {
        throw new Error(r.problems.map((p) => p.message).join('\n'));
      }
      return r.scenario;
    };
    const running = load(text);
    expect(versionFit(running, load(text))).toEqual({ problems: [], kept: [] });
    const moved = load(text.replace('172.29.77.15', '172.29.77.25'));
    expect(versionFit(running, moved).problems.join('\n')).toContain('alice changed');
    const removed = load(
      text
        .replace(/^ {4}- \{ name: pete,.*\n/m, '')
        .replace(/^ {2}- \{ id: branch-out-hq,.*\n/m, ''),
    );
    const fit = versionFit(running, removed);
    expect(fit.problems.join('\n')).toContain('pete was removed');
    // pete's call goes with him: the timeline differs, which a running lab keeps.
    expect(fit.kept.join('\n')).toContain('calls:');
  });
});
