/**
 * A 1:1 call under Teams Direct Routing that escalates to a group call (docs/rules.md g.3): from
 * `escalation.atMs` into the call, the Media Processor joins the media path, bypass or not. At
 * that time a relay session is opened on the Media Processor (at its own address) and the
 * media is moved onto it with re-INVITEs on the wire: each party gets a new offer in its dialog
 * whose address is its leg of that session, answers it, and sends there from then on (as a
 * re-INVITE moves a party's media in a transfer); its answer is the session's peer on that leg.
 *
 * - A call through the Teams SIP proxy (the Mediation Server host plays it): the proxy
 *   re-INVITEs the callee, then the caller. A refused or unanswered re-INVITE leaves the call on
 *   its old path: the callee, already moved, is re-INVITEd back with its first description.
 * - A call between two clients (signalling client to client): the escalating client, the
 *   caller, re-INVITEs the other party with the Media Processor's leg and moves its own media
 *   to the other leg. Simplified (inferred): Teams has both clients join a conference the
 *   Media Processor hosts, each with its own new session; the lab keeps the 1:1 dialog.
 *
 * Only the signalling moves another host's media: the session is opened through the Media
 * Processor's relay (`relayOf`), and the caller moves only its own. It must not know how a run
 * is bound; it sees the run through `HostContext`.
 */
import type { TransportAddress } from '../media/index.js';
import type { CallDecision } from '../policy/index.js';
import {
  answerFor,
  codecsOf,
  mediaAddressOf,
  offerFor,
  type IncomingCall,
  type OutgoingCall,
} from '../sip/index.js';
import type { CallRecord } from './call-observations.js';
import type { HostContext } from './host-context.js';
import type { MediaSession } from './media-session.js';
import { planAt, sdpCodecOf } from './stream-formats.js';
import { codecOf } from './hosts/call-legs.js';

/** Who sends the escalation's re-INVITEs, in which dialogs. */
export type EscalationSignalling =
  | {
      /** The Teams SIP proxy, to both parties: its two dialogs of the call, while it is up. */
      readonly by: 'proxy';
      readonly dialogs: () =>
        { readonly caller: IncomingCall; readonly callee: OutgoingCall } | undefined;
    }
  | {
      /** The caller, to the callee in its own dialog; it moves its own media itself. */
      readonly by: 'caller';
      readonly dialog: OutgoingCall;
      readonly media: MediaSession;
    };

type Ctx = Pick<HostContext, 'addressing' | 'relayOf' | 'trackRelay' | 'later' | 'log'>;
type Escalation = NonNullable<NonNullable<CallDecision['teams']>['escalation']>;

/** Re-anchors the call's media on the Media Processor at its escalation, when it has one. */
export function scheduleEscalation(
  ctx: Ctx,
  rec: CallRecord,
  decision: CallDecision,
  signalling: EscalationSignalling,
): void {
  const esc = decision.teams?.escalation;
  if (!esc) {
    return;
  }
  ctx.later(esc.atMs, () => {
    const moved =
      signalling.by === 'proxy'
        ? byProxy(ctx, rec, decision, esc, signalling.dialogs())
        : byCaller(ctx, rec, decision, esc, signalling.dialog, signalling.media);
    void moved.catch((e: unknown) => {
      ctx.log.error({ err: e, call: rec.call.id }, 'the escalation could not re-anchor the media');
    });
  });
}

/**
 * A party (a client) that follows a re-INVITE of its call: it answers with its own media
 * address and the offered codecs, and sends to the offered address from then on.
 */
export function followsReoffer(dialog: IncomingCall | OutgoingCall, media: MediaSession): void {
  dialog.on('reoffer', (o) => {
    // Its codec stays what it sends: the new offer has it (a sending endpoint keeps its format).
    o.accept(answerFor(o.sdp, media, codecsOf(o.sdp)));
    const where = mediaAddressOf(o.sdp);
    if (where && where.address !== '0.0.0.0' && where.port > 0) {
      media.setRemote(where.address, where.port);
    }
  });
}

/** The codec offered to a party: the one decided for its side, else the call's G.711. */
function offerTo(
  decision: CallDecision,
  rec: CallRecord,
  host: string | undefined,
  at: TransportAddress,
): string {
  const plan = host !== undefined ? planAt(decision.streams, host, 'audio') : undefined;
  return offerFor(at, [plan ? sdpCodecOf(plan) : codecOf(rec.call)]);
}

