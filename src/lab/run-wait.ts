/**
 * What every mode does at the end of a run's timeline: wait until every call ended, the
 * deadline passed or the run was aborted, and stamp the merged calls with the time each was
 * decided (from the Bandwidth Policy Service's journal).
 *
 * It must not know hosts, sockets or processes.
 */
import type { LedgerJournal } from '../policy/index.js';
import type { RunCallInput } from '../report/index.js';

/** The merged calls with the time each was decided (from the policy service's journal). */
export function withDecisionTimes(
  calls: readonly RunCallInput[],
  journal: LedgerJournal,
): RunCallInput[] {
  return calls.map((c) => ({ ...c, decidedAt: journal.decidedAt(c.call.id) ?? null }));
}

/**
 * Waits until every call ended, the deadline passed or the run was aborted; true when aborted.
 */
export async function waitForCalls(
  done: Promise<unknown>,
  deadlineMs: number,
  options: { readonly signal?: AbortSignal | undefined },
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, deadlineMs);
    });
    const abort = new Promise<'abort'>((resolve) => {
      onAbort = () => {
        resolve('abort');
      };
      if (options.signal?.aborted) {
        resolve('abort');
      }
      options.signal?.addEventListener('abort', onAbort);
    });
    const outcome = await Promise.race([done.then(() => 'done' as const), deadline, abort]);
    return outcome === 'abort';
  } finally {
    clearTimeout(timer);
    if (onAbort) {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}
