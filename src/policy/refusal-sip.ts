/**
 * The SIP final response for each kind of refusal, in one table, so that the decision, the
 * live run and the report agree on the status a caller sees. Data only: it must not know when
 * a call is refused.
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
} as const;

/** A kind of refusal: a key of {@link REFUSAL_SIP}. */
export type RefusalKind = keyof typeof REFUSAL_SIP;
