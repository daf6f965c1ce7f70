/**
 * The state of one decision while it is made: the call, the ledger view it reads, the rule
 * trace, the bandwidth and channels the call has claimed so far, the legs checked, the
 * warnings, and what the result will say by default. The steps of the engine (bypass, CAC,
 * refusal chain) work through its methods; it also runs nested decisions (a PSTN re-route
 * decides its outbound and inbound parts as calls of their own) with the flow it was given.
 * It knows no rule itself and never imports the flows (`decide.ts`).
 */
import type {
  Call,
  Decision,
  DeploymentKind,
  Modality,
  VideoCodecName,
} from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import type {
  CallDecision,
  DecideOptions,
  LegCheck,
  Reroute,
  RtcpPlan,
  TeamsMedia,
  TransferPlan,
} from './call-decision.js';
import { ScenarioCodecs } from './codecs.js';
import type { LedgerView, Reservation } from './ledger.js';
import { streamsOf } from './streams.js';
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
  /** The video codec of a video call (default: the one the context learnt). */
  readonly videoCodec?: VideoCodecName | null;
}

const NO_CODECS: CallDecision['codecs'] = Object.freeze({ caller: null, callee: null });

/** What only some calls learn: created on first use. */
interface MoreState {
  videoCodec: VideoCodecName | null;
  transfer: TransferPlan | null;
  rtcp: RtcpPlan | null;
  teams: TeamsMedia | null;
}

/** State of one decision; see the file comment. */
export class DecisionContext {
  readonly topo: Topology;
  readonly call: Call;
  readonly ledger: LedgerView;
  readonly options: DecideOptions;
  readonly trace: Trace;
  /** True inside a PSTN re-route (c.5 #19): such a decision never re-routes again. */
  readonly nested: boolean;
  /** The deployment that decides the call (g): the scenario's, or the one asked for. */
  readonly deployment: DeploymentKind;
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
  /** What only some calls learn (video, transfer, RTCP, Teams); null for most. */
  #more: MoreState | null = null;
  #codecTable: ScenarioCodecs | null = null;

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
    this.deployment = options.deployment ?? topo.scenario.deployment.kind;
    this.#flow = flow;
  }

  /** The scenario's simulation settings (the settings for what the documentation leaves open). */
  get sim(): Topology['scenario']['simulation'] {
    return this.topo.scenario.simulation;
  }

  /** The scenario's codec figures (c.4). */
  get codecs(): ScenarioCodecs {
    if (this.#codecTable === null) {
      this.#codecTable = ScenarioCodecs.of(this.topo);
    }
    return this.#codecTable;
  }

  /** Kbps in use on a link: the ledger's, plus what this call has claimed. */
  used(link: string, modality: Modality): number {
    return this.ledger.used(link, modality) + (this.#pending.get(link)?.[modality] ?? 0);
  }

  /**
   * Claims bandwidth on a link for this call (it becomes part of the holding), labelled with
   * the codec it is for.
   */
  claim(link: string, modality: Modality, kbps: number, codec: string | null = null): void {
    let p = this.#pending.get(link);
    if (!p) {
      p = { audio: 0, video: 0 };
      this.#pending.set(link, p);
    }
    p[modality] += kbps;
    this.#reservations.push(
      codec === null ? { link, modality, kbps } : { link, modality, kbps, codec },
    );
  }

  /** Claims a refused leg's bandwidth on every link it was checked on (admitted anyway). */
  claimLeg(leg: LegCheck): void {
    for (const l of leg.links) {
      this.claim(l.link, l.modality, leg.kbps, leg.codec);
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
  learnRoute(trunk: string, mediationServer: string | null): void {
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

  /** The video codec of a video call: every later result's video stream uses it. */
  learnVideoCodec(codec: VideoCodecName | null): void {
    this.#moreState().videoCodec = codec;
  }

  /** The transfer planned during the call (b.5 #39), for every later result. */
  learnTransfer(plan: TransferPlan | null): void {
    this.#moreState().transfer = plan;
  }

  /** RTCP supervision of the call (b.5 #40), for every later result. */
  learnRtcp(plan: RtcpPlan | null): void {
    this.#moreState().rtcp = plan;
  }

  /** The Teams Direct Routing relays of the call (g), for every later result. */
  learnTeams(media: TeamsMedia | null): void {
    this.#moreState().teams = media;
  }

  /**
   * Decides another call (a part of a PSTN re-route) against a ledger view, with the same
   * options and flows; the nested decision may not re-route again.
   */
  decideNested(call: Call, ledger: LedgerView): CallDecision {
    return this.#flow(new DecisionContext(this.topo, call, ledger, this.options, this.#flow, true));
  }

  #moreState(): MoreState {
    if (this.#more === null) {
      this.#more = { videoCodec: null, transfer: null, rtcp: null, teams: null };
    }
    return this.#more;
  }

  /** The decision, from the given fields and what the context has learnt and collected. */
  result(fields: ResultFields): CallDecision {
    const keep = fields.keepHolding ?? true;
    const codecs = fields.codecs ?? this.#codecs;
    const more = this.#more;
    const videoCodec =
      fields.videoCodec === undefined
        ? more === null
          ? null
          : more.videoCodec
        : fields.videoCodec;
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
      codecs,
      bypassIds: fields.bypassIds ?? this.#bypassIds,
      legs: this.#legs,
      holding: keep
        ? { reservations: this.#reservations, channels: this.#channels }
        : { reservations: [], channels: [] },
      sip: fields.sip ?? null,
      reroute: fields.reroute ?? null,
      warnings: this.#warnings,
      trace: this.trace.steps,
      deployment: this.deployment,
      streams: streamsOf(
        this.topo,
        this.call.kind,
        fields.decision,
        fields.mediaPath,
        codecs,
        videoCodec,
      ),
      forking: null,
      transfer: more === null ? null : more.transfer,
      rtcp: more === null || fields.decision === 'REJECTED' ? null : more.rtcp,
      teams: more === null ? null : more.teams,
    };
  }
}
