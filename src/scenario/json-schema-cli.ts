/**
 * Prints the scenario JSON Schema as pretty JSON on stdout: `npm run schema` writes it to
 * docs/scenario.schema.json, which a test holds byte for byte.
 *
 * This script must not know what the schema contains: it only prints `json-schema.ts`.
 */
import { scenarioJsonSchema } from './json-schema.js';

process.stdout.write(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
