/**
 * An administration session: runs PowerShell statements against a scenario's text under a
 * role, as the cmdlets would. A statement is parsed (the whole script first: a syntax error
 * means nothing ran), its cmdlet found, the role checked, its arguments bound, and the change
 * made on a copy of the file; the copy is validated with the scenario's own rules, and a
 * change that breaks one is refused with the rule's message (nothing changes), while new
 * warnings are printed and the change stands. Each statement leaves a record (its text, role,
 * outcome and messages) for the lab's command log; each kept change bumps the configuration's
 * version.
 *
 * In `import` mode (a script turned into a scenario) there is no role and no validation per
 * statement: the caller validates the end result.
 *
 * This file must not know files, streams or the CLI: text in, text and records out.
 */
import { ErrorCodes, hasCode, SimError } from '../core/index.js';
import { loadScenarioText, type Problem } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { bindArguments, type CmdletCall, type CmdletSpec, type EvaluatedArg } from './cmdlet.js';
import { cmdletHelp, CMDLETS, findCmdlet } from './cmdlets.js';
import { ConfigDocument } from './config-document.js';
import type { ConfigView } from './objects.js';
import type { AssignTarget, Command, Expr, FormatStage, Statement } from './powershell/ast.js';
import { parseScript, PowerShellSyntaxError } from './powershell/parser.js';
import { authorize, describeRole, type ChangeTarget, type Role } from './rbac.js';
import {
  formatOutput,
  formatTable,
  isArray,
  PsHashtable,
  PsObject,
  selectProperties,
  textOf,
  type PsValue,
} from './values.js';
import { VoiceRouting } from './voice-routing.js';

/** How a statement ended. */
export type Outcome = 'ok' | 'warning' | 'refused' | 'denied' | 'error' | 'syntax';

/** What one statement did, for the command log. */
export interface CommandRecord {
  /** The statement as written. */
  readonly statement: string;
  readonly line: number;
  /** The cmdlet it ran, when it was one. */
  readonly cmdlet: string | null;
  readonly outcome: Outcome;
  /** The error code when it failed. */
  readonly code: string | null;
  /** Errors and warnings, one line each. */
  readonly messages: readonly string[];
  /** Whether the configuration changed. */
  readonly changed: boolean;
  /** The configuration version after it. */
  readonly version: number;
}

/** What running some text did. */
export interface RunOutcome {
  readonly records: readonly CommandRecord[];
  /** What the shell prints, line by line. */
  readonly output: readonly string[];
  /** `exit` was run. */
  readonly exited: boolean;
}

/** Options of a session. */
export interface SessionOptions {
  /** The scenario's text. */
  readonly text: string;
  /** The file name used in problems. */
  readonly file: string;
  /** The role; null in import mode. */
  readonly role: Role | null;
  /** `live`: validate every change; `import`: no role, no validation per statement. */
  readonly mode: 'live' | 'import';
}

/** Built-in commands of the shell that are not configuration cmdlets. */
const NO_OPS = new Set(['import-module', 'set-strictmode', 'clear-host', 'cls', 'set-location']);

/** The session: its configuration text, variables and voice routing. */
export class AdminSession {
  readonly #file: string;
  readonly #role: Role | null;
  readonly #mode: 'live' | 'import';
  #text: string;
  #version = 0;
  #voice: VoiceRouting;
  #baseline: readonly Problem[];
  #view: { readonly text: string; readonly view: ConfigView } | null = null;
  readonly #variables = new Map<string, PsValue>();

  constructor(options: SessionOptions) {
    this.#file = options.file;
    this.#role = options.role;
    this.#mode = options.mode;
    this.#text = options.text;
    this.#voice = VoiceRouting.fromDocument(ConfigDocument.parse(options.text));
    this.#baseline = problemsOf(options.text, options.file);
  }

  /** The configuration's text now. */
  get text(): string {
    return this.#text;
  }

  /** How many changes were kept. */
  get version(): number {
    return this.#version;
  }

