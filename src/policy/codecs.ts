/**
 * Codec bandwidth per stream (docs/rules.md c.4, both tables) and the codec sets of the two
 * sides of the Mediation Server (b.1 #13, c.4). Data and small lookups; it must not know
 * about links, limits or calls.
 */
import type { CodecName, Modality, SimulationSettings } from '../scenario/index.js';

/**
 * Bandwidth per stream, kbps one direction (docs/rules.md c.4).
 * Table 1: SfB network requirements, "max without FEC" column (includes 5 kbps RTCP).
 * Table 2: CAC planning table (Ethernet, IP, UDP, RTP, SRTP and 10 kbps RTCP).
 */
const TABLE1: Readonly<Record<CodecName, number>> = {
  'RTAudio-WB': 62,
  'RTAudio-NB': 44.8,
  'SILK-WB': 69,
  'SILK-NB': 44.8,
  'G.722': 100.6,
  Siren: 52.6,
  PCMU: 97,
  PCMA: 97,
};

const TABLE2: Readonly<Record<CodecName, number>> = {
  'RTAudio-WB': 67,
  'RTAudio-NB': 49.8,
  'SILK-WB': 69,
  'SILK-NB': 49.8,
  'G.722': 105.6,
  Siren: 57.6,
  PCMU: 102,
  PCMA: 102,
};

/** RTVideo CIF 15 fps from the CAC planning table (c.4 table 2); both tables use it. */
export const VIDEO_KBPS = 260;

/** Kilobits per second one direction for a codec under the chosen table (A11). */
export function codecKbps(codec: CodecName, table: SimulationSettings['codecBandwidth']): number {
  return (table === 'table2' ? TABLE2 : TABLE1)[codec];
}

/** The bandwidth a stream of `modality` asks for. */
export function streamKbps(
  modality: Modality,
  codec: CodecName,
  table: SimulationSettings['codecBandwidth'],
): number {
  return modality === 'video' ? VIDEO_KBPS : codecKbps(codec, table);
}

/** Codecs a gateway can carry (b.1 #13): G.711 only. */
export const GATEWAY_CODECS: readonly CodecName[] = ['PCMU', 'PCMA'];

/** Codecs the Mediation Server offers a client on a PSTN call (c.4: G.711 or RTAudio 8 kHz). */
export const MS_CLIENT_CODECS: readonly CodecName[] = ['RTAudio-NB', 'PCMU', 'PCMA', 'SILK-NB'];

/** True for G.711, the only codecs that survive a bypassed leg. */
export function isG711(codec: CodecName): boolean {
  return codec === 'PCMU' || codec === 'PCMA';
}
