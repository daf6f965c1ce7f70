/**
 * The codec table (docs/rules.md c.4): every codec of Microsoft's two bandwidth tables, the
 * FEC and stereo variants included, with what a stream of it looks like on the wire (payload
 * type, clock rate, packetization, payload bytes per packet) and what CAC reserves for it
 * under each table (A11), with a scenario's own figures applied. Also the codec sets of the
 * two sides of the Mediation Server (b.1 #13, c.4). Data and small lookups; it must not know
 * about links, limits or calls.
 */
import { InternalError } from '../core/index.js';
import {
  CODEC_NAMES,
  VIDEO_CODEC_NAMES,
  type CodecName,
  type Modality,
  type Scenario,
  type SimulationSettings,
  type VideoCodecName,
} from '../scenario/index.js';
import type { Topology } from '../topology/index.js';

/** An audio or a video codec. */
export type MediaCodec = CodecName | VideoCodecName;

/** Where a figure comes from: a Microsoft table, or this simulator's reading of one. */
export type FigureBasis = 'documented' | 'inferred';

/** One codec as the table describes it. */
export interface CodecSpec {
  readonly name: MediaCodec;
  readonly modality: Modality;
  /** The encoding name in SDP (`PCMU`, `x-msrta`, `SILK`, `x-rtvc1`, ...). */
  readonly rtpName: string;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly channels: number;
  /** With forward error correction: every packet also carries the previous frame. */
  readonly fec: boolean;
  /** The codec's own bit rate, kbps (c.4 table 1, "payload"); video: the media bit rate. */
  readonly payloadKbps: number;
  /** Audio: ms of audio per packet (20 in both tables). Video: ms between frames. */
  readonly ptimeMs: number;
  /** Video: frames per second; null for audio. */
  readonly fps: number | null;
  /** What CAC reserves per stream, kbps one direction, under each table (A11). */
  readonly table1: number;
  readonly table2: number;
  /** Where each table's figure comes from. */
  readonly basis1: FigureBasis;
  readonly basis2: FigureBasis;
  /** G.711: the only codecs a gateway peer speaks, and so of a bypassed leg (b.1 #13). */
  readonly g711: boolean;
}

const D: FigureBasis = 'documented';
const I: FigureBasis = 'inferred';

/** An audio row: name, SDP name, payload type, clock, payload kbps, table figures. */
function audio(
  name: CodecName,
  rtpName: string,
  payloadType: number,
  clockRate: number,
  payloadKbps: number,
  t1: readonly [number, FigureBasis],
  t2: readonly [number, FigureBasis],
  more: { channels?: number; fec?: boolean } = {},
): CodecSpec {
  return {
    name,
    modality: 'audio',
    rtpName,
    payloadType,
    clockRate,
    channels: more.channels ?? 1,
    fec: more.fec ?? false,
    payloadKbps,
    ptimeMs: 20,
    fps: null,
    table1: t1[0],
    table2: t2[0],
    basis1: t1[1],
    basis2: t2[1],
    g711: name === 'PCMU' || name === 'PCMA',
  };
}

/** A video row: RTVideo, with the CAC planning table's figure in both tables. */
function video(name: VideoCodecName, fps: number, kbps: number): CodecSpec {
  return {
    name,
    modality: 'video',
    rtpName: 'x-rtvc1',
    payloadType: 121,
    clockRate: 90000,
    channels: 1,
    fec: false,
    payloadKbps: kbps - 10,
    ptimeMs: 1000 / fps,
    fps,
    table1: kbps,
    table2: kbps,
    basis1: I,
    basis2: D,
    g711: false,
  };
}

/**
 * Every codec. Table 1 is the network requirements' "max without FEC" (and "max with FEC" for
 * the +FEC rows), 5 kbps of RTCP included; table 2 the CAC planning table, 10 kbps of RTCP.
 * Where a table has no figure, the inferred one is the next column plus the table's RTCP
 * (G.722 stereo, the lower SILK rates); SILK, which table 2 lacks, keeps table 1's figure.
 */
