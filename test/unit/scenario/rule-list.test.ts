import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { hasCode } from '../../../src/core/index.js';
import type { PathSegments } from '../../../src/scenario/index.js';
import { normalize } from '../../../src/scenario/normalize.js';
import {
  CITED_DOMAIN_RULES,
  isDomainRuleId,
  runRules,
  SCENARIO_RULE_IDS,
  SCENARIO_RULES,
  selectRules,
  type RuleProblem,
  type ScenarioRule,
} from '../../../src/scenario/rules/index.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The normalized model of a scenario text and the "written in the file" test of load.ts. */
function prepare(text: string): {
  model: ReturnType<typeof normalize>;
  present: (path: PathSegments) => boolean;
} {
  const doc = parseDocument(text);
  return { model: normalize(doc.toJS(), 'case.yaml'), present: (path) => hasPath(doc, path) };
}

function hasPath(doc: Document, path: PathSegments): boolean {
  let node: unknown = doc.contents;
  for (const seg of path) {
    if (isMap(node) && node.has(seg)) {
      node = node.get(seg, true);
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg];
    } else {
      return false;
    }
  }
  return true;
}

const everyRule = prepare(readFileSync(join(here, 'fixtures', 'every-rule.yaml'), 'utf8'));
const runOne = (rule: ScenarioRule): RuleProblem[] =>
  runRules(everyRule.model, everyRule.present, [rule]);
const label = (rule: ScenarioRule): string => `${rule.id} (${rule.subject})`;

/** A message template as a pattern: `<...>` stands for any text. */
function templatePattern(template: string): RegExp {
  const parts = template.split(/<[^>]+>/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

describe('the list of scenario rules', () => {
  it.each(SCENARIO_RULES.map((r) => [label(r), r] as const))(
    '%s reports on the scenario that breaks every rule, with its own messages',
    (_label, rule) => {
      const found = runOne(rule);
      expect(found.length).toBeGreaterThan(0);
      const patterns = rule.messages.map(templatePattern);
      for (const p of found) {
        expect(
          patterns.some((re) => re.test(p.message)),
          `"${p.message}" matches a message of ${rule.id}`,
        ).toBe(true);
      }
    },
  );

  it('a problem names its rule exactly when the rule is a cited rule of docs/rules.md, with its severity', () => {
    const severity = new Map<string, string>(CITED_DOMAIN_RULES.map((r) => [r.rule, r.severity]));
    for (const rule of SCENARIO_RULES) {
      const found = runOne(rule);
      const cited = isDomainRuleId(rule.id);
      expect(found.map((p) => p.rule)).toEqual(found.map(() => (cited ? rule.id : undefined)));
      const severities = cited ? found.map(() => severity.get(rule.id)) : [];
      expect(cited ? found.map((p) => p.severity) : []).toEqual(severities);
    }
  });

  it('running the rules one by one finds exactly what running them all finds', () => {
    const all = runRules(everyRule.model, everyRule.present);
    const key = (p: RuleProblem): string => JSON.stringify(p);
    const oneByOne = SCENARIO_RULES.flatMap((r) => runOne(r));
    expect(oneByOne.map(key).sort()).toEqual(all.map(key).sort());
    // Each rule's own problems keep their order within the full run.
    for (const rule of SCENARIO_RULES) {
      const mine = runOne(rule).map(key);
      const inAll = all.map(key).filter((k) => mine.includes(k));
      expect(inAll).toEqual(mine);
    }
  });

  it('problems of one object stay together, in the order of the list', () => {
    const all = runRules(everyRule.model, everyRule.present);
    const bob = all.filter((p) => p.path.slice(0, 3).join('.') === 'hosts.clients.1');
    expect(bob.map((p) => p.message)).toEqual([
      'unknown voice policy "Ghost"',
      'maskBits 0 is out of range',
      'a client needs at least one codec',
    ]);
  });

  it('ids are cited rules of docs/rules.md or our own <kind>.<what>; no id twice for one subject', () => {
    const ownId = /^[a-z][A-Za-z]+\.[a-z][a-z-]+$/;
    expect(SCENARIO_RULE_IDS.filter((id) => !isDomainRuleId(id) && !ownId.test(id))).toEqual([]);
    for (const rule of SCENARIO_RULES) {
      expect(rule.checks).toMatch(/^[A-Z].*\.$/);
      expect(rule.messages.length).toBeGreaterThan(0);
    }
    const pairs = SCENARIO_RULES.map((r) => `${r.id} ${r.subject}`);
    expect(new Set(pairs).size).toBe(pairs.length);
  });

  it('covers every docs/rules.md (d) rule a simulation can check, and every cited rule', () => {
    const simulated = [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 20, 21];
    expect(simulated.map((n) => `d.V${n}`).filter((id) => !SCENARIO_RULE_IDS.includes(id))).toEqual(
      [],
    );
    expect(
      CITED_DOMAIN_RULES.map((r) => r.rule).filter((id) => !SCENARIO_RULE_IDS.includes(id)),
    ).toEqual([]);
  });

  it('selects rules by id, in list order; an unknown id is a bug', () => {
    const picked = selectRules(['d.V11', 'd.V1']);
    expect(picked.map(label)).toEqual([
      'd.V1 (scenario)',
      'd.V11 (mediationServer)',
      'd.V11 (gateway)',
      'd.V11 (client)',
    ]);
    const warnings = runRules(everyRule.model, everyRule.present, selectRules(['d.V11']));
    expect(warnings.map((p) => p.path.join('.'))).toEqual([
      'hosts.mediationServers.1.clientIp',
      'hosts.gateways.2.ip',
      'hosts.clients.2.ip',
    ]);
    let thrown: unknown;
    try {
      selectRules(['d.V99']);
    } catch (e) {
      thrown = e;
    }
    expect(hasCode(thrown, 'SIM_ERR_INTERNAL')).toBe(true);
  });
});
