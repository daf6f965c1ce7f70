/**
 * Calls from the offered load of a scenario's `traffic:` section: each stream is an arrival
 * process of its own (Poisson, or evenly spaced when deterministic) whose calls get a caller
 * and a callee drawn from the clients of its sites (or a gateway for the PSTN end), a holding
 * time (exponential, or the mean), a modality and a codec from the stream's mix. The calls
 * are the same `Call` objects as those of `calls:`, so the policy engine decides them the same
 * way. It must not know how a call is decided, nor what is measured of it.
 */
import { InternalError } from '../core/index.js';
import {
  PLAIN_CALL_OPTIONS,
  PSTN_TRAFFIC_END,
  type Call,
  type Client,
  type CodecName,
  type Gateway,
  type Traffic,
  type TrafficStream,
} from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import { Random } from './random.js';

/** How arrivals and holding times are drawn. */
export type ArrivalModel = 'poisson' | 'deterministic';

/** One stream, ready to draw calls from. */
interface StreamState {
  readonly stream: TrafficStream;
  /** Mean time between arrivals, ms (Infinity for a stream with no load). */
  readonly gapMs: number;
  readonly callers: readonly Client[];
  readonly callees: readonly Client[];
  /** The gateways of its PSTN calls. */
  readonly trunks: readonly Gateway[];
  readonly codecs: readonly CodecName[];
  /** Cumulative shares of `codecs`. */
  readonly codecShares: readonly number[];
  nextAt: number;
  generated: number;
}

/**
 * Draws the calls of a scenario's busy hour in time order. The same scenario, seed and model
 * give the same calls.
 */
export class TrafficCalls {
  readonly #streams: StreamState[];
  readonly #rnd: Random;
  readonly #model: ArrivalModel;
  #seq = 0;

  /**
   * @throws {InternalError} when a stream has no client or gateway to draw (validation rules
   *   `traffic.site-clients` and `traffic.known-trunks` refuse such a scenario).
   */
  constructor(topo: Topology, traffic: Traffic, options: { model: ArrivalModel; seed: number }) {
    this.#rnd = new Random(options.seed);
    this.#model = options.model;
    const n = traffic.streams.length;
    this.#streams = traffic.streams.map((stream, i) => {
      const gapMs = stream.callsPerHour > 0 ? 3_600_000 / stream.callsPerHour : Infinity;
      const state: StreamState = {
        stream,
        gapMs,
        callers: clientsOf(topo, stream.from),
        callees: clientsOf(topo, stream.to),
        trunks: trunksOf(topo, stream),
        codecs: stream.codecs.map((c) => c.codec),
        codecShares: cumulative(stream.codecs.map((c) => c.share)),
        nextAt: Infinity,
        generated: 0,
      };
      if (stream.from !== PSTN_TRAFFIC_END && state.callers.length === 0) {
        throw new InternalError(`site ${stream.from} has no client to place calls`);
      }
      if (stream.to !== PSTN_TRAFFIC_END && state.callees.length === 0) {
        throw new InternalError(`site ${stream.to} has no client to take calls`);
      }
      if (placesPstnCalls(stream) && state.trunks.length === 0) {
        throw new InternalError(`no gateway for the PSTN calls of ${stream.from} -> ${stream.to}`);
      }
      // Evenly spaced streams start spread over their first gap, so that they do not all
      // arrive at once.
      state.nextAt =
        gapMs === Infinity
          ? Infinity
          : this.#model === 'deterministic'
            ? (gapMs * (i + 1)) / (n + 1)
            : this.#rnd.exponential(gapMs);
      return state;
    });
  }

  /** When the next call arrives, ms from the start (Infinity when no stream offers load). */
  get nextAt(): number {
    let t = Infinity;
    for (const s of this.#streams) {
      if (s.nextAt < t) {
        t = s.nextAt;
      }
    }
    return t;
  }

  /** Calls drawn so far per stream, in the order of the section. */
  get generated(): readonly number[] {
    return this.#streams.map((s) => s.generated);
  }

  /**
   * The next call in time order, and the next arrival of its stream drawn.
   * @throws {InternalError} when no stream offers any load.
   */
  take(): Call {
    let s: StreamState | undefined;
    for (const x of this.#streams) {
      if (s === undefined || x.nextAt < s.nextAt) {
        s = x;
      }
    }
    if (s === undefined || s.nextAt === Infinity) {
      throw new InternalError('no stream offers any load');
    }
    const at = s.nextAt;
    const deterministic = this.#model === 'deterministic';
    s.nextAt += deterministic ? s.gapMs : this.#rnd.exponential(s.gapMs);
    s.generated++;
    const rnd = this.#rnd;
    const st = s.stream;
    const durationMs = deterministic ? st.holdingMs : rnd.exponential(st.holdingMs);
    const codec = s.codecs.length ? (s.codecs[rnd.byShares(s.codecShares)] ?? null) : null;
    const seq = this.#seq++;
    const id = `t${seq + 1}`;
    if (st.from === PSTN_TRAFFIC_END) {
      const gw = rnd.pick(s.trunks);
      const to = rnd.pick(s.callees).name;
      return call(id, seq, at, durationMs, 'inbound-pstn', gw.name, to, gw.name, codec, 'audio');
    }
    const caller = rnd.pick(s.callers);
    if (st.to === PSTN_TRAFFIC_END || (st.pstnShare > 0 && rnd.next() < st.pstnShare)) {
      const gw = rnd.pick(s.trunks);
      return call(
        id,
        seq,
        at,
        durationMs,
        'outbound-pstn',
        caller.name,
        gw.name,
        gw.name,
        codec,
        'audio',
      );
    }
    let callee = rnd.pick(s.callees);
    while (callee === caller) {
      callee = rnd.pick(s.callees);
    }
    const video = st.video > 0 && rnd.next() < st.video;
    return call(
      id,
      seq,
      at,
      durationMs,
      'p2p',
      caller.name,
      callee.name,
      null,
      codec,
      video ? 'video' : 'audio',
    );
  }
}

