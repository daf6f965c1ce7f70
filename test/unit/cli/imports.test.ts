import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'cli');
const files = readdirSync(cliDir).filter((f) => f.endsWith('.ts'));

/** The files of src/cli each file imports, statically or with `import()`. */
const imports = new Map(
  files.map((f) => {
    const text = readFileSync(join(cliDir, f), 'utf8');
    const deps = [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'\.\/([^']+)\.js'/g)].map(
      (m) => `${m[1]}.ts`,
    );
    return [f, deps] as const;
  }),
);

/**
 * The dispatcher stays a dispatcher: no command imports it (cycles and headers of every file
 * of src/ are held by test/unit/docs/source-shape.test.ts).
 */
describe('src/cli imports', () => {
  it('reads the imports of every file (the scan works)', () => {
    expect(imports.get('main.ts')).toContain('io.ts');
    expect(imports.get('main.ts')).toContain('run-command.ts');
  });

  it('has no file but the launcher importing the dispatcher', () => {
    expect([...imports].filter(([, deps]) => deps.includes('main.ts')).map(([f]) => f)).toEqual([]);
  });
});
