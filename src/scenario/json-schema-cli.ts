/**
 * Prints the scenario JSON Schema as pretty JSON on stdout:
 * `npm run schema` (writes docs/scenario.schema.json).
 */
import { scenarioJsonSchema } from './json-schema.js';

process.stdout.write(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