const SPECS: readonly CodecSpec[] = [
  audio('RTAudio-WB', 'x-msrta', 114, 16000, 29, [62, D], [67, D]),
  audio('RTAudio-NB', 'x-msrta', 115, 8000, 11.8, [44.8, D], [49.8, D]),
  audio('SILK-WB', 'SILK', 103, 16000, 36, [69, D], [69, I]),
  audio('SILK-NB', 'SILK', 104, 8000, 13, [46, I], [46, I]),
  audio('G.722', 'G722', 9, 8000, 64, [100.6, D], [105.6, D]),
  audio('Siren', 'SIREN', 111, 16000, 16, [52.6, D], [57.6, D]),
  audio('PCMU', 'PCMU', 0, 8000, 64, [97, D], [102, D]),
  audio('PCMA', 'PCMA', 8, 8000, 64, [97, D], [102, D]),
  audio('G.722-Stereo', 'G722', 117, 8000, 128, [164.6, I], [169.6, I], { channels: 2 }),
  audio('SILK-WB-26', 'SILK', 103, 16000, 26, [59, I], [59, I]),
  audio('SILK-WB-20', 'SILK', 103, 16000, 20, [53, I], [53, I]),
  audio('RTAudio-WB+FEC', 'x-msrta', 114, 16000, 29, [91, D], [96, D], { fec: true }),
  audio('RTAudio-NB+FEC', 'x-msrta', 115, 8000, 11.8, [56.6, D], [61.6, D], { fec: true }),
  audio('SILK-WB+FEC', 'SILK', 103, 16000, 36, [105, D], [105, I], { fec: true }),
  audio('SILK-WB-26+FEC', 'SILK', 103, 16000, 26, [85, I], [85, I], { fec: true }),
  audio('SILK-WB-20+FEC', 'SILK', 103, 16000, 20, [73, I], [73, I], { fec: true }),
  audio('SILK-NB+FEC', 'SILK', 104, 8000, 13, [59, I], [59, I], { fec: true }),
  audio('G.722+FEC', 'G722', 9, 8000, 64, [164.6, D], [169.6, D], { fec: true }),
  audio('G.722-Stereo+FEC', 'G722', 117, 8000, 128, [228.6, I], [233.6, I], {
    channels: 2,
    fec: true,
  }),
  audio('Siren+FEC', 'SIREN', 111, 16000, 16, [68.6, D], [73.6, D], { fec: true }),
  audio('PCMU+FEC', 'PCMU', 0, 8000, 64, [161, D], [166, D], { fec: true }),
  audio('PCMA+FEC', 'PCMA', 8, 8000, 64, [161, D], [166, D], { fec: true }),
  video('RTVideo-CIF', 15, 260),
  video('RTVideo-VGA', 30, 610),
];

const BY_NAME: ReadonlyMap<string, CodecSpec> = new Map(SPECS.map((s) => [s.name, s] as const));

/** Every codec of the table, audio then video, in the order of the scenario enumerations. */
export const CODEC_TABLE: readonly CodecSpec[] = [...CODEC_NAMES, ...VIDEO_CODEC_NAMES].map((n) =>
  codecSpec(n),
);

/**
 * The table's row of a codec.
 * @throws {InternalError} for a name outside the enumerations (every one of them has a row).
 */
export function codecSpec(codec: MediaCodec): CodecSpec {
  const spec = BY_NAME.get(codec);
  if (!spec) {
    throw new InternalError(`the codec table has no row for ${codec}`);
  }
  return spec;
}

/** RTVideo CIF 15 fps from the CAC planning table (c.4 table 2); both tables use it. */
export const VIDEO_KBPS = 260;

/** Kilobits per second one direction for a codec under the chosen table (A11). */
export function codecKbps(codec: CodecName, table: SimulationSettings['codecBandwidth']): number {
  const spec = codecSpec(codec);
  return table === 'table2' ? spec.table2 : spec.table1;
}

/** The bandwidth a stream of `modality` asks for; video without a video codec is RTVideo CIF. */
export function streamKbps(
  modality: Modality,
  codec: MediaCodec,
  table: SimulationSettings['codecBandwidth'],
): number {
  const spec = codecSpec(codec);
  if (modality === 'video' && spec.modality !== 'video') {
    return VIDEO_KBPS;
  }
  return table === 'table2' ? spec.table2 : spec.table1;
}

/** What one stream of a codec looks like on the wire, for the live run. */
export interface WireFigures {
  /** Ms between packets. */
  readonly packetMs: number;
  readonly packetsPerSecond: number;
  /** RTP payload bytes per packet (a FEC packet carries two frames). */
  readonly payloadBytes: number;
}

/** What a stream of one codec sends, whatever its ends: the codec's part of a stream plan. */
export interface StreamFigures {
  readonly codec: MediaCodec;
  readonly rtpName: string;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly channels: number;
  readonly fec: boolean;
  readonly packetMs: number;
  readonly packetsPerSecond: number;
  readonly payloadBytes: number;
  readonly kbps: number;
}

/** Bytes of IP, UDP, RTP and SRTP per packet that a video figure includes. */
const VIDEO_HEADER_BYTES = 50;
/** The largest video payload of one packet; a larger frame is split. */
const VIDEO_MAX_PAYLOAD = 1200;

/**
 * The scenario's codec table: the chosen table's figure per codec (A11) with the scenario's own
 * figures applied, and the packetization a live stream uses. Built once per topology.
 */
export class ScenarioCodecs {
  static readonly #byTopology = new WeakMap<Topology, ScenarioCodecs>();
  /** The last topology asked about and its table: decisions come in runs of one topology. */
  static #lastTopology: Topology | null = null;
  static #lastTable: ScenarioCodecs | null = null;
  readonly #kbps = new Map<string, number>();
  readonly #ptime = new Map<string, number>();
  /** Per codec and modality, what a stream of it is, without its ends (built on first use). */
  readonly #streams = new Map<string, StreamFigures>();
  /** Codecs whose reserved figure the scenario sets itself. */
  readonly overridden: ReadonlySet<string>;

