/**
 * What `mediapath load` says on stderr while it works: a progress line (redrawn in place on a
 * terminal, a line every 5 s and at the start of each level otherwise), and in a ramp one line
 * per level with its outcome, why it did not hold, and why it is run again.
 *
 * This file must not know how levels are run or chosen; it mirrors the ramp's re-run rule
 * from the same two figures the command hands to the ramp ({@link RerunRule}).
 */
import type { GeneratorProgress, LoadLevelResult } from '../media/index.js';
import type { CliIO } from './io.js';
import { fmtInt, fmtMs, fmtPct, HOLD, whyNotHeld, type HoldCriteria } from './load-report.js';
import { count } from './text.js';

/**
 * When the ramp runs a level again: it did not hold while other processes used more than
 * `contendedCpu` of a core, at most `retries` times in a row.
 */
export interface RerunRule {
  readonly contendedCpu: number;
  readonly retries: number;
}

/** The rule `mediapath load --ramp` runs with (the ramp's defaults, given explicitly). */
export const RERUN: RerunRule = { contendedCpu: 0.2, retries: 2 };

/** A progress sample of a level. */
export type LoadProgressSample = GeneratorProgress & { readonly calls: number };

/** The progress and level lines of one `mediapath load`. */
export class LoadProgress {
  readonly #stream: CliIO['stderr'];
  readonly #tty: boolean;
  readonly #seconds: number;
  readonly #criteria: HoldCriteria;
  readonly #rule: RerunRule;
  #lastPlain = -Infinity;
  #drawn = false;
  #levels = 0;
  #previous: LoadLevelResult | undefined;
  #reruns = 0;

  /**
   * @param stream - Where the lines go (the command's stderr).
   * @param seconds - The duration of a level, for the progress line.
   */
  constructor(
    stream: CliIO['stderr'],
    seconds: number,
    criteria: HoldCriteria = HOLD,
    rule: RerunRule = RERUN,
  ) {
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
    this.#seconds = seconds;
    this.#criteria = criteria;
    this.#rule = rule;
  }

  /** A line that stays (on a terminal, it replaces the progress line). */
  line(text: string): void {
    this.#stream.write(this.#drawn ? `\r\x1b[K${text}\n` : `${text}\n`);
    this.#drawn = false;
  }

  /** A progress sample: redrawn on a terminal; otherwise the first of a level, then every 5 s. */
  readonly progress = (p: LoadProgressSample): void => {
    const s = p.elapsedMs / 1000;
    const text = `load: ${count(p.calls, 'call')}, ${s.toFixed(0)}/${this.#seconds} s, ${fmtInt(p.sent / s)} packets/s offered, ${fmtInt(p.received)} of ${fmtInt(p.sent)} received`;
    if (this.#tty) {
      this.#stream.write(`\r\x1b[K${text}`);
      this.#drawn = true;
    } else if (p.elapsedMs - this.#lastPlain >= 5000 || p.elapsedMs < this.#lastPlain) {
      this.#lastPlain = p.elapsedMs;
      this.#stream.write(`${text}\n`);
    }
  };

  /**
   * A ramp level ended: its outcome, why it did not hold, and whether the ramp runs it again
   * (with the other processes' CPU that makes it do so).
   */
  readonly level = (r: LoadLevelResult): void => {
    const rerun = this.#previous !== undefined && this.#previous.calls === r.calls;
    this.#reruns = rerun ? this.#reruns + 1 : 0;
    this.#previous = r;
    this.#levels++;
    const name = `ramp level ${this.#levels}: ${count(r.calls, 'call')}${rerun ? ` (run ${this.#reruns + 1})` : ''}`;
    const figures = `loss ${fmtPct(r.lossRatio)}, p99 ${fmtMs(r.latencyMs.p99)} ms, relay CPU ${(r.relayCpu * 100).toFixed(0)} %`;
    const other =
      r.otherCpu === null
        ? ''
        : `; other processes used ${(r.otherCpu * 100).toFixed(0)} % of a core`;
    if (r.held) {
      this.line(`${name} held (${figures}${other})`);
    } else {
      this.line(`${name} not held: ${whyNotHeld(r, this.#criteria).join(', ')}${other}`);
      if (r.otherCpu !== null && r.otherCpu > this.#rule.contendedCpu) {
        this.line(
          this.#reruns < this.#rule.retries
            ? `  more than ${(this.#rule.contendedCpu * 100).toFixed(0)} % of a core used by other processes: a failure under contention says little about the relay; running ${count(r.calls, 'call')} again (retry ${this.#reruns + 1} of ${this.#rule.retries})`
            : `  more than ${(this.#rule.contendedCpu * 100).toFixed(0)} % of a core used by other processes, but ${count(this.#rule.retries, 'retry', 'retries')} used up: counted as not held`,
        );
      }
    }
    this.#lastPlain = -Infinity;
  };

  /** Removes the progress line from a terminal; the next level's first sample is printed. */
  done(): void {
    if (this.#drawn) {
      this.#stream.write('\r\x1b[K');
      this.#drawn = false;
    }
    this.#lastPlain = -Infinity;
  }
}
