/**
 * The second pass of `mediapath run` for a scenario with `deployment.contrast` (docs/rules.md
 * g): the same hosts, calls and timeline, decided and carried under the contrast deployment.
 * Its calls' own `expect:` is about the first pass; the second pass is checked against
 * `expect.contrast` only (`withContrast` in the report).
 *
 * It must not know how a run is carried out or reported.
 */
import type { LabResult } from '../lab/index.js';
import type { RunCallInput } from '../report/index.js';
import type { Scenario } from '../scenario/index.js';

/** The scenario decided under its contrast deployment; null when it has none. */
export function contrastScenario(s: Scenario): Scenario | null {
  const other = s.deployment.contrast;
  return other === null ? null : { ...s, deployment: { kind: other, contrast: null } };
}

/**
 * The calls of the second pass, without the first pass's expectations (a transfer's too: its
 * part after the transfer is joined with the first pass's and checked there).
 */
export function contrastInputs(result: LabResult): RunCallInput[] {
  return result.calls.map((c) => {
    const transfer = c.call.transfer && { ...c.call.transfer, expect: null };
    return { ...c, call: { ...c.call, expect: null, transfer } };
  });
}