  /** The role, as one phrase. */
  get roleName(): string {
    return this.#role === null ? 'none (import)' : describeRole(this.#role);
  }

  /**
   * Runs a script (one or more statements). A syntax error runs nothing and gives one record.
   *
   * @throws {PowerShellSyntaxError} only when `incompleteThrows` and the text ends in the
   *   middle of a statement (the shell then asks for the rest).
   */
  run(script: string, options: { readonly incompleteThrows?: boolean } = {}): RunOutcome {
    let statements: Statement[];
    try {
      statements = parseScript(script);
    } catch (e) {
      if (e instanceof PowerShellSyntaxError) {
        if (e.incomplete && options.incompleteThrows === true) {
          throw e;
        }
        const lines = [`ParserError: ${e.message}`];
        return {
          records: [this.#record(script.trim(), e.pos.line, null, 'syntax', e.code, lines, false)],
          output: lines,
          exited: false,
        };
      }
      throw e;
    }
    const records: CommandRecord[] = [];
    const output: string[] = [];
    for (const s of statements) {
      const r = this.#statement(s);
      records.push(r.record);
      output.push(...r.output);
      if (r.exit) {
        return { records, output, exited: true };
      }
      if (r.stop) {
        break;
      }
    }
    return { records, output, exited: false };
  }

  // Statements.

  #statement(s: Statement): {
    record: CommandRecord;
    output: string[];
    exit: boolean;
    stop: boolean;
  } {
    const output: string[] = [];
    const warnings: string[] = [];
    const cmdlet = s.kind === 'command' ? s.command.name : null;
    if (s.kind === 'command' && s.command.name.toLowerCase() === 'exit') {
      return {
        record: this.#record(s.source, s.pos.line, null, 'ok', null, [], false),
        output,
        exit: true,
        stop: false,
      };
    }
    const versionBefore = this.#version;
    try {
      const values =
        s.kind === 'command'
          ? this.#command(s.command, warnings, output)
          : [this.#evaluate(s.expr, warnings, output)];
      if (s.assign !== null) {
        this.#assign(s.assign, values);
      } else {
        const format = s.kind === 'command' ? s.command.format : null;
        output.push(...printValues(values, format));
      }
      const outcome: Outcome = warnings.length > 0 ? 'warning' : 'ok';
      output.unshift(...warnings.map((w) => `WARNING: ${w}`));
      return {
        record: this.#record(
          s.source,
          s.pos.line,
          canonicalName(cmdlet),
          outcome,
          null,
          warnings,
          this.#version !== versionBefore,
        ),
        output,
        exit: false,
        stop: false,
      };
    } catch (e) {
      if (!(e instanceof SimError) || e.code === ErrorCodes.INTERNAL) {
        throw e;
      }
      const outcome: Outcome = hasCode(e, ErrorCodes.ADMIN_ACCESS_DENIED)
        ? 'denied'
        : hasCode(e, ErrorCodes.ADMIN_REFUSED)
          ? 'refused'
          : 'error';
      const name = canonicalName(cmdlet) ?? 'The statement';
      output.unshift(...warnings.map((w) => `WARNING: ${w}`));
      output.push(
        `${name} : ${e.message}`,
        `At line:${s.pos.line} char:${s.pos.col}`,
        `    + FullyQualifiedErrorId : ${e.code}`,
      );
      return {
        record: this.#record(
          s.source,
          s.pos.line,
          canonicalName(cmdlet),
          outcome,
          e.code,
          [...warnings, e.message],
          this.#version !== versionBefore,
        ),
        output,
        exit: false,
        stop: this.#stopOnError(s),
      };
    }
  }

  #stopOnError(s: Statement): boolean {
    const pref = this.#variables.get('erroractionpreference');
    if (typeof pref === 'string' && pref.toLowerCase() === 'stop') {
      return true;
    }
    if (s.kind !== 'command') {
      return false;
    }
    return s.command.args.some(
      (a, i) =>
        a.kind === 'parameter' &&
        /^(erroraction|ea)$/i.test(a.name) &&
        /^stop$/i.test(exprText(a.value ?? nextValue(s.command, i))),
    );
  }

  #record(
    statement: string,
    line: number,
    cmdlet: string | null,
    outcome: Outcome,
    code: string | null,
    messages: readonly string[],
    changed: boolean,
  ): CommandRecord {
    return { statement, line, cmdlet, outcome, code, messages, changed, version: this.#version };
  }

  // Commands.

  #command(c: Command, warnings: string[], output: string[]): PsValue[] {
    const lower = c.name.toLowerCase();
    if (NO_OPS.has(lower)) {
      return [];
    }
    if (lower === 'write-host' || lower === 'write-output' || lower === 'echo') {
      return c.args
        .filter((a) => a.kind === 'value')
        .map((a) => textOf(this.#evaluate(a.value, warnings, output)));
    }
    if (lower === 'get-command' || lower === 'gcm') {
      return this.#getCommand();
    }
    if (lower === 'get-help' || lower === 'help') {
      output.push(...this.#help(c, warnings, output));
      return [];
    }
    const cmdlet = findCmdlet(c.name);
    if (cmdlet === undefined) {
      const guess = suggest(c.name);
      throw new SimError(
        ErrorCodes.ADMIN_UNKNOWN_COMMAND,
        `The term '${c.name}' is not recognized as the name of a cmdlet this shell runs.${guess ? ` Did you mean ${guess}?` : ''} Get-Command lists them.`,
      );
    }
    if (this.#role !== null) {
      const denial = authorize(this.#role, cmdlet, null);
      if (denial !== null) {
        throw new SimError(ErrorCodes.ADMIN_ACCESS_DENIED, denial.message);
      }
    }
    const args = this.#arguments(c, warnings, output);
    const { bound, ignored } = bindArguments(cmdlet, args);
    for (const name of ignored) {
      warnings.push(
        `mediapath does not model -${name} of ${cmdlet.name} (it does not change the media path); it was ignored.`,
      );
    }
    return this.#runCmdlet(cmdlet, bound, warnings, output);
  }

  #arguments(c: Command, warnings: string[], output: string[]): EvaluatedArg[] {
    return c.args.map((a) =>
      a.kind === 'parameter'
        ? {
            kind: 'parameter',
            name: a.name,
            value: a.value === null ? undefined : this.#evaluate(a.value, warnings, output),
          }
        : { kind: 'value', value: this.#evaluate(a.value, warnings, output) },
    );
  }

  #runCmdlet(
    cmdlet: CmdletSpec,
    bound: ReturnType<typeof bindArguments>['bound'],
    warnings: string[],
    output: string[],
  ): PsValue[] {
    const doc = ConfigDocument.parse(this.#text);
    const voice = this.#voice.clone();
    let target: ChangeTarget | null = null;
    const call: CmdletCall = {
      cmdlet,
      args: bound,
      doc,
      voice,
      view: () => this.#currentView(),
      authorize: (t) => {
        target = t;
        if (this.#role !== null) {
          const denial = authorize(this.#role, cmdlet, t);
          if (denial !== null) {
            throw new SimError(ErrorCodes.ADMIN_ACCESS_DENIED, denial.message);
          }
        }
      },
      warn: (m) => warnings.push(m),
    };
    const values = cmdlet.run(call);
    if (!cmdlet.changesFile) {
      return values;
    }
    const text = doc.text();
    if (text === this.#text) {
      // A change the file does not hold (a PSTN usage added to the global list) is kept as is.
      if (!bound.flag('WhatIf')) {
        this.#voice = voice;
      }
      return values;
    }
    const problems = this.#mode === 'live' ? problemsOf(text, this.#file) : [];
    if (this.#mode === 'live') {
      const fresh = newProblems(this.#baseline, problems);
      const errors = fresh.filter((p) => p.severity === 'error');
      if (errors.length > 0) {
        throw new SimError(ErrorCodes.ADMIN_REFUSED, refusal(errors), {
          details: { rules: errors.map((p) => p.rule ?? null) },
        });
      }
      warnings.push(...fresh.map(problemLine));
    }
    if (bound.flag('WhatIf')) {
      const on = (target as ChangeTarget | null)?.identity ?? 'the configuration';
      output.push(`What if: Performing the operation "${cmdlet.name}" on target "${on}".`);
      return values;
    }
    this.#text = text;
    this.#voice = voice;
    this.#baseline = problems;
    this.#version++;
    return values;
  }

  #currentView(): ConfigView {
    if (this.#view?.text === this.#text) {
      return this.#view.view;
    }
    const loaded = loadScenarioText(this.#text, this.#file);
    if (!loaded.ok) {
      throw new SimError(
        ErrorCodes.ADMIN_REFUSED,
        `The configuration cannot be shown while it is not valid: ${refusal(loaded.problems.filter((p) => p.severity === 'error'))}`,
      );
    }
    const view: ConfigView = {
      scenario: loaded.scenario,
      topology: new Topology(loaded.scenario),
      doc: ConfigDocument.parse(this.#text),
      voice: this.#voice,
    };
    this.#view = { text: this.#text, view };
    return view;
  }

  #getCommand(): PsValue[] {
    return CMDLETS.filter(
      (c) => this.#role === null || authorize(this.#role, c, null) === null,
    ).map(
      (c) =>
        new PsObject('CommandInfo', [
          ['CommandType', 'Cmdlet'],
          ['Name', c.name],
          ['Synopsis', c.synopsis],
        ]),
    );
  }

  #help(c: Command, warnings: string[], output: string[]): string[] {
    const arg = c.args.find((a) => a.kind === 'value');
    if (arg === undefined) {
      return [
        'The shell runs the Skype for Business Server cmdlets that configure media bypass, call',
        'admission control, trunks, voice policies and media: Get-Command lists those your role',
        'may run, Get-Help <cmdlet> shows one. Values: "quoted strings", $true, $false, $null,',
        '@{Add="x"} for lists, $variables. exit leaves the shell.',
      ];
    }
    const name = textOf(this.#evaluate(arg.value, warnings, output));
    const cmdlet = findCmdlet(name);
    if (cmdlet === undefined) {
      throw new SimError(
        ErrorCodes.ADMIN_UNKNOWN_COMMAND,
        `Get-Help cannot find help for '${name}': it is not a cmdlet this shell runs.`,
      );
    }
    return cmdletHelp(cmdlet);
  }

  // Values.

  #evaluate(e: Expr, warnings: string[], output: string[]): PsValue {
    switch (e.kind) {
      case 'string':
        return e.parts
          .map((p) => (p.kind === 'text' ? p.text : textOf(this.#variable(p.name))))
          .join('');
      case 'bareword':
        return e.text;
      case 'number':
        return e.value;
      case 'variable':
        return this.#variable(e.name);
      case 'member':
        return member(this.#evaluate(e.target, warnings, output), e.name);
      case 'array':
        return e.items.map((i) => this.#evaluate(i, warnings, output));
      case 'hashtable':
        return new PsHashtable(
          e.entries.map((x) => ({ key: x.key, value: this.#evaluate(x.value, warnings, output) })),
        );
      case 'subcommand': {
        const values = this.#command(e.command, warnings, output);
        return values.length === 0 ? null : values.length === 1 ? (values[0] ?? null) : values;
      }
    }
  }

  #variable(name: string): PsValue {
    const lower = name.toLowerCase();
    if (lower === 'true') {
      return true;
    }
    if (lower === 'false') {
      return false;
    }
    if (lower === 'null') {
      return null;
    }
    return this.#variables.get(lower) ?? null;
  }

  #assign(target: AssignTarget, values: readonly PsValue[]): void {
    const value: PsValue =
      values.length === 0 ? null : values.length === 1 ? (values[0] ?? null) : values;
    const lower = target.variable.toLowerCase();
    if (target.members.length === 0) {
      if (lower === 'true' || lower === 'false' || lower === 'null') {
        throw new SimError(
          ErrorCodes.ADMIN_PARAMETER,
          `Cannot overwrite variable ${target.variable} because it is read-only or constant.`,
        );
      }
      this.#variables.set(lower, value);
      return;
    }
    let obj = this.#variable(target.variable);
    const names = target.members;
    for (const n of names.slice(0, -1)) {
      obj = member(obj, n);
    }
    const last = names[names.length - 1] ?? '';
    if (!(obj instanceof PsObject) || !obj.set(last, value)) {
      throw new SimError(
        ErrorCodes.ADMIN_PARAMETER,
        `The property '${last}' cannot be found on this object. Verify that the property exists and can be set.`,
      );
    }
  }
}

/** A property of a value; for an array, the property of each item. */
function member(target: PsValue, name: string): PsValue {
  if (target instanceof PsObject) {
    return target.get(name) ?? null;
  }
  if (isArray(target)) {
    if (name.toLowerCase() === 'count' || name.toLowerCase() === 'length') {
      return target.length;
    }
    return target.map((t) => member(t, name));
  }
  if (typeof target === 'string' && name.toLowerCase() === 'length') {
    return target.length;
  }
  return null;
}

/** What a statement prints: its values, through the formatting stage if any. */
function printValues(values: readonly PsValue[], format: FormatStage | null): string[] {
  const flat = values.flatMap((v) => (isArray(v) ? [...v] : [v]));
  if (format === null) {
    return formatOutput(flat);
  }
  const objects = flat.filter((v): v is PsObject => v instanceof PsObject);
  const shown = objects.map((o) => selectProperties(o, format.properties));
  return format.kind === 'table' || (format.kind === 'select' && format.properties.length > 0)
    ? formatTable(shown)
    : formatOutput(shown);
}

/** The text of a bare or quoted value (for `-ErrorAction Stop`). */
function exprText(e: Expr | undefined): string {
  if (e === undefined) {
    return '';
  }
  if (e.kind === 'bareword') {
    return e.text;
  }
  if (e.kind === 'string') {
    return e.parts.map((p) => (p.kind === 'text' ? p.text : '')).join('');
  }
  return '';
}

/** The value that follows a parameter in a command's arguments. */
function nextValue(c: Command, i: number): Expr | undefined {
  const next = c.args[i + 1];
  return next?.kind === 'value' ? next.value : undefined;
}

/** The cmdlet's name as PowerShell spells it, for a name typed in any case. */
function canonicalName(typed: string | null): string | null {
  if (typed === null) {
    return null;
  }
  return findCmdlet(typed)?.name ?? typed;
}

/** The problems of a scenario's text (errors and warnings). */
function problemsOf(text: string, file: string): readonly Problem[] {
  const r = loadScenarioText(text, file);
  return r.ok ? r.warnings : r.problems;
}

/** The problems of `after` that `before` did not have (by rule and message, counted). */
function newProblems(before: readonly Problem[], after: readonly Problem[]): Problem[] {
  const key = (p: Problem): string => `${p.severity}|${p.rule ?? ''}|${p.message}`;
  const left = new Map<string, number>();
  for (const p of before) {
    left.set(key(p), (left.get(key(p)) ?? 0) + 1);
  }
  return after.filter((p) => {
    const n = left.get(key(p)) ?? 0;
    if (n > 0) {
      left.set(key(p), n - 1);
      return false;
    }
    return true;
  });
}

/** A problem as one line: message, what was expected, rule. */
function problemLine(p: Problem): string {
  return `${p.message}${p.expected ? ` (expected ${p.expected})` : ''}${p.rule ? ` [${p.rule}]` : ''}`;
}

/** The refusal of a change: its first errors. */
function refusal(errors: readonly Problem[]): string {
  const shown = errors.slice(0, 3).map(problemLine).join('; ');
  return errors.length > 3 ? `${shown}; and ${errors.length - 3} more` : shown;
}

/** The cmdlet closest to a name typed wrong, when one is close. */
function suggest(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of CMDLETS) {
    const d = distance(name.toLowerCase(), c.name.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c.name;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 5)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}
