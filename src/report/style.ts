/** ANSI styling that collapses to plain text when colour is off. */
export interface Styler {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
}

const wrap =
  (open: number, close: number) =>
  (s: string): string =>
    `\u001b[${open}m${s}\u001b[${close}m`;

/** A styler; with `colour` false every function returns its input unchanged. */
export function styler(colour: boolean): Styler {
  if (!colour) {
    const id = (s: string): string => s;
    return { bold: id, dim: id, red: id, green: id, yellow: id, cyan: id };
  }
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/** Visible length of a string that may hold ANSI escapes. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** Cuts text to `max` visible characters with an ellipsis (plain text only). */
export function shorten(text: string, max: number): string {
  return visibleLength(text) <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Pads to a visible width. */
export function pad(s: string, width: number): string {
  const n = visibleLength(s);
  return n >= width ? s : s + ' '.repeat(width - n);
}

/** Colour for a decision name. */
export function decisionColour(st: Styler, decision: string): string {
  if (decision === 'BYPASS') {
    return st.green(decision);
  }
  if (decision === 'REJECTED') {
    return st.red(decision);
  }
  if (decision.startsWith('CAC-REROUTED')) {
    return st.yellow(decision);
  }
  return st.cyan(decision);
}
