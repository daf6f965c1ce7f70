/**
 * The syntax tree of the subset of PowerShell that mediapath's administration shell reads: one
 * cmdlet (or one expression) per statement, with named parameters, quoted and bare values,
 * variables, member access, arrays, hashtables and parenthesised subcommands, optionally
 * assigned to a variable or to a member of one, and an optional formatting stage
 * (`| Format-List`, `| Format-Table`, `| Select-Object`).
 *
 * Types only: this file must not know how a statement is parsed or run, nor any cmdlet.
 */

/** Where something starts in the script: 1-based line and column. */
export interface SourcePos {
  readonly line: number;
  readonly col: number;
}

/** One part of a double-quoted string: literal text, or a variable to expand. */
export type StringPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'variable'; readonly name: string };

/** A value as written. */
export type Expr =
  | { readonly kind: 'string'; readonly parts: readonly StringPart[]; readonly pos: SourcePos }
  | { readonly kind: 'bareword'; readonly text: string; readonly pos: SourcePos }
  | { readonly kind: 'number'; readonly value: number; readonly pos: SourcePos }
  | { readonly kind: 'variable'; readonly name: string; readonly pos: SourcePos }
  | {
      readonly kind: 'member';
      readonly target: Expr;
      readonly name: string;
      readonly pos: SourcePos;
    }
  | { readonly kind: 'array'; readonly items: readonly Expr[]; readonly pos: SourcePos }
  | {
      readonly kind: 'hashtable';
      readonly entries: readonly { readonly key: string; readonly value: Expr }[];
      readonly pos: SourcePos;
    }
  | { readonly kind: 'subcommand'; readonly command: Command; readonly pos: SourcePos };

/**
 * An argument of a command as written: a parameter name (`-Name`, or `-Name:value` with its
 * value attached), or a value. Which value belongs to which parameter is the binder's
 * business, as in PowerShell: `-Force Portland` gives Portland to the next positional
 * parameter because `-Force` is a switch.
 */
export type Arg =
  | {
      readonly kind: 'parameter';
      readonly name: string;
      /** The value of the `-Name:value` form; null when none was attached. */
      readonly value: Expr | null;
      readonly pos: SourcePos;
    }
  | { readonly kind: 'value'; readonly value: Expr; readonly pos: SourcePos };

/** A formatting stage after a pipe: what is shown of the objects a Get- cmdlet returns. */
export interface FormatStage {
  readonly kind: 'list' | 'table' | 'select';
  /** The properties asked for (`Select-Object Identity,BypassID`); empty for all. */
  readonly properties: readonly string[];
  readonly pos: SourcePos;
}

/** A command: its name as typed, its arguments, and its formatting stage if any. */
export interface Command {
  readonly name: string;
  readonly args: readonly Arg[];
  readonly format: FormatStage | null;
  readonly pos: SourcePos;
}

/** Where an assignment stores its value: a variable, or a member of what a variable holds. */
export interface AssignTarget {
  readonly variable: string;
  /** Member names after the variable (`$x.MediaBypassSettings.Enabled`); empty for `$x`. */
  readonly members: readonly string[];
  readonly pos: SourcePos;
}

/** One statement of a script. */
export type Statement =
  | {
      readonly kind: 'command';
      readonly command: Command;
      readonly assign: AssignTarget | null;
      /** The statement's text as written (for the command log). */
      readonly source: string;
      readonly pos: SourcePos;
    }
  | {
      readonly kind: 'expression';
      readonly expr: Expr;
      readonly assign: AssignTarget | null;
      readonly source: string;
      readonly pos: SourcePos;
    };
