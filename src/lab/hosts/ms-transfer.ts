/**
 * A transfer at the Mediation Server (b.5 #39): the enterprise party sent REFER in its dialog,
 * and the Mediation Server carries it out as the call's decision says:
 *
 * - `refer` (EnableReferSupport): the REFER is passed on in the gateway's dialog; the gateway
 *   calls the target itself (a new INVITE, the part after the transfer) and its NOTIFYs are
 *   passed back; the transferor's BYE then ends both old dialogs.
 * - `mediation-server` and `third-party-call-control`: the Mediation Server takes the
 *   gateway's dialog over from its B2BUA, puts the gateway on hold with a re-INVITE (the
 *   gateway opens the part's media), calls the target with an offer built from the gateway's
 *   description as for any inbound call (so the target bypasses when the part's decision is
 *   BYPASS, else takes the relay), then re-INVITEs the gateway with what the target answered:
 *   the relay's address (the media is anchored here) or the target's own (third-party call
 *   control, RFC 3725 flow 1 simplified: an offer to the target with the gateway's held
 *   description instead of an INVITE without SDP). A NOTIFY 200 tells the transferor.
 * - `teams` (docs/rules.md g): the host plays the Teams SIP proxy (teams-proxy.ts). To a client
 *   or user it transfers as the Mediation Server does, the target's leg routed as any call's
 *   from the SBC (through the Media Processor for a user still on Skype for Business, else
 *   where the part's Teams decision puts it); to a number it hands the call to the SBC with
 *   REFER, as `refer` does (inferred).
 *
 * The part after the transfer is decided through the policy port at the transfer time, after
 * the first part's holding is released. A transfer that cannot be carried out (a refused
 * re-INVITE, a target that does not answer) ends every dialog of the call.
 */
import {
  REFUSAL_SIP,
  transferCallOf,
  type CallDecision,
  type TransferPlan,
} from '../../policy/index.js';
import type { MediationServer } from '../../scenario/index.js';
import {
  checkSdp,
  offerFor,
  type B2bua,
  type B2buaReject,
  type IncomingCall,
  type OutgoingCall,
  type ReferRequest,
} from '../../sip/index.js';
import { callHeaders, type CallRecord, type LegState } from '../call-observations.js';
import type { HostContext } from '../host-context.js';
import type { TransportAddress } from '../../media/index.js';
import { codecOf } from './call-legs.js';
import { relayWatch, type RelayWatch } from './relay-watch.js';

/** A leg the Mediation Server places, with how to rewrite its answer for the far party. */
type PlannedTarget =
  | {
      readonly target: string;
      readonly peer: string;
      readonly offer: string;
      readonly headers?: Readonly<Record<string, string>>;
      answer(answer: string, media: TransportAddress | null): Promise<string>;
    }
  | B2buaReject;

/** A REFER at the Mediation Server, in the dialog of one leg of a B2BUA call. */
export interface TransferRequest {
  /** The B2BUA call. */
  readonly id: string;
  /** The leg the REFER came on (the transferor's). */
  readonly from: 'caller' | 'callee';
  readonly rec: CallRecord;
  readonly refer: ReferRequest;
  /** The Mediation Server's ends of the call's two dialogs. */
  readonly msLegs: { readonly caller: LegState; readonly callee: LegState | null };
  /** The codecs the Mediation Server accepts from its peers. */
  readonly codecs: readonly string[];
  /**
   * Plans the leg to the target as the Mediation Server routes any call's: to a client or
   * user as an inbound call, to a number out through the part's trunk. `offerSdp` and `far`
   * are the far party's description and media address.
   */
  route(
    rec: CallRecord,
    decision: CallDecision,
    offerSdp: string,
    far: TransportAddress | null,
    watch: RelayWatch,
  ): Promise<PlannedTarget>;
}

