/**
 * How a host of the live run asks the Bandwidth Policy Service: the port it talks to, and
 * the port of a service in this process. The service itself lives in the policy layer
 * (`PolicyService`); this file must not decide or reserve anything itself.
 */
import type { CallDecision, PolicyService } from '../policy/index.js';
import type { Call } from '../scenario/index.js';

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
