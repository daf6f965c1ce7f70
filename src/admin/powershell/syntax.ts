/**
 * The vocabulary of the PowerShell parser: its syntax error, the statement keywords it refuses,
 * the formatting cmdlets a pipeline may end in, the escapes of a double-quoted string, and
 * small helpers over string parts.
 *
 * This file must not know how a script is parsed, nor any cmdlet.
 */
import { ErrorCodes, SimError } from '../../core/index.js';
import type { Expr, FormatStage, SourcePos, StringPart } from './ast.js';

/** A script that does not parse: where, what, and whether more input could complete it. */
export class PowerShellSyntaxError extends SimError {
  readonly pos: SourcePos;
  /** True when the text ended in the middle of a statement (the shell asks for more). */
  readonly incomplete: boolean;

  constructor(message: string, pos: SourcePos, incomplete: boolean) {
    super(ErrorCodes.ADMIN_SYNTAX, `${message} (line ${pos.line}, column ${pos.col})`, {
      details: { line: pos.line, col: pos.col, incomplete },
    });
    this.name = 'PowerShellSyntaxError';
    this.pos = pos;
    this.incomplete = incomplete;
  }
}

/** Statement keywords of the language that the shell does not run. */
export const KEYWORDS = new Set([
  'if',
  'elseif',
  'else',
  'foreach',
  'for',
  'while',
  'do',
  'until',
  'switch',
  'function',
  'filter',
  'param',
  'begin',
  'process',
  'end',
  'try',
  'catch',
  'finally',
  'trap',
  'return',
  'break',
  'continue',
  'throw',
  'workflow',
  'class',
  'enum',
]);

/** The formatting cmdlets a pipeline may end in, and their aliases. */
export const FORMATTERS: Readonly<Record<string, FormatStage['kind']>> = {
  'format-list': 'list',
  fl: 'list',
  'format-table': 'table',
  ft: 'table',
  'select-object': 'select',
  select: 'select',
};

/** Characters that end a bare word in argument mode. */
export const WORD_END = new Set([' ', '\t', '\r', '\n', ';', '|', '(', ')', '{', '}', ',', '&']);

/** The backtick escapes of a double-quoted string. */
export const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  a: '\u0007',
  b: '\b',
  f: '\f',
  v: '\v',
};

/** The literal text of string parts, variables kept as written (`$name`). */
export function partsText(parts: readonly StringPart[]): string {
  return parts.map((p) => (p.kind === 'text' ? p.text : `$${p.name}`)).join('');
}

/** The property names of a `Select-Object` argument: `A`, `A,B`, `"A"`. */
export function propertyNames(e: Expr): string[] {
  if (e.kind === 'array') {
    return e.items.flatMap(propertyNames);
  }
  if (e.kind === 'bareword') {
    return [e.text];
  }
  if (e.kind === 'string') {
    return [partsText(e.parts)];
  }
  return [];
}
