/**
 * SDP offers and answers for an audio stream and, for a video call, a video stream beside it
 * (RFC 4566, RFC 3264), built, parsed and edited with `sdp-transform`: codecs with
 * their payload types and clock rates (named ones, or any codec given in full: `x-msrta/8000`
 * on 115), the bypass ID attribute, and the ICE candidate lines of a relayed media path.
 *
 * It must not know policy, media sockets or the hosts of a run.
 */
import { isIPv4 } from 'node:net';
import * as sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { ErrorCodes, SimError } from '../core/index.js';
import { writeMemo, type SdpSlots } from './sdp-memo.js';
import { parseSdp, parseSdpFresh } from './sdp-parse.js';

/**
 * The media-level attribute that carries a client's or gateway's bypass ID
 * (`a=x-bypassid:<id>` on the audio m-line). Its use is observed in deployments, not
 * documented by the vendor; keep the name in this one constant.
 */
export const BYPASS_ID_ATTRIBUTE = 'x-bypassid';

interface CodecInfo {
  readonly payload: number;
  readonly rate: number;
  readonly channels?: number;
  readonly fmtp?: string;
}

/** Codecs known by name. Static payload types come from RFC 3551; the others are dynamic. */
const KNOWN_CODECS: Readonly<Record<string, CodecInfo>> = {
  PCMU: { payload: 0, rate: 8000 },
  PCMA: { payload: 8, rate: 8000 },
  G722: { payload: 9, rate: 8000 },
  G729: { payload: 18, rate: 8000 },
  OPUS: { payload: 111, rate: 48000, channels: 2 },
  SILK: { payload: 103, rate: 16000 },
  'TELEPHONE-EVENT': { payload: 101, rate: 8000, fmtp: '0-16' },
};

/**
 * A codec as a description lists it: by name (a known name gets its RFC 3551 or fixed payload
 * type and clock), or in full, as codecs with dynamic payload types are.
 */
export type SdpCodec =
  | string
  | {
      readonly name: string;
      readonly payloadType: number;
      readonly clockRate: number;
      readonly channels?: number;
    };

/** The media kinds a description here carries. */
export type SdpMediaKind = 'audio' | 'video';

/** A codec as a description carries it: the encoding name, payload type and clock. */
export interface SdpCodecInfo {
  readonly name: string;
  readonly payloadType: number;
  readonly clockRate: number;
}

/** Options of {@link buildOffer} and {@link buildAnswer}. */
export interface SdpMediaOptions {
  /** The IPv4 address media is received on (c= line). */
  readonly address: string;
  /** The RTP port (m= line). */
  readonly port: number;
  /** The RTCP port (a=rtcp, RFC 3605); RTP port + 1 by default. */
  readonly rtcpPort?: number;
  /** Codecs in preference order; PCMU and PCMA by default. */
  readonly codecs?: readonly SdpCodec[];
  /**
   * A video stream beside the audio: its port (RTP and RTCP on it) and codecs. In an answer
   * to an offer with video and without this, the video stream is declined (port 0).
   */
  readonly video?: { readonly port: number; readonly codecs: readonly SdpCodec[] };
  /** The bypass ID to advertise, if any. */
  readonly bypassId?: string;
  /** The o= user name; `mediapath` by default. */
  readonly username?: string;
  /** The o= session id; derived from the clock by default. */
  readonly sessionId?: number;
}

/** Where a description says it receives audio. */
export interface MediaAddress {
  readonly address: string;
  readonly port: number;
  readonly rtcpPort: number | undefined;
}

/** An address and one port that carries both RTP and RTCP. */
export type MediaTransport = Pick<MediaAddress, 'address' | 'port'>;

/** Options of {@link offerFor} and {@link answerFor}. */
export interface SdpForOptions {
  /** The bypass ID to advertise; none when missing or empty. */
  readonly bypassId?: string | undefined;
  /** A video stream received at `at` (on the audio stream's address), with its codecs. */
  readonly video?:
    { readonly at: MediaTransport; readonly codecs: readonly SdpCodec[] } | undefined;
}

/**
 * The RTP payload type that offers of this module give a codec: the static one of RFC 3551
 * (PCMU 0, PCMA 8, ...) or the fixed dynamic one of the codecs known by name; `undefined` for
 * any other codec.
 */
export function payloadTypeOf(codec: string): number | undefined {
  return KNOWN_CODECS[codec.toUpperCase()]?.payload;
}

