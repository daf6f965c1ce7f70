/**
 * Small text helpers for what the CLI prints: counts with the right plural.
 *
 * This file must not know any command nor where text is printed.
 */

/**
 * A count and its noun, singular for one: `count(1, 'call')` is "1 call", `count(3, 'call')`
 * "3 calls", `count(2, 'agent process', 'agent processes')`.
 *
 * @param n - The count.
 * @param singular - The noun for one.
 * @param plural - The noun for any other count (default: `singular` + "s").
 */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
