/**
 * Builds a call's media path from what the hosts' sockets actually received, and compares it
 * with the decision. Pure: the lab collects the observations; this only reads them.
 */

/** What one host's socket received from one source during one call. */
export interface ReceivedStream {
  /** Host that received. */
  readonly receiver: string;
  /** Host that sent, resolved from the source address; null when no host has that address. */
  readonly source: string | null;
  /** `ip:port` of the sender, as seen on the wire. */
  readonly sourceAddress: string;
  readonly packets: number;
  readonly bytes: number;
  /** RFC 3550 cumulative loss (expected minus received). */
  readonly lost: number;
  /** RFC 3550 interarrival jitter, milliseconds. */
  readonly jitterMs: number;
  /** One-way latency, milliseconds (sender timestamp in the payload). */
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
  /** Audio (the default when absent) or the video stream of a video call. */
  readonly modality?: 'audio' | 'video';
  /**
   * Packets that came before the receiver followed the call's media (a peer that kept the
   * first early dialog's media: the clipped greeting, b.5 #38); null when it always did.
   */
  readonly packetsBeforeMark?: number | null;
  /** The payload type of the packets, when the receiver saw it (the relay does not). */
  readonly payloadType?: number | null;
  /** RTP payload bytes per packet, on average, when the receiver saw them. */
  readonly payloadBytes?: number | null;
  /** RTP bit rate (headers and payload) from the first packet to the last, kbps. */
  readonly kbps?: number | null;
}

/** Packets a host received but refused (an SBC that accepts media only from the MS). */
export interface HostDrop {
  readonly host: string;
  readonly source: string | null;
  readonly packets: number;
  readonly reason: string;
}

/** Everything the lab observed of one call's media. */
export interface CallMedia {
  readonly received: readonly ReceivedStream[];
  readonly drops: readonly HostDrop[];
}

/**
 * Which way media flowed: both ways, one way, none; `interrupted` when it flowed both ways but
 * the call did not end cleanly (a media timeout, legs that disagree, a host lost), so that a
 * report never calls such a call's media "both ways".
 */
export type MediaDirection = 'both-ways' | 'one-way' | 'none' | 'interrupted';

/** One direction of media, as observed. */
export interface DirectionPath {
  /** Hosts from the sender to as far as media got. */
  readonly hops: readonly string[];
  /** True when media reached the other party. */
  readonly complete: boolean;
  /** The stream the final hop received (for packets, loss, jitter). */
  readonly last: ReceivedStream | null;
}

/** A difference between what the decision said and what the packets did. */
export interface Divergence {
  readonly kind:
    | 'no-media'
    | 'one-way-media'
    | 'relayed-on-bypass'
    | 'path-differs'
    | 'media-on-refused-call'
    | 'dropped'
    | 'media-interrupted'
    | 'legs-disagree';
  readonly detail: string;
}

export interface ObservedCall {
  readonly forward: DirectionPath;
  readonly backward: DirectionPath;
  readonly media: MediaDirection;
  /** Loss over both final hops, percent of expected packets. */
  readonly lossPercent: number;
  readonly divergences: readonly Divergence[];
}

/** Minimum packets for a stream to count as media on a hop (a few strays are not a path). */
export const MIN_PACKETS_FOR_PATH = 5;

/**
 * Follows media hop by hop: from the sender, to the host that received from it, to the host
 * that received from that one, and so on, until the other party or a dead end. Where several
 * hosts received from the same one, the one that leads on to the target wins.
 */
export function followMedia(
  from: string,
  to: string,
  received: readonly ReceivedStream[],
  minPackets = MIN_PACKETS_FOR_PATH,
): DirectionPath {
  const edges = new Map<string, ReceivedStream[]>();
  for (const s of received) {
    if (s.source === null || s.packets < minPackets) {
      continue;
    }
    const list = edges.get(s.source) ?? [];
    list.push(s);
    edges.set(s.source, list);
  }
  let best: { hops: string[]; last: ReceivedStream | null } = { hops: [from], last: null };
  const walk = (hops: string[], last: ReceivedStream | null): boolean => {
    const here = hops[hops.length - 1] ?? from;
    if (here === to) {
      best = { hops, last };
      return true;
    }
    if (hops.length > best.hops.length) {
      best = { hops, last };
    }
    // The media of one call goes back to its sender at the end of the other direction: do not
    // walk into a host already on the path.
    for (const s of edges.get(here) ?? []) {
      if (!hops.includes(s.receiver) && walk([...hops, s.receiver], s)) {
        return true;
      }
    }
    return false;
  };
  const complete = walk([from], null);
  return { hops: best.hops, complete, last: best.last };
}