function codecInfo(codec: SdpCodec, index: number): CodecInfo & { name: string } {
  if (typeof codec !== 'string') {
    return {
      name: codec.name,
      payload: codec.payloadType,
      rate: codec.clockRate,
      ...(codec.channels === undefined ? {} : { channels: codec.channels }),
    };
  }
  const name = codec;
  const upper = name.toUpperCase();
  const known = KNOWN_CODECS[upper];
  return {
    name: upper === 'OPUS' ? 'opus' : upper === 'TELEPHONE-EVENT' ? 'telephone-event' : upper,
    ...(known ?? { payload: 96 + index, rate: 8000 }),
  };
}

/** One m-line's payloads, as written. */
type RtpLine = { payload: number; codec: string; rate: number; encoding?: number; fmtp?: string };

/** An m-line of `kind` at `port` (RTCP on `rtcpPort`), or a declined one (port 0). */
function mediaLine(
  kind: SdpMediaKind,
  address: string,
  port: number,
  rtcpPort: number,
  rtp: readonly RtpLine[],
): MediaDescription {
  return {
    type: kind,
    port,
    protocol: 'RTP/AVP',
    payloads: rtp.map((r) => r.payload).join(' '),
    rtp: rtp.map((r) => ({
      payload: r.payload,
      codec: r.codec,
      rate: r.rate,
      ...(r.encoding === undefined ? {} : { encoding: r.encoding }),
    })),
    fmtp: rtp
      .filter((r) => r.fmtp !== undefined)
      .map((r) => ({ payload: r.payload, config: r.fmtp! })),
    ...(port === 0
      ? {}
      : {
          connection: { version: 4, ip: address },
          rtcp: { port: rtcpPort, netType: 'IN', ipVer: 4, address },
          direction: 'sendrecv' as const,
        }),
  };
}

function build(
  options: SdpMediaOptions,
  rtp: readonly RtpLine[],
  video: { readonly port: number; readonly rtp: readonly RtpLine[] } | null = null,
): string {
  const username = options.username ?? 'mediapath';
  const make = (v: SdpSlots): SessionDescription => {
    const media = mediaLine('audio', v.address, v.port, v.rtcpPort, rtp);
    if (options.bypassId !== undefined) {
      media.invalid = [{ value: `${BYPASS_ID_ATTRIBUTE}:${options.bypassId}` }];
    }
    return {
      version: 0,
      origin: {
        username,
        sessionId: v.sessionId,
        sessionVersion: 1,
        netType: 'IN',
        ipVer: 4,
        address: v.address,
      },
      name: '-',
      timing: { start: 0, stop: 0 },
      connection: { version: 4, ip: v.address },
      media: video
        ? [media, mediaLine('video', v.address, v.videoPort, v.videoPort, video.rtp)]
        : [media],
    };
  };
  const values: SdpSlots = {
    address: options.address,
    sessionId: options.sessionId ?? Math.floor(Date.now() / 1000),
    port: options.port,
    rtcpPort: options.rtcpPort ?? options.port + 1,
    videoPort: video?.port ?? 0,
  };
  // A declined stream (port 0) has fewer lines: such a description is written as it is.
  if (options.port === 0 || video?.port === 0) {
    return sdpTransform.write(make(values));
  }
  const shape = JSON.stringify([username, options.bypassId ?? null, rtp, video?.rtp ?? null]);
  return writeMemo(shape, values, make);
}

/** The payloads of a list of codecs, in order. */
function rtpLines(codecs: readonly SdpCodec[]): RtpLine[] {
  return codecs.map((name, i) => {
    const c = codecInfo(name, i);
    return {
      payload: c.payload,
      codec: c.name,
      rate: c.rate,
      ...(c.channels === undefined ? {} : { encoding: c.channels }),
      ...(c.fmtp === undefined ? {} : { fmtp: c.fmtp }),
    };
  });
}

/**
 * Builds an offer: an audio stream with the given address, port, codecs, RTCP port and bypass
 * ID, and a video stream when asked.
 */
export function buildOffer(options: SdpMediaOptions): string {
  const codecs = options.codecs ?? ['PCMU', 'PCMA'];
  const video = options.video;
  return build(
    options,
    rtpLines(codecs),
    video ? { port: video.port, rtp: rtpLines(video.codecs) } : null,
  );
}

/**
 * An audio offer received at `at`, RTCP on the RTP port, with `codecs` in preference order:
 * {@link buildOffer} for an endpoint or relay port that carries both.
 */
export function offerFor(
  at: MediaTransport,
  codecs: readonly SdpCodec[],
  options: SdpForOptions = {},
): string {
  return buildOffer({ ...transportOptions(at, codecs, options), ...bypassOption(options) });
}

/**
 * An answer to `offerSdp` received at `at`, RTCP on the RTP port: {@link buildAnswer} for an
 * endpoint or relay port that carries both.
 * @throws {SimError} `SIM_ERR_SIP_BAD_MESSAGE` as {@link buildAnswer}.
 */
