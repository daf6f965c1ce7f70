/**
 * Small text helpers of the planning reports: counts with plurals, thousands separators,
 * percentages and kbps as people read them, a CSV cell, and a table whose columns line up
 * (ANSI colour does not count towards a width). Pure string building; it must not know what
 * the figures mean.
 */

/** `1 call`, `3 calls`, `12,345 calls`. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${thousands(n)} ${n === 1 ? singular : pluralForm}`;
}

/** A whole number with thousands separators: `12,345`. */
export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A probability as a percentage: `1 %`, `2.71 %`, `0.045 %`, `0 %`. */
export function percent(p: number): string {
  const x = p * 100;
  if (x === 0) {
    return '0 %';
  }
  if (Number.isInteger(x)) {
    return `${x} %`;
  }
  return `${x < 0.1 ? x.toPrecision(2) : x.toFixed(2)} %`;
}

/** Kbps with one decimal at most and thousands separators: `1,940`, `44.8`. */
export function kbpsText(kbps: number): string {
  return (Math.round(kbps * 10) / 10).toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** A CSV cell: numbers as they are, null empty, text quoted when it needs it. */
export function cell(v: string | number | null): string {
  if (v === null) {
    return '';
  }
  if (typeof v === 'number') {
    return String(v);
  }
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The visible width of text that may hold ANSI colour. */
function width(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/**
 * A table: a header, then one line per row, columns two spaces apart, right-aligned where
 * `right` says so; a note (by row index) goes on its own line under its row.
 */
export function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[],
  notes: ReadonlyMap<number, string> = new Map(),
): string {
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - width(c)));
        return right[i] === true ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  const out = [line(head)];
  rows.forEach((r, i) => {
    out.push(line(r));
    const note = notes.get(i);
    if (note !== undefined) {
      out.push(note);
    }
  });
  return out.join('\n');
}
