/**
 * A 1:1 call under Teams Direct Routing that escalates to a group call (docs/rules.md g.3): from
 * `escalation.atMs` into the call, the Media Processor joins the media path, bypass or not.
 * The lab has no re-INVITE yet, so the re-anchor is done at that time the way a re-INVITE's new
 * descriptions would end up: a relay session on the Media Processor (at its own address) gets
 * the two media endpoints of the call as its peers, and each endpoint sends to its leg from
 * then on. Whatever was between them before (a Transport Relay, a proxy SBC) carries nothing
 * more. Both endpoints must be hosts of this process (loopback mode).
 *
 * It must not know SIP or how a call was placed; it sees the run through `HostContext`.
 */
import type { CallDecision } from '../policy/index.js';
import type { CallRecord } from './call-observations.js';
import type { HostContext } from './host-context.js';
import type { MediaSession } from './media-session.js';

/** Re-anchors the call's media on the Media Processor at its escalation, when it has one. */
export function scheduleEscalation(
  ctx: Pick<HostContext, 'addressing' | 'relayOf' | 'trackRelay' | 'later' | 'log'>,
  rec: CallRecord,
  decision: CallDecision,
): void {
  const esc = decision.teams?.escalation;
  if (!esc) {
    return;
  }
  ctx.later(esc.atMs, () => {
    void reanchor(ctx, rec, esc).catch((e: unknown) => {
      ctx.log.error({ err: e, call: rec.call.id }, 'the escalation could not re-anchor the media');
    });
  });
}

/** The audio session of an endpoint of the call (not a transcoding session). */
function endpointOf(rec: CallRecord, host: string | undefined): MediaSession | undefined {
  return rec.sessions.find((m) => m.host === host && m.modality === 'audio' && m.far === null);
}

async function reanchor(
  ctx: Pick<HostContext, 'addressing' | 'relayOf' | 'trackRelay' | 'log'>,
  rec: CallRecord,
  esc: NonNullable<NonNullable<CallDecision['teams']>['escalation']>,
): Promise<void> {
  const a = endpointOf(rec, esc.mediaPath[0]);
  const b = endpointOf(rec, esc.mediaPath[esc.mediaPath.length - 1]);
  if (rec.state !== null || !a || !b) {
    // The call ended before, or an endpoint is not run here: nothing to move.
    return;
  }
  const mp = esc.mediaProcessor;
  const relay = ctx.relayOf(mp);
  const at = ctx.addressing.addressOf(mp);
  const s = await relay.allocate({ legA: { bindAddress: at }, legB: { bindAddress: at } });
  ctx.trackRelay(rec, mp, s.id);
  await relay.setPeer(s.id, 'A', { address: a.address, port: a.port });
  await relay.setPeer(s.id, 'B', { address: b.address, port: b.port });
  a.setRemote(s.legA.address, s.legA.port);
  b.setRemote(s.legB.address, s.legB.port);
  ctx.log.info({ call: rec.call.id, mediaProcessor: mp }, 'escalated: media re-anchored');
}