export function answerFor(
  offerSdp: string,
  at: MediaTransport,
  codecs: readonly SdpCodec[],
  options: SdpForOptions = {},
): string {
  return buildAnswer(offerSdp, {
    ...transportOptions(at, codecs, options),
    ...bypassOption(options),
  });
}

function transportOptions(
  at: MediaTransport,
  codecs: readonly SdpCodec[],
  options: SdpForOptions,
): SdpMediaOptions {
  const video = options.video;
  return {
    address: at.address,
    port: at.port,
    rtcpPort: at.port,
    codecs,
    ...(video ? { video: { port: video.at.port, codecs: video.codecs } } : {}),
  };
}

function bypassOption(options: SdpForOptions): { bypassId?: string } {
  return options.bypassId ? { bypassId: options.bypassId } : {};
}

function audioOf(session: SessionDescription | undefined): MediaDescription | undefined {
  return mediaOf(session, 'audio');
}

/** The first stream of a kind that is not declined (port 0). */
function mediaOf(
  session: SessionDescription | undefined,
  kind: SdpMediaKind,
): MediaDescription | undefined {
  return session?.media.find((m) => m.type === kind && m.port !== 0);
}

/**
 * Builds an answer to `offerSdp` (RFC 3264 section 6.1): the first codec of the offer (in
 * the offer's order) that `options.codecs` also lists, keeping the offer's payload type,
 * plus telephone-event when both sides have it. A codec given in full matches by name and
 * clock rate, one given by name by name only. An offered video stream is answered the same
 * way with `options.video`, and declined (port 0) without it or without a common codec.
 * @throws {SimError} `SIM_ERR_SIP_BAD_MESSAGE` when the offer has no audio stream or no
 * common codec (`details.reason` is `no-audio` or `no-common-codec`); answer 488 then.
 */
export function buildAnswer(offerSdp: string, options: SdpMediaOptions): string {
  const session = parseSdp(offerSdp);
  const audio = audioOf(session);
  if (!audio) {
    throw new SimError(ErrorCodes.SIP_BAD_MESSAGE, 'SDP offer has no audio stream', {
      details: { reason: 'no-audio' },
    });
  }
  const chosen = answerPayloads(audio, options.codecs ?? ['PCMU', 'PCMA']);
  if (chosen === null) {
    throw new SimError(ErrorCodes.SIP_BAD_MESSAGE, 'no codec in common with the SDP offer', {
      details: { reason: 'no-common-codec', offered: payloadOrder(audio).map((r) => r.codec) },
    });
  }
  const offeredVideo = mediaOf(session, 'video');
  const video = offeredVideo ? videoAnswer(offeredVideo, options.video) : null;
  return build(options, chosen, video);
}

/** The video stream of an answer: the first common codec, or declined (port 0). */
function videoAnswer(
  offered: MediaDescription,
  ours: SdpMediaOptions['video'],
): { port: number; rtp: RtpLine[] } {
  const chosen = ours ? answerPayloads(offered, ours.codecs) : null;
  if (!ours || chosen === null) {
    return { port: 0, rtp: payloadOrder(offered).slice(0, 1) };
  }
  return { port: ours.port, rtp: chosen };
}

/** The payloads an answer keeps from an offered m-line, or null without a common codec. */
function answerPayloads(offered: MediaDescription, codecs: readonly SdpCodec[]): RtpLine[] | null {
  const byName = new Set<string>();
  const full: { name: string; rate: number }[] = [];
  for (const c of codecs) {
    if (typeof c === 'string') {
      byName.add(c.toUpperCase());
    } else {
      full.push({ name: c.name.toUpperCase(), rate: c.clockRate });
    }
  }
  const supports = (r: { codec: string; rate: number }): boolean => {
    const name = r.codec.toUpperCase();
    return byName.has(name) || full.some((f) => f.name === name && f.rate === r.rate);
  };
  const order = payloadOrder(offered);
  const voice = order.find((r) => r.codec.toUpperCase() !== 'TELEPHONE-EVENT' && supports(r));
  if (!voice) {
    return null;
  }
  const chosen: RtpLine[] = [voice];
  const dtmf = order.find((r) => r.codec.toUpperCase() === 'TELEPHONE-EVENT');
  if (dtmf && byName.has('TELEPHONE-EVENT')) {
    chosen.push(dtmf);
  }
  return chosen.map((r) => {
    const fmtp = offered.fmtp.find((f) => f.payload === r.payload)?.config;
    return { ...r, ...(fmtp === undefined ? {} : { fmtp }) };
  });
}

