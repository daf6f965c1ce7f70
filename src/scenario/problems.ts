/**
 * The problems a scenario can have (YAML, schema, references, domain rules), where they are,
 * and how they print as `file:line:col: error CODE: path: message`.
 *
 * This file must not know how problems are found: it holds their shapes and formatting only.
 */
/** Where in the scenario file a problem is. Lines and columns are 1-based. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export type Severity = 'error' | 'warning';

/**
 * One problem found in a scenario. `path` is the dot-path into the document
 * (`network.subnets[2].maskBits`); `rule` is the rule of docs/rules.md or validation id it comes
 * from (`d.V13`), when there is one.
 */
export interface Problem {
  readonly severity: Severity;
  readonly code: string;
  readonly path: string;
  readonly message: string;
  readonly expected?: string;
  readonly rule?: string;
  readonly position: SourcePosition;
}

/** A path segment list, as zod and the yaml library use it. */
export type PathSegments = readonly (string | number)[];

/** `['network', 'subnets', 2, 'maskBits']` -> `network.subnets[2].maskBits` */
export function formatPath(path: PathSegments): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') {
      out += `[${seg}]`;
    } else {
      out += out === '' ? seg : `.${seg}`;
    }
  }
  return out === '' ? '(document)' : out;
}

/**
 * `file:line:col: error SIM_ERR_...: path: message (expected ...) [rule]`, as compilers print
 * theirs: the code is the entry of docs/errors.md, the rule the entry of docs/rules.md.
 */
export function formatProblem(p: Problem): string {
  const where = `${p.position.file}:${p.position.line}:${p.position.col}`;
  const rule = p.rule ? ` [${p.rule}]` : '';
  const expected = p.expected ? ` (expected ${p.expected})` : '';
  return `${where}: ${p.severity} ${p.code}: ${p.path}: ${p.message}${expected}${rule}`;
}
