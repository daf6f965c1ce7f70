/**
 * The media watch of a Mediation Server's relay or transcoding session: who is told when a
 * leg's RTP or RTCP stops, naming the host whose media stopped. Shared by a call's routing and
 * by the part after a transfer. It must not know what a timeout does to a call.
 */
import type { MediaTimeout } from '../../media/index.js';
import type { HostContext } from '../host-context.js';
import type { MediaSession } from '../media-session.js';

/** Registers the media timeouts of a relay or transcoding session, naming each leg's host. */
export type RelayWatch = (session: string | MediaSession, legA: string, legB: string) => void;

/**
 * A watch that gives `onTimeout` each timeout and the host whose media stopped (leg A's peer
 * or leg B's); `id` names the call in a transcoding session's timeouts.
 */
export function relayWatch(
  ctx: Pick<HostContext, 'watchRelay'>,
  id: string,
  onTimeout: (t: MediaTimeout, silent: string) => void,
): RelayWatch {
  return (session, legA, legB) => {
    const fire = (t: MediaTimeout): void => {
      onTimeout(t, t.leg === 'A' ? legA : legB);
    };
    if (typeof session === 'string') {
      ctx.watchRelay(session, fire);
    } else {
      session.onSilence((idleMs, leg, kind) => {
        fire({ id, leg, kind, idleMs });
      });
    }
  };
}
