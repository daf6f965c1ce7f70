/**
 * What a cmdlet is to the shell (its name, family, parameters, and what it does), and the
 * parameter binder: named parameters by exact name, alias or unambiguous prefix (any letter
 * case), `-Name:value`, switches, positional values, the common parameters, and the
 * conversions PowerShell makes (a Boolean parameter takes only `$true`, `$false`, 1 or 0; an
 * enumeration takes one of its names; a list takes a value, an array or a list modifier
 * `@{Add=...; Remove=...; Replace=...}`), with PowerShell's own wording for what goes wrong.
 *
 * This file must not know any particular cmdlet, the scenario file, or roles.
 */
import { ErrorCodes, SimError } from '../core/index.js';
import type { ConfigDocument } from './config-document.js';
import type { ConfigView, ParamType } from './objects.js';
import type { ChangeTarget, Family } from './rbac.js';
import { displayValue, isArray, PsHashtable, PsObject, type PsValue } from './values.js';
import type { VoiceRouting } from './voice-routing.js';

/** A parameter of a cmdlet. */
export interface ParamSpec {
  readonly name: string;
  readonly type: ParamType;
  readonly values?: readonly string[];
  readonly required?: boolean;
  readonly aliases?: readonly string[];
  /** For an object parameter: the type of object it takes. */
  readonly objectType?: string;
  readonly help: string;
}

/** A list parameter's value: a whole list, or changes to the current one. */
export type ListValue =
  | { readonly kind: 'replace'; readonly items: readonly string[] }
  | {
      readonly kind: 'modify';
      readonly add: readonly string[];
      readonly remove: readonly string[];
    };

/** A parameter's value after conversion. */
export type BoundValue = PsValue | ListValue;

/** The arguments of one call, by the parameters' canonical names. */
export class BoundArgs {
  readonly #values = new Map<string, BoundValue>();

  /** Binds a value (the binder does; tests may). */
  set(name: string, value: BoundValue): void {
    this.#values.set(name, value);
  }

  has(name: string): boolean {
    return this.#values.has(name);
  }

  get(name: string): BoundValue | undefined {
    return this.#values.get(name);
  }

  /** A string argument (or undefined when not given; null when given as $null). */
  text(name: string): string | null | undefined {
    const v = this.#values.get(name);
    return v === undefined || v === null
      ? v
      : typeof v === 'string'
        ? v
        : displayValue(v as PsValue);
  }

  /** A switch: true when given (and not `-Name:$false`). */
  flag(name: string): boolean {
    return this.#values.get(name) === true;
  }

