/**
 * The invariants of the bandwidth ledger (domain.md c.3 #12), checked after every reservation
 * and release of a run: usage is never negative; a link is never above its limit except by
 * what calls admitted by a bandwidth policy override (c.5 #17) or accounted without a check
 * (b.2 #21) hold there, and those calls are counted; gateway channels stay within their
 * count; and the ledger is back to zero whenever no call holds anything. A broken invariant is
 * a bug of the engine, so it throws.
 *
 * It must not know how a decision is made: it reads what a decision says (its legs' link
 * checks, its re-route) and what the ledger holds, and learns each link's limit from the link
 * checks, so it never repeats a rule of `cac.ts`.
 */
import { InternalError } from '../core/index.js';
import type { Modality } from '../scenario/index.js';
import type { CallDecision } from './call-decision.js';
import type { Holding, Ledger } from './ledger.js';

/**
 * How one reservation of a call was admitted: against the link's limit (`checked`), by the
 * callee's bandwidth policy override after a refusal (`override`, c.5 #17), or accounted after
 * establishment without a check (`unchecked`, b.2 #21).
 */
export type ReservationBasis = 'checked' | 'override' | 'unchecked';

/**
 * The basis of each reservation of a decision, in the order of `holding.reservations`. Each
 * admitted link check of the call's legs covers one reservation on its link and modality; a
 * reservation left over is an override's when the call was admitted by one and its refused leg
 * was checked on that link, and unchecked otherwise.
 */
export function reservationBases(d: CallDecision): ReservationBasis[] {
  if (allChecked(d)) {
    return d.holding.reservations.map(() => 'checked');
  }
  const admitted = new Map<string, number>();
  const refused = new Set<string>();
  for (const leg of d.legs) {
    for (const lc of leg.links) {
      const key = `${lc.link}|${lc.modality}`;
      if (leg.verdict === 'admitted' && lc.ok) {
        admitted.set(key, (admitted.get(key) ?? 0) + 1);
      } else {
        refused.add(key);
      }
    }
  }
  const override = d.reroute?.via === 'override';
  return d.holding.reservations.map((r) => {
    const key = `${r.link}|${r.modality}`;
    const left = admitted.get(key) ?? 0;
    if (left > 0) {
      admitted.set(key, left - 1);
      return 'checked';
    }
    return override && refused.has(key) ? 'override' : 'unchecked';
  });
}

/**
 * True when every reservation of a decision was checked against its link: no override, no
 * other carrying of a refused call, and no leg accounted without a check (the common case,
 * told without building anything).
 */
function allChecked(d: CallDecision): boolean {
  if (d.reroute !== null) {
    return false;
  }
  for (const leg of d.legs) {
    if (leg.verdict === 'unchecked') {
      return false;
    }
  }
  return true;
}

/** What the checks of a run found, for its report. */
export interface LedgerCheckCounts {
  /** Calls whose reservation was checked against the invariants. */
  readonly reserved: number;
  /** Calls whose release was checked. */
  readonly released: number;
  /** Calls admitted by a bandwidth policy override (c.5 #17) that hold bandwidth. */
  readonly overrideAdmissions: number;
  /** Of those, calls after whose admission a link was above its limit. */
  readonly overLimitByOverride: number;
  /** Calls holding bandwidth accounted after establishment without a check (b.2 #21). */
  readonly uncheckedAdmissions: number;
  /** Of those, calls after whose admission a link was above its limit. */
  readonly overLimitByUnchecked: number;
  /** Times every call had ended, and the ledger was found back at zero. */
  readonly drained: number;
}

/** Slack for sums of kbps such as 44.8 that floating point does not add exactly. */
const EPSILON = 1e-6;

/** Per link and modality: the limit learnt from link checks, and what exempt calls hold. */
interface LinkState {
  limit: number | null;
  known: boolean;
  exempt: number;
}

/**
 * Checks a ledger's invariants as calls reserve and release; see the file comment. The caller
 * tells it of every reservation (with the decision that made it) and every release, after the
 * ledger changed.
 */
export class LedgerInvariants {
  readonly #channelsOf: (gateway: string) => number | null;
  readonly #links = new Map<string, { audio: LinkState; video: LinkState }>();
  /** Per call holding something: the bases of its reservations; null when all were checked. */
  readonly #bases = new Map<string, readonly ReservationBasis[] | null>();
  #reserved = 0;
  #released = 0;
  #overrideAdmissions = 0;
  #overLimitByOverride = 0;
  #uncheckedAdmissions = 0;
  #overLimitByUnchecked = 0;
  #drained = 0;

  /** @param channelsOf - A gateway's channel count; null when it has no limit. */
  constructor(channelsOf: (gateway: string) => number | null) {
    this.#channelsOf = channelsOf;
  }

