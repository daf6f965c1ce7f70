/**
 * Media through A/V Edge relays (an external user's media, b.1 #6, or the Internet alternate
 * path, c.5 #18): one relay session per Edge on the way, chained, between a client side and a
 * far side (a Mediation Server or the other client). Each session is read for the report like
 * a Mediation Server's own.
 *
 * ```
 *  client ──> [Edge 1: A | B] ──> [Edge 2: A | B] ──> far side
 *             clientFacing                    farFacing
 * ```
 *
 * It must not know who asks for a chain or why, nor which process runs an Edge (the relay of a
 * host comes from `HostContext`).
 */
import { InternalError } from '../core/index.js';
import type { TransportAddress } from '../media/index.js';
import type { Scenario } from '../scenario/index.js';
import type { CallRecord } from './call-observations.js';
import type { HostContext } from './host-context.js';
import { isTeamsRelay } from './teams-chain.js';

/** Media relays on Edge hosts between a client side and a far side. */
export interface EdgeChain {
  /** Where the client side sends (the first Edge's leg A). */
  readonly clientFacing: TransportAddress;
  /** Where the far side sends (the last Edge's leg B). */
  readonly farFacing: TransportAddress;
  setClientPeer(peer: TransportAddress): Promise<void>;
  setFarPeer(peer: TransportAddress): Promise<void>;
}

/**
 * The A/V Edges strictly between two hosts of a media path, in order from `a` to `b` (the path
 * may name them in either order).
 */
export function edgesBetween(
  scenario: Scenario,
  path: readonly string[],
  a: string,
  b: string,
): string[] {
  const i = path.indexOf(a);
  const j = path.indexOf(b);
  if (i < 0 || j < 0) {
    return [];
  }
  const hops = i < j ? path.slice(i + 1, j) : path.slice(j + 1, i).reverse();
  // Teams cloud relays on a call between clients are chained the same way (g.3, g.6).
  return hops.filter(
    (h) => scenario.hosts.edges.some((e) => e.name === h) || isTeamsRelay(scenario, h),
  );
}

/**
 * Allocates a relay session on each Edge (in order from the client side) and joins them: each
 * session's leg B sends to the next one's leg A and back.
 * @throws {InternalError} when `edges` is empty.
 */
export async function edgeChain(
  ctx: Pick<HostContext, 'addressing' | 'relayOf' | 'trackRelay'>,
  rec: CallRecord,
  edges: readonly string[],
): Promise<EdgeChain> {
  const sessions = [];
  for (const edge of edges) {
    const relay = ctx.relayOf(edge);
    const at = ctx.addressing.addressOf(edge);
    const s = await relay.allocate({ legA: { bindAddress: at }, legB: { bindAddress: at } });
    ctx.trackRelay(rec, edge, s.id);
    sessions.push({ relay, ...s });
  }
  for (let i = 0; i + 1 < sessions.length; i++) {
    const here = sessions[i];
    const next = sessions[i + 1];
    if (here && next) {
      await here.relay.setPeer(here.id, 'B', next.legA);
      await next.relay.setPeer(next.id, 'A', here.legB);
    }
  }
  const first = sessions[0];
  const last = sessions[sessions.length - 1];
  if (!first || !last) {
    throw new InternalError('an Edge chain needs at least one Edge');
  }
  return {
    clientFacing: first.legA,
    farFacing: last.legB,
    setClientPeer: (peer) => first.relay.setPeer(first.id, 'A', peer),
    setFarPeer: (peer) => last.relay.setPeer(last.id, 'B', peer),
  };
}
