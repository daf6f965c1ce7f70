/**
 * Text helpers for the HTML report: escaping for HTML and SVG, numbers as the page prints them.
 * Knows nothing else.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML or SVG content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A number with at most `digits` decimals, without trailing zeros. */
export function num(n: number, digits = 1): string {
  const f = 10 ** digits;
  return (Math.round(n * f) / f).toString();
}

/** Milliseconds as seconds with three decimals: `1.234 s`. */
export function secs(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}
