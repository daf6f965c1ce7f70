/**
 * The state of one decision while it is made: the call, the ledger view it reads, the rule
 * trace, the bandwidth and channels the call has claimed so far, the legs checked, the
 * warnings, and what the result will say by default. The steps of the engine (bypass, CAC,
 * refusal chain) work through its methods; it also runs nested decisions (a PSTN re-route
 * decides its outbound and inbound parts as calls of their own) with the flow it was given.
 * It knows no rule itself and never imports the flows (`decide.ts`).
 */
import type { Call, Decision, Modality } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import type { CallDecision, DecideOptions, LegCheck, Reroute } from './call-decision.js';
import type { LedgerView, Reservation } from './ledger.js';
import { Trace, type TraceStep } from './trace.js';

/** The flows that decide a call in a context (given by `decide.ts`). */
export type DecisionFlow = (ctx: DecisionContext) => CallDecision;

/** Fields of a result; those left out take the context's defaults. */
export interface ResultFields {
  readonly decision: Decision;
  readonly bypass?: boolean;
  readonly reason: string;
  readonly mediaPath: readonly string[];
  readonly codecs?: CallDecision['codecs'];
  readonly bypassIds?: CallDecision['bypassIds'];
  readonly sip?: CallDecision['sip'];
  readonly reroute?: Reroute | null;
  /** False for a call that ends up holding nothing (rejected). Default true. */
  readonly keepHolding?: boolean;
}

const NO_CODECS: CallDecision['codecs'] = Object.freeze({ caller: null, callee: null });

/** State of one decision; see the file comment. */
export class DecisionContext {
  readonly topo: Topology;
  readonly call: Call;
  readonly ledger: LedgerView;
  readonly options: DecideOptions;
  readonly trace: Trace;
  /** True inside a PSTN re-route (c.5 #19): such a decision never re-routes again. */
  readonly nested: boolean;
  readonly #flow: DecisionFlow;
  /** Bandwidth claimed by this call so far, per link, not yet in the ledger. */
  readonly #pending = new Map<string, Record<Modality, number>>();
  readonly #reservations: Reservation[] = [];
  readonly #channels: string[] = [];
  readonly #legs: LegCheck[] = [];
  readonly #warnings: string[] = [];
  #trunk: string | null = null;
  #mediationServer: string | null = null;
  #codecs: CallDecision['codecs'] = NO_CODECS;
  #bypassIds: CallDecision['bypassIds'] = null;

  constructor(
    topo: Topology,
    call: Call,
    ledger: LedgerView,
    options: DecideOptions,
    flow: DecisionFlow,
    nested = false,
  ) {
    this.topo = topo;
    this.call = call;
    this.ledger = ledger;
    this.options = options;
    this.trace = new Trace(options.trace ?? true);
    this.nested = nested;
    this.#flow = flow;
  }

  /** The scenario's simulation settings (the settings for what the documentation leaves open). */
  get sim(): Topology['scenario']['simulation'] {
    return this.topo.scenario.simulation;
  }

  /** Kbps in use on a link: the ledger's, plus what this call has claimed. */
  used(link: string, modality: Modality): number {
    return this.ledger.used(link, modality) + (this.#pending.get(link)?.[modality] ?? 0);
  }

  /** Claims bandwidth on a link for this call (it becomes part of the holding). */
  claim(link: string, modality: Modality, kbps: number): void {
    let p = this.#pending.get(link);
    if (!p) {
      p = { audio: 0, video: 0 };
      this.#pending.set(link, p);
    }
    p[modality] += kbps;
    this.#reservations.push({ link, modality, kbps });
  }

  /** Claims a refused leg's bandwidth on every link it was checked on (admitted anyway). */
  claimLeg(leg: LegCheck): void {
    for (const l of leg.links) {
      this.claim(l.link, l.modality, leg.kbps);
    }
  }

  /** Drops every bandwidth claim of this call; the channels it holds stay. */
  dropClaims(): void {
    this.#pending.clear();
    this.#reservations.length = 0;
  }

  /** Channels in use on a gateway: the ledger's, plus the ones this call holds. */
  channelsInUse(gateway: string): number {
    let mine = 0;
    for (const c of this.#channels) {
      if (c === gateway) {
        mine++;
      }
    }
    return this.ledger.channelsInUse(gateway) + mine;
  }

  /** Holds one channel of a gateway for this call. */
  holdChannel(gateway: string): void {
    this.#channels.push(gateway);
  }

  /** Records a checked leg for the result. */
  recordLeg(leg: LegCheck): LegCheck {
    this.#legs.push(leg);
    return leg;
  }

  /** The legs checked so far, in order. */
  get legs(): readonly LegCheck[] {
    return this.#legs;
  }

  /** The warnings so far, in order. */
  get warnings(): readonly string[] {
    return this.#warnings;
  }

  /** Adds a warning shown next to the decision (b.1 #15). */
  warn(warning: string): void {
    this.#warnings.push(warning);
  }

  /** Replays trace steps and warnings recorded earlier for the same question (a memo). */
  replay(steps: readonly TraceStep[], warnings: readonly string[]): void {
    this.trace.append(steps);
    for (const w of warnings) {
      this.#warnings.push(w);
    }
  }

  /** The trunk and Mediation Server routing chose: every later result names them. */
  learnRoute(trunk: string, mediationServer: string): void {
    this.#trunk = trunk;
    this.#mediationServer = mediationServer;
  }

  /**
   * The codecs and bypass IDs of the call as the Mediation Server would relay it: the default
   * of every later result that does not give its own.
   */
  learnRelay(codecs: CallDecision['codecs'], bypassIds: CallDecision['bypassIds']): void {
    this.#codecs = codecs;
    this.#bypassIds = bypassIds;
  }

  /**
   * Decides another call (a part of a PSTN re-route) against a ledger view, with the same
   * options and flows; the nested decision may not re-route again.
   */
  decideNested(call: Call, ledger: LedgerView): CallDecision {
    return this.#flow(new DecisionContext(this.topo, call, ledger, this.options, this.#flow, true));
  }

  /** The decision, from the given fields and what the context has learnt and collected. */
  result(fields: ResultFields): CallDecision {
    const keep = fields.keepHolding ?? true;
    return {
      callId: this.call.id,
      kind: this.call.kind,
      from: this.call.from,
      to: this.call.to,
      decision: fields.decision,
      bypass: fields.bypass ?? false,
      reason: fields.reason,
      mediaPath: fields.mediaPath,
      trunk: this.#trunk,
      mediationServer: this.#mediationServer,
      codecs: fields.codecs ?? this.#codecs,
      bypassIds: fields.bypassIds ?? this.#bypassIds,
      legs: this.#legs,
      holding: keep
        ? { reservations: this.#reservations, channels: this.#channels }
        : { reservations: [], channels: [] },
      sip: fields.sip ?? null,
      reroute: fields.reroute ?? null,
      warnings: this.#warnings,
      trace: this.trace.steps,
    };
  }
}
