import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scenarioJsonSchema } from '../../../src/scenario/json-schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const committedPath = join(root, 'docs', 'scenario.schema.json');
const scenarioDir = join(root, 'scenarios');

interface JsonSchemaNode {
  readonly type?: string;
  readonly properties?: Record<string, JsonSchemaNode>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly items?: JsonSchemaNode;
  readonly prefixItems?: readonly JsonSchemaNode[];
  readonly anyOf?: readonly JsonSchemaNode[];
}

/**
 * Not a JSON Schema validator: it walks a document along the schema and reports every map key
 * the schema does not list, and every required key that is missing, with its dot-path.
 */
function keyProblems(value: unknown, schema: JsonSchemaNode, path: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => {
      const itemSchema = schema.prefixItems?.[i] ?? schema.items;
      return itemSchema ? keyProblems(item, itemSchema, `${path}[${i}]`) : [];
    });
  }
  if (value === null || typeof value !== 'object' || !schema.properties) {
    return [];
  }
  const props = schema.properties;
  const map = value as Record<string, unknown>;
  const out: string[] = [];
  for (const [key, v] of Object.entries(map)) {
    const sub = props[key];
    if (!sub) {
      out.push(`${path}.${key}: not in the schema`);
    } else {
      out.push(...keyProblems(v, sub, `${path}.${key}`));
    }
  }
  for (const key of schema.required ?? []) {
    if (!(key in map)) {
      out.push(`${path}.${key}: required but missing`);
    }
  }
  return out;
}

describe('docs/scenario.schema.json', () => {
  it('equals the schema generated from src/scenario/schema.ts', () => {
    const committed: unknown = JSON.parse(readFileSync(committedPath, 'utf8'));
    expect(
      committed,
      'docs/scenario.schema.json is out of date: regenerate it with `npm run schema` and commit it',
    ).toEqual(scenarioJsonSchema());
  });

  it('is byte for byte what `npm run schema` writes', () => {
    const text = readFileSync(committedPath, 'utf8');
    expect(text, 'regenerate with `npm run schema`').toBe(
      `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`,
    );
  });

  it('has an $id, a title, and strict objects', () => {
    const schema = scenarioJsonSchema() as JsonSchemaNode & Record<string, unknown>;
    expect(schema.$id).toBe('urn:mediapath:scenario');
    expect(schema.title).toBe('mediapath scenario');
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['hosts']);
    const hosts = schema.properties?.hosts;
    expect(Object.keys(hosts?.properties ?? {})).toEqual([
      'mediationServers',
      'gateways',
      'clients',
      'edges',
      'voicemail',
    ]);
  });

  const files = readdirSync(scenarioDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  it('finds the reference scenarios', () => {
    expect(files).toContain('litware.yaml');
    expect(files).toContain('default.yaml');
  });

  it.each(files)('scenarios/%s uses only keys the schema lists', (file) => {
    const schema = scenarioJsonSchema() as JsonSchemaNode;
    const data: unknown = parse(readFileSync(join(scenarioDir, file), 'utf8'));
    expect(data).toBeTypeOf('object');
    const top = Object.keys(data as object);
    expect(top.filter((k) => !(k in (schema.properties ?? {})))).toEqual([]);
    const hosts = (data as { hosts?: Record<string, unknown> }).hosts ?? {};
    const hostSchema = schema.properties?.hosts?.properties ?? {};
    expect(Object.keys(hosts).filter((k) => !(k in hostSchema))).toEqual([]);
    expect(keyProblems(data, schema, '(document)')).toEqual([]);
  });

  it.each(files)('scenarios/%s names the JSON Schema for editors on its first line', (file) => {
    const first = readFileSync(join(scenarioDir, file), 'utf8').split('\n')[0];
    expect(first).toBe('# yaml-language-server: $schema=../docs/scenario.schema.json');
  });

  it('the key walker reports an unknown key and a missing required key', () => {
    const schema = scenarioJsonSchema() as JsonSchemaNode;
    const bad = {
      hosts: { clients: [{ name: 'a', ip: '10.0.0.1', maskbits: 24 }] },
      calls: [{ at: 0, from: 'a', to: 'b', expect: { decison: 'BYPASS' } }],
    };
    expect(keyProblems(bad, schema, '(document)')).toEqual([
      '(document).hosts.clients[0].maskbits: not in the schema',
      '(document).hosts.clients[0].maskBits: required but missing',
      '(document).calls[0].expect.decison: not in the schema',
    ]);
  });
});
