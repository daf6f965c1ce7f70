/**
 * The media streams of a decided call, as the live run must carry them (c.4): one stream per
 * pair of neighbouring media endpoints on the media path, with the codec of that side of the
 * path and the codec's payload type, packetization and payload size, plus a video stream
 * beside the audio of a video call. A/V Edges and Teams Transport Relays forward media
 * without touching it, so they are not ends of a stream; the PSTN (`pstn` in a re-routed
 * path) carries no IP stream. A plan depends only on its codec and its two ends, so each plan,
 * and each list of one or two plans, is built once per topology and shared by the decisions
 * that carry it (decisions are made on a hot path). It must not know how the decision was
 * made.
 */
import type { CodecName, Modality, VideoCodecName } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import type { CallDecision, StreamPlan } from './call-decision.js';
import { isG711, ScenarioCodecs, type StreamFigures } from './codecs.js';

/**
 * The streams of a decision: none for a rejected or handed-off call; else one audio stream per
 * pair of neighbouring media endpoints (the gateway side speaks G.711, the client side the
 * client's codec), and a video stream per pair for a video call.
 */
export function streamsOf(
  topo: Topology,
  kind: CallDecision['kind'],
  decision: CallDecision['decision'],
  mediaPath: readonly string[],
  codecs: CallDecision['codecs'],
  videoCodec: VideoCodecName | null,
): readonly StreamPlan[] {
  if (decision === 'REJECTED' || decision === 'HANDED-OFF' || mediaPath.length < 2) {
    return NO_STREAMS;
  }
  const table = ScenarioCodecs.of(topo);
  const out = SCRATCH;
  let n = 0;
  const clientSide = clientSideCodec(kind, codecs);
  const gatewaySide = gatewaySideCodec(codecs);
  let prev: string | null = null;
  let prevGateway = false;
  for (const hop of mediaPath) {
    if (hop === 'pstn') {
      prev = null;
      continue;
    }
    const host = topo.host(hop);
    if (host?.kind === 'edge' || (host === undefined && isTransportRelay(topo, hop))) {
      continue;
    }
    const gateway = host !== undefined && isGatewayKind(host.kind);
    if (prev !== null) {
      const codec = prevGateway || gateway ? gatewaySide : clientSide;
      out[n++] = planOf(table, table.stream('audio', codec), 'audio', prev, hop);
      if (videoCodec !== null) {
        out[n++] = planOf(table, table.stream('video', videoCodec), 'video', prev, hop);
      }
    }
    prev = hop;
    prevGateway = gateway;
  }
  return interned(table, out, n);
}

/** The plans and lists of one codec table (one topology), shared by its decisions. */
interface StreamCaches {
  /** Plans by their codec's figures, then their two ends. */
  readonly plans: Map<StreamFigures, Map<string, Map<string, StreamPlan>>>;
  /** Lists of one or two plans by their first plan: alone, or with a second. */
  readonly lists: Map<StreamPlan, PlanLists>;
}

interface PlanLists {
  readonly one: readonly StreamPlan[];
  readonly two: Map<StreamPlan, readonly StreamPlan[]>;
}

const CACHES = new WeakMap<ScenarioCodecs, StreamCaches>();
/** The last table asked about and its caches: decisions come in runs of one topology. */
let lastTable: ScenarioCodecs | null = null;
let lastCaches: StreamCaches | null = null;

function cachesOf(table: ScenarioCodecs): StreamCaches {
  if (table === lastTable && lastCaches !== null) {
    return lastCaches;
  }
  let c = CACHES.get(table);
  if (!c) {
    c = { plans: new Map(), lists: new Map() };
    CACHES.set(table, c);
  }
  lastTable = table;
  lastCaches = c;
  return c;
}

function newPlans(table: ScenarioCodecs, f: StreamFigures): Map<string, Map<string, StreamPlan>> {
  const m = new Map<string, Map<string, StreamPlan>>();
  cachesOf(table).plans.set(f, m);
  return m;
}

function newLists(table: ScenarioCodecs, first: StreamPlan): PlanLists {
  const l: PlanLists = { one: Object.freeze([first]), two: new Map() };
  cachesOf(table).lists.set(first, l);
  return l;
}

/** Where a decision's streams are gathered before they are interned (reused: no allocation; the first `n` count). */
const SCRATCH: StreamPlan[] = [];

/**
 * The gathered streams as a frozen list that decisions with the same streams share (a list of
 * one or two plans is built once per table); a longer one is copied.
 */
function interned(
  table: ScenarioCodecs,
  plans: readonly StreamPlan[],
  n: number,
): readonly StreamPlan[] {
  const first = plans[0];
  if (n === 0 || first === undefined) {
    return NO_STREAMS;
  }
  if (n > 2) {
    return Object.freeze(plans.slice(0, n));
  }
  const lists = cachesOf(table).lists.get(first) ?? newLists(table, first);
  const second = plans[1];
  if (n === 1 || second === undefined) {
    return lists.one;
  }
  let list = lists.two.get(second);
  if (!list) {
    list = Object.freeze([first, second]);
    lists.two.set(second, list);
  }
  return list;
}

function isGatewayKind(kind: string): boolean {
  return kind === 'pstn-gateway' || kind === 'ip-pbx' || kind === 'sbc';
}

/** Teams Transport Relays relay media unchanged (A/V Edges too: see the caller). */
function isTransportRelay(topo: Topology, host: string): boolean {
  return topo.teamsRelay(host)?.kind === 'transport-relay';
}

/** The codec on the client's side of the path: the caller's, or the callee's on an inbound call. */
function clientSideCodec(kind: CallDecision['kind'], codecs: CallDecision['codecs']): CodecName {
  const c = kind === 'inbound-pstn' ? codecs.callee : codecs.caller;
  return c ?? codecs.caller ?? codecs.callee ?? 'PCMU';
}

/** The codec a gateway peer speaks on the call: its G.711 codec. */
function gatewaySideCodec(codecs: CallDecision['codecs']): CodecName {
  const { caller, callee } = codecs;
  if (caller !== null && isG711(caller)) {
    return caller;
  }
  return callee !== null && isG711(callee) ? callee : 'PCMU';
}

/** The streams of a call that carries none (shared: a plan is never changed). */
const NO_STREAMS: readonly StreamPlan[] = Object.freeze([]);

/** The stream between two hosts with a codec's figures (built once per table, then shared). */
function planOf(
  table: ScenarioCodecs,
  f: StreamFigures,
  modality: Modality,
  a: string,
  b: string,
): StreamPlan {
  const byEnds = cachesOf(table).plans.get(f) ?? newPlans(table, f);
  let byB = byEnds.get(a);
  if (!byB) {
    byB = new Map();
    byEnds.set(a, byB);
  }
  let p = byB.get(b);
  if (!p) {
    p = Object.freeze(plan(f, modality, a, b));
    byB.set(b, p);
  }
  return p;
}

/** A stream between two hosts, from its codec's figures (one fixed shape). */
function plan(f: StreamFigures, modality: Modality, a: string, b: string): StreamPlan {
  return {
    modality,
    between: [a, b],
    codec: f.codec,
    rtpName: f.rtpName,
    payloadType: f.payloadType,
    clockRate: f.clockRate,
    channels: f.channels,
    fec: f.fec,
    packetMs: f.packetMs,
    packetsPerSecond: f.packetsPerSecond,
    payloadBytes: f.payloadBytes,
    kbps: f.kbps,
  };
}