/** A relay session on the Media Processor, both legs at its address. */
async function openRelay(ctx: Ctx, esc: Escalation) {
  const relay = ctx.relayOf(esc.mediaProcessor);
  const at = ctx.addressing.addressOf(esc.mediaProcessor);
  const s = await relay.allocate({ legA: { bindAddress: at }, legB: { bindAddress: at } });
  return { relay, s };
}

/** The media address of a 2xx's answer, or null when the re-INVITE did not succeed. */
function answered(outcome: { status: number; sdp: string }): TransportAddress | null {
  const at = outcome.status >= 200 && outcome.status < 300 ? mediaAddressOf(outcome.sdp) : null;
  return at && at.port > 0 ? { address: at.address, port: at.port } : null;
}

async function byProxy(
  ctx: Ctx,
  rec: CallRecord,
  decision: CallDecision,
  esc: Escalation,
  legs: { readonly caller: IncomingCall; readonly callee: OutgoingCall } | undefined,
): Promise<void> {
  const caller = legs?.caller;
  const callee = legs?.callee;
  const callerAt = caller ? mediaAddressOf(caller.offerSdp) : undefined;
  if (rec.state !== null || !caller || !callee || !callerAt || callee.state !== 'confirmed') {
    // The call ended before, or is not up: nothing to move.
    return;
  }
  const { relay, s } = await openRelay(ctx, esc);
  // Leg A faces the caller, leg B the callee; the caller's packets reach the callee through
  // leg B as soon as the callee moved.
  await relay.setPeer(s.id, 'A', { address: callerAt.address, port: callerAt.port });
  const from = rec.call.from;
  const ends = [esc.mediaPath[0], esc.mediaPath[esc.mediaPath.length - 1]];
  const to = ends[0] === from ? ends[1] : ends[0];
  const b = answered(await callee.reinvite(offerTo(decision, rec, to, s.legB)));
  if (!b || rec.state !== null) {
    await failed(ctx, rec, esc, relay, s.id, 'the callee');
    return;
  }
  await relay.setPeer(s.id, 'B', b);
  const a = answered(await caller.reinvite(offerTo(decision, rec, from, s.legA)));
  if (!a || rec.state !== null) {
    // Back to the old path: the callee gets its first description again.
    if (rec.state === null) {
      await callee.reinvite(callee.request.content);
    }
    await failed(ctx, rec, esc, relay, s.id, 'the caller');
    return;
  }
  await relay.setPeer(s.id, 'A', a);
  ctx.trackRelay(rec, esc.mediaProcessor, s.id);
  ctx.log.info({ call: rec.call.id, mediaProcessor: esc.mediaProcessor }, 'escalated');
}

async function byCaller(
  ctx: Ctx,
  rec: CallRecord,
  decision: CallDecision,
  esc: Escalation,
  dialog: OutgoingCall,
  media: MediaSession,
): Promise<void> {
  if (rec.state !== null || dialog.state !== 'confirmed') {
    return;
  }
  const { relay, s } = await openRelay(ctx, esc);
  await relay.setPeer(s.id, 'A', { address: media.address, port: media.port });
  const b = answered(await dialog.reinvite(offerTo(decision, rec, rec.call.to, s.legB)));
  if (!b || rec.state !== null) {
    await failed(ctx, rec, esc, relay, s.id, 'the callee');
    return;
  }
  await relay.setPeer(s.id, 'B', b);
  ctx.trackRelay(rec, esc.mediaProcessor, s.id);
  // The caller's own media moves to its leg (it joined the Media Processor itself).
  media.setRemote(s.legA.address, s.legA.port);
  ctx.log.info({ call: rec.call.id, mediaProcessor: esc.mediaProcessor }, 'escalated');
}

/** A re-INVITE failed: the call stays on its old path and the relay session is closed. */
async function failed(
  ctx: Ctx,
  rec: CallRecord,
  esc: Escalation,
  relay: ReturnType<Ctx['relayOf']>,
  id: string,
  who: string,
): Promise<void> {
  await relay.close(id);
  if (rec.state === null) {
    ctx.log.warn(
      { call: rec.call.id, mediaProcessor: esc.mediaProcessor },
      `the escalation's re-INVITE to ${who} failed: the media stays on its path`,
    );
  }
}
