/**
 * The statistics of a simulated busy hour: the confidence interval of a blocking probability
 * by batch means (the run cut into batches long against a call, each batch's ratio one
 * observation, Student's t over the batches), Wilson's interval when there are too few
 * batches, the quantiles these need, and the percentile of a level held over time. Pure
 * numbers; it must not know links or calls.
 */

/** A two-sided interval of a probability. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

/**
 * The standard normal quantile (Acklam's rational approximation, relative error below
 * 1.2e-9).
 * @throws {RangeError} for p outside (0, 1).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    throw new RangeError(`a probability strictly between 0 and 1, got ${p}`);
  }
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (k: readonly number[], x: number): number => k.reduce((acc, v) => acc * x + v, 0);
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

/**
 * Student's t quantile with `df` degrees of freedom, by the Cornish-Fisher expansion around
 * the normal quantile (four terms: within 0.002 of the table from 4 degrees of freedom on,
 * 2.262 for 9 degrees at 0.975).
 * @throws {RangeError} for p outside (0, 1) or fewer than 4 degrees of freedom.
 */
export function tQuantile(p: number, df: number): number {
  if (!(df >= 4)) {
    throw new RangeError(`the expansion needs at least 4 degrees of freedom, got ${df}`);
  }
  const z = normalQuantile(p);
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  const g4 = (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

/**
 * Wilson's score interval of `hits` in `trials` at a two-sided confidence (0.95).
 * With no trials, [0, 1].
 */
export function wilson(hits: number, trials: number, confidence: number): Interval {
  if (trials <= 0) {
    return { low: 0, high: 1 };
  }
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = hits / trials;
  const z2n = (z * z) / trials;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials))) / (1 + z2n);
  return {
    low: hits === 0 ? 0 : Math.max(0, centre - half),
    high: hits === trials ? 1 : Math.min(1, centre + half),
  };
}

/**
 * The confidence interval of a ratio (blocked calls over offered calls) by batch means: each
 * batch with offered calls gives one ratio; the interval is their mean ± t·s/√k around the
 * overall ratio. With fewer than five batches with calls, or no blocked call at all (the
 * batches then say nothing of the spread), it is Wilson's interval of the totals.
 */
export function batchInterval(
  blocked: ArrayLike<number>,
  offered: ArrayLike<number>,
  confidence: number,
): Interval {
  let hits = 0;
  let trials = 0;
  const ratios: number[] = [];
  for (let i = 0; i < offered.length; i++) {
    const n = offered[i] ?? 0;
    const h = blocked[i] ?? 0;
    hits += h;
    trials += n;
    if (n > 0) {
      ratios.push(h / n);
    }
  }
  if (ratios.length < 5 || hits === 0) {
    return wilson(hits, trials, confidence);
  }
  const k = ratios.length;
  const mean = ratios.reduce((s, r) => s + r, 0) / k;
  const variance = ratios.reduce((s, r) => s + (r - mean) ** 2, 0) / (k - 1);
  const half = tQuantile(1 - (1 - confidence) / 2, k - 1) * Math.sqrt(variance / k);
  const centre = hits / trials;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * The level at or below which something stayed for `fraction` of the time, from the time
 * spent at each level (`level -> ms`): the 95th percentile of a link's use over an hour.
 * Zero when no time was recorded.
 */
export function timePercentile(timeAt: ReadonlyMap<number, number>, fraction: number): number {
  let total = 0;
  for (const ms of timeAt.values()) {
    total += ms;
  }
  if (total <= 0) {
    return 0;
  }
  const levels = [...timeAt.keys()].sort((a, b) => a - b);
  let acc = 0;
  for (const level of levels) {
    acc += timeAt.get(level) ?? 0;
    if (acc >= fraction * total - 1e-9) {
      return level;
    }
  }
  return levels[levels.length - 1] ?? 0;
}
