/**
 * Maps dot-paths of a parsed YAML document back to file:line:col, for problems.
 *
 * This file must not know the scenario format, zod or the rules: it only walks YAML nodes.
 */
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Document,
  type Node,
  type Pair,
} from 'yaml';
import type { PathSegments, SourcePosition } from './problems.js';

/**
 * Maps dot-paths of a parsed YAML document back to file:line:col. A path that does not exist
 * in the document (a missing required key) resolves to the deepest node that does exist,
 * which is where the user has to type the fix.
 */
export class Locator {
  readonly #file: string;
  readonly #doc: Document;
  readonly #lines: LineCounter;

  constructor(file: string, doc: Document, lines: LineCounter) {
    this.#file = file;
    this.#doc = doc;
    this.#lines = lines;
  }

  /** Position of an offset in the source. */
  at(offset: number): SourcePosition {
    const { line, col } = this.#lines.linePos(offset);
    return { file: this.#file, line, col };
  }

  /**
   * Position of the node at `path`. With `key: true` and a path ending in a map key, the
   * position of the key itself (for "unknown key" and "duplicate" problems).
   */
  locate(path: PathSegments, options: { key?: boolean } = {}): SourcePosition {
    let node: unknown = this.#doc.contents;
    let best: number = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      if (seg === undefined) {
        break;
      }
      if (isMap(node)) {
        const pair = node.items.find(
          (p: Pair) => isScalar(p.key) && String(p.key.value) === String(seg),
        );
        if (!pair) {
          break;
        }
        const last = i === path.length - 1;
        if (last && options.key) {
          best = rangeStart(pair.key) ?? best;
          node = undefined;
          break;
        }
        node = pair.value;
        best = rangeStart(pair.value) ?? rangeStart(pair.key) ?? best;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item: unknown = node.items[seg];
        if (item === undefined) {
          break;
        }
        node = item;
        best = rangeStart(item) ?? best;
      } else {
        break;
      }
    }
    return this.at(best);
  }
}

function rangeStart(node: unknown): number | undefined {
  if (isPair(node)) {
    return rangeStart(node.key);
  }
  const n = node as Node | null | undefined;
  return n?.range?.[0];
}
