/**
 * The Bandwidth Policy Service of a run (docs/rules.md c.3#12, b.2 #22): one ledger for the
 * whole run; a call is decided against it and what it holds is reserved at once, then
 * released when the call ends; a call is decided once; the decision for the report; usage
 * snapshots; the configuration version each call was decided under, a new version taken
 * between calls, and calls forgotten once summarised (a long-running lab). The ledger's
 * invariants are checked after every reservation and release (`ledger-invariants.ts`). The
 * timeline, the busy-hour simulation and the live run all use it. Pure and synchronous: it must
 * not know who asks (a host in this process, an agent over a socket) nor when calls end.
 */
import type { Call } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import type { CallDecision, DecideOptions } from './call-decision.js';
import { decideCall } from './decide.js';
import { Ledger } from './ledger.js';
import { LedgerInvariants, type LedgerCheckCounts } from './ledger-invariants.js';
import type { LedgerJournal } from './ledger-journal.js';

/** Options of a {@link PolicyService}. */
export interface PolicyServiceOptions extends DecideOptions {
  /**
   * Keep every call's decision, so that a later question about the call gets the same
   * answer (default true). Off, nothing is kept: the caller asks once per call (a long
   * timeline, a benchmark), and `decisionOf` knows no call.
   */
  readonly keepDecisions?: boolean;
  /** Records decision times and every reservation and release (a live run's report). */
  readonly journal?: LedgerJournal;
  /**
   * Check the ledger's invariants after every reservation and release (default true): never
   * negative, never above a limit but by calls admitted without a check (counted), back to
   * zero whenever no call holds anything.
   */
  readonly checkInvariants?: boolean;
  /** The version of the configuration the service starts with (`initial` by default). */
  readonly configVersion?: string;
}

/**
 * The run's Bandwidth Policy Service: asked by the host that decides a call (the Mediation
 * Server for PSTN calls, the caller for client-to-client calls). The rule trace is on unless
 * the options turn it off.
 */
export class PolicyService {
  #topo: Topology;
  #version: string;
  readonly #ledger = new Ledger();
  /** The configuration version each call was decided under (kept with the decisions). */
  readonly #versions: Map<string, string> | null;
  /** Decisions by call id; null when decisions are not kept. */
  readonly #decisions: Map<string, CallDecision> | null;
  readonly #options: DecideOptions;
  readonly #journal: LedgerJournal | null;
  readonly #invariants: LedgerInvariants | null;

  constructor(topo: Topology, options: PolicyServiceOptions = {}) {
    this.#topo = topo;
    this.#options = {
      trace: options.trace ?? true,
      ...(options.directPathWorks === undefined
        ? {}
        : { directPathWorks: options.directPathWorks }),
      ...(options.deployment === undefined ? {} : { deployment: options.deployment }),
    };
    this.#decisions = (options.keepDecisions ?? true) ? new Map() : null;
    this.#versions = this.#decisions === null ? null : new Map();
    this.#journal = options.journal ?? null;
    this.#invariants =
      (options.checkInvariants ?? true)
        ? new LedgerInvariants((g) => this.#topo.gateway(g)?.channels ?? null)
        : null;
    this.#version = options.configVersion ?? 'initial';
  }

  /** The configuration version decisions are made under now. */
  get configVersion(): string {
    return this.#version;
  }

  /**
   * Takes a new version of the configuration (a scenario changed between calls, as a lab's
   * cmdlets change it): calls decided from now on are decided against `topology`; calls
   * already decided keep their decision, and the ledger keeps what they hold until they end.
   */
  reconfigure(topology: Topology, version: string): void {
    this.#topo = topology;
    this.#version = version;
  }

  /** The configuration version a call was decided under, if it was (and decisions are kept). */
  decidedUnder(callId: string): string | undefined {
    return this.#versions?.get(callId);
  }

  /**
   * Forgets a call that ended and was summarised (a long-running lab): its decision and version
   * are dropped, so that bookkeeping does not grow with the number of calls. What it held must
   * be released first.
   */
  forget(callId: string): void {
    this.#decisions?.delete(callId);
    this.#versions?.delete(callId);
  }

  /**
   * Decides the call now (against the ledger as it is) and reserves what it holds. A call
   * already decided gets the same decision again (when decisions are kept).
   * @throws {TypeError} when decisions are not kept and a call that still holds a
   * reservation is decided again (a caller bug).
   * @throws {InternalError} when the reservation breaks an invariant of the ledger (a bug).
   */
  decide(call: Call): CallDecision {
    const known = this.#decisions?.get(call.id);
    if (known) {
      return known;
    }
    const d = decideCall(this.#topo, call, this.#ledger, this.#options);
    if (d.holding.reservations.length > 0 || d.holding.channels.length > 0) {
      this.#ledger.reserve(call.id, d.holding);
      this.#invariants?.reserved(this.#ledger, d);
    }
    this.#journal?.decided(call.id, d.holding);
    this.#decisions?.set(call.id, d);
    this.#versions?.set(call.id, this.#version);
    return d;
  }

  /**
   * The decision for the report: the one made, or, for a call that never reached the host
   * that decides (it failed first), what would have been decided now, without reserving.
   */
  reportedDecision(call: Call): CallDecision {
    return (
      this.#decisions?.get(call.id) ?? decideCall(this.#topo, call, this.#ledger, this.#options)
    );
  }

  /** The decision already made for a call, if any (always none when decisions are not kept). */
  decisionOf(callId: string): CallDecision | undefined {
    return this.#decisions?.get(callId);
  }

  /** True while the call holds bandwidth or a channel. */
  holds(callId: string): boolean {
    return this.#ledger.holds(callId);
  }

  /**
   * Releases what the call holds (at BYE, or when it fails after admission); a call that
   * holds nothing is left alone. Returns whether something was released.
   * @throws {InternalError} when the release breaks an invariant of the ledger (a bug).
   */
  release(callId: string): boolean {
    if (!this.#ledger.holds(callId)) {
      return false;
    }
    const holding = this.#ledger.release(callId);
    this.#journal?.released(callId, holding);
    this.#invariants?.released(this.#ledger, callId, holding);
    return true;
  }

  /**
   * What the invariant checks found so far: reservations and releases checked, calls admitted
   * by an override or without a check (and those that took a link above its limit), and how
   * often the ledger was found back at zero. Null when the checks are off.
   */
  ledgerChecks(): LedgerCheckCounts | null {
    return this.#invariants?.counts ?? null;
  }

  /** Usage per link and modality, sorted, for the report. */
  snapshot(): ReturnType<Ledger['snapshot']> {
    return this.#ledger.snapshot();
  }

  /** Channels in use per gateway, for the report. */
  channelSnapshot(): ReturnType<Ledger['channelSnapshot']> {
    return this.#ledger.channelSnapshot();
  }
}
