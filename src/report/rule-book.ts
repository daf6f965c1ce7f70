/**
 * The rules reference: every rule id that mediapath prints (in decision traces, validation
 * problems and scenario settings), each with a statement in the project's own words, the
 * settings involved and the Microsoft documentation it comes from (the entries are in
 * `rules/`). `docs/rules.md` is generated from this list (`npm run rules`, a test keeps it in
 * step) and the HTML report links each id of a trace to its entry. Pure data: it knows nothing
 * of policy code, sockets or the CLI.
 */
import { CALL_RULES } from './rules/call-rules.js';
import { CONFIG_RULES } from './rules/config-rules.js';
import type { RuleEntry, RuleSection } from './rules/rule-types.js';
import { SIGNALLING_RULES } from './rules/signalling-rules.js';
import { TEAMS_RULES } from './rules/teams-rules.js';

export type { RuleBasis, RuleEntry, RuleSection, RuleSource } from './rules/rule-types.js';
export { SOURCES } from './rules/sources.js';

/** The sections about a call up to the bypass IDs (b.0-b.4); b.5 follows them. */
const BEFORE_SIGNALLING = CALL_RULES.findIndex((s) => s.id.startsWith('c.'));

/** The whole reference, in order: b, then b.5, then c, then g, then d and A. */
export const RULE_BOOK: readonly RuleSection[] = [
  ...CALL_RULES.slice(0, BEFORE_SIGNALLING),
  SIGNALLING_RULES,
  ...CALL_RULES.slice(BEFORE_SIGNALLING),
  TEAMS_RULES,
  ...CONFIG_RULES,
];

/** Every entry by id. */
export function ruleEntry(id: string): RuleEntry | undefined {
  return byId.get(id);
}

/** The anchor of an entry in `docs/rules.md` and in the HTML report (`b.1#10` -> `rule-b-1-10`). */
export function ruleAnchor(id: string): string {
  return `rule-${id.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

const byId = new Map<string, RuleEntry>(
  RULE_BOOK.flatMap((s) => s.entries).map((e) => [e.id, e] as const),
);

/** `docs/rules.md`, generated from the list. */
export function rulesMarkdown(): string {
  const out: string[] = [
    '# Rules reference',
    '',
    '<!-- Generated from src/report/rule-book.ts by `npm run rules`; do not edit by hand. -->',
    '',
    'Every rule id that mediapath prints: in the rule trace of a decision (`mediapath explain --trace`, the',
    '`trace` of `--json`, the HTML report), in validation problems (`mediapath validate`) and in the',
    '`simulation:` settings of a scenario. Each entry says what the rule means here, the scenario settings',
    'it reads (with the Skype for Business cmdlet parameter in parentheses where the name differs), and the',
    'Microsoft documentation it comes from. Rules marked *inferred* fill a gap the documentation leaves;',
    'rules marked *simulator* model something that is not a Skype for Business setting.',
    '',
  ];
  for (const s of RULE_BOOK) {
    out.push(`- [${s.title}](#${ruleAnchor(s.id)}-section)`);
  }
  out.push('');
  for (const s of RULE_BOOK) {
    out.push(`<a id="${ruleAnchor(s.id)}-section"></a>`, '', `## ${s.title}`, '', s.intro, '');
    for (const e of s.entries) {
      out.push(`<a id="${ruleAnchor(e.id)}"></a>`, '', `### \`${e.id}\` ${e.title}`, '');
      out.push(e.statement + (e.basis === 'documented' ? '' : ` *(${e.basis})*`), '');
      if (e.settings.length) {
        out.push(`Settings: ${e.settings.map((x) => `\`${x}\``).join(', ')}.`, '');
      }
      if (e.sources.length) {
        out.push(`Sources: ${e.sources.map((x) => `[${x.title}](${x.url})`).join('; ')}.`, '');
      }
    }
  }
  return out.join('\n');
}