/** A call with one fixed shape (the engine's hot path prefers it). */
function call(
  id: string,
  index: number,
  atMs: number,
  durationMs: number,
  kind: Call['kind'],
  from: string,
  to: string,
  trunk: string | null,
  codec: CodecName | null,
  modality: Call['modality'],
): Call {
  return {
    id,
    index,
    atMs,
    durationMs,
    kind,
    from,
    to,
    trunk,
    number: null,
    codec,
    modality,
    expect: null,
    ...PLAIN_CALL_OPTIONS,
  };
}

/** True when some of a stream's calls are PSTN calls. */
function placesPstnCalls(s: TrafficStream): boolean {
  return s.from === PSTN_TRAFFIC_END || s.to === PSTN_TRAFFIC_END || s.pstnShare > 0;
}

/** The internal clients located in a site (none for the PSTN end). */
function clientsOf(topo: Topology, site: string): Client[] {
  if (site === PSTN_TRAFFIC_END) {
    return [];
  }
  return topo.scenario.hosts.clients.filter(
    (c) => c.location === 'internal' && topo.siteOfHost(c)?.name === site,
  );
}

/**
 * The gateways of a stream's PSTN calls: its own list; else those whose media address is in
 * the site of its enterprise end; else every gateway.
 */
function trunksOf(topo: Topology, s: TrafficStream): Gateway[] {
  const gateways = topo.scenario.hosts.gateways;
  if (s.trunks.length > 0) {
    return s.trunks
      .map((name) => gateways.find((g) => g.name === name))
      .filter((g): g is Gateway => g !== undefined);
  }
  const site = s.from === PSTN_TRAFFIC_END ? s.to : s.from;
  const local = gateways.filter((g) => topo.siteOfHost(g)?.name === site);
  return local.length > 0 ? local : [...gateways];
}

function cumulative(shares: readonly number[]): number[] {
  let acc = 0;
  return shares.map((x) => (acc += x));
}

/**
 * Every call of a scenario's `traffic:` section arriving within the first `hours`, in time
 * order (for a comparison over a busy hour; a simulation draws them one at a time instead).
 * @throws {InternalError} when the scenario has no `traffic:` section.
 */
export function drawCalls(
  topo: Topology,
  hours: number,
  options: { model: ArrivalModel; seed?: number },
): Call[] {
  const traffic = topo.scenario.traffic;
  if (traffic === null) {
    throw new InternalError('drawing calls needs a traffic: section');
  }
  const source = new TrafficCalls(topo, traffic, {
    model: options.model,
    seed: options.seed ?? traffic.seed,
  });
  const end = hours * 3_600_000;
  const calls: Call[] = [];
  while (source.nextAt < end) {
    calls.push(source.take());
  }
  return calls;
}
