import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/cli/io.js';
import { ErrorCodes } from '../../../src/core/errors.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const doc = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');

/** The headings of the form `### SIM_ERR_...`, in order. */
const headings = [...doc.matchAll(/^### (SIM_ERR_[A-Z_]+)\s*$/gm)].map((m) => m[1]);

describe('docs/errors.md', () => {
  it.each(Object.values(ErrorCodes))('documents %s under its own heading', (code) => {
    expect(headings, `add a "### ${code}" section to docs/errors.md`).toContain(code);
  });

  it('documents no code that does not exist', () => {
    const known = new Set<string>(Object.values(ErrorCodes));
    expect(headings.filter((h) => h !== undefined && !known.has(h))).toEqual([]);
  });

  it('documents each code once', () => {
    expect(new Set(headings).size).toBe(headings.length);
  });

  it.each(Object.entries(ExitCode))(
    'lists exit code %s (%i) in the exit code table',
    (_name, value) => {
      expect(doc, `add a row "| ${value} |" to the exit code table`).toMatch(
        new RegExp(`^\\| ${value} \\|`, 'm'),
      );
    },
  );
});
