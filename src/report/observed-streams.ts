/**
 * The streams a call carried, as observed per hop and per kind (audio, and the video of a
 * video call): what each receiving host saw from each sender (packets, payload type and size,
 * bit rate), and the codec a party's hop carried, named from the decision's stream plans by
 * its payload type and packet size. Pure; it knows nothing of how the observations were made.
 */
import type { StreamPlan } from '../policy/index.js';
import type { ReceivedStream } from './observed.js';

/** One stream one host received from another, in a few fields. */
export interface ObservedStream {
  readonly modality: 'audio' | 'video';
  readonly from: string;
  readonly to: string;
  readonly packets: number;
  readonly payloadType: number | null;
  readonly payloadBytes: number | null;
  readonly kbps: number | null;
  /** The decided codec with that payload type and packet size, or null when none has them. */
  readonly codec: string | null;
}

/** The kind of a received stream (audio when the receiver did not say). */
export function modalityOf(s: ReceivedStream): 'audio' | 'video' {
  return s.modality ?? 'audio';
}

/** The decided codec a received stream's packets match (payload type and size), or null. */
function codecOf(plans: readonly StreamPlan[], s: ReceivedStream): string | null {
  if (s.payloadType === undefined || s.payloadType === null) {
    return null;
  }
  const m = modalityOf(s);
  const bytes = s.payloadBytes ?? null;
  // The stream's hop: the plan between its sender and receiver, or, when the sender only
  // forwards (an A/V Edge is no end of a stream), the receiver's plan.
  const source = s.source;
  const forwards = source === null || !plans.some((p) => p.between.includes(source));
  const plan = plans.find(
    (p) =>
      p.modality === m &&
      p.payloadType === s.payloadType &&
      (bytes === null || p.payloadBytes === bytes) &&
      p.between.includes(s.receiver) &&
      (forwards || (source !== null && p.between.includes(source))),
  );
  return plan?.codec ?? null;
}

/** Every stream a host of the call received from a known host, audio first. */
export function observedStreams(
  plans: readonly StreamPlan[],
  received: readonly ReceivedStream[],
): ObservedStream[] {
  return received
    .filter((s) => s.source !== null && s.packets > 0)
    .map((s) => ({
      modality: modalityOf(s),
      from: s.source ?? '?',
      to: s.receiver,
      packets: s.packets,
      payloadType: s.payloadType ?? null,
      payloadBytes: s.payloadBytes ?? null,
      kbps: s.kbps ?? null,
      codec: codecOf(plans, s),
    }))
    .sort((a, b) => (a.modality === b.modality ? 0 : a.modality === 'audio' ? -1 : 1));
}

/**
 * The codec the party's own hop carried, as observed: what the party received (its own
 * endpoint saw the payload type and size), named by the decision's plans; `pt 0, 160 B` when
 * no plan matches; null when the party received no such stream. Undefined when the party's
 * endpoint is not observed (an outside peer), so that nothing is checked.
 */
export function observedCodec(
  plans: readonly StreamPlan[],
  received: readonly ReceivedStream[],
  party: string,
  modality: 'audio' | 'video',
): string | null {
  const mine = received
    .filter((s) => s.receiver === party && modalityOf(s) === modality && s.packets > 0)
    .filter((s) => s.payloadType !== undefined && s.payloadType !== null)
    .sort((a, b) => b.packets - a.packets)[0];
  if (!mine) {
    return null;
  }
  return codecOf(plans, mine) ?? `pt ${String(mine.payloadType)}, ${String(mine.payloadBytes)} B`;
}

/** One stream in words: `audio alice -> ms-chi RTAudio-NB pt 115, 30 B, 300 pkts, 16.9 kbps`. */
export function observedStreamText(s: ObservedStream): string {
  const codec = s.codec ?? (s.payloadType === null ? 'relayed' : `pt ${s.payloadType}`);
  const pt = s.codec !== null && s.payloadType !== null ? ` pt ${s.payloadType}` : '';
  const size = s.payloadBytes === null ? '' : `, ${s.payloadBytes} B`;
  const kbps = s.kbps === null ? '' : `, ${s.kbps} kbps`;
  return `${s.modality} ${s.from} -> ${s.to} ${codec}${pt}${size}, ${s.packets} pkts${kbps}`;
}
