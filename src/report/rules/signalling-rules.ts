/**
 * The rules reference's section about what happens to a call once it is set up (b.5): a user
 * signed in on several endpoints and the early dialogs of a forked call, transfers, and RTCP
 * supervision; in the project's own words. Pure data; it knows nothing of the policy code that
 * applies them.
 */
import { rule, type RuleSection } from './rule-types.js';
import { SOURCES as S } from './sources.js';

/** The section about signalling during a call. */
export const SIGNALLING_RULES: RuleSection = {
  id: 'b.5',
  title: 'Signalling during a call: endpoints, transfers, RTCP',
  intro:
    'A call is not only its setup. A user signed in on several endpoints gets every call on each of them; a call can be transferred; and a peer that stops sending RTCP can lose its calls. The decision says what the live run must do for each.',
  entries: [
    rule(
      'b.5#37',
      'A call to a user forks to every endpoint',
      "A user (SIP URI, line URI, voice policy, voice mail) may be signed in on several endpoints, each a client with its own address, version and site. A call to the user rings every endpoint; each makes its own decision (on an inbound PSTN call the client compares bypass IDs itself, b.1#12), one answers and the others are cancelled. On an inbound PSTN call each ringing endpoint's provisional answer reaches the gateway peer as an early dialog, at most the trunk's MaxEarlyDialogs (default 20); which endpoints ring, which answers and the early dialogs are in the decision. An endpoint whose own decision is a rejection does not ring (inferred), and the early dialogs beyond the limit are not forwarded (inferred). Validation warns when a user has more endpoints than the trunk forwards.",
      [S.mediationServer, S.trunkBypass, S.planBypass],
      {
        settings: [
          'users[]',
          'calls[].answeredBy',
          'calls[].answerAfter',
          'trunkConfigurations[].maxEarlyDialogs (MaxEarlyDialogs)',
        ],
      },
    ),
    rule(
      'b.5#38',
      'Peer handles the early dialogs',
      "A peer that mishandles several early dialogs (RFC 3960 early media) clips the first words of the callee's greeting on inbound calls, worse when the Mediation Server is at a remote site. Here a peer mishandles them when it is given more early dialogs than it handles (supportsEarlyDialogs); it then keeps the media of the first early dialog, so the greeting is clipped when the answering endpoint's media comes from elsewhere (the endpoint itself when bypassed, the Mediation Server when relayed) (inferred). The call is not relayed instead: it misbehaves, and the trace warns.",
      [S.mediationServer, S.planBypass],
      { settings: ['hosts.gateways[].supportsEarlyDialogs'] },
    ),
    rule(
      'b.5#39',
      'Transfer during the call',
      "With EnableReferSupport the Mediation Server passes a transfer's REFER to the peer, which calls the target itself: to a user, as a new inbound call (bypass decided again); to a number, the call leaves the enterprise (decision HANDED-OFF). Without it, with Enable3pccRefer, the Mediation Server carries out the transfer by third-party call control, and bypass is decided again for the target. Without either, the Mediation Server carries it out itself and keeps the media: a bypassed call becomes relayed after the transfer. What comes after the transfer is decided at the transfer time, against the ledger as it is then; a transfer to a number without REFER is relayed out through a trunk (inferred). Validation warns when a transfer loses bypass.",
      [S.trunkSettings, S.newTrunk, S.trunkBypass],
      {
        settings: [
          'calls[].transfer',
          'trunkConfigurations[].enableReferSupport (EnableReferSupport)',
          'trunkConfigurations[].enable3pccRefer (Enable3pccRefer)',
        ],
      },
    ),
    rule(
      'b.5#40',
      'RTCP from the peer',
      'With RTCPActiveCalls on, the Mediation Server (relayed media) or the client (bypassed media) tears a call down once the peer has sent no RTCP for more than 30 s; with it off the call is kept. A peer that sends no RTCP (rtcp: none) shows it: its calls end 30 s after the answer. RTCPCallsOnHold applies to calls on hold, which the simulator does not model. Validation warns about such a peer on a trunk that tears its calls down.',
      [S.trunkSettings, S.newTrunk],
      {
        settings: [
          'trunkConfigurations[].rtcpActiveCalls (RTCPActiveCalls)',
          'trunkConfigurations[].rtcpCallsOnHold (RTCPCallsOnHold)',
          'hosts.gateways[].rtcp',
        ],
      },
    ),
  ],
};
