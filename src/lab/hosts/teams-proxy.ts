/**
 * The Teams SIP proxy of the live lab (docs/rules.md g): under Teams Direct Routing the
 * signalling goes through Microsoft's cloud, which the lab does not have; the scenario's
 * Mediation Server host plays it (its B2BUA carries the INVITE, and this file routes it). It
 * rewrites each description to where the decision's `teams` part and `mediaPath` put the media:
 * the far end's own address when the media goes directly (bypass, an internal client), or the
 * chain of hosts in between (`teams-chain.ts`: a Transport Relay, a proxy SBC, a Media
 * Processor). No bypass IDs, no relay candidate, no CAC: the client takes the address offered
 * (ICE on the client, ICE-lite on the SBC, modelled as that address). A transfer's leg to its
 * target is routed here too, as a call from the SBC (ms-transfer.ts carries the transfer out).
 *
 * It must not know how a run is bound, started or closed; it sees the run through
 * `HostContext` and must not import `lab.ts`.
 */
import { dialString } from '../../core/index.js';
import type { TransportAddress } from '../../media/index.js';
import { REFUSAL_SIP, type CallDecision } from '../../policy/index.js';
import { answerFor, offerFor, type B2buaReject, type IncomingCall } from '../../sip/index.js';
import type { CallRecord } from '../call-observations.js';
import type { HostContext } from '../host-context.js';
import { sdpCodecOf } from '../stream-formats.js';
import { hopsBetween, teamsChain } from '../teams-chain.js';
import { scheduleEscalation, type EscalationSignalling } from '../teams-escalation.js';
import { g711Of } from './call-legs.js';

/**
 * The leg the Mediation Server's B2BUA places for a Teams call (its `PlannedLeg`): where to,
 * the offer, and how to rewrite the callee's answer for the caller; or the refusal.
 */
type TeamsLeg =
  | {
      readonly target: string;
      readonly peer: string;
      readonly offer: string;
      readonly answer: (answer: string, media: TransportAddress | null) => Promise<string>;
    }
  | B2buaReject;

/** Where a description on hold receives (c=0.0.0.0): nothing is sent to it. */
const ON_HOLD: TransportAddress = { address: '0.0.0.0', port: 9 };

/**
 * Routes a PSTN call decided under Teams Direct Routing: from a client to its SBC
 * (`side: 'client'`), or from an SBC to a client (`side: 'gateway'`). Given the B2BUA's
 * dialogs of the call, the proxy re-INVITEs both parties at an escalation (teams-escalation.ts).
 */
export async function routeTeams(
  ctx: HostContext,
  rec: CallRecord,
  decision: CallDecision,
  inc: Pick<IncomingCall, 'offerSdp'>,
  media: TransportAddress | null,
  side: 'client' | 'gateway',
  dialogs?: Extract<EscalationSignalling, { by: 'proxy' }>['dialogs'],
): Promise<TeamsLeg> {
  const outbound = side === 'client';
  const gw = ctx.topology.gateway(outbound ? (rec.call.trunk ?? '') : rec.call.from);
  const client = ctx.topology.client(outbound ? rec.call.from : rec.call.to);
  if (!gw || !client) {
    return { reject: REFUSAL_SIP.noRoute.status, reason: REFUSAL_SIP.noRoute.reason };
  }
  const down = ctx.peerDown(gw.name);
  if (down) {
    return down;
  }
  if (dialogs) {
    scheduleEscalation(ctx, rec, decision, { by: 'proxy', dialogs });
  }
  const hops = hopsBetween(decision.mediaPath, client.name, gw.name);
  const chain = await teamsChain(ctx, rec, hops, client.name, gw.name);
  if (outbound) {
    const number = rec.call.number;
    const target = ctx.uri(gw.name, number !== null ? dialString(number) : gw.name);
    if (chain && media) {
      await chain.setClientPeer(media);
    }
    return {
      target,
      peer: gw.name,
      // The SBC speaks G.711 (b.5 #36); the chain's far end, or the client's own address.
      offer: offerFor(chain?.farFacing ?? media ?? ON_HOLD, g711Of(inc.offerSdp)),
      answer: async (answer, gwMedia) => {
        if (!chain) {
          return answerFor(inc.offerSdp, gwMedia ?? ON_HOLD, g711Of(answer));
        }
        if (gwMedia) {
          await chain.setFarPeer(gwMedia);
        }
        // A Media Processor that transcodes gives the client the codec decided for its side.
        const plan = chain.clientPlan;
        return answerFor(
          inc.offerSdp,
          chain.clientFacing,
          plan ? [sdpCodecOf(plan)] : g711Of(answer),
        );
      },
    };
  }
  if (chain && media) {
    await chain.setFarPeer(media);
  }
  const plan = chain?.clientPlan ?? null;
  const at = chain?.clientFacing ?? media ?? ON_HOLD;
  return {
    target: ctx.uri(client.name, client.name),
    peer: client.name,
    offer: offerFor(at, [...(plan ? [sdpCodecOf(plan)] : []), ...g711Of(inc.offerSdp)]),
    answer: async (answer, clientMedia) => {
      if (!chain) {
        return answerFor(inc.offerSdp, clientMedia ?? ON_HOLD, g711Of(answer));
      }
      if (clientMedia) {
        await chain.setClientPeer(clientMedia);
      }
      return answerFor(inc.offerSdp, chain.farFacing, g711Of(answer));
    },
  };
}
