import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdminSession, parseScript, resolveRole } from '../../../src/admin/index.js';
import {
  isTraineeFile,
  parseAnswers,
  parseLab,
  type LabDefinition,
} from '../../../src/labs/index.js';
import { runTimeline } from '../../../src/policy/index.js';
import { loadScenarioText, type Scenario } from '../../../src/scenario/index.js';
import { Topology } from '../../../src/topology/index.js';

const names = readdirSync('labs', { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

function definition(name: string): LabDefinition {
  const r = parseLab(readFileSync(join('labs', name, 'lab.yaml'), 'utf8'), `${name}/lab.yaml`);
  if (!r.ok) {
    throw new Error(r.problems.join('\n'));
  }
  return r.lab;
}

function load(text: string, file: string): Scenario {
  const r = loadScenarioText(text, file);
  if (!r.ok) {
    throw new Error(`${file}: ${r.problems.map((p) => p.message).join('; ')}`);
  }
  return r.scenario;
}

/** The scenario after the trainers' solution script, run under the lab's role. */
function solved(name: string, lab: LabDefinition, text: string): string {
  const script = join('labs', name, 'solution', 'solution.ps1');
  if (!existsSync(script)) {
    return text;
  }
  const role = resolveRole(lab.role, {
    custom: lab.roles,
    serverAdministratorScope: lab.serverAdministratorScope,
  });
  if (typeof role === 'string') {
    throw new Error(role);
  }
  const s = new AdminSession({ text, file: 'scenario.yaml', role, mode: 'live' });
  const run = s.run(readFileSync(script, 'utf8'));
  expect(run.records.filter((r) => r.outcome !== 'ok')).toEqual([]);
  return s.text;
}

describe('the shipped labs', () => {
  it('are at least the six of the issue', () => {
    expect(names).toEqual(
      expect.arrayContaining([
        'deploy-media-bypass',
        'broken-sip-trunk-sbc',
        'always-bypass-wan',
        'full-branch-link',
        'unmapped-subnet',
        'read-only-diagnosis',
      ]),
    );
  });

  it.each(names)('%s: a valid definition, scenario and solution, with short calls', (name) => {
    const lab = definition(name);
    const text = readFileSync(join('labs', name, lab.scenario), 'utf8');
    const s = load(text, lab.scenario);
    const ids = new Set(s.calls.map((c) => c.id));
    for (const c of s.calls) {
      expect(c.durationMs, `${name} ${c.id}`).toBeGreaterThanOrEqual(1000);
      expect(c.durationMs, `${name} ${c.id}`).toBeLessThanOrEqual(3000);
      expect(c.expect, `${name} ${c.id}: the goals check, not expect:`).toBeNull();
    }
    for (const g of lab.goals) {
      const calls = g.calls === 'all' ? [] : (g.calls ?? (g.call !== undefined ? [g.call] : []));
      for (const id of calls) {
        expect(ids.has(id), `${name} goal ${g.id}: call ${id}`).toBe(true);
      }
    }
    expect(typeof resolveRole(lab.role, { custom: lab.roles })).toBe('object');
    const solution = readdirSync(join('labs', name, 'solution'));
    expect(solution.length).toBeGreaterThan(0);
    expect(solution.every((f) => !isTraineeFile(`solution/${f}`))).toBe(true);
    for (const f of solution.filter((x) => x.endsWith('.ps1'))) {
      expect(() =>
        parseScript(readFileSync(join('labs', name, 'solution', f), 'utf8')),
      ).not.toThrow();
    }
  });

  it.each(names)(
    '%s: the solution decides every call as the call goals expect (no sockets)',
    (name) => {
      const lab = definition(name);
      const text = readFileSync(join('labs', name, lab.scenario), 'utf8');
      const after = load(solved(name, lab, text), 'solved.yaml');
      const decided = new Map(
        runTimeline(new Topology(after)).entries.map(
          (e) => [e.call.id, e.decision.decision] as const,
        ),
      );
      for (const g of lab.goals) {
        const want = g.expect?.decision;
        if (want === undefined) {
          continue;
        }
        const allowed: readonly string[] = Array.isArray(want) ? want : [want];
        const calls = g.calls === 'all' ? [...decided.keys()] : (g.calls ?? [g.call ?? '']);
        for (const id of calls) {
          expect(allowed, `${name} goal ${g.id}, call ${id}`).toContain(decided.get(id));
        }
      }
    },
  );

  it('read-only-diagnosis: the trainers answer every question, as a view-only administrator', () => {
    const lab = definition('read-only-diagnosis');
    expect(lab.role).toBe('CsViewOnlyAdministrator');
    const answers = parseAnswers(
      readFileSync(join('labs', 'read-only-diagnosis', 'solution', 'answers.yaml'), 'utf8'),
    );
    const keys = lab.goals.flatMap((g) => (g.answer ? [g.answer.key] : []));
    expect(keys.length).toBeGreaterThan(3);
    expect(answers instanceof Map ? [...answers.keys()].sort() : answers).toEqual([...keys].sort());
  });

  it('broken-sip-trunk-sbc replaces the broken scenario, whose expect: asserted the broken result', () => {
    expect(existsSync('scenarios/broken-lab-sbc.yaml')).toBe(false);
    const text = readFileSync('labs/broken-sip-trunk-sbc/scenario.yaml', 'utf8');
    expect(text).not.toMatch(/EnableBypass off|enableBypass: false/i);
  });
});
