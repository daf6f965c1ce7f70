/**
 * A pool of UDP ports from a configured inclusive range, handed out next-fit so that a port
 * just released is not reused at once (late packets of the old call then hit a closed port
 * instead of a new call).
 */
export class PortPool {
  readonly #min: number;
  readonly #size: number;
  readonly #inUse: Uint8Array;
  #cursor = 0;
  #used = 0;

  /**
   * @param min - Lowest port, 1-65535.
   * @param max - Highest port, at least `min`.
   * @throws RangeError when the range is not within 1-65535 or is empty.
   */
  constructor(min: number, max: number) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || max < min) {
      throw new RangeError(`port range must satisfy 1 <= min <= max <= 65535, got ${min}-${max}`);
    }
    this.#min = min;
    this.#size = max - min + 1;
    this.#inUse = new Uint8Array(this.#size);
  }

  /** Ports in the range. */
  get size(): number {
    return this.#size;
  }

  /** Ports currently taken. */
  get used(): number {
    return this.#used;
  }

  /** Takes the next free port, or returns -1 when every port is taken. */
  take(): number {
    for (let i = 0; i < this.#size; i++) {
      const index = (this.#cursor + i) % this.#size;
      if (this.#inUse[index] === 0) {
        this.#inUse[index] = 1;
        this.#used++;
        this.#cursor = (index + 1) % this.#size;
        return this.#min + index;
      }
    }
    return -1;
  }

  /** Returns a port taken with {@link take}. Unknown or free ports are ignored. */
  give(port: number): void {
    const index = port - this.#min;
    if (index >= 0 && index < this.#size && this.#inUse[index] === 1) {
      this.#inUse[index] = 0;
      this.#used--;
    }
  }
}