/** The audio payloads in m-line order, with static payload types named (RFC 3551). */
function payloadOrder(
  audio: MediaDescription,
): { payload: number; codec: string; rate: number; encoding?: number }[] {
  const order = String(audio.payloads ?? '')
    .split(/\s+/)
    .filter((p) => p.length > 0)
    .map(Number);
  return order.map((payload) => {
    const rtp = audio.rtp.find((r) => r.payload === payload);
    if (rtp) {
      return {
        payload,
        codec: rtp.codec,
        rate: rtp.rate ?? 8000,
        ...(rtp.encoding === undefined ? {} : { encoding: rtp.encoding }),
      };
    }
    const named = Object.entries(KNOWN_CODECS).find(
      ([, c]) => c.payload === payload && payload < 96,
    );
    return { payload, codec: named?.[0] ?? `PT${payload}`, rate: named?.[1].rate ?? 8000 };
  });
}

/**
 * The address and ports the description's audio stream is received on: the media-level c=
 * overrides the session-level one (RFC 4566 section 5.7). `undefined` when there is none.
 */
export function mediaAddressOf(
  sdp: string,
  kind: SdpMediaKind = 'audio',
): MediaAddress | undefined {
  const session = parseSdp(sdp);
  const audio = mediaOf(session, kind);
  const address = audio?.connection?.ip ?? session?.connection?.ip;
  if (!audio || address === undefined) {
    return undefined;
  }
  return { address, port: audio.port, rtcpPort: audio.rtcp?.port };
}

/** The bypass ID on the audio m-line, or `undefined`. */
export function bypassIdOf(sdp: string): string | undefined {
  const audio = audioOf(parseSdp(sdp));
  const prefix = `${BYPASS_ID_ATTRIBUTE}:`;
  const attr = audio?.invalid?.find((a) => a.value.startsWith(prefix));
  return attr?.value.slice(prefix.length).trim();
}

/** The codec names of a stream in the order of its m-line (e.g. `['PCMU', 'PCMA']`). */
export function codecsOf(sdp: string, kind: SdpMediaKind = 'audio'): string[] {
  const m = mediaOf(parseSdp(sdp), kind);
  return m ? payloadOrder(m).map((r) => r.codec) : [];
}

/**
 * The first codec of a stream (in an answer: the codec chosen), with its payload type and
 * clock rate; undefined when the description has no such stream.
 */
export function firstCodecOf(sdp: string, kind: SdpMediaKind = 'audio'): SdpCodecInfo | undefined {
  const m = mediaOf(parseSdp(sdp), kind);
  const first = m ? payloadOrder(m)[0] : undefined;
  return first
    ? { name: first.codec, payloadType: first.payload, clockRate: first.rate }
    : undefined;
}

/**
 * Edits the audio stream of a description with `sdp-transform`, which writes attributes in its
 * own order; the description comes back unchanged when it has no audio stream.
 */
function editAudio(sdp: string, edit: (audio: MediaDescription) => void): string {
  const session = parseSdpFresh(sdp);
  const audio = audioOf(session);
  if (!session || !audio) {
    return sdp;
  }
  edit(audio);
  return sdpTransform.write(session);
}

/**
 * Adds a relayed ICE candidate for RTP on the audio stream (RFC 5245 section 15.1): foundation
 * 1, component 1, UDP, priority 1, `typ relay`. The Mediation Server offers its relay so (b.5
 * #37).
 */
export function withRelayCandidate(sdp: string, relay: MediaTransport): string {
  return editAudio(sdp, (audio) => {
    audio.candidates = [
      ...(audio.candidates ?? []),
      {
        foundation: '1',
        component: 1,
        transport: 'UDP',
        priority: 1,
        ip: relay.address,
        port: relay.port,
        type: 'relay',
      },
    ];
  });
}

/** The first relayed IPv4 ICE candidate for RTP over UDP on the audio stream, if any. */
export function relayCandidateOf(sdp: string): MediaTransport | undefined {
  const found = audioOf(parseSdp(sdp))?.candidates?.find(
    (c) =>
      c.type === 'relay' &&
      Number(c.component) === 1 &&
      c.transport.toUpperCase() === 'UDP' &&
      isIPv4(c.ip),
  );
  return found ? { address: found.ip, port: Number(found.port) } : undefined;
}

/**
 * Names the candidate an answerer chose on the audio stream (`a=remote-candidates`, RFC 5245
 * section 15.2), component 1.
 */
export function withRemoteCandidate(sdp: string, chosen: MediaTransport): string {
  return editAudio(sdp, (audio) => {
    audio.remoteCandidates = `1 ${chosen.address} ${chosen.port}`;
  });
}
