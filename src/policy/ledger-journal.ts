/**
 * The Bandwidth Policy Service's journal: when each call was decided, and every reservation
 * and release with its time, so that a report can draw each link's use over the run. Written
 * only when a run asks for it. It must not know how a decision is made or what a time means
 * (the caller's clock gives milliseconds from the start of its run).
 */
import type { Modality } from '../scenario/index.js';
import type { Holding } from './ledger.js';

/** One reservation or release on one link, ms from the start of the run. */
export interface LedgerEvent {
  readonly t: number;
  readonly op: 'reserve' | 'release';
  readonly callId: string;
  readonly link: string;
  readonly modality: Modality;
  readonly kbps: number;
}

/** Decision times and ledger events of a run, in the order they happened. */
export class LedgerJournal {
  readonly #now: () => number;
  readonly #events: LedgerEvent[] = [];
  readonly #decidedAt = new Map<string, number>();

  /** @param now - Milliseconds from the start of the run. */
  constructor(now: () => number) {
    this.#now = now;
  }

  /** Every reservation and release so far, oldest first. */
  get events(): readonly LedgerEvent[] {
    return this.#events;
  }

  /** When a call was decided, ms from the start; undefined when it was not. */
  decidedAt(callId: string): number | undefined {
    return this.#decidedAt.get(callId);
  }

  /** A call was decided and reserves what it holds. */
  decided(callId: string, holding: Holding): void {
    const t = this.#now();
    this.#decidedAt.set(callId, t);
    this.#record(t, 'reserve', callId, holding);
  }

  /** A call released what it held. */
  released(callId: string, holding: Holding): void {
    this.#record(this.#now(), 'release', callId, holding);
  }

  #record(t: number, op: LedgerEvent['op'], callId: string, holding: Holding): void {
    for (const r of holding.reservations) {
      this.#events.push({ t, op, callId, link: r.link, modality: r.modality, kbps: r.kbps });
    }
  }
}
