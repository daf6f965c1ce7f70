/**
 * The JSON Schema of the scenario file, generated from the zod schema, for editors and other
 * tools (docs/scenario.schema.json).
 *
 * This file must not know defaults or the semantic rules: the schema describes the input only.
 */
import { z } from 'zod';
import { scenarioSchema } from './schema.js';

/** The `$id` of the scenario schema (a name, not a download location). */
export const SCENARIO_SCHEMA_ID = 'urn:mediapath:scenario';

/**
 * The JSON Schema of a scenario file, generated from the zod schema, for editors (YAML
 * language servers) and other tools. It describes the input: every key a user may leave out
 * is optional, and defaults are not listed here but in docs/scenario-format.md, because they
 * are filled in by `normalize.ts`. Checks that JSON Schema cannot express (the IPv4 octet
 * range, references between objects, the domain rules) are left to `mediapath validate`.
 */
export function scenarioJsonSchema(): object {
  const generated = z.toJSONSchema(scenarioSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: SCENARIO_SCHEMA_ID,
    title: 'mediapath scenario',
    ...rest,
  };
}