/**
 * Compares the observed media with the decision: whether media flowed, in which directions,
 * along which hosts, and whether that is what the decision said.
 */
export function observeCall(
  decision: {
    readonly decision: string;
    readonly bypass: boolean;
    readonly mediaPath: readonly string[];
    readonly from: string;
    readonly to: string;
  },
  media: CallMedia,
  isMediationServer: (host: string) => boolean,
  isOutside: (host: string) => boolean = () => false,
): ObservedCall {
  // The predicted path names the far end (a voice mail host or a re-route target) when it is
  // not the callee itself.
  const caller = decision.mediaPath[0] ?? decision.from;
  const callee = decision.mediaPath[decision.mediaPath.length - 1] ?? decision.to;
  // The path is the audio's; a video call's video stream is reported per stream beside it.
  const audio = media.received.filter((s) => s.modality !== 'video');
  const forward = followMedia(caller, callee, audio);
  const backward = followMedia(callee, caller, audio);
  const direction: MediaDirection =
    forward.complete && backward.complete
      ? 'both-ways'
      : forward.complete || backward.complete
        ? 'one-way'
        : 'none';
  const divergences: Divergence[] = [];
  const refused = decision.decision === 'REJECTED';
  if (refused) {
    const any = media.received.some((s) => s.packets >= MIN_PACKETS_FOR_PATH);
    if (any) {
      divergences.push({
        kind: 'media-on-refused-call',
        detail: 'media flowed although the call was refused',
      });
    }
  } else if (direction === 'none') {
    divergences.push({
      kind: 'no-media',
      detail: `no media reached either party (forward stopped at ${forward.hops.join(' -> ')})`,
    });
  } else if (direction === 'one-way') {
    const dead = forward.complete ? backward : forward;
    const from = dead.hops[0] ?? '?';
    const last = dead.hops[dead.hops.length - 1] ?? '?';
    const towards = dead === forward ? callee : caller;
    const way = dead === forward ? 'caller -> callee' : 'callee -> caller';
    divergences.push({
      kind: 'one-way-media',
      // What an outside peer (not emulated) receives is not observed by any host of the lab.
      detail: isOutside(towards)
        ? `${way} media to ${towards} is not observed: ${towards} is an outside peer`
        : dead.hops.length === 1
          ? `${way} media from ${from} was accepted by no host`
          : `${way} media stopped at ${last}`,
    });
  }
  if (decision.bypass) {
    for (const p of [forward, backward]) {
      const relay = p.hops.find((h) => isMediationServer(h));
      if (relay) {
        divergences.push({
          kind: 'relayed-on-bypass',
          detail: `a bypassed call's media went through ${relay}`,
        });
        break;
      }
    }
  }
  if (
    !refused &&
    forward.complete &&
    forward.hops.join(' -> ') !== decision.mediaPath.join(' -> ')
  ) {
    divergences.push({
      kind: 'path-differs',
      detail: `observed ${forward.hops.join(' -> ')}, decided ${decision.mediaPath.join(' -> ')}`,
    });
  }
  for (const d of media.drops) {
    // Media that reached a relay before signalling gave it a peer is early media racing the
    // answer through a chain of relays, not a fault of the path: listed, not flagged.
    if (d.packets > 0 && d.reason !== 'no-peer') {
      divergences.push({
        kind: 'dropped',
        detail: `${d.host} dropped ${d.packets} packets from ${d.source ?? 'an unknown source'} (${d.reason})`,
      });
    }
  }
  const finals = [forward.last, backward.last].filter(
    (s): s is ReceivedStream => s !== null && (s.receiver === callee || s.receiver === caller),
  );
  const expected = finals.reduce((n, s) => n + s.packets + Math.max(0, s.lost), 0);
  const lost = finals.reduce((n, s) => n + Math.max(0, s.lost), 0);
  return {
    forward,
    backward,
    media: direction,
    lossPercent: expected > 0 ? (lost / expected) * 100 : 0,
    divergences,
  };
}

/** The observed part of a call in a run's JSON: its path each way, media, loss and divergences. */
export function observedJson(o: ObservedCall): {
  observedPath: { forward: ObservedCall['forward']; backward: ObservedCall['backward'] };
  media: ObservedCall['media'];
  lossPercent: ObservedCall['lossPercent'];
  divergences: ObservedCall['divergences'];
} {
  return {
    observedPath: { forward: o.forward, backward: o.backward },
    media: o.media,
    lossPercent: o.lossPercent,
    divergences: o.divergences,
  };
}
