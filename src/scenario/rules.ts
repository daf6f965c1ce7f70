/**
 * The rules of docs/rules.md that scenario validation cites in its problems (`[d.V13]`), each with
 * the severity of what it reports: the table of docs/scenario-format.md lists exactly these (a
 * docs test reads this file). The rules themselves are in `rules/`, run from the one list in
 * `rules/index.ts`; a rule whose id is in this catalogue names it in every problem it reports.
 *
 * This file must not know how a rule is checked, nor YAML, zod or source positions.
 */

/** The cited rules of docs/rules.md, in the order of docs/scenario-format.md. */
export const CITED_DOMAIN_RULES = [
  { rule: 'd.V1', severity: 'error' },
  { rule: 'd.V2', severity: 'warning' },
  { rule: 'd.V3', severity: 'warning' },
  { rule: 'd.V5', severity: 'error' },
  { rule: 'd.V6', severity: 'error' },
  { rule: 'd.V7', severity: 'error' },
  { rule: 'd.V8', severity: 'error' },
  { rule: 'd.V9', severity: 'error' },
  { rule: 'd.V10', severity: 'error' },
  { rule: 'd.V11', severity: 'warning' },
  { rule: 'd.V12', severity: 'error' },
  { rule: 'd.V13', severity: 'error' },
  { rule: 'd.V14', severity: 'error' },
  { rule: 'd.V15', severity: 'warning' },
  { rule: 'd.V16', severity: 'error' },
  { rule: 'd.V17', severity: 'error' },
  { rule: 'a.3', severity: 'error' },
  { rule: 'd.V20', severity: 'error' },
  { rule: 'd.V21', severity: 'warning' },
  { rule: 'b.0#1', severity: 'error' },
  { rule: 'b.2#20', severity: 'warning' },
  { rule: 'a.5', severity: 'warning' },
  { rule: 'b.5#37', severity: 'warning' },
  { rule: 'b.5#39', severity: 'warning' },
  { rule: 'b.5#40', severity: 'warning' },
] as const;

/** The id of a cited rule of docs/rules.md. */
export type DomainRuleId = (typeof CITED_DOMAIN_RULES)[number]['rule'];

const CITED: ReadonlySet<string> = new Set(CITED_DOMAIN_RULES.map((r) => r.rule));

/** True when `id` is a rule of docs/rules.md that validation cites (`d.V13`), false for our own ids. */
export function isDomainRuleId(id: string): id is DomainRuleId {
  return CITED.has(id);
}