  /** The names given, in the order bound. */
  get names(): readonly string[] {
    return [...this.#values.keys()];
  }
}

/** What a cmdlet is given to do its work. */
export interface CmdletCall {
  readonly cmdlet: CmdletSpec;
  readonly args: BoundArgs;
  /** The file being changed (a copy: it is kept only if the change passes validation). */
  readonly doc: ConfigDocument;
  /** The configuration before this call, as `Get-` shows it. */
  view(): ConfigView;
  /** The voice routing known to the session (a copy, kept with the change). */
  readonly voice: VoiceRouting;
  /** Checks that the role may change this object; throws an access-denied error if not. */
  authorize(target: ChangeTarget): void;
  /** A warning printed under the command; the change stands. */
  warn(message: string): void;
}

/** A cmdlet the shell runs. */
export interface CmdletSpec {
  readonly name: string;
  readonly family: Family;
  /** `read` for Get-; `write` for anything that changes or makes configuration. */
  readonly access: 'read' | 'write';
  /** Whether it changes the file (New-CsNetworkMediaBypassConfiguration only makes an object). */
  readonly changesFile: boolean;
  readonly synopsis: string;
  readonly params: readonly ParamSpec[];
  /** Parameter names that take positional values, in order. */
  readonly positional: readonly string[];
  /** Parameters of the real cmdlet that do not change the media path: accepted, ignored, warned. */
  readonly notModelled: readonly string[];
  /** Parameters refused with a message saying what to do instead. */
  readonly unsupported?: Readonly<Record<string, string>>;
  /** Runs the cmdlet; returns what it outputs. */
  run(call: CmdletCall): PsValue[];
}

/** The common parameters every cmdlet takes. */
export const COMMON_PARAMS: readonly ParamSpec[] = [
  { name: 'Force', type: 'switch', help: 'Skips confirmation prompts.' },
  {
    name: 'WhatIf',
    type: 'switch',
    aliases: ['wi'],
    help: 'Shows what would change; changes nothing.',
  },
  {
    name: 'Confirm',
    type: 'switch',
    aliases: ['cf'],
    help: 'Accepted; the shell does not prompt.',
  },
  { name: 'Verbose', type: 'switch', aliases: ['vb'], help: 'Accepted.' },
  { name: 'Debug', type: 'switch', aliases: ['db'], help: 'Accepted.' },
  {
    name: 'ErrorAction',
    type: 'enum',
    aliases: ['ea'],
    values: ['Continue', 'Stop', 'SilentlyContinue', 'Ignore', 'Inquire'],
    help: 'Stop: an error stops the script.',
  },
  {
    name: 'WarningAction',
    type: 'enum',
    aliases: ['wa'],
    values: ['Continue', 'Stop', 'SilentlyContinue', 'Ignore', 'Inquire'],
    help: 'Accepted.',
  },
];

/** An error of parameter binding, with PowerShell's wording. */
export function parameterError(message: string): SimError {
  return new SimError(ErrorCodes.ADMIN_PARAMETER, message);
}

/** An argument as evaluated by the session: a parameter name with its attached value, or a value. */
export type EvaluatedArg =
  | { readonly kind: 'parameter'; readonly name: string; readonly value: PsValue | undefined }
  | { readonly kind: 'value'; readonly value: PsValue };

/**
 * Binds evaluated arguments to a cmdlet's parameters.
 *
 * @returns The bound arguments, and the not-modelled parameters that were given (ignored).
 * @throws {SimError} `SIM_ERR_ADMIN_PARAMETER` for an unknown or ambiguous parameter, a missing
 *   or unconvertible value, a parameter given twice, a positional value nothing takes, or a
 *   missing mandatory parameter.
 */
export function bindArguments(
  spec: CmdletSpec,
  args: readonly EvaluatedArg[],
): { readonly bound: BoundArgs; readonly ignored: readonly string[] } {
  const params = [...spec.params, ...COMMON_PARAMS];
  const bound = new BoundArgs();
  const ignored: string[] = [];
  const positional = [...spec.positional];
  for (let k = 0; k < args.length; k++) {
    const a = args[k];
    if (a === undefined) {
      continue;
    }
    if (a.kind === 'value') {
      const name = positional.find((p) => !bound.has(p));
      const p = params.find((x) => x.name === name);
      if (p === undefined) {
        throw parameterError(
          `A positional parameter cannot be found that accepts argument '${displayValue(a.value)}'.`,
        );
      }
      bound.set(p.name, convert(p, a.value));
      continue;
    }
    const resolved = resolveParameter(spec, params, a.name);
    const next = args[k + 1];
    let raw: PsValue | undefined = a.value;
    const type = resolved.kind === 'param' ? resolved.param.type : 'string';
    if (raw === undefined && type !== 'switch') {
      if (next?.kind !== 'value') {
        throw parameterError(
          `Missing an argument for parameter '${resolved.name}'. Specify a parameter of type '${typeLabel(type)}' and try again.`,
        );
      }
      raw = next.value;
      k++;
    }
    if (resolved.kind === 'ignored') {
      ignored.push(resolved.name);
      continue;
    }
    const p = resolved.param;
    if (bound.has(p.name)) {
      throw parameterError(
        `Cannot bind parameter because parameter '${p.name}' is specified more than once.`,
      );
    }
    bound.set(p.name, raw === undefined ? true : convert(p, raw));
  }
  const missing = spec.params.filter((p) => p.required === true && !bound.has(p.name));
  if (missing.length > 0) {
    throw parameterError(
      `Cannot process command because of one or more missing mandatory parameters: ${missing.map((p) => p.name).join(' ')}.`,
    );
  }
  return { bound, ignored };
}

/** A parameter name as typed -> the parameter, or a not-modelled one to ignore. */
function resolveParameter(
  spec: CmdletSpec,
  params: readonly ParamSpec[],
  typed: string,
):
  | { readonly kind: 'param'; readonly name: string; readonly param: ParamSpec }
  | { readonly kind: 'ignored'; readonly name: string } {
  const t = typed.toLowerCase();
  const unsupported = Object.entries(spec.unsupported ?? {}).find(([n]) => n.toLowerCase() === t);
  if (unsupported) {
    throw parameterError(`-${unsupported[0]} is not supported by this shell: ${unsupported[1]}`);
  }
  const names = (p: ParamSpec): string[] => [p.name, ...(p.aliases ?? [])];
  const exact = params.find((p) => names(p).some((n) => n.toLowerCase() === t));
  if (exact) {
    return { kind: 'param', name: exact.name, param: exact };
  }
  const ignoredExact = spec.notModelled.find((n) => n.toLowerCase() === t);
  if (ignoredExact) {
    return { kind: 'ignored', name: ignoredExact };
  }
  const byPrefix = params.filter((p) => names(p).some((n) => n.toLowerCase().startsWith(t)));
  const ignoredByPrefix = spec.notModelled.filter((n) => n.toLowerCase().startsWith(t));
  const all = [...byPrefix.map((p) => p.name), ...ignoredByPrefix];
  if (all.length === 1) {
    const only = byPrefix[0];
    return only
      ? { kind: 'param', name: only.name, param: only }
      : { kind: 'ignored', name: all[0] ?? typed };
  }
  if (all.length > 1) {
    throw parameterError(
      `Parameter cannot be processed because the parameter name '${typed}' is ambiguous. Possible matches include: ${all.map((n) => `-${n}`).join(' ')}.`,
    );
  }
  throw parameterError(`A parameter cannot be found that matches parameter name '${typed}'.`);
}

/** The .NET type PowerShell would name for a parameter type. */
function typeLabel(type: ParamType): string {
  switch (type) {
    case 'bool':
      return 'System.Boolean';
    case 'int':
      return 'System.Int32';
    case 'number':
      return 'System.Double';
    case 'list':
      return 'System.Management.Automation.PSListModifier';
    case 'object':
      return 'System.Object';
    default:
      return 'System.String';
  }
}

/**
 * Converts a value to a parameter's type, as PowerShell's argument transformation does.
 *
 * @throws {SimError} `SIM_ERR_ADMIN_PARAMETER` when the value does not convert.
 */
export function convert(p: ParamSpec, v: PsValue): BoundValue {
  const cannot = (detail: string): SimError =>
    parameterError(`Cannot process argument transformation on parameter '${p.name}'. ${detail}`);
  if (isArray(v) && v.length === 1 && p.type !== 'list') {
    return convert(p, v[0] ?? null);
  }
  switch (p.type) {
    case 'switch':
    case 'bool':
      if (typeof v === 'boolean') {
        return v;
      }
      if (typeof v === 'number' && (v === 0 || v === 1)) {
        return v === 1;
      }
      throw cannot(
        `Cannot convert value "${displayValue(v)}" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`,
      );
    case 'int':
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN;
      if (v === null || Number.isNaN(n) || (typeof v === 'string' && v.trim() === '')) {
        throw cannot(
          `Cannot convert value "${displayValue(v)}" to type "${typeLabel(p.type)}". Error: "Input string was not in a correct format."`,
        );
      }
      if (p.type === 'int' && !Number.isInteger(n)) {
        return Math.round(n);
      }
      return n;
    }
    case 'enum': {
      const text = typeof v === 'string' ? v : displayValue(v);
      const match = p.values?.find((x) => x.toLowerCase() === text.toLowerCase());
      if (match === undefined) {
        throw cannot(
          `Cannot convert value "${text}". Unable to match the identifier name ${text} to a valid enumerator name. Specify one of the following enumerator names and try again: ${(p.values ?? []).join(', ')}`,
        );
      }
      return match;
    }
    case 'list':
      return listValue(p, v);
    case 'object':
      if (v === null) {
        throw parameterError(`Cannot bind argument to parameter '${p.name}' because it is null.`);
      }
      if (!(v instanceof PsObject) || (p.objectType !== undefined && v.typeName !== p.objectType)) {
        throw cannot(
          `Cannot convert the "${displayValue(v)}" value of type "${v instanceof PsObject ? v.typeName : typeof v}" to type "${p.objectType ?? 'System.Object'}".`,
        );
      }
      return v;
    case 'string':
      if (v instanceof PsObject || v instanceof PsHashtable || isArray(v)) {
        throw cannot(
          `Cannot convert '${displayValue(v)}' to the type 'System.String' required by parameter '${p.name}'.`,
        );
      }
      return v === null ? null : typeof v === 'string' ? v : displayValue(v);
  }
}

