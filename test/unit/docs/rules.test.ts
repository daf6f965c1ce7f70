import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTimeline } from '../../../src/policy/index.js';
import { ruleAnchor, ruleEntry, rulesMarkdown, RULE_BOOK } from '../../../src/report/rule-book.js';
import { loadScenarioFile } from '../../../src/scenario/index.js';
import { Topology } from '../../../src/topology/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/**
 * Every string literal in the policy, topology and scenario code that has the shape of a rule
 * id: `b.1#10`, `c.5`, `d.V14`, `a.3`, `sim.channels`.
 */
function idsInCode(): Set<string> {
  const ids = new Set<string>();
  const shape = /'((?:[abcd]\.(?:[0-9]+|V[0-9]+)(?:#[0-9]+)?)|sim\.[a-z]+)'/g;
  for (const folder of ['policy', 'topology', 'scenario']) {
    for (const file of sources(join(root, 'src', folder))) {
      for (const m of readFileSync(file, 'utf8').matchAll(shape)) {
        ids.add(m[1] ?? '');
      }
    }
  }
  return ids;
}

describe('the rules reference', () => {
  it('docs/rules.md is generated from the rule book (npm run rules)', () => {
    expect(readFileSync(join(root, 'docs', 'rules.md'), 'utf8')).toBe(rulesMarkdown());
  });

  it('has an entry for every rule id the code can print', () => {
    const ids = idsInCode();
    expect(ids.size).toBeGreaterThan(40);
    const missing = [...ids].filter((id) => ruleEntry(id) === undefined);
    expect(missing).toEqual([]);
  });

  it('has an entry for every rule of every reference scenario trace', async () => {
    const dir = join(root, 'scenarios');
    const seen = new Set<string>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      const loaded = await loadScenarioFile(join(dir, f));
      if (!loaded.ok) {
        throw new Error(`${f} is invalid`);
      }
      for (const e of runTimeline(new Topology(loaded.scenario)).entries) {
        for (const s of e.decision.trace) {
          seen.add(s.rule);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(20);
    expect([...seen].filter((id) => ruleEntry(id) === undefined)).toEqual([]);
  });

  it('gives every entry a statement, unique id and anchor, and sources where documented', () => {
    const entries = RULE_BOOK.flatMap((s) => s.entries);
    const anchors = entries.map((e) => ruleAnchor(e.id));
    expect(new Set(anchors).size).toBe(entries.length);
    expect(entries.filter((e) => e.statement.length < 30).map((e) => e.id)).toEqual([]);
    expect(
      entries.filter((e) => e.basis === 'documented' && e.sources.length === 0).map((e) => e.id),
    ).toEqual([]);
    const urls = entries.flatMap((e) => e.sources.map((s) => s.url));
    expect(urls.filter((u) => !u.startsWith('https://learn.microsoft.com/'))).toEqual([]);
  });
});