/** Carries out a transfer the enterprise party asked for with REFER (b.5 #39). */
export function carryOutTransfer(
  ctx: HostContext,
  ms: MediationServer,
  b2bua: B2bua,
  t: TransferRequest,
): void {
  const decision = t.rec.decision;
  const plan = decision?.transfer ?? null;
  const part = decision && plan ? transferCallOf(t.rec.call, decision) : null;
  const legs = b2bua.legs(t.id);
  if (!decision || !plan || !part || !legs || decision.trunk === null) {
    // Not a transfer this call may make live (none decided, the call not up).
    void t.refer.notify(603, 'Decline');
    return;
  }
  const partRec = ctx.partOf(t.rec, part);
  // What the first part held is released at the transfer; the part holds its own from now.
  ctx.policy.release(t.rec.call.id);
  // The part's definition reaches whichever hosts the transfer goes through.
  const headers = callHeaders(part, true);
  const far = t.from === 'caller' ? legs.callee : legs.caller;
  // Under Teams the proxy hands a transfer to a number to the SBC (as REFER does), and carries
  // one to a client out as its own.
  const toNumber = plan.method === 'teams' && t.rec.call.transfer?.toClient === null;
  if (plan.method === 'refer' || toNumber) {
    passOn(ctx, ms, t, plan, far, headers, partRec).catch((e: unknown) => {
      ctx.log.error({ err: e, call: t.rec.call.id }, 'the REFER could not be passed on');
      void t.refer.notify(500, 'Server Internal Error');
      partRec.finish('failed', null, e instanceof Error ? e.message : String(e));
    });
    return;
  }
  const done = `transferred to ${plan.to} (${partRec.call.id})`;
  const handed = b2bua.handOver(t.id);
  if (!handed) {
    void t.refer.notify(481, 'Call/Transaction Does Not Exist');
    partRec.finish('failed', 481, 'the call ended before its transfer');
    return;
  }
  const gone = t.from === 'caller' ? handed.caller : handed.callee;
  const goneLeg = t.from === 'caller' ? t.msLegs.caller : t.msLegs.callee;
  const keptLeg = t.from === 'caller' ? t.msLegs.callee : t.msLegs.caller;
  keptLeg?.ended('transferred', 'transferred');
  gone.once('ended', (cause) => {
    goneLeg?.ended(cause === 'remote-bye' ? 'bye-received' : 'bye-sent', 'transferred');
  });
  const farRole = t.from === 'caller' ? 'caller' : 'callee';
  const farLeg = partRec.openLeg(ms.name, decision.trunk, farRole);
  farLeg.answered = true;
  carryOut(ctx, ms, b2bua, { t, partRec, far, farLeg, gone, goneLeg, headers, done }).catch(
    (e: unknown) => {
      // A relay that could not be allocated, say: the call ends.
      const why = e instanceof Error ? e.message : String(e);
      ctx.log.error({ err: e, call: t.rec.call.id }, 'the transfer could not be carried out');
      void t.refer.notify(500, 'Server Internal Error');
      t.rec.finish('failed', 500, `transfer failed: ${why}`);
      partRec.finish('failed', 500, why);
      void far.bye();
      void gone.bye();
      ctx.releaseRelays(partRec);
    },
  );
}

/**
 * `refer`: the REFER goes on to the gateway, its NOTIFYs come back to the transferor. The
 * gateway's INVITE to a user is decided when it arrives, as any call's; a transfer to a number
 * never comes back (the gateway takes it to the PSTN itself), so it is decided now.
 */
async function passOn(
  ctx: HostContext,
  ms: MediationServer,
  t: TransferRequest,
  plan: TransferPlan,
  far: IncomingCall | OutgoingCall,
  headers: Record<string, string>,
  partRec: CallRecord,
): Promise<void> {
  if (ctx.topology.client(partRec.call.to) === undefined) {
    partRec.decision = await ctx.policy.decide(partRec.call);
  }
  far.on('refer-progress', (p) => {
    if (p.terminated && p.status >= 200 && p.status < 300) {
      t.rec.finish('transferred', 200, `transferred to ${plan.to}: the peer took the call over`);
    } else if (p.terminated) {
      // The peer could not reach the target: the call goes on as it was.
      partRec.finish('refused', p.status, p.reason);
    }
    void t.refer.notify(p.status, p.reason);
  });
  const user = /^\+?\d+$/.test(plan.to) ? plan.to.replace(/^\+/, '') : plan.to;
  // RFC 3515 section 2.1: headers in the Refer-To URI go into the INVITE it triggers; the
  // lab's call header so names the part after the transfer (and the old dialog keeps its own).
  const embedded = Object.entries(headers)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  void far.refer(`${ctx.uri(ms.name, user, 'gateway')}?${embedded}`).then((status) => {
    if (status < 200 || status >= 300) {
      // The call goes on as it was; the part after the transfer never began.
      void t.refer.notify(status === 0 ? 481 : status, 'REFER refused by the peer');
      partRec.finish('refused', status === 0 ? null : status, 'REFER refused by the peer');
      ctx.policy.release(partRec.call.id);
    }
  });
}

/** What the Mediation Server's own transfer works with. */
interface OwnTransfer {
  readonly t: TransferRequest;
  readonly partRec: CallRecord;
  readonly far: IncomingCall | OutgoingCall;
  /** The Mediation Server's end of the far party's dialog, as the part's. */
  readonly farLeg: LegState;
  readonly gone: IncomingCall | OutgoingCall;
  /** The Mediation Server's end of the transferor's dialog. */
  readonly goneLeg: LegState | null;
  readonly headers: Record<string, string>;
  readonly done: string;
}

/**
 * `mediation-server` and `third-party-call-control`: hold the far party, call the target,
 * move the far party's media to what the target's leg answered, and tell the transferor.
 */
