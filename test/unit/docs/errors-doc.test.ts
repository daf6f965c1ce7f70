import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/cli/io.js';
import { ErrorCodes, type ErrorCode } from '../../../src/core/errors.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const doc = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');

/** The headings of the form `### SIM_ERR_...`, in order. */
const headings = [...doc.matchAll(/^### (SIM_ERR_[A-Z_]+)\s*$/gm)].map((m) => m[1]);

/** Every TypeScript file under `src/`, as paths relative to the repository root. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [relative(root, join(dir, e.name))]
        : [],
  );
}

/**
 * The codes raised somewhere in `src/` outside the registry: every `ErrorCodes.X` use, and
 * `SIM_ERR_INTERNAL` for every `new InternalError(`. Comments are ignored, so that a code only
 * named in a `@throws` line does not count.
 */
function raisedCodes(): Map<ErrorCode, string[]> {
  const raised = new Map<ErrorCode, string[]>();
  const note = (code: ErrorCode, file: string): void => {
    raised.set(code, [...(raised.get(code) ?? []), file]);
  };
  const registry = ErrorCodes as Readonly<Record<string, ErrorCode>>;
  for (const file of sources(join(root, 'src'))) {
    if (file === join('src', 'core', 'errors.ts')) {
      continue;
    }
    const code = readFileSync(join(root, file), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const m of code.matchAll(/\bErrorCodes\.([A-Z_]+)\b/g)) {
      const value = registry[m[1] ?? ''];
      if (value !== undefined) {
        note(value, file);
      }
    }
    if (/\bnew InternalError\(/.test(code)) {
      note(ErrorCodes.INTERNAL, file);
    }
  }
  return raised;
}

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

describe('src/core/errors.ts', () => {
  const raised = raisedCodes();

  it.each(Object.values(ErrorCodes))('has %s raised somewhere in src/', (code) => {
    expect(
      raised.has(code),
      `nothing in src/ raises ${code}: raise it where that error happens, or remove it from src/core/errors.ts and docs/errors.md`,
    ).toBe(true);
  });
});
