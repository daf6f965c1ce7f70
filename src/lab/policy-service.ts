import { decideCall, Ledger, type CallDecision, type DecideOptions } from '../policy/index.js';
import type { Call } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';

/**
 * The run's Bandwidth Policy Service: one ledger for the whole run, asked by the host that
 * decides a call (the Mediation Server for PSTN calls, the caller for client-to-client calls).
 * A call is decided once; later questions about it get the same answer.
 */
export class PolicyService {
  readonly #topo: Topology;
  readonly #ledger = new Ledger();
  readonly #decisions = new Map<string, CallDecision>();
  readonly #options: DecideOptions;

  constructor(topo: Topology, options: DecideOptions = {}) {
    this.#topo = topo;
    this.#options = options;
  }

  /** Decides the call now (against the ledger as it is) and reserves what it holds. */
  decide(call: Call): CallDecision {
    const known = this.#decisions.get(call.id);
    if (known) {
      return known;
    }
    const d = decideCall(this.#topo, call, this.#ledger, { trace: true, ...this.#options });
    if (d.holding.reservations.length > 0 || d.holding.channels.length > 0) {
      this.#ledger.reserve(call.id, d.holding);
    }
    this.#decisions.set(call.id, d);
    return d;
  }

  /**
   * The decision for the report: the one made, or, for a call that never reached the host
   * that decides (it failed first), what would have been decided now, without reserving.
   */
  reportedDecision(call: Call): CallDecision {
    return (
      this.#decisions.get(call.id) ??
      decideCall(this.#topo, call, this.#ledger, { trace: true, ...this.#options })
    );
  }

  /** The decision already made for a call, if any. */
  decisionOf(callId: string): CallDecision | undefined {
    return this.#decisions.get(callId);
  }

  /** Releases what the call holds (at BYE, or when it fails after admission). */
  release(callId: string): void {
    if (this.#ledger.holds(callId)) {
      this.#ledger.release(callId);
    }
  }

  /** Usage per link, for the report. */
  snapshot(): ReturnType<Ledger['snapshot']> {
    return this.#ledger.snapshot();
  }
}

/**
 * How a host asks the Bandwidth Policy Service: in the same process (loopback mode) or over
 * the control channel of an agent (the multi-process modes).
 */
export interface PolicyPort {
  /** Decides the call (once; later questions get the same answer) and reserves its holding. */
  decide(call: Call): Promise<CallDecision>;
  /** The decision already made for a call, if any. */
  decisionOf(callId: string): Promise<CallDecision | undefined>;
  /** Releases what the call holds. */
  release(callId: string): void;
}

/** The policy service of this process as a port. */
export function localPolicy(service: PolicyService): PolicyPort {
  return {
    decide: (call) => Promise.resolve(service.decide(call)),
    decisionOf: (callId) => Promise.resolve(service.decisionOf(callId)),
    release: (callId) => {
      service.release(callId);
    },
  };
}
