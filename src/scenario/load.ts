/**
 * Loading a scenario: YAML text -> zod schema -> defaults (`normalize.ts`) -> semantic rules
 * (`rules/`) -> the deep-frozen model, with every problem given a file:line:col. This is the
 * only file of the layer that reads a file and knows both the YAML document and the model.
 *
 * It must not know any particular rule or default, nor anything above the scenario layer.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ErrorCodes } from '../core/index.js';
import { Locator } from './locator.js';
import { normalize } from './normalize.js';
import { formatPath, type PathSegments, type Problem } from './problems.js';
import { checkRules } from './rules/index.js';
import { scenarioSchema } from './schema.js';
import type { Scenario } from './types.js';

/** The outcome of loading a scenario: the frozen model and its warnings, or every problem. */
export type LoadResult =
  | { readonly ok: true; readonly scenario: Scenario; readonly warnings: readonly Problem[] }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/**
 * Reads and validates a scenario file. Never throws for a bad scenario: it returns every
 * problem at once (YAML syntax, schema, references, domain rules), each with file:line:col.
 */
export async function loadScenarioFile(file: string): Promise<LoadResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      problems: [
        {
          severity: 'error',
          code: ErrorCodes.SCENARIO_READ,
          path: '(file)',
          message: `cannot read the scenario: ${reason}`,
          position: { file, line: 1, col: 1 },
        },
      ],
    };
  }
  const text = textOf(bytes);
  if (text === null || text.trim() === '') {
    return {
      ok: false,
      problems: [
        {
          severity: 'error',
          code: ErrorCodes.SCENARIO_READ,
          path: '(file)',
          message:
            text === null
              ? 'not a text file (it holds binary data): a scenario is a YAML text file'
              : 'the file is empty: a scenario is a YAML map (see docs/scenario-format.md)',
          position: { file, line: 1, col: 1 },
        },
      ],
    };
  }
  return loadScenarioText(text, file);
}

/** The file's text, or null when it is not UTF-8 text (a NUL byte, an invalid sequence). */
function textOf(bytes: Buffer): string | null {
  if (bytes.includes(0)) {
    return null;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Validates scenario text; `file` is only used to name positions. */
export function loadScenarioText(text: string, file = '<inline>'): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const locator = new Locator(file, doc, lines);
  const problems: Problem[] = [];

  for (const e of doc.errors) {
    const pos = locator.at(e.pos[0]);
    problems.push({
      severity: 'error',
      code: ErrorCodes.SCENARIO_YAML,
      path: '(yaml)',
      message: e.message.split('\n')[0] ?? e.message,
      position: pos,
    });
  }
  if (problems.length > 0) {
    return { ok: false, problems };
  }
  for (const w of doc.warnings) {
    problems.push({
      severity: 'warning',
      code: ErrorCodes.SCENARIO_YAML,
      path: '(yaml)',
      message: w.message.split('\n')[0] ?? w.message,
      position: locator.at(w.pos[0]),
    });
  }

  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (data === null || data === undefined) {
    return {
      ok: false,
      problems: [
        {
          severity: 'error',
          code: ErrorCodes.SCENARIO_SCHEMA,
          path: '(document)',
          message: 'no scenario in the file: it holds only comments or blank lines',
          expected: 'a YAML map (see docs/scenario-format.md)',
          position: { file, line: 1, col: 1 },
        },
      ],
    };
  }
  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(...fromZodIssue(issue, data, locator));
    }
  }

  const model = normalize(data, file);
  const present = (path: PathSegments): boolean => hasPath(doc, path);
  for (const r of checkRules(model, present)) {
    problems.push({
      severity: r.severity,
      code: r.code,
      path: formatPath(r.path),
      message: r.message,
      ...(r.expected !== undefined ? { expected: r.expected } : {}),
      ...(r.rule !== undefined ? { rule: r.rule } : {}),
      position: locator.locate(r.path, { key: r.atKey ?? false }),
    });
  }

  const sorted = sortProblems(dedupe(problems));
  if (sorted.some((p) => p.severity === 'error')) {
    return { ok: false, problems: sorted };
  }
  return { ok: true, scenario: deepFreeze(model), warnings: sorted };
}

