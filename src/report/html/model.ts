/**
 * Reads a saved result (the JSON of `mediapath run --json` or `mediapath explain --json`) into
 * the one shape the HTML page is drawn from, checking what it needs so that a foreign or
 * truncated file gets a clear error instead of a broken page. Pure: no files, no sockets.
 */
import type {
  CallDecision,
  Forking,
  RtcpPlan,
  StreamPlan,
  TeamsMedia,
  TraceStep,
  TransferPlan,
} from '../../policy/index.js';
import type { ExpectationFailure } from '../expectations.js';
import type { DirectionPath, Divergence, HostDrop, ReceivedStream } from '../observed.js';
import type { ObservedEscalation } from '../observed-escalation.js';
import type { ObservedForking } from '../observed-forking.js';
import type { LedgerEvent } from '../result.js';
import type { LinkObservation, LostHost, PeerHealth, SipLogEntry } from '../run.js';
import type { TopologyView } from '../topology-view.js';

/** A call as the page shows it. */
export interface PageCall {
  readonly id: string;
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly kind: string;
  readonly trunk: string | null;
  readonly decision: string;
  readonly reason: string;
  readonly predictedPath: readonly string[];
  /** Null in an explain result (nothing ran). */
  readonly observed: {
    readonly forward: DirectionPath;
    readonly backward: DirectionPath;
    readonly media: string;
    readonly lossPercent: number;
    readonly divergences: readonly Divergence[];
  } | null;
  readonly state: string | null;
  readonly finalStatus: number | null;
  readonly finalReason: string | null;
  readonly received: readonly ReceivedStream[];
  readonly drops: readonly HostDrop[];
  readonly sip: readonly SipLogEntry[];
  readonly reservations: readonly {
    link: string;
    modality: string;
    kbps: number;
    codec?: string;
  }[];
  readonly trace: readonly TraceStep[];
  readonly warnings: readonly string[];
  readonly expectationFailures: readonly ExpectationFailure[];
  readonly hasExpectation: boolean;
  readonly decidedBy: string | null;
  readonly decidedAt: number | null;
  /** The configuration version the call was decided under (a lab kept up), when known. */
  readonly configVersion: string | null;
  /** The user a call was placed to, when it was (its endpoints are in `forking`). */
  readonly user: string | null;
  /** What the live run sends, per pair of media endpoints (empty in older results). */
  readonly streams: readonly StreamPlan[];
  readonly forking: Forking | null;
  /** What the wire showed of a call to a user (a live run only). */
  readonly forkingObserved: ObservedForking | null;
  /** What the wire showed of a Teams call's escalation (a live run only). */
  readonly escalationObserved: ObservedEscalation | null;
  readonly transfer: TransferPlan | null;
  readonly rtcp: RtcpPlan | null;
  readonly teams: TeamsMedia | null;
  /** The part after a transfer, and the call under the contrast deployment (decided or run). */
  readonly afterTransfer: PageTransferPart | null;
  readonly contrast: PageContrast | null;
}

/**
 * The call under the contrast deployment: decided (explain), or run again in a second pass
 * (a live run): then `observed` is the path its packets took, caller to callee.
 */
export interface PageContrast extends PagePart {
  readonly deployment: string;
  readonly observed: readonly string[] | null;
  readonly media: string | null;
  readonly escalation: ObservedEscalation | null;
}

/** A decided part of a call shown beside it: after its transfer, or under the contrast. */
export interface PagePart {
  readonly decision: CallDecision['decision'];
  readonly reason: string;
  readonly mediaPath: readonly string[];
  readonly trace: readonly TraceStep[];
}

/** The part of a call after its transfer: decided, and in a live run as the wire showed it. */
export interface PageTransferPart extends PagePart {
  /** A live run: the part's observed path and final state. */
  readonly observedAfter: { readonly path: string; readonly state: string } | null;
}

/** Everything the page shows. */
export interface PageModel {
  readonly kind: 'run' | 'explain';
  readonly title: string;
  readonly source: string;
  readonly mode: string;
  readonly durationMs: number;
  readonly aborted: boolean;
  readonly topology: TopologyView;
  readonly calls: readonly PageCall[];
  readonly links: readonly LinkObservation[];
  readonly ledger: readonly LedgerEvent[];
  /** Gateways as their Mediation Server's keep-alives saw them (run results only). */
  readonly peers: readonly PeerHealth[];
  /** Hosts a multi-process run lost (run results only). */
  readonly lost: readonly LostHost[];
  /** A live lab's configuration versions, as its result's `live.versions` lists them. */
  readonly versions: readonly PageVersion[];
  readonly generatedAt: string;
}

/** A configuration version of a live lab: when it was in force, and what made it. */
export interface PageVersion {
  readonly version: string;
  readonly sha256: string;
  readonly inForceAt: number | null;
  readonly source: string;
  readonly role: string | null;
  readonly statements: readonly string[];
}

/** A result file that cannot be drawn, with what is wrong with it. */
export class ResultShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultShapeError';
  }
}

type Json = Record<string, unknown>;

function obj(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ResultShapeError(`${what} is not an object`);
  }
  return v as Json;
}

function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) {
    throw new ResultShapeError(`${what} is not a list`);
  }
  return v;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') {
    throw new ResultShapeError(`${what} is not a string`);
  }
  return v;
}

function strOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function numOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function list<T>(v: unknown): readonly T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

/**
 * The page model of a saved result.
 * @throws ResultShapeError when the document is not a mediapath result.
 */
