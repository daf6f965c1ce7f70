/**
 * The policy layer's public surface: the decision per call (bypass, CAC, refusal chain, the
 * fork to a user's endpoints, transfers, RTCP supervision, the Teams Direct Routing contrast),
 * the codec table, the bandwidth ledger, the Bandwidth Policy Service and the timeline.
 * Everything here is pure; it must not know about sockets, SIP or media.
 */
export { decideCall } from './decide.js';
export type {
  CallDecision,
  DecideOptions,
  Forking,
  LegCheck,
  LinkCheck,
  Reroute,
  RingingEndpoint,
  RtcpPlan,
  StreamPlan,
  TeamsMedia,
  TransferMethod,
  TransferPlan,
} from './call-decision.js';
export { encryptionCompatible } from './bypass.js';
export { REFUSAL_SIP, REFUSAL_STATUSES, type RefusalKind } from './refusal-sip.js';
export { Ledger, type Holding, type LedgerView, type Reservation } from './ledger.js';
export { Trace, type TraceStep, type TraceValue } from './trace.js';
export {
  CODEC_TABLE,
  codecKbps,
  codecSpec,
  ScenarioCodecs,
  streamKbps,
  VIDEO_KBPS,
  type CodecSpec,
  type MediaCodec,
  type WireFigures,
} from './codecs.js';
export { PolicyService, type PolicyServiceOptions } from './bandwidth-policy-service.js';
export {
  runTimeline,
  type TimelineEntry,
  type TimelineOptions,
  type TimelineResult,
} from './timeline.js';
export { LedgerJournal, type LedgerEvent } from './ledger-journal.js';
export {
  LedgerInvariants,
  reservationBases,
  type LedgerCheckCounts,
  type ReservationBasis,
} from './ledger-invariants.js';
export { RTCP_TIMEOUT_MS, transferCallId, transferCallOf } from './trunk-behaviour.js';
