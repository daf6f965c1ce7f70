/**
 * A transfer in the run report (b.5 #39): the part of a call after its transfer is a call of
 * its own in the run (`call.transferOf` names the call it comes from), observed like any other;
 * here the call transferred is joined with it: `transfer.expect` checked against the part's
 * observed path, the path before and after the transfer side by side, and the part listed
 * right after the call it comes from. Pure.
 */
import { checkExpectation, formatHostPath, type ExpectationFailure } from './expectations.js';
import type { CallDecision } from '../policy/index.js';
import type { Call } from '../scenario/index.js';
import type { ObservedCall } from './observed.js';

/** A call of the run as this module needs it (a `RunCallResult`). */
interface Observed {
  readonly call: Call;
  readonly decision: CallDecision;
  readonly state: string;
  readonly finalStatus: number | null;
  readonly observed: ObservedCall;
  readonly failures: readonly ExpectationFailure[];
}

/** The observed path of a call in one line: forward when complete, else what was seen. */
export function observedPathText(o: ObservedCall): string {
  if (o.media === 'none') {
    return 'none';
  }
  return o.forward.complete
    ? formatHostPath(o.forward.hops)
    : `${formatHostPath(o.backward.hops)} (one way)`;
}

/** The part after the transfer of each call transferred, by the id of that call. */
function partsByCall<T extends Observed>(results: readonly T[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const r of results) {
    const of = r.call.transferOf;
    if (of) {
      out.set(of.callId, r);
    }
  }
  return out;
}

/**
 * The results with each call's `transfer.expect` checked against its part after the transfer
 * (decision, observed path; reason from the part's decision), and each part right after the
 * call it comes from.
 */
export function withTransfers<T extends Observed>(results: readonly T[]): T[] {
  const parts = partsByCall(results);
  const out: T[] = [];
  for (const r of results) {
    if (r.call.transferOf && results.some((p) => p.call.id === r.call.transferOf?.callId)) {
      continue;
    }
    const expect = r.call.transfer?.expect ?? null;
    const part = parts.get(r.call.id);
    const failures: ExpectationFailure[] =
      expect === null
        ? []
        : part === undefined
          ? [{ field: 'transfer', expected: 'a transfer', actual: 'none' }]
          : checkExpectation(
              expect,
              {
                decision: part.decision.decision,
                path: part.observed.forward.complete ? part.observed.forward.hops : [],
                reason: `${part.decision.reason} ${part.observed.divergences.map((d) => d.detail).join(' ')}`,
                ...(part.finalStatus !== null ? { sipStatus: part.finalStatus } : {}),
              },
              'transfer.',
            );
    out.push(failures.length === 0 ? r : { ...r, failures: [...r.failures, ...failures] });
    if (part) {
      out.push(part);
    }
  }
  return out;
}

/**
 * `refer-to-the-peer: transferred 4.0 s into the call to bob (refer): before gw-refer -> alice, after
 * gw-refer -> bob (refer-to-the-peer/transfer, completed)`, for each call transferred; `pass`
 * follows the call's id (` (teams-direct-routing)` for a contrast pass's).
 */
export function transferNotes(results: readonly Observed[], pass = ''): string[] {
  const parts = partsByCall(results);
  const lines: string[] = [];
  for (const r of results) {
    const plan = r.decision.transfer;
    if (!plan || r.call.transferOf) {
      continue;
    }
    const part = parts.get(r.call.id);
    // As the scenario writes it (`transfer.at`): from the call's start.
    const at = `${(plan.atMs / 1000).toFixed(1)} s into the call`;
    lines.push(
      part
        ? `${r.call.id}${pass}: ${r.state === 'transferred' ? 'transferred' : `${r.state} (transfer begun)`} ${at} to ${plan.to} (${plan.method}): before ${observedPathText(r.observed)}, after ${observedPathText(part.observed)} (${part.call.id}, ${part.state})`
        : `${r.call.id}${pass}: not transferred (${plan.method} ${at} to ${plan.to}): ${observedPathText(r.observed)} throughout`,
    );
  }
  return lines;
}

/** What a call's JSON says of its transfer: the part after it, its path and state. */
export function transferJson(r: Observed, results: readonly Observed[]): Record<string, unknown> {
  if (r.call.transferOf) {
    return { transferOf: r.call.transferOf.callId };
  }
  if (!r.decision.transfer) {
    return {};
  }
  const part = results.find((p) => p.call.transferOf?.callId === r.call.id);
  // The shape of explain's `afterTransfer` (decision, reason, mediaPath, trace), with what the
  // wire showed of the part.
  return {
    afterTransfer: part
      ? {
          id: part.call.id,
          decision: part.decision.decision,
          reason: part.decision.reason,
          mediaPath: part.decision.mediaPath,
          trace: part.decision.trace,
          observedPath: observedPathText(part.observed),
          state: part.state,
        }
      : null,
  };
}
