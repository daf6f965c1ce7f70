/**
 * Teletraffic formulas for sizing a link: Erlang B (the blocking of N servers offered A
 * Erlangs, by the standard recursion), its inverses (the servers for a target blocking, the
 * load N servers carry at a target), and the Kaufman-Roberts recursion for a link shared by
 * calls of different bandwidths, which gives the smallest limit in kbps that meets a target
 * blocking. Pure numbers; it must not know links, calls or the policy engine.
 */
import { InternalError } from '../core/index.js';

/**
 * The Erlang B blocking probability of `servers` servers offered `erlangs` Erlangs, by the
 * recursion B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1)), which is exact and never overflows.
 * @throws {RangeError} for a negative or non-integer number of servers, or a negative load.
 */
export function erlangB(servers: number, erlangs: number): number {
  if (!Number.isInteger(servers) || servers < 0) {
    throw new RangeError(`servers must be a whole number >= 0, got ${servers}`);
  }
  if (!(erlangs >= 0)) {
    throw new RangeError(`the offered load must be >= 0 Erlangs, got ${erlangs}`);
  }
  let b = 1;
  for (let n = 1; n <= servers; n++) {
    b = (erlangs * b) / (n + erlangs * b);
  }
  return b;
}

/**
 * The fewest servers whose Erlang B blocking at `erlangs` is at most `target`.
 * @throws {RangeError} for a target outside (0, 1] or a negative load.
 */
export function serversFor(erlangs: number, target: number): number {
  checkTarget(target);
  if (!(erlangs >= 0)) {
    throw new RangeError(`the offered load must be >= 0 Erlangs, got ${erlangs}`);
  }
  let b = 1;
  let n = 0;
  while (b > target) {
    n++;
    b = (erlangs * b) / (n + erlangs * b);
  }
  return n;
}

/**
 * The offered load at which `servers` servers block exactly `target` of the calls (what an
 * Erlang B table lists), by bisection to a relative precision of 1e-9.
 * @throws {RangeError} for a target outside (0, 1) or fewer than one server.
 */
export function offeredFor(servers: number, target: number): number {
  checkTarget(target);
  if (target >= 1 || !Number.isInteger(servers) || servers < 1) {
    throw new RangeError(`needs a target below 1 and at least one server`);
  }
  let lo = 0;
  let hi = 1;
  while (erlangB(servers, hi) < target) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1e-9 * hi) {
    const mid = (lo + hi) / 2;
    if (erlangB(servers, mid) < target) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return (lo + hi) / 2;
}

function checkTarget(target: number): void {
  if (!(target > 0 && target <= 1)) {
    throw new RangeError(`the target blocking must be above 0 and at most 1, got ${target}`);
  }
}

/** Calls of one bandwidth offered to a link. */
export interface TrafficClass {
  /** Bandwidth one call holds on the link, kbps. */
  readonly kbps: number;
  /** Offered load of the class, Erlangs. */
  readonly erlangs: number;
  /** Weight of the class in the average blocking (its call attempts). */
  readonly calls: number;
}

/** The smallest limit that meets a target, with the blocking it gives. */
export interface LimitAdvice {
  /** The limit, kbps (a multiple of 0.1 kbps). */
  readonly limitKbps: number;
  /** The call-weighted blocking of every class at that limit. */
  readonly blocking: number;
  /** With one class: the number of its calls the limit fits (the Erlang B servers). */
  readonly calls: number | null;
}

/** Bandwidth is counted in units of 0.1 kbps, the precision of the codec tables. */
const UNITS_PER_KBPS = 10;
/** The recursion's terms are scaled down past this, so that a large load does not overflow. */
const RESCALE_ABOVE = 1e250;

/**
 * The smallest limit (kbps) at which a link offered these classes of calls blocks at most
 * `target` of them, averaged over the calls of every class: the Kaufman-Roberts recursion
 * q(0) = 1, q(j) = (1/j)·Σ a_k·b_k·q(j - b_k) over the link's occupancy j in units of
 * 0.1 kbps, where a class of b_k units is blocked when fewer than b_k units are free. With one
 * class of b kbps it is Erlang B: the limit is `serversFor(A, target)` calls of b kbps.
 * Returns null when no class offers any load.
 * @throws {RangeError} for a target outside (0, 1], or a class with no bandwidth.
 */
export function limitFor(classes: readonly TrafficClass[], target: number): LimitAdvice | null {
  checkTarget(target);
  const cls = classes
    .filter((c) => c.erlangs > 0 && c.calls > 0)
    .map((c) => {
      const b = Math.round(c.kbps * UNITS_PER_KBPS);
      if (!(b >= 1)) {
        throw new RangeError(`a class of ${c.kbps} kbps has no bandwidth to size`);
      }
      return { b, ab: c.erlangs * b, calls: c.calls };
    });
  if (cls.length === 0) {
    return null;
  }
  const totalCalls = cls.reduce((s, c) => s + c.calls, 0);
  const mean = cls.reduce((s, c) => s + c.ab, 0);
  const widest = Math.max(...cls.map((c) => c.b));
  // The occupancy hardly ever exceeds its mean by many times the widest call: past this, a
  // target above zero that is still not met means a bug.
  const ceiling = Math.ceil(8 * mean + 200 * widest + 10 * Math.sqrt(mean * widest));
  let q = new Float64Array(
    Math.min(ceiling, Math.ceil(mean + 8 * Math.sqrt(mean * widest) + 20 * widest)) + 1,
  );
  /** Prefix sums: s[j] = q(0) + ... + q(j). */
  let s = new Float64Array(q.length);
  q[0] = 1;
  s[0] = 1;
  for (let c = 0; c <= ceiling; c++) {
    if (c >= q.length) {
      const size = Math.min(ceiling + 1, q.length * 2);
      const q2 = new Float64Array(size);
      const s2 = new Float64Array(size);
      q2.set(q);
      s2.set(s);
      q = q2;
      s = s2;
    }
    if (c > 0) {
      let sum = 0;
      for (const k of cls) {
        if (c >= k.b) {
          sum += k.ab * (q[c - k.b] ?? 0);
        }
      }
      q[c] = sum / c;
      s[c] = (s[c - 1] ?? 0) + (q[c] ?? 0);
      if ((s[c] ?? 0) > RESCALE_ABOVE) {
        for (let j = 0; j <= c; j++) {
          q[j] = (q[j] ?? 0) / RESCALE_ABOVE;
          s[j] = (s[j] ?? 0) / RESCALE_ABOVE;
        }
      }
    }
    const total = s[c] ?? 1;
    let blocked = 0;
    for (const k of cls) {
      const below = c - k.b >= 0 ? (s[c - k.b] ?? 0) : 0;
      blocked += (k.calls / totalCalls) * ((total - below) / total);
    }
    if (blocked <= target) {
      const only = cls.length === 1 ? cls[0] : undefined;
      return {
        limitKbps: c / UNITS_PER_KBPS,
        blocking: blocked,
        calls: only ? Math.floor(c / only.b) : null,
      };
    }
  }
  throw new InternalError(`no limit up to ${ceiling / UNITS_PER_KBPS} kbps meets ${target}`);
}
