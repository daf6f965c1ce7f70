/**
 * The calls of a multi-process run as the orchestrator keeps them: the timeline's and those an
 * agent's Mediation Server made of an outside peer's INVITE (defined by the agent when it asks
 * for the decision), each call's final outcome (the first one told wins), and, in a lab kept
 * up (`serve --net netns`), what the agents saw of each finished call: the agents hand over a
 * call's partials once it is over, the orchestrator joins them a moment after its outcome is
 * known, hands the report's input over and forgets the call.
 *
 * It must not know sockets, agents or the policy's internals: it is told outcomes and partials
 * and asked for calls.
 */
import type { CallDecision } from '../policy/index.js';
import type { RunCallInput } from '../report/index.js';
import type { Call } from '../scenario/index.js';
import type { CallOutcome } from './control.js';
import { mergeCallPartials, type CallPartial } from './merge.js';

/** How long after a call's outcome its last partials may still come in. */
const SETTLE_MS = 2000;

/** Options of the {@link OrchestratedCalls}. */
export interface OrchestratedCallsOptions {
  /** The decision for the report (made, or what it would be). */
  readonly decisionOf: (call: Call) => CallDecision;
  /** A lab kept up: each finished call's report input; the call is then forgotten. */
  readonly onCall?: (input: RunCallInput) => void;
  /** Forgets a summarised call's decision. */
  readonly forget?: (callId: string) => void;
}

/** The run's calls, outcomes and (in a lab kept up) the partials of finished calls. */
export class OrchestratedCalls {
  readonly #timeline: readonly Call[];
  readonly #byId = new Map<string, Call>();
  readonly #dynamic = new Map<string, Call>();
  readonly #outcomes = new Map<string, CallOutcome>();
  readonly #partials = new Map<string, CallPartial[]>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #o: OrchestratedCallsOptions;
  /** Timeline calls with an outcome (the run waits for all of them). */
  #timelineEnded = 0;
  /** Timeline calls already summarised (a lab kept up); outside calls are forgotten instead. */
  readonly #summarised = new Set<string>();

  constructor(timeline: readonly Call[], o: OrchestratedCallsOptions) {
    this.#timeline = timeline;
    this.#o = o;
    for (const c of timeline) {
      this.#byId.set(c.id, c);
    }
  }

  /** A call of the run by id: the timeline's, or one an agent defined. */
  call(id: string): Call | undefined {
    return this.#byId.get(id) ?? this.#dynamic.get(id);
  }

  /** A call an agent made of an outside peer's INVITE; known from now on. */
  define(call: Call): Call {
    const known = this.call(call.id);
    if (known) {
      return known;
    }
    this.#dynamic.set(call.id, call);
    return call;
  }

  /** Whether a call has its final outcome. */
  has(id: string): boolean {
    return this.#outcomes.has(id);
  }

  /** The final outcome of a call, if it has one. */
  outcome(id: string): CallOutcome | undefined {
    return this.#outcomes.get(id);
  }

  /** How many calls have an outcome, timeline and outside alike. */
  get ended(): number {
    return this.#outcomes.size;
  }

  /** Whether every call of the timeline has its outcome. */
  get timelineDone(): boolean {
    return this.#timelineEnded >= this.#timeline.length;
  }

  /** A call's final outcome; false when it had one already (the first one told wins). */
  end(o: CallOutcome): boolean {
    if (this.#outcomes.has(o.call)) {
      return false;
    }
    this.#outcomes.set(o.call, o);
    if (this.#byId.has(o.call)) {
      this.#timelineEnded++;
    }
    if (this.#partials.has(o.call)) {
      this.#settleLater(o.call);
    }
    return true;
  }

  /** What an agent saw of a finished call (a lab kept up). */
  partial(p: CallPartial): void {
    if (!this.#o.onCall) {
      return;
    }
    const list = this.#partials.get(p.callId) ?? [];
    list.push(p);
    this.#partials.set(p.callId, list);
    if (this.#outcomes.has(p.callId)) {
      this.#settleLater(p.callId);
    }
  }

  #settleLater(id: string): void {
    if (this.#timers.has(id)) {
      return;
    }
    const t = setTimeout(() => {
      this.#timers.delete(id);
      this.#summarise(id);
    }, SETTLE_MS);
    this.#timers.set(id, t);
  }

  /** Joins a finished call's partials, hands the report's input over and forgets the call. */
  #summarise(id: string): void {
    const call = this.call(id);
    const partials = this.#partials.get(id) ?? [];
    this.#partials.delete(id);
    if (!call || !this.#o.onCall) {
      return;
    }
    const [input] = this.#merge([call], [partials]);
    this.#o.forget?.(id);
    if (this.#dynamic.delete(id)) {
      this.#outcomes.delete(id);
    } else {
      this.#summarised.add(id);
    }
    if (input) {
      this.#o.onCall(input);
    }
  }

  /**
   * The report's input for the calls still held (every call in a run; in a lab kept up, those
   * not summarised yet), joined with what the agents handed over at the end.
   */
  held(collected: readonly (readonly CallPartial[])[]): RunCallInput[] {
    const calls = [
      ...this.#timeline.filter((c) => !this.#summarised.has(c.id)),
      ...this.#dynamic.values(),
    ];
    const pending = [...this.#partials.values()];
    return this.#merge(calls, [...collected, ...pending]);
  }

  #merge(calls: readonly Call[], parts: readonly (readonly CallPartial[])[]): RunCallInput[] {
    return mergeCallPartials(calls, parts, this.#o.decisionOf, (id) => {
      const out = this.#outcomes.get(id);
      return out
        ? { state: out.state, status: out.status, reason: out.reason, at: out.at ?? null }
        : undefined;
    });
  }

  /** Stops the summaries still waiting (the run is over: they join the final report). */
  close(): void {
    for (const t of this.#timers.values()) {
      clearTimeout(t);
    }
    this.#timers.clear();
  }
}
