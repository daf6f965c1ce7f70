/**
 * What a trunk configuration makes of a PSTN call once it is set up (docs/rules.md b.5 #39,
 * #40): how a transfer during the call is carried out (REFER passed to the peer, the Mediation
 * Server's own transfer, or third-party call control) and whether the call can still bypass
 * the Mediation Server afterwards; and whether a call whose peer sends no RTCP is torn down.
 * It must not know how the call was decided, nor the flows: it reads the trunk configuration
 * and the parties.
 */
import type { Call, Gateway, MediationServer, TrunkConfiguration } from '../scenario/index.js';
import type { RtcpPlan, TransferMethod, TransferPlan } from './call-decision.js';
import { trunkConfigFor } from './bypass.js';
import type { DecisionContext } from './decision-context.js';

/** b.5 #40: the documented time without RTCP from the peer after which a call is torn down. */
export const RTCP_TIMEOUT_MS = 30_000;

/** How a trunk carries out a transfer (b.5 #39), and whether bypass survives it. */
export function transferMethod(tc: TrunkConfiguration): {
  readonly method: TransferMethod;
  readonly bypassLost: boolean;
  readonly why: string;
} {
  if (tc.enableReferSupport) {
    return {
      method: 'refer',
      bypassLost: false,
      why: `EnableReferSupport on (${tc.scope}): the Mediation Server passes the REFER to the peer, which calls the target itself`,
    };
  }
  if (tc.enable3pccRefer) {
    return {
      method: 'third-party-call-control',
      bypassLost: false,
      why: `EnableReferSupport off, Enable3pccRefer on (${tc.scope}): the Mediation Server carries out the transfer by third-party call control; bypass is decided again for the target`,
    };
  }
  return {
    method: 'mediation-server',
    bypassLost: tc.enableBypass,
    why: `EnableReferSupport and Enable3pccRefer off (${tc.scope}): the Mediation Server carries out the transfer itself and keeps the media${tc.enableBypass ? ': a bypassed call becomes relayed' : ''}`,
  };
}

/** The id of the call that carries on after a call's transfer. */
export function transferCallId(callId: string): string {
  return `${callId}/transfer`;
}

/**
 * b.5 #39 for a PSTN call with a transfer: how the trunk will carry it out, recorded in the
 * trace. Null when the call has no transfer.
 */
export function planTransfer(
  ctx: DecisionContext,
  client: string,
  gw: Gateway,
  ms: MediationServer,
): TransferPlan | null {
  const t = ctx.call.transfer;
  if (!t) {
    return null;
  }
  const tc = trunkConfigFor(ctx.topo, gw, ms);
  const m = transferMethod(tc);
  ctx.trace.add(
    'b.5#39',
    'Transfer during the call',
    m.bypassLost ? 'info' : 'pass',
    `${client} transfers the call to ${t.to} after ${t.atMs / 1000}s: ${m.why}`,
    {
      method: m.method,
      enableReferSupport: tc.enableReferSupport,
      enable3pccRefer: tc.enable3pccRefer,
      bypassLost: m.bypassLost,
    },
  );
  return {
    atMs: t.atMs,
    by: client,
    to: t.to,
    method: m.method,
    bypassLost: m.bypassLost,
    why: m.why,
    callId: transferCallId(ctx.call.id),
  };
}

/**
 * The call that carries on after a transfer (b.5 #39), as the policy decides it at the
 * transfer time: the far (PSTN) party, through the original gateway, with the target. Null
 * when the call has no transfer, or was not carried (rejected, handed off).
 */
export function transferCallOf(
  call: Call,
  decision: { readonly transfer: TransferPlan | null; readonly trunk: string | null },
): Call | null {
  const t = call.transfer;
  const plan = decision.transfer;
  if (!t || !plan || decision.trunk === null) {
    return null;
  }
  return {
    ...call,
    id: plan.callId,
    atMs: call.atMs + t.atMs,
    durationMs: Math.max(1, call.durationMs - t.atMs),
    kind: 'inbound-pstn',
    from: decision.trunk,
    to: t.toClient ?? t.to,
    trunk: t.toClient === null ? (t.trunk ?? decision.trunk) : decision.trunk,
    number: t.toClient === null ? t.to : call.number,
    codec: null,
    user: t.toUser,
    answerAfterMs: 0,
    transfer: null,
    transferOf: { callId: call.id, by: plan.by, gateway: decision.trunk },
    expect: null,
    escalateAtMs: null,
  };
}

/**
 * b.5 #40 for a PSTN call: when the peer sends no RTCP and RTCPActiveCalls is on, the side that
 * receives the peer's media (the Mediation Server when it relays, the client when bypassed)
 * tears the call down after 30 s without RTCP. Recorded in the trace only when the peer sends
 * none. Null when the peer sends RTCP.
 */
export function planRtcp(
  ctx: DecisionContext,
  gw: Gateway,
  ms: MediationServer,
  receiver: string,
): RtcpPlan | null {
  if (gw.rtcp !== 'none') {
    return null;
  }
  const tc = trunkConfigFor(ctx.topo, gw, ms);
  const call = ctx.call;
  const talk = call.durationMs - call.answerAfterMs;
  // The documented 30 s unless the scenario sets another (`simulation.rtcpTimeout`), which the
  // live run uses too.
  const timeoutMs = ctx.topo.scenario.simulation.rtcpTimeoutMs;
  const within = tc.rtcpActiveCalls && talk > timeoutMs;
  ctx.trace.add(
    'b.5#40',
    'RTCP from the peer',
    within ? 'fail' : 'info',
    !tc.rtcpActiveCalls
      ? `${gw.name} sends no RTCP; RTCPActiveCalls is off (${tc.scope}): the call is kept`
      : within
        ? `${gw.name} sends no RTCP and RTCPActiveCalls is on (${tc.scope}): ${receiver} tears the call down ${timeoutMs / 1000}s after the answer`
        : `${gw.name} sends no RTCP and RTCPActiveCalls is on (${tc.scope}), but the call ends within ${timeoutMs / 1000}s`,
    {
      rtcpActiveCalls: tc.rtcpActiveCalls,
      rtcpCallsOnHold: tc.rtcpCallsOnHold,
      peerSendsRtcp: false,
    },
  );
  return {
    peerSendsRtcp: false,
    rtcpActiveCalls: tc.rtcpActiveCalls,
    teardownAfterMs: within ? timeoutMs : null,
    by: within ? receiver : null,
  };
}