export function pageModel(doc: unknown, generatedAt = new Date().toISOString()): PageModel {
  const d = obj(doc, 'the result');
  if (d.format !== 'mediapath-result') {
    throw new ResultShapeError(
      'not a mediapath result (written by `mediapath run --json` or `mediapath explain --json`)',
    );
  }
  const kind = d.kind === 'run' || d.kind === 'explain' ? d.kind : null;
  if (!kind) {
    throw new ResultShapeError('kind must be run or explain');
  }
  const scenario = obj(d.scenario, 'scenario');
  const topology = obj(d.topology, 'topology') as unknown as TopologyView;
  for (const key of ['regions', 'sites', 'links', 'hosts'] as const) {
    arr((topology as unknown as Json)[key], `topology.${key}`);
  }
  const calls = arr(d.calls, 'calls').map((c, i) => pageCall(obj(c, `calls[${i}]`), i));
  return {
    kind,
    title: str(scenario.name, 'scenario.name'),
    source: strOrNull(scenario.source) ?? '',
    mode: strOrNull(d.mode) ?? (kind === 'explain' ? 'policy only' : 'loopback'),
    durationMs: numOrNull(d.durationMs) ?? 0,
    aborted: d.aborted === true,
    topology,
    calls,
    links: list<LinkObservation>(d.links),
    ledger: list<LedgerEvent>(d.ledger),
    peers: list<PeerHealth>(d.peers),
    lost: list<LostHost>(d.lost),
    versions: list<PageVersion>(objOrNull<Json>(d.live)?.versions),
    generatedAt,
  };
}

function pageCall(c: Json, i: number): PageCall {
  const what = `calls[${i}]`;
  const observed =
    typeof c.observedPath === 'object' && c.observedPath !== null
      ? (c.observedPath as { forward: DirectionPath; backward: DirectionPath })
      : null;
  const predicted = list<string>(c.predictedPath ?? c.mediaPath);
  return {
    id: str(c.id, `${what}.id`),
    at: numOrNull(c.at) ?? 0,
    from: str(c.from, `${what}.from`),
    to: str(c.to, `${what}.to`),
    kind: strOrNull(c.kind) ?? '',
    trunk: strOrNull(c.trunk),
    decision: str(c.decision, `${what}.decision`),
    reason: strOrNull(c.reason) ?? '',
    predictedPath: predicted,
    observed: observed
      ? {
          forward: observed.forward,
          backward: observed.backward,
          media: strOrNull(c.media) ?? 'none',
          lossPercent: numOrNull(c.lossPercent) ?? 0,
          divergences: list<Divergence>(c.divergences),
        }
      : null,
    state: strOrNull(c.state),
    finalStatus: numOrNull(c.finalStatus),
    finalReason: strOrNull(c.finalReason),
    received: list<ReceivedStream>(c.received),
    drops: list<HostDrop>(c.drops),
    sip: list<SipLogEntry>(c.sip),
    reservations: list(c.reservations),
    trace: list<TraceStep>(c.trace),
    warnings: list<string>(c.warnings),
    expectationFailures: list<ExpectationFailure>(c.expectationFailures),
    hasExpectation: typeof c.expect === 'object' && c.expect !== null,
    decidedBy: strOrNull(c.decidedBy),
    decidedAt: numOrNull(c.decidedAt),
    configVersion: strOrNull(c.configVersion),
    user: strOrNull(c.user),
    streams: list<StreamPlan>(c.streams),
    forking: objOrNull<Forking>(c.forking),
    forkingObserved: objOrNull<ObservedForking>(c.forkingObserved),
    escalationObserved: objOrNull<ObservedEscalation>(c.escalationObserved),
    transfer: objOrNull<TransferPlan>(c.transfer),
    rtcp: objOrNull<RtcpPlan>(c.rtcp),
    teams: objOrNull<TeamsMedia>(c.teams),
    afterTransfer: transferPart(c.afterTransfer),
    contrast: contrastPart(c.contrast),
  };
}

function objOrNull<T>(v: unknown): T | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as T) : null;
}

/** A part of a call (after its transfer, under the contrast), when the result has one. */
function part(v: unknown): PagePart | null {
  const o = objOrNull<Json>(v);
  if (!o || typeof o.decision !== 'string') {
    return null;
  }
  return {
    decision: o.decision as PagePart['decision'],
    reason: strOrNull(o.reason) ?? '',
    mediaPath: list<string>(o.mediaPath),
    trace: list<TraceStep>(o.trace),
  };
}

/** The part after a transfer, with what a live run observed of it. */
function transferPart(v: unknown): PageTransferPart | null {
  const p = part(v);
  const o = objOrNull<Json>(v);
  if (!p) {
    return null;
  }
  return {
    ...p,
    observedAfter:
      typeof o?.observedPath === 'string'
        ? { path: o.observedPath, state: strOrNull(o.state) ?? '' }
        : null,
  };
}

function contrastPart(v: unknown): PageCall['contrast'] {
  const p = part(v);
  if (!p) {
    return null;
  }
  const o = objOrNull<Json>(v);
  const forward = objOrNull<Json>(objOrNull<Json>(o?.observedPath)?.forward);
  return {
    ...p,
    deployment: strOrNull(o?.deployment) ?? '',
    observed: forward ? list<string>(forward.hops) : null,
    media: strOrNull(o?.media),
    escalation: objOrNull<ObservedEscalation>(o?.escalationObserved),
  };
}
