/**
 * The PSTN side of a call re-routed through the PSTN (c.5 #19), as the delegate of a B2BUA: a
 * gateway's bridge between its IP side and the PSTN, and the PSTN itself. Each passes the call
 * on (to the PSTN, to the gateway serving the callee's number, or to that gateway's Mediation
 * Server) and relays the media through its own host, so that the path is visible hop by hop.
 *
 * ```
 *  caller ─> MS ─> gw-out [IP | PSTN] ─> pstn ─> gw-in [PSTN | IP] ─> MS ─> callee
 * ```
 *
 * It must not know how a run is bound, started or closed, or which process runs which host; it
 * sees the run through `HostContext` and must not import `lab.ts`.
 */
import { dialString } from '../../core/index.js';
import { REFUSAL_SIP } from '../../policy/index.js';
import {
  answerFor,
  mediaAddressOf,
  offerFor,
  type B2buaDelegate,
  type UserAgent,
} from '../../sip/index.js';
import { PSTN_HOST } from '../addressing.js';
import { CALL_HEADER } from '../call-observations.js';
import { PSTN_LEG_HEADER, type HostContext } from '../host-context.js';
import { g711Of } from './call-legs.js';
import { answerWithMedia } from './gateway.js';

/**
 * A gateway or the PSTN passing a re-routed call on: the next hop is the PSTN, the gateway
 * serving the callee's number, or that gateway's Mediation Server; media is relayed through
 * this host.
 */
export function pstnBridgeDelegate(ctx: HostContext, host: string): B2buaDelegate {
  const answers = new Map<string, (answer: string) => Promise<string>>();
  return {
    route: async (incoming) => {
      const rec = ctx.recordOf(incoming.call);
      const d = rec ? (rec.decision ?? (await ctx.policy.decisionOf(rec.call.id))) : undefined;
      const media = mediaAddressOf(incoming.call.offerSdp);
      // b.5 #39: a transfer to a number relayed out by the Mediation Server goes on to the PSTN.
      const handOff = rec?.call.transferOf != null && host !== PSTN_HOST;
      if (!rec || (!handOff && d?.reroute?.via !== 'pstn') || !media) {
        return { reject: REFUSAL_SIP.noRoute.status, reason: REFUSAL_SIP.noRoute.reason };
      }
      const inbound = ctx.topology.gateway(
        d?.reroute?.via === 'pstn' ? (d.reroute.trunks[1] ?? '') : '',
      );
      if (!inbound && !handOff) {
        return {
          reject: REFUSAL_SIP.numberNotServed.status,
          reason: REFUSAL_SIP.numberNotServed.reason,
        };
      }
      let target: string;
      let leg: string;
      if (handOff || !inbound) {
        target = ctx.uri(PSTN_HOST, dialString(rec.call.to), 'pstn');
        leg = 'pstn';
      } else if (host === PSTN_HOST) {
        target = ctx.uri(inbound.name, rec.call.to, 'pstn');
        leg = 'pstn';
      } else if (incoming.side === 'client') {
        target = ctx.uri(PSTN_HOST, rec.call.to, 'pstn');
        leg = 'pstn';
      } else {
        target = ctx.uri(inbound.mediationServer, rec.call.to, 'gateway');
        leg = 'in';
      }
      const relay = ctx.relayOf(host);
      const at = ctx.addressing.addressOf(host);
      const s = await relay.allocate({ legA: { bindAddress: at }, legB: { bindAddress: at } });
      await relay.setPeer(s.id, 'A', media);
      ctx.trackRelay(rec, host, s.id);
      answers.set(incoming.id, async (answer) => {
        const far = mediaAddressOf(answer);
        if (far) {
          await relay.setPeer(s.id, 'B', far);
        }
        return answerFor(incoming.call.offerSdp, s.legA, g711Of(answer));
      });
      return {
        target,
        offerSdp: offerFor(s.legB, g711Of(incoming.call.offerSdp)),
        headers: { [CALL_HEADER]: rec.call.id, [PSTN_LEG_HEADER]: leg },
      };
    },
    answer: (answerSdp, incoming) => {
      const rewrite = answers.get(incoming.id);
      return rewrite ? rewrite(answerSdp) : answerSdp;
    },
    ended: (record) => {
      answers.delete(record.id);
    },
  };
}

/**
 * The PSTN answers the part of a call after its transfer to a number (b.5 #39) itself, as the
 * subscriber called (modelled: the lab has no host behind the PSTN); every other call is passed
 * on by its bridge (`ua.onInvite` as the B2BUA set it).
 */
export function pstnAnswersTransfers(ctx: HostContext, ua: UserAgent): void {
  const bridge = ua.onInvite;
  ua.onInvite = (inc) => {
    if (ctx.recordOf(inc)?.call.transferOf != null) {
      void answerWithMedia(ctx, PSTN_HOST, inc, null, ['PCMU', 'PCMA']);
    } else {
      bridge?.(inc);
    }
  };
}