/** A list parameter's value: a list, or the Add/Remove/Replace of a list modifier. */
function listValue(p: ParamSpec, v: PsValue): ListValue {
  const strings = (x: PsValue | undefined): string[] =>
    x === undefined || x === null
      ? []
      : isArray(x)
        ? x.map((i) => displayValue(i))
        : [displayValue(x)];
  if (v instanceof PsHashtable) {
    const keys = v.entries.map((e) => e.key.toLowerCase());
    const bad = keys.filter((k) => k !== 'add' && k !== 'remove' && k !== 'replace');
    if (bad.length > 0) {
      throw parameterError(
        `Cannot process argument transformation on parameter '${p.name}'. A list modifier takes Add, Remove or Replace, not ${bad.join(', ')}.`,
      );
    }
    const replace = v.get('Replace');
    if (replace !== undefined) {
      return { kind: 'replace', items: strings(replace) };
    }
    return { kind: 'modify', add: strings(v.get('Add')), remove: strings(v.get('Remove')) };
  }
  if (v instanceof PsObject) {
    throw parameterError(
      `Cannot process argument transformation on parameter '${p.name}'. Give a list of names, not an object.`,
    );
  }
  return { kind: 'replace', items: strings(v) };
}

/** A list after a list value is applied to it. */
export function applyList(current: readonly string[], value: ListValue): string[] {
  if (value.kind === 'replace') {
    return [...value.items];
  }
  const remove = new Set(value.remove.map((r) => r.toLowerCase()));
  const kept = current.filter((c) => !remove.has(c.toLowerCase()));
  for (const a of value.add) {
    if (!kept.some((k) => k.toLowerCase() === a.toLowerCase())) {
      kept.push(a);
    }
  }
  return kept;
}

/** True for a list value (not a plain value). */
export function isListValue(v: BoundValue | undefined): v is ListValue {
  return (
    typeof v === 'object' &&
    v !== null &&
    'kind' in v &&
    (v.kind === 'replace' || v.kind === 'modify')
  );
}
