/**
 * The values a script works with: strings, numbers, booleans, `$null`, arrays, hashtables
 * (`@{Add="x"}`, the list modifiers of multi-valued parameters) and objects with named
 * properties (what a Get- cmdlet returns, or the media bypass settings that
 * `New-CsNetworkMediaBypassConfiguration` makes in memory), and how they print, as
 * PowerShell's `Format-List` and `Format-Table` print them.
 *
 * This file must not know any cmdlet, the scenario or the YAML file.
 */

/** A value of the shell. */
export type PsValue = null | string | number | boolean | PsObject | PsHashtable | PsArray;

/** An array of values. */
export type PsArray = readonly PsValue[];

/** A hashtable: keys in the order written, looked up without regard to case. */
export class PsHashtable {
  readonly entries: readonly { readonly key: string; readonly value: PsValue }[];

  constructor(entries: readonly { readonly key: string; readonly value: PsValue }[]) {
    this.entries = entries;
  }

  /** The value of a key (any letter case), or undefined. */
  get(key: string): PsValue | undefined {
    const k = key.toLowerCase();
    return this.entries.find((e) => e.key.toLowerCase() === k)?.value;
  }
}

/**
 * An object with named properties, in a fixed order. Property names are matched without
 * regard to case, as in PowerShell; `typeName` says what it is (`CsNetworkSite`).
 */
export class PsObject {
  readonly typeName: string;
  readonly #names: string[] = [];
  readonly #values = new Map<string, PsValue>();

  constructor(typeName: string, props: readonly (readonly [string, PsValue])[]) {
    this.typeName = typeName;
    for (const [name, value] of props) {
      this.#names.push(name);
      this.#values.set(name.toLowerCase(), value);
    }
  }

  /** The property names, in order, as PowerShell spells them. */
  get names(): readonly string[] {
    return this.#names;
  }

  /** The canonical spelling of a property name, or undefined when there is none. */
  nameOf(name: string): string | undefined {
    const k = name.toLowerCase();
    return this.#names.find((n) => n.toLowerCase() === k);
  }

  /** A property's value; undefined when the object has no such property. */
  get(name: string): PsValue | undefined {
    return this.#values.get(name.toLowerCase());
  }

  /**
   * Sets an existing property.
   *
   * @returns False when the object has no such property.
   */
  set(name: string, value: PsValue): boolean {
    const k = name.toLowerCase();
    if (!this.#values.has(k)) {
      return false;
    }
    this.#values.set(k, value);
    return true;
  }

  /** A copy, so that changing a variable's object does not change another's. */
  clone(): PsObject {
    return new PsObject(
      this.typeName,
      this.#names.map((n) => [n, cloneValue(this.get(n) ?? null)] as const),
    );
  }
}

function cloneValue(v: PsValue): PsValue {
  if (v instanceof PsObject) {
    return v.clone();
  }
  if (Array.isArray(v)) {
    return (v as PsArray).map(cloneValue);
  }
  return v;
}

/** True for an array value. */
export function isArray(v: PsValue | undefined): v is PsArray {
  return Array.isArray(v);
}

/** A value as PowerShell shows it in a property list: `True`, `{a, b}`, nested objects in short. */
export function displayValue(v: PsValue): string {
  if (v === null) {
    return '';
  }
  if (typeof v === 'boolean') {
    return v ? 'True' : 'False';
  }
  if (typeof v === 'number' || typeof v === 'string') {
    return String(v);
  }
  if (v instanceof PsObject) {
    return v.names.map((n) => `${n}=${displayValue(v.get(n) ?? null)}`).join(';');
  }
  if (v instanceof PsHashtable) {
    return `@{${v.entries.map((e) => `${e.key}=${displayValue(e.value)}`).join('; ')}}`;
  }
  return `{${v.map(displayValue).join(', ')}}`;
}

/** A value as text, for a string parameter or a double-quoted string. */
export function textOf(v: PsValue): string {
  if (isArray(v)) {
    return v.map(textOf).join(' ');
  }
  return displayValue(v);
}

/** Keeps only the asked-for properties of an object (`Select-Object A,B`), in that order. */
export function selectProperties(o: PsObject, names: readonly string[]): PsObject {
  if (names.length === 0) {
    return o;
  }
  return new PsObject(
    o.typeName,
    names.map((n) => [o.nameOf(n) ?? n, o.get(n) ?? null] as const),
  );
}

/** Objects as `Format-List` prints them: one `Name : value` line per property, a blank line between. */
export function formatList(objects: readonly PsObject[]): string[] {
  const lines: string[] = [];
  for (const o of objects) {
    const width = Math.max(0, ...o.names.map((n) => n.length));
    lines.push('');
    for (const n of o.names) {
      lines.push(`${n.padEnd(width)} : ${displayValue(o.get(n) ?? null)}`.trimEnd());
    }
  }
  if (lines.length) {
    lines.push('');
  }
  return lines;
}

/** Objects as `Format-Table` prints them: a header, a rule, a row per object. */
export function formatTable(objects: readonly PsObject[]): string[] {
  const first = objects[0];
  if (first === undefined) {
    return [];
  }
  const names = first.names;
  const rows = objects.map((o) => names.map((n) => displayValue(o.get(n) ?? null)));
  const widths = names.map((n, c) => Math.max(n.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join(' ')
      .trimEnd();
  return ['', line(names), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''];
}

/** What a statement outputs, printed: objects as a list, anything else one value per line. */
export function formatOutput(values: readonly PsValue[]): string[] {
  const objects = values.filter((v): v is PsObject => v instanceof PsObject);
  if (objects.length === values.length && objects.length > 0) {
    return formatList(objects);
  }
  return values.flatMap((v) => (isArray(v) ? v.map(displayValue) : [displayValue(v)]));
}
