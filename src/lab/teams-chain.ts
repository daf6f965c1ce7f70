/**
 * The media of a call under Teams Direct Routing (docs/rules.md g) as the live lab carries it:
 * the hosts a decision's `mediaPath` names between the client and the far end (a Transport
 * Relay, a proxy SBC under Local Media Optimization, a Media Processor) each anchor the media
 * in turn, chained like A/V Edges:
 *
 * ```
 *  client ──> [teams-tr: A | B] ──> [sbc-chi: A | B] ──> far end (the SBC, or a client)
 *             clientFacing                    farFacing
 * ```
 *
 * A Transport Relay and a proxy SBC forward datagrams (a relay session bound at the host's own
 * address: no transcoding, the call stays bypassed); a Media Processor forwards too, or
 * transcodes when the decision's streams on its two sides differ in codec (a transcoding
 * session, as the Mediation Server's). Each session is read for the report like a Mediation
 * Server's, so the observed path names the same hosts as the decision.
 *
 * It must not know SIP, who asks for a chain or why; it sees the run through `HostContext`.
 */
import { InternalError } from '../core/index.js';
import type { TransportAddress } from '../media/index.js';
import type { StreamPlan } from '../policy/index.js';
import type { Scenario } from '../scenario/index.js';
import type { CallRecord } from './call-observations.js';
import type { HostContext } from './host-context.js';
import { planAt, streamFormatOf } from './stream-formats.js';

/** Whether a host is one of the scenario's Teams cloud relays (Media Processor, Transport Relay). */
export function isTeamsRelay(s: Scenario, host: string): boolean {
  const t = s.teamsDirectRouting;
  return [...t.mediaProcessors, ...t.transportRelays].some((r) => r.name === host);
}

/** One anchor of the chain: its two legs, and how to point each at its peer. */
interface Anchor {
  readonly legA: TransportAddress;
  readonly legB: TransportAddress;
  setPeer(leg: 'A' | 'B', peer: TransportAddress): Promise<void>;
}

/** Media anchored on the hosts between a client side and a far side. */
export interface TeamsChain {
  /** Where the client side sends (the first host's leg A). */
  readonly clientFacing: TransportAddress;
  /** Where the far side sends (the last host's leg B). */
  readonly farFacing: TransportAddress;
  /**
   * The stream the client's side of the chain carries when the first host transcodes to it
   * (a Media Processor between a client's codec and an SBC's G.711); null when it forwards.
   */
  readonly clientPlan: StreamPlan | null;
  setClientPeer(peer: TransportAddress): Promise<void>;
  setFarPeer(peer: TransportAddress): Promise<void>;
}

/**
 * The hosts strictly between `a` and `b` on a media path, in order from `a` to `b` (the path
 * may name them in either order).
 */
export function hopsBetween(path: readonly string[], a: string, b: string): string[] {
  const i = path.indexOf(a);
  const j = path.indexOf(b);
  if (i < 0 || j < 0) {
    return [];
  }
  return i < j ? path.slice(i + 1, j) : path.slice(j + 1, i).reverse();
}

/**
 * Anchors the media of a call on each of `hops` (in order from `client` to `far`) and joins
 * them; null when there are none (the media goes directly). Every session is tracked with the
 * call for the report.
 */
export async function teamsChain(
  ctx: Pick<HostContext, 'addressing' | 'relayOf' | 'trackRelay' | 'openMedia'>,
  rec: CallRecord,
  hops: readonly string[],
  client: string,
  far: string,
): Promise<TeamsChain | null> {
  const plans = rec.decision?.streams ?? [];
  const anchors: Anchor[] = [];
  let clientPlan: StreamPlan | null = null;
  for (const [i, host] of hops.entries()) {
    const before = hops[i - 1] ?? client;
    const after = hops[i + 1] ?? far;
    const a = planAt(plans, host, 'audio', before);
    const b = planAt(plans, host, 'audio', after);
    const transcodes =
      a !== undefined &&
      b !== undefined &&
      (a.payloadType !== b.payloadType || a.payloadBytes !== b.payloadBytes);
    if (transcodes && i === 0) {
      clientPlan = a;
    }
    anchors.push(transcodes ? await transcoder(ctx, rec, host, a, b) : await relay(ctx, rec, host));
  }
  for (let i = 0; i + 1 < anchors.length; i++) {
    const here = anchors[i];
    const next = anchors[i + 1];
    if (here && next) {
      await here.setPeer('B', next.legA);
      await next.setPeer('A', here.legB);
    }
  }
  const first = anchors[0];
  const last = anchors[anchors.length - 1];
  if (!first || !last) {
    return null;
  }
  return {
    clientFacing: first.legA,
    farFacing: last.legB,
    clientPlan,
    setClientPeer: (peer) => first.setPeer('A', peer),
    setFarPeer: (peer) => last.setPeer('B', peer),
  };
}

/** A relay session at the host's own address, forwarding datagrams unchanged. */
async function relay(
  ctx: Pick<HostContext, 'addressing' | 'relayOf' | 'trackRelay'>,
  rec: CallRecord,
  host: string,
): Promise<Anchor> {
  const r = ctx.relayOf(host);
  const at = ctx.addressing.addressOf(host);
  const s = await r.allocate({ legA: { bindAddress: at }, legB: { bindAddress: at } });
  ctx.trackRelay(rec, host, s.id);
  return {
    legA: s.legA,
    legB: s.legB,
    setPeer: (leg, peer) => r.setPeer(s.id, leg, peer),
  };
}

/** A transcoding session at the host's address: leg A sends `a`'s codec, leg B `b`'s. */
async function transcoder(
  ctx: Pick<HostContext, 'addressing' | 'openMedia'>,
  rec: CallRecord,
  host: string,
  a: StreamPlan,
  b: StreamPlan,
): Promise<Anchor> {
  const m = await ctx.openMedia(rec, host, null, {
    format: streamFormatOf(a),
    transcode: {
      bindAddress: ctx.addressing.addressOf(host),
      format: streamFormatOf(b),
      rtcpTimeoutMs: 0,
    },
  });
  const far = m.far;
  if (!far) {
    throw new InternalError(`the transcoding session of ${host} has no second leg`);
  }
  return {
    legA: { address: m.address, port: m.port },
    legB: { address: far.address, port: far.port },
    setPeer: (leg, peer) => {
      (leg === 'A' ? m : far).setRemote(peer.address, peer.port);
      return Promise.resolve();
    },
  };
}
