/**
 * The relay's native classifier and statistics (`native/udp-batch/fast_path.cc`) behind the
 * interfaces of their TypeScript counterparts, so that one set of test vectors runs on both:
 * a classify function, and a {@link StreamStatsTable} whose updates run in the addon on the
 * table's own slab. Without the addon the native variants are absent (tests skip them),
 * except in CI (CI=true), where a missing addon is a failure.
 */
import {
  classifyPacket,
  loadUdpBatch,
  StreamStatsTable,
  udpBatchLoadError,
} from '../../../src/media/index.js';

const addon = loadUdpBatch();

if (process.env.CI === 'true' && addon === null) {
  throw new Error(
    `CI builds the batched UDP addon (npm ci runs native/udp-batch/install.js); it did not load: ${udpBatchLoadError() ?? '-'}`,
  );
}

/** True when the addon, and so the native classifier and statistics, loaded. */
export const nativeBuilt = addon !== null;

/** A classifier with the signature of `classifyPacket`. */
export type Classify = (buf: Buffer, len: number, maxLength?: number) => number;

/** The native classifier; throws when the addon is not built. */
export const nativeClassify: Classify = (buf, len, maxLength = 1500) => {
  if (addon === null) {
    throw new Error('the addon is not built');
  }
  return addon.classify(buf, len, maxLength);
};

/** Both classifiers by name, the native one only when the addon is built. */
export const CLASSIFIERS: readonly (readonly [string, Classify])[] = [
  ['classifier.ts', classifyPacket],
  ...(nativeBuilt ? [['native', nativeClassify] as const] : []),
];

/** A statistics table whose A.1 and A.8 updates run in the addon, on the table's slab. */
export class NativeStatsTable extends StreamStatsTable {
  override onRtp(slot: number, ssrc: number, seq: number, bytes: number): number {
    if (addon === null) {
      throw new Error('the addon is not built');
    }
    return addon.statsRtp(this.slab, slot, ssrc, seq, bytes);
  }

  override onJitter(slot: number, rtpTimestamp: number, arrival: number): void {
    if (addon === null) {
      throw new Error('the addon is not built');
    }
    addon.statsJitter(this.slab, slot, rtpTimestamp, arrival);
  }
}

/** Both statistics tables by name, the native one only when the addon is built. */
export const STATS_TABLES: readonly (readonly [
  string,
  new (capacity: number) => StreamStatsTable,
])[] = [
  ['stats.ts', StreamStatsTable],
  ...(nativeBuilt ? [['native', NativeStatsTable] as const] : []),
];
