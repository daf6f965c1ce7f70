/**
 * The books of `mediapath serve`, a lab kept up for any number of calls: each finished call is
 * summarised into counters (by state and decision), streamed whole as one JSON line to the
 * calls file when there is one (through the same bounded, lossy sink as the log: a slow disk
 * costs lines, not the lab), and kept in a ring of the most recent for the report. Memory does
 * not grow with the number of calls.
 *
 * This file must not know how calls are placed or carried: it is handed each finished call's
 * report input.
 */
import {
  buildRunResults,
  callJson,
  type RunCallInput,
  type RunCallResult,
} from '../report/index.js';
import { LogSink, openLogFile, type LogSinkReport } from './log-sink.js';

/** What the books say about every call so far. */
export interface ServeSummary {
  /** Calls finished and summarised. */
  readonly calls: number;
  readonly byState: Readonly<Record<string, number>>;
  readonly byDecision: Readonly<Record<string, number>>;
  /** The calls file, when finished calls are streamed to one. */
  readonly streamedTo: string | null;
  /** Lines of the calls file that were dropped (a disk that did not keep up). */
  readonly streamDropped: number;
  /** How many of the most recent calls the report shows. */
  readonly recent: number;
}

/** Options of the {@link ServeBook}. */
export interface ServeBookOptions {
  readonly isMediationServer: (host: string) => boolean;
  /** Hosts played by outside peers: what they receive is not observed. */
  readonly isOutside: (host: string) => boolean;
  /** The calls file (JSON lines, one per finished call), or null. */
  readonly callsFile: string | null;
  /** How many of the most recent calls the report keeps (100 by default). */
  readonly recent?: number;
}

/** Counters, a ring of recent calls, and the calls file. */
export class ServeBook {
  readonly #o: ServeBookOptions;
  readonly #recent: RunCallResult[] = [];
  readonly #max: number;
  readonly #byState = new Map<string, number>();
  readonly #byDecision = new Map<string, number>();
  readonly #sink: LogSink | null;
  #calls = 0;

  constructor(o: ServeBookOptions) {
    this.#o = o;
    this.#max = o.recent ?? 100;
    if (o.callsFile === null) {
      this.#sink = null;
    } else {
      const fd = openLogFile(o.callsFile);
      this.#sink = new LogSink(fd instanceof Error ? fd : { fd, owned: true });
    }
  }

  /** The error that keeps the calls file from being written, if any. */
  get streamError(): string | null {
    return this.#sink?.report().error ?? null;
  }

  /** A finished call: counted, streamed, kept among the recent ones; its result. */
  add(input: RunCallInput): RunCallResult | null {
    const [r] = buildRunResults([input], this.#o.isMediationServer, this.#o.isOutside);
    if (!r) {
      return null;
    }
    this.#calls++;
    this.#byState.set(r.state, (this.#byState.get(r.state) ?? 0) + 1);
    this.#byDecision.set(r.decision.decision, (this.#byDecision.get(r.decision.decision) ?? 0) + 1);
    this.#sink?.write(`${JSON.stringify(callJson(r))}\n`);
    this.#recent.push(r);
    if (this.#recent.length > this.#max) {
      this.#recent.shift();
    }
    return r;
  }

  /** The recent finished calls, then the calls still held by the lab (`held`, up or not read). */
  results(held: readonly RunCallInput[]): RunCallResult[] {
    return [
      ...this.#recent,
      ...buildRunResults(held, this.#o.isMediationServer, this.#o.isOutside),
    ];
  }

  /** The counters. */
  summary(): ServeSummary {
    return {
      calls: this.#calls,
      byState: Object.fromEntries(this.#byState),
      byDecision: Object.fromEntries(this.#byDecision),
      streamedTo: this.#o.callsFile,
      streamDropped: this.#sink?.report().dropped ?? 0,
      recent: this.#max,
    };
  }

  /** Finishes the calls file. */
  async close(): Promise<LogSinkReport | null> {
    return this.#sink ? this.#sink.close() : null;
  }
}

/** `12 calls: 10 completed, 2 refused`. */
export function summaryLine(s: ServeSummary): string {
  const states = Object.entries(s.byState)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return `${s.calls} call${s.calls === 1 ? '' : 's'} finished${states ? `: ${states}` : ''}`;
}
