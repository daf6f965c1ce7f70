/**
 * The SIP layer: a UDP stack with RFC 3261 transactions over the `sip` package's parser, SDP
 * helpers, a user agent and a generic back-to-back user agent. It knows nothing of policy or
 * media; `src/lab` joins them.
 */
export * from './message.js';
export {
  decodeDatagram,
  encodeMessage,
  MAX_DATAGRAM_BYTES,
  type DecodedDatagram,
  type DecodeOptions,
} from './wire.js';
export { parseSipUri, parseAddress, parseVia, type SipUri, type ParsedAddress } from './syntax.js';
export { DEFAULT_TIMERS, type SipTimers, type ResponseHandler } from './transaction.js';
export {
  SipStack,
  remoteOfUri,
  type SipStackOptions,
  type SipObserver,
  type IncomingRequest,
  type SipStackStats,
  type ClientRequestHandle,
} from './stack.js';
export * from './sdp.js';
export * from './sdp-check.js';
export { Dialog, dialogKey } from './dialog.js';
export type { CallEndCause } from './call-owner.js';
export * from './in-dialog.js';
export * from './outgoing-call.js';
export * from './incoming-call.js';
export * from './user-agent.js';
export * from './b2bua.js';