async function carryOut(
  ctx: HostContext,
  ms: MediationServer,
  b2bua: B2bua,
  o: OwnTransfer,
): Promise<void> {
  const { t, partRec, far, farLeg, headers } = o;
  let target: OutgoingCall | null = null;
  let targetLeg: LegState | null = null;
  let over = false;
  /** Ends every dialog of the call: a failed transfer, or the part's end from one side. */
  const end = (why: 'hangup' | 'failed', status: number, reason: string): void => {
    if (over) {
      return;
    }
    over = true;
    if (why === 'failed') {
      ctx.log.warn({ call: t.rec.call.id, status, reason }, 'transfer failed');
      void t.refer.notify(status >= 300 ? status : 500, reason);
      t.rec.finish('failed', status, `transfer failed: ${reason}`);
      partRec.finish('failed', status, reason);
      o.goneLeg?.ended('bye-sent', 'failed');
      void o.gone.bye().then((s) => o.goneLeg?.byeAnswered(s));
    }
    if (far.state === 'confirmed' || far.state === 'answered') {
      farLeg.ended('bye-sent', why);
      void far.bye().then((s) => {
        farLeg.byeAnswered(s);
      });
    }
    if (target?.state === 'confirmed') {
      targetLeg?.ended('bye-sent', why);
      const leg = targetLeg;
      void target.bye().then((s) => leg?.byeAnswered(s));
    } else {
      target?.cancel();
    }
    ctx.releaseRelays(partRec);
    ctx.policy.release(partRec.call.id);
  };
  far.once('ended', (cause) => {
    if (!over) {
      farLeg.ended(cause === 'remote-bye' ? 'bye-received' : 'bye-sent', 'hangup');
      end('hangup', 200, 'OK');
    }
  });
  void t.refer.notify(100, 'Trying');
  let decision: CallDecision;
  try {
    decision = await ctx.policy.decide(partRec.call);
  } catch (e) {
    end('failed', 500, e instanceof Error ? e.message : String(e));
    return;
  }
  partRec.decision = decision;
  if (decision.decision === 'REJECTED') {
    end('failed', decision.sip?.status ?? REFUSAL_SIP.bandwidth.status, decision.reason);
    return;
  }
  // The far party on hold: it answers with the address of the part's media.
  const held = await far.reinvite(
    offerFor({ address: '0.0.0.0', port: 9 }, [codecOf(partRec.call)]),
    headers,
  );
  const farSdp = held.status === 200 ? checkSdp(held.sdp, { codecs: t.codecs }) : null;
  if (over || !farSdp?.ok) {
    end('failed', held.status === 200 ? 488 : held.status, 're-INVITE to the far party failed');
    return;
  }
  const watch = relayWatch(ctx, partRec.call.id, (t2, silent) => {
    ctx.log.warn({ call: partRec.call.id, silent, ...t2 }, 'media timeout after a transfer');
    partRec.finish('media-timeout', 200, `${ms.name}: no RTP after the transfer`);
    end('hangup', 200, 'media timeout');
  });
  // To a client or user, the target is called as by an inbound call; to a number, out through
  // the part's trunk to the PSTN.
  const toNumber = ctx.topology.client(partRec.call.to) === undefined;
  const planned = await t.route(partRec, decision, held.sdp, farSdp.media, watch);
  if (over || 'reject' in planned) {
    end('failed', 'reject' in planned ? planned.reject : 487, 'no route to the target');
    return;
  }
  targetLeg = partRec.openLeg(ms.name, planned.peer, 'caller');
  const leg = targetLeg;
  target = b2bua.ua(toNumber ? 'gateway' : 'client').invite(
    planned.target,
    planned.offer,
    {
      answered: (answer) => {
        leg.answered = true;
        void moveFarParty(answer).catch((e: unknown) => {
          end('failed', 500, e instanceof Error ? e.message : String(e));
        });
      },
      failed: (status, reason) => {
        leg.ended('final', `${status} ${reason}`);
        end('failed', status, reason);
      },
      ended: (cause) => {
        leg.ended(cause === 'remote-bye' ? 'bye-received' : 'bye-sent', 'hangup');
        end('hangup', 200, 'OK');
      },
    },
    { headers: { ...headers, ...planned.headers } },
  );
  // Timer C, as the B2BUA has it for its own legs: a target that never answers is given up.
  const ringMs = ctx.scenario.simulation.ringTimeoutMs;
  if (ringMs > 0) {
    ctx.later(ringMs, () => {
      if (target?.state === 'calling' || target?.state === 'early') {
        target.cancel();
        end('failed', 408, `Request Timeout (no answer within ${Math.round(ringMs / 1000)} s)`);
      }
    });
  }
  const moveFarParty = async (answer: string): Promise<void> => {
    const checked = checkSdp(answer, { codecs: t.codecs });
    if (!checked.ok) {
      end('failed', checked.status, checked.detail);
      return;
    }
    const forFar = await planned.answer(answer, checked.media);
    const moved = await far.reinvite(forFar, headers);
    if (over) {
      return;
    }
    if (moved.status !== 200) {
      end('failed', moved.status, 're-INVITE to the far party failed');
      return;
    }
    t.rec.finish('transferred', 200, o.done);
    void t.refer.notify(200, 'OK');
  };
}
