/**
 * What a host of the live run offers and sends, from the decision's stream plans and the
 * scenario's codec table (c.4): a plan as an SDP codec, the packets of a stream (payload type,
 * clock, interval, size, and a video frame's packets), the plans a host is an end of, the
 * codecs a client offers when it does not know the decision yet, and the format of the codec
 * an offer and answer settled on.
 *
 * It must not know SIP messages, sockets, or the roles of hosts.
 */
import type { StreamFormat } from '../media/index.js';
import { CODEC_TABLE, codecSpec, ScenarioCodecs, type StreamPlan } from '../policy/index.js';
import type { CodecName, Modality } from '../scenario/index.js';
import type { SdpCodec, SdpCodecInfo } from '../sip/index.js';
import type { Topology } from '../topology/index.js';

/** The codec fields of a stream plan (or of the codec table) that an SDP codec needs. */
type CodecFields = Pick<StreamPlan, 'rtpName' | 'payloadType' | 'clockRate' | 'channels'>;

/** A codec as an SDP description lists it: its encoding name, payload type and clock. */
export function sdpCodecOf(c: CodecFields): SdpCodec {
  return {
    name: c.rtpName,
    payloadType: c.payloadType,
    clockRate: c.clockRate,
    ...(c.channels > 1 ? { channels: c.channels } : {}),
  };
}

/**
 * The packets of a stream as an endpoint sends them. A video frame goes in
 * `packetsPerSecond / fps` packets that share a timestamp (RTVideo CIF: 2 a frame at 15 fps).
 */
export function streamFormatOf(p: StreamPlan): StreamFormat {
  const fps = codecSpec(p.codec).fps;
  const perFrame =
    p.modality === 'video' && fps !== null && fps > 0
      ? Math.max(1, Math.round(p.packetsPerSecond / fps))
      : 1;
  return {
    payloadType: p.payloadType,
    clockRate: p.clockRate,
    packetMs: 1000 / p.packetsPerSecond,
    payloadBytes: p.payloadBytes,
    packetsPerFrame: perFrame,
  };
}

/** The plan of a stream of `modality` that `host` is an end of (towards `peer` when given). */
export function planAt(
  plans: readonly StreamPlan[],
  host: string,
  modality: Modality,
  peer?: string,
): StreamPlan | undefined {
  return plans.find(
    (p) =>
      p.modality === modality &&
      p.between.includes(host) &&
      (peer === undefined || p.between.includes(peer)),
  );
}

/**
 * The audio codecs a client offers when it does not know the decision (a PSTN call, which the
 * Mediation Server decides): its own list in order, one codec per payload type.
 */
export function clientOfferCodecs(codecs: readonly CodecName[]): SdpCodec[] {
  const seen = new Set<number>();
  const out: SdpCodec[] = [];
  for (const name of codecs) {
    const spec = codecSpec(name);
    if (!seen.has(spec.payloadType)) {
      seen.add(spec.payloadType);
      out.push(sdpCodecOf(spec));
    }
  }
  return out;
}

/**
 * The format of the codec an offer and answer settled on, for a host: the plan of one of the
 * host's streams with that payload type, else any of the decision's, else the codec table's
 * codec with that payload type and clock (undefined when the table has none).
 */
export function formatOfCodec(
  topo: Topology,
  plans: readonly StreamPlan[],
  host: string,
  chosen: SdpCodecInfo,
  modality: Modality,
): StreamFormat | undefined {
  const same = (p: StreamPlan): boolean =>
    p.modality === modality && p.payloadType === chosen.payloadType;
  const plan = plans.find((p) => same(p) && p.between.includes(host)) ?? plans.find((p) => same(p));
  if (plan) {
    return streamFormatOf(plan);
  }
  const spec = CODEC_TABLE.find(
    (s) =>
      s.modality === modality &&
      s.payloadType === chosen.payloadType &&
      s.clockRate === chosen.clockRate &&
      !s.fec,
  );
  if (!spec) {
    return undefined;
  }
  const figures = ScenarioCodecs.of(topo).stream(modality, spec.name);
  return streamFormatOf({ ...figures, modality, between: [host, host] });
}
