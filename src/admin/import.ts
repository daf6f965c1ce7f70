/**
 * A script of Skype for Business Server cmdlets (an export of `export.ts`, or an administrator's
 * own) turned into a scenario's configuration: the script runs without a role and without
 * validation per statement on a scenario whose configuration sections are empty, either a bare
 * one or, with `onto`, a given scenario whose hosts, links, calls and settings are kept. The
 * caller validates the result.
 *
 * This file must not know files or the CLI: text in, text out.
 */
import { ConfigDocument } from './config-document.js';
import { parseScript } from './powershell/parser.js';
import { AdminSession, type CommandRecord } from './session.js';

/** The sections of a scenario that cmdlets configure. */
export const CONFIGURATION_SECTIONS = [
  'networkConfiguration',
  'network',
  'trunkConfigurations',
  'mediaConfigurations',
  'voicePolicies',
] as const;

/** What an import made. */
export interface ImportResult {
  /** The scenario's new text. */
  readonly text: string;
  /** One record per statement (errors included: a failed statement is left out of the result). */
  readonly records: readonly CommandRecord[];
  /** What the statements printed (errors, warnings). */
  readonly output: readonly string[];
}

/**
 * Builds a scenario's configuration from a script.
 *
 * @param script - The cmdlets.
 * @param onto - The scenario that gives everything but the configuration, or null for a bare
 *   one (named `name`, with no hosts).
 * @throws {PowerShellSyntaxError} `SIM_ERR_ADMIN_SYNTAX` when the script does not parse
 *   (nothing ran).
 */
export function importPowerShell(
  script: string,
  onto: { readonly text: string; readonly file: string } | null,
  name = 'Imported configuration',
): ImportResult {
  parseScript(script);
  const base =
    onto === null ? `name: ${JSON.stringify(name)}\nhosts: {}\n` : withoutConfiguration(onto.text);
  const session = new AdminSession({
    text: base,
    file: onto?.file ?? '<import>',
    role: null,
    mode: 'import',
  });
  const run = session.run(script);
  const text = onto === null ? session.text : keepSimulationFlags(onto.text, session.text);
  return { text, records: run.records, output: run.output };
}

/** A scenario's text with its configuration sections removed. */
function withoutConfiguration(text: string): string {
  const doc = ConfigDocument.parse(text);
  for (const s of CONFIGURATION_SECTIONS) {
    doc.delete([s]);
  }
  return doc.text();
}

/**
 * Settings that are the simulator's, not a cmdlet's, on objects the cmdlets configure: a
 * region's `bandwidthPolicyServiceDown` and a site's `edgeReach` (A16). They are carried over
 * from the scenario imported onto, for the objects that are still there.
 */
const SIMULATION_KEYS: readonly { readonly section: readonly string[]; readonly key: string }[] = [
  { section: ['network', 'regions'], key: 'bandwidthPolicyServiceDown' },
  { section: ['network', 'sites'], key: 'edgeReach' },
];

function keepSimulationFlags(onto: string, result: string): string {
  const source = ConfigDocument.parse(onto);
  const doc = ConfigDocument.parse(result);
  let changed = false;
  for (const { section, key } of SIMULATION_KEYS) {
    const given = new Map<string, unknown>();
    for (const item of source.items([...section])) {
      const o = item as Record<string, unknown> | null;
      if (typeof o?.name === 'string' && o[key] !== undefined) {
        given.set(o.name, o[key]);
      }
    }
    doc.items([...section]).forEach((item, i) => {
      const name = (item as Record<string, unknown> | null)?.name;
      if (typeof name === 'string' && given.has(name)) {
        doc.set([...section, i, key], given.get(name));
        changed = true;
      }
    });
  }
  return changed ? doc.text() : result;
}
