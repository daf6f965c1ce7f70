/**
 * A parser for the subset of PowerShell that administrators write to configure Skype for
 * Business Server: one cmdlet per statement with named parameters (`-Name value`,
 * `-Name:value`, switches), single- and double-quoted strings (with `$variable` expansion and
 * backtick escapes), bare words, numbers, `$true`/`$false`/`$null`, variables and member
 * access, arrays (`a,b`, `@(...)`), hashtables (`@{Add="x"}`), parenthesised subcommands,
 * assignments to a variable or a member of one, `#` and `<# #>` comments, `;` and line
 * continuation with a backtick. A pipeline is accepted only into a formatting cmdlet
 * (`Format-List`, `Format-Table`, `Select-Object`); anything else the language has (other
 * pipelines, splatting, script blocks, control flow, method calls) is refused with a message
 * that says what to write instead.
 *
 * The whole script is parsed before anything runs, as PowerShell does: a syntax error means
 * nothing ran. This file must not know any cmdlet, nor how a statement is run.
 */
import type {
  Arg,
  AssignTarget,
  Command,
  Expr,
  FormatStage,
  SourcePos,
  Statement,
  StringPart,
} from './ast.js';
import {
  ESCAPES,
  FORMATTERS,
  KEYWORDS,
  partsText,
  PowerShellSyntaxError,
  propertyNames,
  WORD_END,
} from './syntax.js';

export { PowerShellSyntaxError } from './syntax.js';

/**
 * Parses a script into statements.
 *
 * @param text - The script.
 * @returns Every statement, in order.
 * @throws {PowerShellSyntaxError} `SIM_ERR_ADMIN_SYNTAX` for text that does not parse or uses
 *   what the shell does not run; `incomplete` says whether more text could complete it.
 */
export function parseScript(text: string): Statement[] {
  return new Parser(text).script();
}

/** The recursive-descent parser over the script's characters. */
class Parser {
  readonly #s: string;
  #i = 0;
  readonly #lineStarts: number[] = [0];

  constructor(text: string) {
    this.#s = text;
    for (let k = 0; k < text.length; k++) {
      if (text[k] === '\n') {
        this.#lineStarts.push(k + 1);
      }
    }
  }

