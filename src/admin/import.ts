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
 * Region settings that are the simulator's, not a cmdlet's (`bandwidthPolicyServiceDown`),
 * carried over from the scenario imported onto, for the regions that are still there.
 */
function keepSimulationFlags(onto: string, result: string): string {
  const before = ConfigDocument.parse(onto).items(['network', 'regions']);
  const down = before
    .map((r) => r as Record<string, unknown> | null)
    .filter((r) => r?.bandwidthPolicyServiceDown === true)
    .map((r) => (typeof r?.name === 'string' ? r.name : ''));
  if (down.length === 0) {
    return result;
  }
  const doc = ConfigDocument.parse(result);
  doc.items(['network', 'regions']).forEach((r, i) => {
    const n = (r as Record<string, unknown> | null)?.name;
    if (typeof n === 'string' && down.includes(n)) {
      doc.set(['network', 'regions', i, 'bandwidthPolicyServiceDown'], true);
    }
  });
  return doc.text();
}
