/**
 * The rule trace of a decision: each rule of docs/rules.md applied to a call, in order, with what
 * it looked at and concluded. A disabled trace records nothing and costs almost nothing. It
 * must not know any rule itself.
 */
/** A value shown in a trace step's inputs. */
export type TraceValue = string | number | boolean | null;

/**
 * One rule applied to a call, in order: the rule id of docs/rules.md (`b.1#10`, `c.3#11`,
 * `c.5#19`), what it looked at, and what it concluded.
 */
export interface TraceStep {
  readonly rule: string;
  readonly title: string;
  readonly inputs: Readonly<Record<string, TraceValue>>;
  /** `pass`: the rule lets the call go on; `fail`: it stops this path; `info`: no verdict. */
  readonly verdict: 'pass' | 'fail' | 'info';
  readonly detail: string;
}

/** Collects trace steps; a disabled trace records nothing and costs almost nothing. */
export class Trace {
  readonly steps: TraceStep[] = [];
  readonly enabled: boolean;

  constructor(enabled: boolean) {
    this.enabled = enabled;
  }

  add(
    rule: string,
    title: string,
    verdict: TraceStep['verdict'],
    detail: string,
    inputs: Record<string, TraceValue> = {},
  ): void {
    if (this.enabled) {
      this.steps.push({ rule, title, inputs, verdict, detail });
    }
  }

  /** Appends steps recorded earlier (by a trace of the same setting), in order. */
  append(steps: readonly TraceStep[]): void {
    for (const step of steps) {
      this.steps.push(step);
    }
  }
}