function fromZodIssue(issue: z.core.$ZodIssue, data: unknown, locator: Locator): Problem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path);
    return issue.keys.map((key) => {
      const suggestion = closest(key, known);
      return {
        severity: 'error' as const,
        code: ErrorCodes.SCENARIO_SCHEMA,
        path: formatPath([...path, key]),
        message: `unknown key "${key}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
        expected: known.length ? `one of ${known.join(', ')}` : 'no extra keys',
        position: locator.locate([...path, key], { key: true }),
      };
    });
  }
  let expected: string | undefined;
  let message = issue.message;
  if (issue.code === 'invalid_type') {
    const got = valueAt(data, path);
    message = got === undefined ? 'required value is missing' : `wrong type: got ${describe(got)}`;
    expected = issue.expected;
  } else if (issue.code === 'invalid_value') {
    message = `invalid value ${JSON.stringify(valueAt(data, path))}`;
    expected = `one of ${issue.values.map((v) => String(v)).join(', ')}`;
  } else if (issue.code === 'invalid_union') {
    message = `invalid value ${JSON.stringify(valueAt(data, path))}`;
    expected = 'a number of seconds, or a string such as 500ms, 2s or 1.5m';
  } else if (issue.code === 'invalid_format' || (issue.code === 'custom' && issue.message)) {
    message = `invalid value ${JSON.stringify(valueAt(data, path))}`;
    expected = issue.message;
  } else if (issue.code === 'too_small' || issue.code === 'too_big') {
    message = `value ${JSON.stringify(valueAt(data, path))} is out of range`;
    expected = issue.message.replace(/^Too (small|big): expected \w+ to (have |be )?/, '');
  }
  return [
    {
      severity: 'error',
      code: ErrorCodes.SCENARIO_SCHEMA,
      path: formatPath(path),
      message,
      ...(expected !== undefined ? { expected } : {}),
      position: locator.locate(path),
    },
  ];
}

/** Keys the schema allows at a path (for "did you mean"). */
function knownKeysAt(path: readonly (string | number)[]): string[] {
  let node: unknown = scenarioSchema;
  for (const seg of path) {
    node = unwrap(node);
    if (typeof seg === 'number') {
      const def = (node as { def?: { type?: string; element?: unknown } }).def;
      if (def?.type === 'array') {
        node = def.element;
      }
      continue;
    }
    const shape = (node as { shape?: Record<string, unknown> }).shape;
    node = shape?.[seg];
  }
  const shape = (unwrap(node) as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(node: unknown): unknown {
  let n = node as { def?: { type?: string; innerType?: unknown } } | undefined;
  while (
    n?.def &&
    (n.def.type === 'optional' || n.def.type === 'nullable' || n.def.type === 'default')
  ) {
    n = n.def.innerType as typeof n;
  }
  return n;
}

/** The known key closest to a typo, when close enough to be a plausible slip. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best !== undefined && bestDist <= Math.max(2, Math.floor(word.length / 3))
    ? best
    : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) {
    prev[j] = j;
  }
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') {
      return undefined;
    }
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) {
    return 'null';
  }
  if (Array.isArray(v)) {
    return 'a list';
  }
  if (typeof v === 'object') {
    return 'a map';
  }
  return `${typeof v} ${JSON.stringify(v)}`;
}

function hasPath(doc: Document, path: PathSegments): boolean {
  let node: unknown = doc.contents;
  for (const seg of path) {
    if (isMap(node)) {
      if (!node.has(seg)) {
        return false;
      }
      node = node.get(seg, true);
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (node === undefined) {
        return false;
      }
    } else {
      return false;
    }
  }
  return true;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.position.line}:${p.position.col}:${p.path}:${p.message}`;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) => a.position.line - b.position.line || a.position.col - b.position.col,
  );
}

/** Freezes an object graph so that no stage can change the validated model. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) {
      deepFreeze(v);
    }
  }
  return value;
}
