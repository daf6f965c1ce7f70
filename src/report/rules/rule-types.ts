/**
 * The shapes of the rules reference (an entry, a section, a source) and the helper that makes
 * an entry. Pure data; it knows nothing of the rules themselves.
 */
/** Where a rule comes from. */
export interface RuleSource {
  readonly title: string;
  readonly url: string;
}

/** How sure the rule is: documented by Microsoft, or an inference this simulator makes. */
export type RuleBasis = 'documented' | 'inferred' | 'simulator';

/** One entry of the rules reference. */
export interface RuleEntry {
  /** The id as printed: `b.1#10`, `c.5#19`, `d.V1`, `A14`. */
  readonly id: string;
  readonly title: string;
  /** What the rule says, in the project's own words. */
  readonly statement: string;
  /** Scenario settings (YAML keys, with their cmdlet parameter names) the rule reads. */
  readonly settings: readonly string[];
  readonly basis: RuleBasis;
  readonly sources: readonly RuleSource[];
}

/** A group of entries, in the order of the reference. */
export interface RuleSection {
  readonly id: string;
  readonly title: string;
  readonly intro: string;
  readonly entries: readonly RuleEntry[];
}

/** An entry; `basis` defaults to documented. */
export function rule(
  id: string,
  title: string,
  statement: string,
  sources: readonly RuleSource[],
  more: { settings?: readonly string[]; basis?: RuleBasis } = {},
): RuleEntry {
  return {
    id,
    title,
    statement,
    settings: more.settings ?? [],
    basis: more.basis ?? 'documented',
    sources,
  };
}
