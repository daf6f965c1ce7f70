import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The shape every source file keeps so that a newcomer can hold one file in mind: a header
 * that says what it is for, at most 700 lines, functions of at most 150 lines, and no import
 * cycle anywhere in src/ (static imports, type imports and `import()` alike).
 */
const src = join(import.meta.dirname, '..', '..', '..', 'src');
const MAX_FILE_LINES = 700;
const MAX_FUNCTION_LINES = 150;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const files = walk(src);
const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')] as const));

/** The project files a file imports, resolved. */
function importsOf(file: string): string[] {
  const text = texts.get(file) ?? '';
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g)) {
    const target = resolve(dirname(file), `${m[1] ?? ''}.ts`);
    if (texts.has(target)) {
      out.push(target);
    }
  }
  return out;
}

function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of importsOf(f)) {
      if (state.get(d) === 'open') {
        found.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(src, x)));
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

function longFunctions(file: string): string[] {
  const sf = ts.createSourceFile(file, texts.get(file) ?? '', ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body !== undefined) {
      const from = sf.getLineAndCharacterOfPosition(n.getStart()).line;
      const to = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
      if (to - from + 1 > MAX_FUNCTION_LINES) {
        out.push(`${relative(src, file)}:${from + 1} (${to - from + 1} lines)`);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('the shape of src/', () => {
  it('reads every file and resolves imports (the scan works)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(importsOf(join(src, 'lab', 'lab.ts')).length).toBeGreaterThan(5);
  });

  it('has no import cycle', () => {
    expect(cycles()).toEqual([]);
  });

  it('starts every file with a header comment', () => {
    expect(
      files.filter((f) => !(texts.get(f) ?? '').startsWith('/**')).map((f) => relative(src, f)),
    ).toEqual([]);
  });

  it(`keeps every file within ${MAX_FILE_LINES} lines`, () => {
    const long = files
      .map((f) => [relative(src, f), (texts.get(f) ?? '').split('\n').length] as const)
      .filter(([, n]) => n > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  it(`keeps every function within ${MAX_FUNCTION_LINES} lines`, () => {
    expect(files.flatMap(longFunctions)).toEqual([]);
  });
});
