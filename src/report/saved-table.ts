/**
 * A saved result (`run --json`, `explain --json`) as a table for the terminal: per call its
 * decision, the path its media took (a run) or would take (an explain), how it ended and why,
 * then the expectations that failed and one summary line. It reads the page model, so that a
 * saved result is checked the same way for the page and for the terminal.
 *
 * It must not know how a result is made nor how the page is drawn.
 */
import { pageModel, type PageCall, type PageModel } from './html/model.js';
import { expectationsLine, plural } from './run.js';
import { decisionColour, pad, shorten, styler, visibleLength, type Styler } from './style.js';

/** Options of {@link formatSavedResult}. */
export interface SavedTableOptions {
  readonly colour: boolean;
  /** The terminal's width: the reason column is cut to fit (none: not cut). */
  readonly width?: number;
}

/** The path column: what the packets did in a run, what the decision predicts in an explain. */
function pathOf(c: PageCall, kind: PageModel['kind']): string {
  if (kind === 'explain') {
    return c.predictedPath.length > 0
      ? c.predictedPath.join(' -> ')
      : `none${c.decision === 'REJECTED' ? ' (rejected)' : ''}`;
  }
  const o = c.observed;
  if (o === null || o.media === 'none') {
    return c.finalStatus !== null && c.finalStatus >= 300 ? `none (SIP ${c.finalStatus})` : 'none';
  }
  return o.forward.complete
    ? o.forward.hops.join(' -> ')
    : `${o.backward.hops.join(' -> ')} (one way)`;
}

/** How a call of a run ended: its final state and the caller's final status. */
function endOf(c: PageCall): string {
  if (c.state === null) {
    return '-';
  }
  return c.finalStatus === null ? c.state : `${c.state} (${c.finalStatus})`;
}

/**
 * The calls of a saved result (the document `--json` wrote) as lines for the terminal.
 * @throws ResultShapeError when the document is not a mediapath result.
 * @example formatSavedResult(JSON.parse(text), { colour: false })
 */
export function formatSavedResult(doc: unknown, options: SavedTableOptions): string {
  return formatSavedTable(pageModel(doc), options);
}

function formatSavedTable(model: PageModel, options: SavedTableOptions): string {
  const st = styler(options.colour);
  const run = model.kind === 'run';
  const head = ['#', 'call', 'from', 'to', 'decision', run ? 'observed path' : 'predicted path'];
  const rows: string[][] = [[...head, ...(run ? ['end'] : []), 'reason']];
  for (const [i, c] of model.calls.entries()) {
    const path = pathOf(c, model.kind);
    const flagged = (c.observed?.divergences.length ?? 0) > 0 || c.expectationFailures.length > 0;
    rows.push([
      String(i + 1),
      c.id,
      c.from,
      c.to,
      decisionColour(st, c.decision),
      flagged ? st.yellow(path) : path,
      ...(run ? [endOf(c)] : []),
      c.reason,
    ]);
  }
  const last = rows[0]!.length - 1;
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => visibleLength(r[col]!))));
  const fixed = widths.slice(0, last).reduce((a, w) => a + w + 2, 0);
  const room = Math.max(24, (options.width ?? Infinity) - fixed);
  const what = run ? `a ${model.mode} run` : 'the decisions (explain)';
  const lines = [st.bold(`${model.title}: ${what}`), ''];
  for (const [i, row] of rows.entries()) {
    const text = `${row
      .slice(0, last)
      .map((cell, col) => pad(cell, widths[col]!))
      .join('  ')}  ${shorten(row[last]!, room)}`;
    lines.push(i === 0 ? st.dim(text.trimEnd()) : text.trimEnd());
  }
  const notes: string[] = [];
  for (const c of model.calls) {
    for (const d of c.observed?.divergences ?? []) {
      notes.push(`${st.yellow('!')} ${c.id}: ${d.kind}: ${d.detail}`);
    }
    for (const f of c.expectationFailures) {
      notes.push(`${st.red('x')} ${c.id}: expected ${f.field} ${f.expected}, got ${f.actual}`);
    }
  }
  if (notes.length > 0) {
    lines.push('', ...notes);
  }
  lines.push('', summary(model, st));
  return `${lines.join('\n')}\n`;
}

function summary(model: PageModel, st: Styler): string {
  const calls = plural(model.calls.length, 'call');
  if (model.aborted) {
    return st.red(`${calls}. The run was interrupted: expectations not evaluated.`);
  }
  const judged = model.calls.filter((c) => c.hasExpectation).length;
  const failed = model.calls.filter((c) => c.expectationFailures.length > 0).length;
  return expectationsLine(calls, judged, failed, st);
}