  script(): Statement[] {
    const out: Statement[] = [];
    for (;;) {
      this.#skip(true);
      while (this.#peek() === ';') {
        this.#i++;
        this.#skip(true);
      }
      if (this.#eof()) {
        return out;
      }
      out.push(this.#statement());
      this.#skip(false);
      const c = this.#peek();
      if (c !== undefined && c !== '\n' && c !== ';' && c !== '\r') {
        this.#fail(`Unexpected token '${this.#preview()}' in expression or statement`);
      }
    }
  }

  // Statements.

  #statement(): Statement {
    const start = this.#i;
    const pos = this.#pos();
    const c = this.#peek();
    if (c === '$' && this.#s[this.#i + 1] !== '(') {
      const target = this.#tryAssignTarget();
      if (target !== null) {
        this.#skip(true);
        return this.#rhs(target, start, pos);
      }
      this.#i = start;
      const expr = this.#expression();
      return { kind: 'expression', expr, assign: null, source: this.#source(start), pos };
    }
    if (c !== undefined && /[A-Za-z_]/.test(c)) {
      const command = this.#command();
      return { kind: 'command', command, assign: null, source: this.#source(start), pos };
    }
    if (c === '-' || c === '&' || c === '.') {
      this.#fail(
        c === '&' || c === '.'
          ? 'The call operators & and . are not supported: write the cmdlet by its name'
          : `Unexpected token '${this.#preview()}': a statement starts with a cmdlet or a variable`,
      );
    }
    const expr = this.#expression();
    return { kind: 'expression', expr, assign: null, source: this.#source(start), pos };
  }

  /** `$x =`, `$x.A.B =`: the target, with the `=` consumed; null when not an assignment. */
  #tryAssignTarget(): AssignTarget | null {
    const pos = this.#pos();
    this.#i++;
    const variable = this.#variableName();
    const members: string[] = [];
    while (this.#peek() === '.' && /[A-Za-z_]/.test(this.#s[this.#i + 1] ?? '')) {
      this.#i++;
      members.push(this.#identifier());
    }
    this.#skip(false);
    if (this.#peek() === '=' && this.#s[this.#i + 1] !== '=') {
      this.#i++;
      return { variable, members, pos };
    }
    return null;
  }

  /** What follows `=`: a command (a bare word), or an expression. */
  #rhs(assign: AssignTarget, start: number, pos: SourcePos): Statement {
    if (this.#eof()) {
      this.#fail('You must provide a value expression following the = operator', true);
    }
    const c = this.#peek() ?? '';
    if (/[A-Za-z_]/.test(c)) {
      const command = this.#command();
      return { kind: 'command', command, assign, source: this.#source(start), pos };
    }
    const expr = this.#expression();
    return { kind: 'expression', expr, assign, source: this.#source(start), pos };
  }

  // Commands.

  #command(): Command {
    const pos = this.#pos();
    const name = this.#word();
    if (KEYWORDS.has(name.toLowerCase())) {
      this.#fail(
        `'${name}' statements are not supported: the shell runs one cmdlet per statement`,
        false,
        pos,
      );
    }
    const args = this.#arguments();
    let format: FormatStage | null = null;
    if (this.#peek() === '|') {
      format = this.#formatStage();
    }
    return { name, args, format, pos };
  }

  #arguments(): Arg[] {
    const args: Arg[] = [];
    for (;;) {
      this.#skip(false);
      const c = this.#peek();
      if (c === undefined || c === '\n' || c === '\r' || c === ';' || c === ')' || c === '|') {
        return args;
      }
      if (c === '}' || c === '{') {
        this.#fail(
          c === '{'
            ? 'Script blocks ({ ... }) are not supported: give each parameter its value'
            : "Unexpected token '}'",
        );
      }
      const pos = this.#pos();
      if (c === '-' && /[A-Za-z_]/.test(this.#s[this.#i + 1] ?? '')) {
        this.#i++;
        const name = this.#identifier();
        let value: Expr | null = null;
        if (this.#peek() === ':') {
          this.#i++;
          value = this.#argumentValue();
        }
        args.push({ kind: 'parameter', name, value, pos });
        continue;
      }
      args.push({ kind: 'value', value: this.#argumentValue(), pos });
    }
  }

  /** `| Format-List`, `| ft`, `| Select-Object A,B`: the only pipelines the shell runs. */
  #formatStage(): FormatStage {
    this.#i++;
    this.#skip(true);
    const pos = this.#pos();
    if (this.#eof()) {
      this.#fail('An empty pipe element is not allowed', true);
    }
    const name = /[A-Za-z_]/.test(this.#peek() ?? '') ? this.#word() : '';
    const kind = FORMATTERS[name.toLowerCase()];
    if (kind === undefined) {
      this.#fail(
        `Pipelines are not supported (only into Format-List, Format-Table or Select-Object): give the cmdlet its -Identity instead of piping${name === '' ? '' : ` into ${name}`}`,
        false,
        pos,
      );
    }
    const properties: string[] = [];
    for (const arg of this.#arguments()) {
      const value = arg.kind === 'parameter' ? arg.value : arg.value;
      if (arg.kind === 'parameter' && !/^(property|p)$/i.test(arg.name)) {
        this.#fail(`${name} takes only -Property here, not -${arg.name}`, false, arg.pos);
      }
      if (value !== null) {
        properties.push(...propertyNames(value));
      }
    }
    if (this.#peek() === '|') {
      this.#fail('Only one formatting stage may follow a cmdlet');
    }
    return { kind, properties, pos };
  }

  // Values.

  /** A value in argument mode: a primary, or several separated by commas (an array). */
  #argumentValue(): Expr {
    const pos = this.#pos();
    const first = this.#primary('argument');
    return this.#commaList(first, pos, 'argument');
  }

