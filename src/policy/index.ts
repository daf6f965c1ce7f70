export {
  decideCall,
  provisionedBypassId,
  gatewayBypassIdOf,
  encryptionCompatible,
  REFUSAL_SIP,
  type CallDecision,
  type DecideOptions,
  type LegCheck,
  type LinkCheck,
  type Reroute,
} from './decide.js';
export { Ledger, type Holding, type LedgerView, type Reservation } from './ledger.js';
export { Trace, type TraceStep, type TraceValue } from './trace.js';
export { codecKbps, streamKbps, VIDEO_KBPS } from './codecs.js';
export { runTimeline, type TimelineEntry, type TimelineResult } from './timeline.js';
