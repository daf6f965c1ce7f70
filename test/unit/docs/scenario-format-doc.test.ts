import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../../src/scenario/index.js';
import { scenarioJsonSchema } from '../../../src/scenario/json-schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const doc = readFileSync(join(root, 'docs', 'scenario-format.md'), 'utf8');

interface Node {
  readonly properties?: Record<string, Node>;
  readonly items?: Node;
  readonly prefixItems?: readonly Node[];
  readonly anyOf?: readonly Node[];
}

/** Every property name anywhere in the schema. */
function propertyNames(node: Node, out = new Set<string>()): Set<string> {
  for (const [key, sub] of Object.entries(node.properties ?? {})) {
    out.add(key);
    propertyNames(sub, out);
  }
  for (const sub of [node.items, ...(node.prefixItems ?? []), ...(node.anyOf ?? [])]) {
    if (sub) {
      propertyNames(sub, out);
    }
  }
  return out;
}

/** True when `key` appears inside a code span of the document. */
function inCode(key: string): boolean {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\`[^\`\\n]*\\b${escaped}\\b[^\`\\n]*\``).test(doc);
}

describe('docs/scenario-format.md', () => {
  const keys = [...propertyNames(scenarioJsonSchema())].sort();

  it.each(keys)('documents the key %s', (key) => {
    expect(inCode(key), `document "${key}" in docs/scenario-format.md`).toBe(true);
  });

  it('lists every rule id that validation reports', () => {
    const rules = readFileSync(join(root, 'src', 'scenario', 'rules.ts'), 'utf8');
    const ids = [...new Set([...rules.matchAll(/rule: '([^']+)'/g)].map((m) => m[1] ?? ''))];
    expect(ids.length).toBeGreaterThan(10);
    const table = new Set([...doc.matchAll(/^\| ([a-d]\.[^ |]+) \|/gm)].map((m) => m[1]));
    expect(ids.filter((id) => !table.has(id))).toEqual([]);
  });

  it('has a complete example that validates', () => {
    const section = doc.slice(doc.indexOf('## A complete example'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml).toBeDefined();
    const result = loadScenarioText(yaml ?? '', 'example.yaml');
    expect(result.ok ? [] : result.problems).toEqual([]);
    expect(result.ok && result.warnings).toEqual([]);
  });
});