  /** A value in expression mode. */
  #expression(): Expr {
    const pos = this.#pos();
    const first = this.#primary('expression');
    return this.#commaList(first, pos, 'expression');
  }

  #commaList(first: Expr, pos: SourcePos, mode: 'argument' | 'expression'): Expr {
    this.#skip(false);
    if (this.#peek() !== ',') {
      return first;
    }
    const items = [first];
    while (this.#peek() === ',') {
      this.#i++;
      this.#skip(true);
      if (this.#eof()) {
        this.#fail('Missing expression after unary operator ,', true);
      }
      items.push(this.#primary(mode));
      this.#skip(false);
    }
    return { kind: 'array', items, pos };
  }

  #primary(mode: 'argument' | 'expression'): Expr {
    const pos = this.#pos();
    const c = this.#peek();
    if (c === undefined) {
      this.#fail('Missing a value', true);
    }
    if (c === "'") {
      return this.#withMembers({ kind: 'string', parts: [this.#singleQuoted()], pos });
    }
    if (c === '"') {
      return this.#withMembers({ kind: 'string', parts: this.#doubleQuoted(), pos });
    }
    if (c === '$') {
      if (this.#s[this.#i + 1] === '(') {
        this.#i++;
        return this.#withMembers(this.#parenthesised(pos));
      }
      this.#i++;
      return this.#withMembers({ kind: 'variable', name: this.#variableName(), pos });
    }
    if (c === '(') {
      return this.#withMembers(this.#parenthesised(pos));
    }
    if (c === '@') {
      return this.#atValue(pos);
    }
    if (c === '{') {
      this.#fail('Script blocks ({ ... }) are not supported: give each parameter its value');
    }
    if (mode === 'expression' && c === '-' && /\d/.test(this.#s[this.#i + 1] ?? '')) {
      this.#i++;
      return { kind: 'number', value: -this.#number(), pos };
    }
    if (mode === 'expression' && /\d/.test(c)) {
      return { kind: 'number', value: this.#number(), pos };
    }
    const text = this.#bareword();
    if (text === '') {
      this.#fail(`Unexpected token '${this.#preview()}'`);
    }
    return /^-?\d+(\.\d+)?$/.test(text)
      ? { kind: 'number', value: Number(text), pos }
      : { kind: 'bareword', text, pos };
  }

  /** `.Name` after a value; a method call is refused. */
  #withMembers(target: Expr): Expr {
    let e = target;
    while (this.#peek() === '.' && /[A-Za-z_]/.test(this.#s[this.#i + 1] ?? '')) {
      const pos = this.#pos();
      this.#i++;
      const name = this.#identifier();
      if (this.#peek() === '(') {
        this.#fail(`Method calls (.${name}()) are not supported`, false, pos);
      }
      e = { kind: 'member', target: e, name, pos };
    }
    return e;
  }

  /** `( command )` or `( expression )`, also after `$`. */
  #parenthesised(pos: SourcePos): Expr {
    this.#i++;
    this.#skip(true);
    if (this.#eof()) {
      this.#fail("Missing closing ')' in expression", true);
    }
    const c = this.#peek() ?? '';
    let inner: Expr;
    if (/[A-Za-z_]/.test(c)) {
      inner = { kind: 'subcommand', command: this.#command(), pos };
    } else {
      inner = this.#expression();
    }
    this.#skip(true);
    if (this.#eof()) {
      this.#fail("Missing closing ')' in expression", true);
    }
    if (this.#peek() !== ')') {
      this.#fail(`Missing closing ')' in expression, found '${this.#preview()}'`);
    }
    this.#i++;
    return inner;
  }

  /** `@(...)`, `@{...}`; `@name` (splatting) is refused. */
  #atValue(pos: SourcePos): Expr {
    const next = this.#s[this.#i + 1];
    if (next === '(') {
      this.#i += 2;
      const items: Expr[] = [];
      for (;;) {
        this.#skipListSeparators();
        if (this.#eof()) {
          this.#fail("Missing closing ')' in subexpression", true);
        }
        if (this.#peek() === ')') {
          this.#i++;
          return { kind: 'array', items, pos };
        }
        const e = this.#expression();
        if (e.kind === 'array') {
          items.push(...e.items);
        } else {
          items.push(e);
        }
      }
    }
    if (next === '{') {
      this.#i += 2;
      return this.#hashtable(pos);
    }
    if (next === '"' || next === "'") {
      this.#fail('Here-strings (@" ... "@) are not supported: use a quoted string');
    }
    if (next !== undefined && /[A-Za-z_]/.test(next)) {
      this.#fail('Splatting (@name) is not supported: give each parameter by name');
    }
    this.#fail("Unrecognized token '@'");
  }

  #hashtable(pos: SourcePos): Expr {
    const entries: { key: string; value: Expr }[] = [];
    for (;;) {
      this.#skipListSeparators();
      if (this.#eof()) {
        this.#fail("Missing closing '}' in hash literal", true);
      }
      if (this.#peek() === '}') {
        this.#i++;
        return { kind: 'hashtable', entries, pos };
      }
      const c = this.#peek();
      const key =
        c === "'"
          ? this.#singleQuoted().text
          : c === '"'
            ? partsText(this.#doubleQuoted())
            : this.#identifier();
      this.#skip(false);
      if (this.#peek() !== '=') {
        this.#fail(`Missing '=' operator after key '${key}' in hash literal`, this.#eof());
      }
      this.#i++;
      this.#skip(true);
      entries.push({ key, value: this.#expression() });
    }
  }

  #skipListSeparators(): void {
    for (;;) {
      this.#skip(true);
      if (this.#peek() === ';') {
        this.#i++;
        continue;
      }
      return;
    }
  }

  // Tokens.

  #singleQuoted(): { readonly kind: 'text'; readonly text: string } {
    const pos = this.#pos();
    this.#i++;
    let text = '';
    for (;;) {
      const c = this.#peek();
      if (c === undefined) {
        this.#fail("The string is missing the terminator: '", true, pos);
      }
      this.#i++;
      if (c === "'") {
        if (this.#peek() === "'") {
          text += "'";
          this.#i++;
          continue;
        }
        return { kind: 'text', text };
      }
      text += c;
    }
  }

  #doubleQuoted(): StringPart[] {
    const pos = this.#pos();
    this.#i++;
    const parts: StringPart[] = [];
    let text = '';
    const flush = (): void => {
      if (text !== '') {
        parts.push({ kind: 'text', text });
        text = '';
      }
    };
    for (;;) {
      const c = this.#peek();
      if (c === undefined) {
        this.#fail('The string is missing the terminator: "', true, pos);
      }
      this.#i++;
      if (c === '"') {
        if (this.#peek() === '"') {
          text += '"';
          this.#i++;
          continue;
        }
        flush();
        return parts.length ? parts : [{ kind: 'text', text: '' }];
      }
      if (c === '`') {
        const e = this.#peek();
        if (e === undefined) {
          this.#fail('The string is missing the terminator: "', true, pos);
        }
        this.#i++;
        text += ESCAPES[e] ?? e;
        continue;
      }
      if (c === '$' && /[A-Za-z_{]/.test(this.#peek() ?? '')) {
        flush();
        parts.push({ kind: 'variable', name: this.#variableName() });
        continue;
      }
      if (c === '$' && this.#peek() === '(') {
        this.#fail('Subexpressions $( ... ) inside a string are not supported');
      }
      text += c;
    }
  }

  /** A variable's name after `$`: `name`, `env:NAME` or `{any name}`. */
  #variableName(): string {
    if (this.#peek() === '{') {
      const end = this.#s.indexOf('}', this.#i);
      if (end < 0) {
        this.#fail("Missing closing '}' of the variable name", true);
      }
      const name = this.#s.slice(this.#i + 1, end);
      this.#i = end + 1;
      return name;
    }
    const m = /^[A-Za-z0-9_?]+(?::[A-Za-z0-9_]+)?/.exec(this.#s.slice(this.#i));
    if (!m) {
      this.#fail('Variable reference is not valid: a name must follow $');
    }
    this.#i += m[0].length;
    return m[0];
  }

  #identifier(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.#s.slice(this.#i));
    if (!m) {
      this.#fail(`Unexpected token '${this.#preview()}': a name was expected`);
    }
    this.#i += m[0].length;
    return m[0];
  }

  /** A command name: letters, digits, `-`, `_`, `.`. */
  #word(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(this.#s.slice(this.#i));
    if (!m) {
      this.#fail(`Unexpected token '${this.#preview()}'`);
    }
    this.#i += m[0].length;
    return m[0];
  }

  #number(): number {
    const m = /^\d+(\.\d+)?/.exec(this.#s.slice(this.#i));
    if (!m) {
      this.#fail('A number was expected');
    }
    this.#i += m[0].length;
    return Number(m[0]);
  }

  /** A bare word in argument mode; a backtick escapes the next character. */
  #bareword(): string {
    let text = '';
    for (;;) {
      const c = this.#peek();
      if (c === undefined || WORD_END.has(c)) {
        return text;
      }
      if (c === '`') {
        const e = this.#s[this.#i + 1];
        if (e === '\n' || e === '\r' || e === undefined) {
          return text;
        }
        text += e;
        this.#i += 2;
        continue;
      }
      if (c === '"' || c === "'") {
        // A quoted part glued to a bare word belongs to it (-Identity site:"Portland").
        const part = c === "'" ? this.#singleQuoted().text : partsText(this.#doubleQuoted());
        text += part;
        continue;
      }
      text += c;
      this.#i++;
    }
  }

  /**
   * Skips spaces, tabs, comments and line continuations; with `newlines`, line ends too.
   */
  #skip(newlines: boolean): void {
    for (;;) {
      const c = this.#peek();
      if (c === ' ' || c === '\t' || (newlines && (c === '\n' || c === '\r'))) {
        this.#i++;
      } else if (c === '\r' && this.#s[this.#i + 1] === '\n' && newlines) {
        this.#i += 2;
      } else if (c === '`' && (this.#s[this.#i + 1] === '\n' || this.#s[this.#i + 1] === '\r')) {
        this.#i += this.#s[this.#i + 1] === '\r' && this.#s[this.#i + 2] === '\n' ? 3 : 2;
      } else if (c === '`' && this.#i + 1 === this.#s.length) {
        this.#fail('Line continuation at the end of the input', true);
      } else if (c === '#') {
        while (!this.#eof() && this.#peek() !== '\n') {
          this.#i++;
        }
      } else if (c === '<' && this.#s[this.#i + 1] === '#') {
        const end = this.#s.indexOf('#>', this.#i + 2);
        if (end < 0) {
          this.#fail("Missing the end of the block comment '#>'", true);
        }
        this.#i = end + 2;
      } else {
        return;
      }
    }
  }

  #peek(): string | undefined {
    return this.#s[this.#i];
  }

  #eof(): boolean {
    return this.#i >= this.#s.length;
  }

  #preview(): string {
    return this.#s.slice(this.#i, this.#i + 12).split(/[\r\n]/)[0] ?? '';
  }

  #source(start: number): string {
    return this.#s.slice(start, this.#i).trim();
  }

  #pos(at = this.#i): SourcePos {
    let lo = 0;
    let hi = this.#lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#lineStarts[mid] ?? 0) <= at) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return { line: lo + 1, col: at - (this.#lineStarts[lo] ?? 0) + 1 };
  }

  #fail(message: string, incomplete = false, pos: SourcePos = this.#pos()): never {
    throw new PowerShellSyntaxError(message, pos, incomplete);
  }
}