  /** The counts so far. */
  get counts(): LedgerCheckCounts {
    return {
      reserved: this.#reserved,
      released: this.#released,
      overrideAdmissions: this.#overrideAdmissions,
      overLimitByOverride: this.#overLimitByOverride,
      uncheckedAdmissions: this.#uncheckedAdmissions,
      overLimitByUnchecked: this.#overLimitByUnchecked,
      drained: this.#drained,
    };
  }

  /**
   * A call's decision was reserved in the ledger.
   * @throws {InternalError} when a link is above its limit beyond what exempt calls hold, or a
   *   gateway has more calls than channels.
   */
  reserved(ledger: Ledger, d: CallDecision): void {
    for (const leg of d.legs) {
      for (const lc of leg.links) {
        const s = this.#state(lc.link, lc.modality);
        if (!s.known) {
          s.known = true;
          s.limit = lc.limitKbps;
        }
      }
    }
    const bases = allChecked(d) ? null : reservationBases(d);
    const { reservations } = d.holding;
    this.#reserved++;
    let override = false;
    let unchecked = false;
    for (let i = 0; i < reservations.length && bases !== null; i++) {
      const r = reservations[i];
      const basis = bases[i];
      if (r === undefined || basis === undefined) {
        throw new InternalError('a reservation without its basis');
      }
      if (basis !== 'checked') {
        this.#state(r.link, r.modality).exempt += r.kbps;
        override ||= basis === 'override';
        unchecked ||= basis === 'unchecked';
      }
    }
    let overLimit = false;
    for (const r of reservations) {
      const s = this.#state(r.link, r.modality);
      const used = ledger.used(r.link, r.modality);
      if (s.limit === null) {
        continue;
      }
      if (used - s.exempt > s.limit + EPSILON) {
        throw new InternalError(
          `the ledger holds ${used} kbps ${r.modality} on ${r.link} after ${d.callId}, above its limit of ${s.limit} kbps by more than calls admitted without a check hold (${s.exempt} kbps)`,
        );
      }
      overLimit ||= used > s.limit + EPSILON;
    }
    this.#checkChannels(ledger, d.holding, d.callId);
    this.#bases.set(d.callId, bases);
    if (override) {
      this.#overrideAdmissions++;
      this.#overLimitByOverride += overLimit ? 1 : 0;
    }
    if (unchecked) {
      this.#uncheckedAdmissions++;
      this.#overLimitByUnchecked += overLimit && !override ? 1 : 0;
    }
  }

  /**
   * A call released what it held.
   * @throws {InternalError} when a usage went negative, or the ledger is not back at zero while
   *   no call holds anything.
   */
  released(ledger: Ledger, callId: string, holding: Holding): void {
    const bases = this.#bases.get(callId);
    if (bases === undefined) {
      throw new InternalError(`call ${callId} released a holding the checks never saw`);
    }
    this.#bases.delete(callId);
    this.#released++;
    holding.reservations.forEach((r, i) => {
      const s = this.#state(r.link, r.modality);
      if (bases !== null && bases[i] !== 'checked') {
        s.exempt = s.exempt - r.kbps <= EPSILON ? 0 : s.exempt - r.kbps;
      }
      const used = ledger.used(r.link, r.modality);
      if (used < 0) {
        throw new InternalError(`${r.link} ${r.modality} usage went negative (${used} kbps)`);
      }
    });
    for (const g of holding.channels) {
      if (ledger.channelsInUse(g) < 0) {
        throw new InternalError(`gateway ${g} has a negative number of calls`);
      }
    }
    if (ledger.activeCalls === 0) {
      const left = ledger.snapshot();
      const channels = ledger.channelSnapshot();
      if (left.length > 0 || channels.length > 0) {
        throw new InternalError(
          `no call holds anything, yet the ledger holds ${[
            ...left.map((u) => `${u.kbps} kbps ${u.modality} on ${u.link}`),
            ...channels.map((c) => `${c.channels} channels of ${c.gateway}`),
          ].join(', ')}`,
        );
      }
      this.#drained++;
    }
  }

  #checkChannels(ledger: Ledger, holding: Holding, callId: string): void {
    for (const g of holding.channels) {
      const limit = this.#channelsOf(g);
      const inUse = ledger.channelsInUse(g);
      if (limit !== null && inUse > limit) {
        throw new InternalError(
          `gateway ${g} carries ${inUse} calls after ${callId}, more than its ${limit} channels`,
        );
      }
    }
  }

  #state(link: string, modality: Modality): LinkState {
    let entry = this.#links.get(link);
    if (!entry) {
      entry = {
        audio: { limit: null, known: false, exempt: 0 },
        video: { limit: null, known: false, exempt: 0 },
      };
      this.#links.set(link, entry);
    }
    return entry[modality];
  }
}
