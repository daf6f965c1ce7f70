/**
 * The scenario file as the cmdlets edit it: a YAML document changed in place through the
 * `yaml` package's Document API (keys, items and comments kept), and written back so that
 * only what changed is rewritten. A top-level section, or a subsection of `network` and
 * `networkConfiguration`, that a cmdlet did not touch keeps its text byte for byte, the
 * trainee's comments and layout included; a changed one is rendered again from the document,
 * comments included.
 *
 * This file must not know any cmdlet, role or rule: it knows paths, items and the order of the
 * scenario's sections.
 */
import {
  Document,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { InternalError } from '../core/index.js';

/** A path into the document: keys and item indices. */
export type DocPath = readonly (string | number)[];

/** The scenario's top-level sections, in the order a new one is inserted. */
export const TOP_ORDER = [
  'name',
  'description',
  'simulation',
  'networkConfiguration',
  'network',
  'trunkConfigurations',
  'mediaConfigurations',
  'voicePolicies',
  'hosts',
  'links',
  'calls',
  'traffic',
] as const;

/** The lists of `network:`, in the order a new one is inserted. */
export const NETWORK_ORDER = [
  'regions',
  'bwPolicyProfiles',
  'sites',
  'subnets',
  'regionLinks',
  'regionRoutes',
  'interSitePolicies',
] as const;

/** The keys of `networkConfiguration:`, in order. */
const NETWORK_CONFIGURATION_ORDER = ['enableBandwidthPolicyCheck', 'mediaBypassSettings'];

/** Where the key order of a map is known: inserting a key puts it in its place. */
const ORDERS: readonly { readonly path: DocPath; readonly order: readonly string[] }[] = [
  { path: [], order: TOP_ORDER },
  { path: ['network'], order: NETWORK_ORDER },
  { path: ['networkConfiguration'], order: NETWORK_CONFIGURATION_ORDER },
];

/** The sections whose subsections are rendered on their own when they change. */
const SPLIT_SECTIONS = new Set(['network', 'networkConfiguration']);

/** Options for writing YAML: no line folding, so that a long flow item stays on its line. */
const TO_STRING = { lineWidth: 0 } as const;

/**
 * A scenario document being edited. Made from the text of the file; `text()` gives the new
 * text. Each edit works on the document; nothing is validated here.
 */
export class ConfigDocument {
  readonly #original: string;
  readonly #before: Document.Parsed;
  readonly #doc: Document.Parsed;

  private constructor(text: string) {
    this.#original = text;
    this.#before = parseDocument(text, { keepSourceTokens: false });
    this.#doc = parseDocument(text);
  }

  /**
   * Reads a scenario's text.
   *
   * @throws {InternalError} when the text is not a YAML map (the caller validated it first).
   */
  static parse(text: string): ConfigDocument {
    const d = new ConfigDocument(text);
    if (d.#doc.errors.length > 0 || !isMap(d.#doc.contents)) {
      throw new InternalError('the scenario text given to the cmdlets is not a valid YAML map');
    }
    return d;
  }

  /** The JS value at a path (defaults are not filled in), or undefined. */
  get(path: DocPath): unknown {
    const node = this.#doc.getIn(path, true) as Node | undefined;
    return node === undefined || node === null ? undefined : toJs(node);
  }

  /** The items of a list as JS values; empty when the list is not there. */
  items(path: DocPath): unknown[] {
    const v = this.get(path);
    return Array.isArray(v) ? v : [];
  }

  /** True when the document itself has a value at the path. */
  has(path: DocPath): boolean {
    return this.#doc.hasIn(path);
  }

  /**
   * Sets a value, creating the maps on the way; a new key goes where `order` (or the known
   * order of the scenario's sections) puts it.
   */
  set(path: DocPath, value: unknown, order?: readonly string[]): void {
    const parentPath = path.slice(0, -1);
    const key = path[path.length - 1];
    if (key === undefined) {
      throw new InternalError('set() needs a path with at least one key');
    }
    const parent = this.#container(parentPath);
    if (isSeq(parent)) {
      if (typeof key !== 'number' || key >= parent.items.length) {
        throw new InternalError(`no item ${String(key)} at ${parentPath.join('.')}`);
      }
      parent.set(key, this.#node(value, parent));
      return;
    }
    if (typeof key !== 'string') {
      throw new InternalError(`a map key must be a string at ${parentPath.join('.')}`);
    }
    if (parent.has(key)) {
      const old = parent.get(key, true) as Node | undefined;
      if (isScalar(old) && (value === null || typeof value !== 'object')) {
        old.value = value;
        return;
      }
      const flow = (isMap(old) || isSeq(old)) && old.flow === true;
      parent.set(key, flow ? this.#doc.createNode(value, { flow }) : this.#node(value, parent));
      return;
    }
    this.#insertPair(parent, key, this.#node(value, parent), order ?? orderAt(parentPath));
  }

  /** Removes a key or an item; nothing happens when it is not there. */
  delete(path: DocPath): void {
    this.#doc.deleteIn(path);
  }

  /**
   * Appends an item to a list, creating the list where the scenario's order puts it. A new
   * item is a flow map (`{ name: x }`) when the list is new or its items are flow maps.
   *
   * @returns The index of the new item.
   */
  append(path: DocPath, value: Record<string, unknown>): number {
    let seq = this.#doc.getIn(path, true) as Node | undefined | null;
    if (!isSeq(seq)) {
      this.set(path, []);
      seq = this.#doc.getIn(path, true) as YAMLSeq;
      seq.flow = false;
    }
    const list = seq;
    const first = list.items[0];
    const flow = first === undefined || (isMap(first) && first.flow === true);
    const node = this.#doc.createNode(value, { flow });
    list.items.push(node);
    return list.items.length - 1;
  }

  /** Removes an item of a list. */
  removeItem(path: DocPath, index: number): void {
    const seq = this.#doc.getIn(path, true) as Node | undefined;
    if (!isSeq(seq) || index < 0 || index >= seq.items.length) {
      throw new InternalError(`no item ${index} at ${path.join('.')}`);
    }
    seq.items.splice(index, 1);
  }

  /** The new text: untouched sections as they were, changed ones rendered again. */
  text(): string {
    const before = this.#before.contents;
    const after = this.#doc.contents;
    if (!isMap(before) || !isMap(after) || before.flow === true) {
      return this.#doc.toString(TO_STRING);
    }
    return spliceMap(this.#original, before, after, 0, []);
  }

  /** The map at a path, created (in its place) when missing. */
  #container(path: DocPath): YAMLMap | YAMLSeq {
    if (path.length === 0) {
      return this.#doc.contents as YAMLMap;
    }
    const node = this.#doc.getIn(path, true) as Node | undefined | null;
    if (isMap(node) || isSeq(node)) {
      return node;
    }
    const parent = this.#container(path.slice(0, -1));
    const key = path[path.length - 1];
    const map = this.#doc.createNode({}) as YAMLMap;
    if (isSeq(parent) || typeof key !== 'string') {
      throw new InternalError(`cannot create a map at ${path.join('.')}`);
    }
    if (parent.has(key)) {
      parent.set(key, map);
    } else {
      this.#insertPair(parent, key, map, orderAt(path.slice(0, -1)));
    }
    return map;
  }

  /**
   * A node for a value: flow style inside a flow collection, for a list of scalars and for a
   * small map of scalars (`{ enabled: true }`); block style otherwise.
   */
  #node(value: unknown, parent: YAMLMap | YAMLSeq): Node {
    const scalars = (v: unknown[]): boolean => v.every((x) => x === null || typeof x !== 'object');
    const flow =
      parent.flow === true ||
      (Array.isArray(value) && scalars(value)) ||
      (value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.keys(value).length <= 6 &&
        scalars(Object.values(value)));
    return this.#doc.createNode(value, { flow });
  }

  #insertPair(map: YAMLMap, key: string, value: Node, order: readonly string[]): void {
    const pair = this.#doc.createPair(key, value);
    const rank = order.indexOf(key);
    let at = map.items.length;
    if (rank >= 0) {
      const idx = map.items.findIndex((p) => {
        const r = order.indexOf(keyOf(p));
        return r > rank;
      });
      if (idx >= 0) {
        at = idx;
      }
    }
    map.items.splice(at, 0, pair);
  }
}

/** The index of an item of a list whose key matches (any letter case), or -1. */
export function findItem(items: readonly unknown[], key: string, id: string): number {
  const want = id.toLowerCase();
  return items.findIndex((item) => {
    const v = (item as Record<string, unknown> | null)?.[key];
    const name = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
    return name.toLowerCase() === want;
  });
}

/** The key order known for the map at a path. */
function orderAt(path: DocPath): readonly string[] {
  return (
    ORDERS.find((o) => o.path.length === path.length && o.path.every((p, i) => p === path[i]))
      ?.order ?? []
  );
}

/** A pair's key as a string. */
function keyOf(p: Pair): string {
  const k = p.key;
  return isScalar(k) ? String(k.value) : String(k);
}

/** A node's JS value. */
function toJs(node: Node): unknown {
  return (node as { toJSON(): unknown }).toJSON();
}

/** A pair's value as JSON text, for comparing before and after. */
function valueJson(p: Pair | undefined): string {
  if (p === undefined) {
    return '<absent>';
  }
  const v = p.value as Node | null;
  return JSON.stringify(v === null ? null : toJs(v));
}

/**
 * Renders a map's new text against its old text: the text of each key (from its line to the
 * comment and blank lines before the next key) is kept when its value did not change, and
 * rendered again when it did; the subsections of `network:` and `networkConfiguration:` are
 * handled the same way one level down.
 */
function spliceMap(
  text: string,
  before: YAMLMap,
  after: YAMLMap,
  indent: number,
  path: DocPath,
): string {
  const lines = text.split('\n');
  const lineOf = lineIndex(text);
  const blocks = before.items.map((p, i) => {
    const start = lineOf((p.key as Node).range?.[0] ?? 0);
    const next = before.items[i + 1];
    const end =
      next === undefined
        ? trimTrailing(lines, lines.length)
        : preludeStart(lines, lineOf((next.key as Node).range?.[0] ?? 0), start);
    return { key: keyOf(p), start, end };
  });
  const firstStart = blocks[0]?.start ?? lines.length;
  const lastEnd = blocks.at(-1)?.end ?? firstStart;
  const head = lines.slice(0, firstStart);
  const tail = lines.slice(lastEnd);
  const out: string[] = [];
  let inserted = false;
  for (const p of after.items) {
    const key = keyOf(p);
    const i = blocks.findIndex((b) => b.key === key);
    const old = i >= 0 ? before.items[i] : undefined;
    const block = blocks[i];
    if (block !== undefined && old !== undefined) {
      const prelude = i === 0 ? [] : lines.slice(blocks[i - 1]?.end ?? block.start, block.start);
      if (inserted && path.length === 0 && (prelude[0] ?? 'x') !== '') {
        out.push('');
      }
      inserted = false;
      out.push(...prelude);
      if (valueJson(old) === valueJson(p)) {
        out.push(...lines.slice(block.start, block.end));
      } else if (
        SPLIT_SECTIONS.has(key) &&
        path.length === 0 &&
        isMap(old.value) &&
        isMap(p.value) &&
        old.value.flow !== true &&
        p.value.flow !== true &&
        old.value.items.length > 0
      ) {
        const sub = lines.slice(block.start, block.end);
        const inner = spliceMap(sub.join('\n'), reparse(sub, old.value), p.value, indent + 2, [
          key,
        ]);
        out.push(...inner.split('\n'));
      } else {
        out.push(...renderPair(p, indent));
      }
    } else {
      if (path.length === 0 && out.length > 0) {
        out.push('');
      }
      out.push(...renderPair(p, indent));
      inserted = true;
    }
  }
  return [...head, ...out, ...tail].join('\n');
}

/**
 * The map of a subsection's text, parsed again so that its ranges are offsets into that text
 * (the key line and its indented body).
 */
function reparse(sub: readonly string[], fallback: YAMLMap): YAMLMap {
  const doc = parseDocument(sub.join('\n'));
  const top = doc.contents;
  if (!isMap(top)) {
    return fallback;
  }
  const only = top.items[0];
  return only !== undefined && isMap(only.value) ? only.value : fallback;
}

/** A pair rendered on its own at an indentation, without the comment before its key. */
function renderPair(p: Pair, indent: number): string[] {
  const doc = new Document();
  const copy = doc.createPair(keyOf(p), null);
  copy.value = ((p.value as Node | null)?.clone() as Node | undefined) ?? null;
  doc.contents = doc.createNode({});
  (doc.contents as YAMLMap).items.push(copy);
  const text = doc.toString(TO_STRING).replace(/\n+$/, '');
  const pad = ' '.repeat(indent);
  return text.split('\n').map((l) => (l === '' ? l : pad + l));
}

/**
 * The first line of the comment and blank lines just above a key, not above `floor`. A comment
 * indented deeper than the key belongs to the block before it (a commented-out item of a list).
 */
function preludeStart(lines: readonly string[], keyLine: number, floor: number): number {
  const indent = /^ */.exec(lines[keyLine] ?? '')?.[0].length ?? 0;
  let k = keyLine;
  while (k - 1 > floor) {
    const line = lines[k - 1] ?? '';
    const comment = /^( *)#/.exec(line);
    if (!(/^\s*$/.test(line) || (comment !== null && (comment[1]?.length ?? 0) <= indent))) {
      break;
    }
    k--;
  }
  return k;
}

/** The end of the text without its trailing empty lines. */
function trimTrailing(lines: readonly string[], end: number): number {
  let k = end;
  while (k > 0 && (lines[k - 1] ?? '') === '') {
    k--;
  }
  return k;
}

/** A function from a character offset to its 0-based line. */
function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let k = 0; k < text.length; k++) {
    if (text[k] === '\n') {
      starts.push(k + 1);
    }
  }
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  };
}
