/**
 * The SIP final response for each kind of refusal, in one table, so that the decision, the
 * live run's hosts and the report agree on the status a caller sees. Data only: it must not
 * know when a call is refused.
 */

/** SIP answers for refusals (status and reason phrase), by refusal kind. */
export const REFUSAL_SIP = {
  /** CAC refused the call and nothing in the refusal chain carried it (c.5 #21, #22). */
  bandwidth: {
    status: 488,
    reason: 'Not Acceptable Here (insufficient bandwidth, call admission control)',
  },
  /** Every channel of the gateway is busy. */
  channels: { status: 503, reason: 'Service Unavailable (no free gateway channel)' },
  /** No trunk, Mediation Server or party for the call. */
  noRoute: { status: 404, reason: 'Not Found (no route)' },
  /** The two clients of a client-to-client call share no codec. */
  noCommonCodec: { status: 488, reason: 'Not Acceptable Here (no common codec)' },
  /** A host of the live run got an INVITE that belongs to no call of the scenario. */
  unknownCall: { status: 404, reason: 'Not Found (no call of the scenario)' },
  /** A re-routed call reached a gateway or the PSTN, and no gateway serves the number. */
  numberNotServed: { status: 404, reason: 'Not Found (no gateway serves the number)' },
  /** A host of the live run failed while handling the call (a bug: see the log). */
  internalError: { status: 500, reason: 'Server Internal Error' },
  /** A peer's SDP does not parse (RFC 4566): the detail follows the reason. */
  malformedSdp: { status: 400, reason: 'Bad Request (malformed SDP)' },
  /**
   * A peer's SDP cannot be honoured: a multicast, broadcast, reserved or unspecified address,
   * IPv6, a port out of range, SRTP, no codec in common, too large (the detail follows).
   */
  unacceptableSdp: { status: 488, reason: 'Not Acceptable Here' },
  /** An INVITE from an address that is no host of the scenario (a stranger). */
  unknownPeer: { status: 403, reason: 'Forbidden (not a peer of the scenario)' },
  /** The call is routed to a gateway marked down (its keep-alives went unanswered). */
  peerDown: { status: 503, reason: 'Service Unavailable (the gateway is down)' },
  /** The gateway sent no provisional response within the fast failover timer (a.10). */
  noProvisional: { status: 503, reason: 'Service Unavailable (no response from the gateway)' },
  /** The callee rang but did not answer within the ring timeout (RFC 3261 Timer C). */
  ringTimeout: { status: 408, reason: 'Request Timeout (no answer within the ring timeout)' },
} as const;

/**
 * Final statuses that mean the call was refused (the callee side said no), as opposed to a
 * failure (no answer, a timeout, a server error) or a cancel (487).
 */
export const REFUSAL_STATUSES: ReadonlySet<number> = new Set([
  ...Object.values(REFUSAL_SIP)
    .map((r) => r.status)
    .filter((s) => s !== 500 && s !== 408),
  403,
  480,
  486,
  603,
]);

/** A kind of refusal: a key of {@link REFUSAL_SIP}. */
export type RefusalKind = keyof typeof REFUSAL_SIP;
