/**
 * Normalizing the `traffic:` section (the busy hour's offered load): each stream's load in both
 * units (Erlangs and calls per hour), its mean holding time, and its mix. Part of the second
 * stage of loading; like the rest of it, it never reports a problem, it falls back to defaults.
 */
import { CODEC_NAMES, DEFAULT_HOLDING_TIME_MS } from './enums.js';
import { arr, durationMs, num, obj, str } from './normalize-read.js';
import type { CodecShare, Traffic, TrafficStream } from './types.js';

/**
 * The busy hour's offered load: each stream's load in both units (Erlangs and calls per hour),
 * its mean holding time, and its mix, the section's where the stream gives none.
 */
export function traffic(t: Record<string, unknown>, sim: Record<string, unknown>): Traffic {
  const holdingMs = durationMs(t.holdingTime, DEFAULT_HOLDING_TIME_MS);
  const video = num(t.video, 0);
  const pstnShare = num(t.pstnShare, 0);
  const mix = codecShares(t.codecs);
  return {
    seed: num(t.seed, num(sim.seed, 1)),
    streams: arr(t.streams).map((x): TrafficStream => {
      const o = obj(x);
      const holding = durationMs(o.holdingTime, holdingMs);
      const hours = holding / 3_600_000;
      const callsPerHour =
        typeof o.erlangs === 'number' && hours > 0 ? o.erlangs / hours : num(o.callsPerHour, 0);
      return {
        from: str(o.from, ''),
        to: str(o.to, ''),
        callsPerHour,
        holdingMs: holding,
        erlangs: typeof o.erlangs === 'number' ? o.erlangs : callsPerHour * hours,
        video: num(o.video, video),
        pstnShare: num(o.pstnShare, pstnShare),
        codecs: o.codecs === undefined ? mix : codecShares(o.codecs),
        trunks: arr(o.trunks).map((g) => str(g, '')),
      };
    }),
  };
}

/** Codec weights -> shares that add up to 1, in the order of the codec list; none when empty. */
function codecShares(v: unknown): CodecShare[] {
  const o = obj(v);
  const weights = CODEC_NAMES.map((codec) => ({ codec, w: num(o[codec], 0) })).filter(
    (x) => x.w > 0,
  );
  const total = weights.reduce((sum, x) => sum + x.w, 0);
  return total > 0 ? weights.map((x) => ({ codec: x.codec, share: x.w / total })) : [];
}