  constructor(scenario: Scenario) {
    const table = scenario.simulation.codecBandwidth;
    for (const spec of SPECS) {
      this.#kbps.set(spec.name, table === 'table2' ? spec.table2 : spec.table1);
      this.#ptime.set(spec.name, spec.ptimeMs);
    }
    const overridden = new Set<string>();
    for (const o of scenario.codecTable) {
      if (o.kbps !== null) {
        this.#kbps.set(o.codec, o.kbps);
        overridden.add(o.codec);
      }
      if (o.ptimeMs !== null && o.ptimeMs > 0 && codecSpec(o.codec).modality === 'audio') {
        this.#ptime.set(o.codec, o.ptimeMs);
      }
    }
    this.overridden = overridden;
  }

  /** The table of a topology (built on first use). */
  static of(topo: Topology): ScenarioCodecs {
    if (topo === ScenarioCodecs.#lastTopology && ScenarioCodecs.#lastTable !== null) {
      return ScenarioCodecs.#lastTable;
    }
    let t = ScenarioCodecs.#byTopology.get(topo);
    if (!t) {
      t = new ScenarioCodecs(topo.scenario);
      ScenarioCodecs.#byTopology.set(topo, t);
    }
    ScenarioCodecs.#lastTopology = topo;
    ScenarioCodecs.#lastTable = t;
    return t;
  }

  /** What a stream of `codec` sends for `modality`, kept once per codec (c.4). */
  stream(modality: Modality, codec: MediaCodec): StreamFigures {
    const key = modality === 'video' ? `v:${codec}` : codec;
    let f = this.#streams.get(key);
    if (!f) {
      const spec = codecSpec(codec);
      const wire = this.wire(codec);
      f = {
        codec,
        rtpName: spec.rtpName,
        payloadType: spec.payloadType,
        clockRate: spec.clockRate,
        channels: spec.channels,
        fec: spec.fec,
        packetMs: wire.packetMs,
        packetsPerSecond: wire.packetsPerSecond,
        payloadBytes: wire.payloadBytes,
        kbps: this.kbps(modality, codec),
      };
      this.#streams.set(key, f);
    }
    return f;
  }

  /** Kbps one direction that CAC reserves for a stream of `codec` (video: RTVideo CIF if not a video codec). */
  kbps(modality: Modality, codec: MediaCodec): number {
    if (modality === 'video' && codecSpec(codec).modality !== 'video') {
      return this.#kbps.get('RTVideo-CIF') ?? VIDEO_KBPS;
    }
    return this.#kbps.get(codec) ?? 0;
  }

  /** The packet rate and payload size of a stream of `codec`. */
  wire(codec: MediaCodec): WireFigures {
    const spec = codecSpec(codec);
    if (spec.modality === 'video') {
      const bytesPerSecond = ((this.#kbps.get(codec) ?? spec.table2) - 10) * 125;
      const fps = spec.fps ?? 15;
      const frame = bytesPerSecond / fps;
      const perFrame = Math.max(1, Math.ceil(frame / (VIDEO_MAX_PAYLOAD + VIDEO_HEADER_BYTES)));
      const pps = fps * perFrame;
      return {
        packetMs: round2(1000 / pps),
        packetsPerSecond: pps,
        payloadBytes: Math.round(bytesPerSecond / pps - VIDEO_HEADER_BYTES),
      };
    }
    const ptime = this.#ptime.get(codec) ?? spec.ptimeMs;
    const frame = Math.round((spec.payloadKbps * ptime) / 8);
    return {
      packetMs: ptime,
      packetsPerSecond: round2(1000 / ptime),
      payloadBytes: spec.fec ? frame * 2 : frame,
    };
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Codecs a gateway can carry (b.1 #13): G.711 only. */
export const GATEWAY_CODECS: readonly CodecName[] = ['PCMU', 'PCMA'];

/** Codecs the Mediation Server offers a client on a PSTN call (c.4: G.711 or RTAudio 8 kHz). */
export const MS_CLIENT_CODECS: readonly CodecName[] = ['RTAudio-NB', 'PCMU', 'PCMA', 'SILK-NB'];

/** True for G.711, the only codecs that survive a bypassed leg. */
export function isG711(codec: CodecName): boolean {
  return codec === 'PCMU' || codec === 'PCMA';
}

/** An audio codec as such, or null for a video codec or none. */
export function audioCodecOf(codec: MediaCodec | null): CodecName | null {
  return codec === null || codecSpec(codec).modality !== 'audio' ? null : (codec as CodecName);
}

/** A video codec as such, or null for an audio codec or none. */
export function videoCodecOf(codec: MediaCodec | null): VideoCodecName | null {
  return codec === null || codecSpec(codec).modality !== 'video' ? null : (codec as VideoCodecName);
}
