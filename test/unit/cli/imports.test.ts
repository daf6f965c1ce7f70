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

/** Every import cycle, as a list of files from one back to itself. */
function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of imports.get(f) ?? []) {
      if (state.get(d) === 'open') {
        found.push([...stack.slice(stack.indexOf(d)), d]);
      } else if (state.get(d) === undefined) {
        visit(d);
      }
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) {
    if (state.get(f) === undefined) {
      visit(f);
    }
  }
  return found;
}

describe('src/cli imports', () => {
  it('reads the imports of every file (the scan works)', () => {
    expect(imports.get('main.ts')).toContain('io.ts');
    expect(imports.get('main.ts')).toContain('run-command.ts');
  });

  it('has no import cycle', () => {
    expect(cycles()).toEqual([]);
  });

  it('has no file but the launcher importing the dispatcher', () => {
    expect([...imports].filter(([, deps]) => deps.includes('main.ts')).map(([f]) => f)).toEqual([]);
  });

  it('starts every file of src/cli and src/core with a header comment', () => {
    const coreDir = join(cliDir, '..', 'core');
    const all = [
      ...files.map((f) => join(cliDir, f)),
      ...readdirSync(coreDir)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(coreDir, f)),
    ];
    const bare = all.filter((f) => !readFileSync(f, 'utf8').startsWith('/**'));
    expect(bare).toEqual([]);
  });
});
