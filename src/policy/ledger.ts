/**
 * The bandwidth ledger (docs/rules.md c.3#12): kbps in use per link and modality and channels
 * in use per gateway, reserved and released per call, with a read-only view for the pure
 * decision. It must not know how a decision is made or when a call ends.
 */
import { ErrorCodes, InternalError, SimError } from '../core/index.js';
import type { Modality } from '../scenario/index.js';

/** Bandwidth one call holds on one link for one modality (kbps, one direction). */
export interface Reservation {
  readonly link: string;
  readonly modality: Modality;
  readonly kbps: number;
  /** The codec the bandwidth is reserved for, when known (a label for reports). */
  readonly codec?: string;
}

/** What one call holds: bandwidth on links and channels on gateways. */
export interface Holding {
  readonly reservations: readonly Reservation[];
  readonly channels: readonly string[];
}

/** Read-only view of the ledger that the (pure) decision uses. */
export interface LedgerView {
  used(link: string, modality: Modality): number;
  channelsInUse(gateway: string): number;
}

/**
 * The bandwidth ledger of the Bandwidth Policy Service (docs/rules.md c.3#12): the kbps in use
 * per link and modality, and the channels in use per gateway. Reservations are made and
 * released per call id. Usage never goes negative, and releasing every call returns it to
 * zero (tested as invariants).
 */
export class Ledger implements LedgerView {
  /** Link id -> kbps in use per modality (link ids are interned strings: cheap to hash). */
  readonly #used = new Map<string, Record<Modality, number>>();
  readonly #channels = new Map<string, number>();
  readonly #holdings = new Map<string, Holding>();

  used(link: string, modality: Modality): number {
    return this.#used.get(link)?.[modality] ?? 0;
  }

  channelsInUse(gateway: string): number {
    return this.#channels.get(gateway) ?? 0;
  }

  /** Calls currently holding something. */
  get activeCalls(): number {
    return this.#holdings.size;
  }

  /**
   * Records what a call holds. A call id may hold once.
   * @throws {InternalError} when the call already holds a reservation (a caller bug).
   * @throws {RangeError} for a negative or non-finite amount.
   */
  reserve(callId: string, holding: Holding): void {
    if (this.#holdings.has(callId)) {
      throw new InternalError(`call ${callId} already holds a reservation`);
    }
    for (const r of holding.reservations) {
      if (!(r.kbps >= 0) || !Number.isFinite(r.kbps)) {
        throw new RangeError(
          `reservation of ${r.kbps} kbps on ${r.link} is not a finite non-negative number`,
        );
      }
    }
    this.#holdings.set(callId, holding);
    for (const r of holding.reservations) {
      let u = this.#used.get(r.link);
      if (!u) {
        u = { audio: 0, video: 0 };
        this.#used.set(r.link, u);
      }
      u[r.modality] += r.kbps;
    }
    for (const g of holding.channels) {
      this.#channels.set(g, (this.#channels.get(g) ?? 0) + 1);
    }
  }

  /**
   * Releases everything a call holds (at BYE).
   * @throws {SimError} SIM_ERR_LEDGER_UNKNOWN_RESERVATION when the call holds nothing.
   */
  release(callId: string): Holding {
    const holding = this.#holdings.get(callId);
    if (!holding) {
      throw new SimError(
        ErrorCodes.LEDGER_UNKNOWN_RESERVATION,
        `call ${callId} holds no reservation`,
      );
    }
    this.#holdings.delete(callId);
    for (const r of holding.reservations) {
      const u = this.#used.get(r.link);
      if (!u) {
        continue;
      }
      // Floating-point sums of 44.8 kbps do not cancel exactly: snap residue to zero.
      const left = u[r.modality] - r.kbps;
      u[r.modality] = left <= 1e-9 ? 0 : left;
      if (u.audio === 0 && u.video === 0) {
        this.#used.delete(r.link);
      }
    }
    for (const g of holding.channels) {
      const left = (this.#channels.get(g) ?? 0) - 1;
      if (left <= 0) {
        this.#channels.delete(g);
      } else {
        this.#channels.set(g, left);
      }
    }
    return holding;
  }

  /** True when the call holds something. */
  holds(callId: string): boolean {
    return this.#holdings.has(callId);
  }

  /** Usage per link and modality, sorted, for reports. */
  snapshot(): { link: string; modality: Modality; kbps: number }[] {
    const out: { link: string; modality: Modality; kbps: number }[] = [];
    for (const [link, u] of this.#used) {
      for (const modality of ['audio', 'video'] as const) {
        if (u[modality] > 0) {
          out.push({ link, modality, kbps: Math.round(u[modality] * 10) / 10 });
        }
      }
    }
    return out.sort((a, b) => a.link.localeCompare(b.link) || a.modality.localeCompare(b.modality));
  }

  /** Channels in use per gateway, for reports. */
  channelSnapshot(): { gateway: string; channels: number }[] {
    return [...this.#channels.entries()]
      .map(([gateway, channels]) => ({ gateway, channels }))
      .sort((a, b) => a.gateway.localeCompare(b.gateway));
  }
}
