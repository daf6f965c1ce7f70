/**
 * The ends of the calls in progress of a simulation, earliest first: a binary min-heap by end
 * time, then by arrival order, so that the order is the same on every run. It must not know
 * what a call holds.
 */

/** One call in progress: when it ends, its order of arrival, and what the caller keeps. */
export interface CallEnd<T> {
  readonly at: number;
  readonly seq: number;
  readonly value: T;
}

/** A binary min-heap of call ends. */
export class EndQueue<T> {
  readonly #heap: CallEnd<T>[] = [];

  /** Calls in progress. */
  get size(): number {
    return this.#heap.length;
  }

  /** Adds a call end. */
  push(e: CallEnd<T>): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent];
      if (p === undefined || !before(e, p)) {
        break;
      }
      h[i] = p;
      i = parent;
    }
    h[i] = e;
  }

  /** Removes and returns the earliest end at or before `t`, if any. */
  popUntil(t: number): CallEnd<T> | undefined {
    const h = this.#heap;
    const top = h[0];
    if (top === undefined || top.at > t) {
      return undefined;
    }
    const last = h.pop();
    if (last !== undefined && h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let best = last;
        const hl = h[l];
        if (hl !== undefined && before(hl, best)) {
          m = l;
          best = hl;
        }
        const hr = h[r];
        if (hr !== undefined && before(hr, best)) {
          m = r;
        }
        if (m === i) {
          break;
        }
        h[i] = h[m] ?? last;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}

function before<T>(a: CallEnd<T>, b: CallEnd<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
