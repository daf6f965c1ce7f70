/**
 * What every result document (the JSON of `run` and of `explain`) shares: its format tag and
 * version, the ledger's events, and who made each decision. Pure data; no I/O.
 */
import type { CallDecision } from '../policy/index.js';

/** The `format` of every result document, so that `mediapath report` can tell one. */
export const RESULT_FORMAT = 'mediapath-result';
/** Bumped when a field changes meaning or goes away; new fields do not bump it. */
export const RESULT_VERSION = 1;

/** One reserve or release of the Bandwidth Policy Service (the policy layer's journal). */
export type { LedgerEvent } from '../policy/index.js';

/**
 * The host that made a call's decision: the Mediation Server for a PSTN call (it asks the
 * Bandwidth Policy Service), the caller for a call between clients.
 */
export function decidedBy(d: CallDecision): string | null {
  return d.kind === 'p2p' ? d.from : d.mediationServer;
}
