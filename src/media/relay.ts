/**
 * The Mediation Server's RTP relay, as a component with a small control API: the signalling
 * side allocates a session, tells each leg its peer from the SDP it saw, reads statistics
 * and closes the session, the way a SIP proxy drives rtpengine.
 *
 * Two modes behind one interface:
 *
 * - single thread (`workers: 0`): one {@link RelayEngine} in the calling thread;
 * - sharded (`workers: N`): N worker threads, each running its own engine over its own
 *   slice of the port range. Sessions are spread over the shards; control messages travel
 *   to the owning worker and back (asynchronous), packets never leave their worker.
 *
 * Close cascade: `shutdown()` closes every session (freeing its ports), stops the tickers
 * and terminates the workers.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ErrorCodes, SimError, type ComponentLogger } from '../core/index.js';
import { DROP_REASON_NAMES, type DropReasonName } from './classifier.js';
import { RelayEngine } from './relay-engine.js';
import { resolveNativeForwarding, resolveRelayIo } from './relay-io-path.js';
import type {
  AllocateRequest,
  LegName,
  RelayCounters,
  RelayEngineOptions,
  RelayEvents,
  RelayIoCounters,
  RelaySessionInfo,
  RelaySessionStats,
  TransportAddress,
} from './relay-types.js';

/** Options of {@link createRelay}. */
export interface RelayOptions extends Omit<RelayEngineOptions, 'idPrefix' | 'clock'> {
  /** Worker threads to shard sessions over; 0 (the default) runs in the calling thread. */
  readonly workers?: number | undefined;
  /** Clock for the single-thread mode (workers use the system clock). */
  readonly clock?: RelayEngineOptions['clock'];
}

/**
 * The relay's control API. Every method is asynchronous so that the single-thread and the
 * sharded relay are interchangeable.
 */
export interface Relay extends EventEmitter<RelayEvents> {
  /** Worker threads in use (0 in single-thread mode). */
  readonly workers: number;
  /** The I/O path of the relay's sockets: the batched addon or `node:dgram`. */
  readonly io: 'batch' | 'dgram';
  /**
   * True when the addon forwards established streams itself (batch path; see
   * `RelayEngineOptions.nativeForwarding`).
   */
  readonly nativeForwarding: boolean;
  /**
   * Binds one port per leg and returns the addresses to signal.
   *
   * @throws SimError `MEDIA_PORTS_EXHAUSTED` or `MEDIA_BIND`.
   */
  allocate(request: AllocateRequest): Promise<RelaySessionInfo>;
  /**
   * Sets a leg's peer from signalling: the only accepted source on that leg, and where the
   * other leg's packets go.
   *
   * @throws SimError `MEDIA_UNKNOWN_SESSION`; TypeError for a bad address.
   */
  setPeer(id: string, leg: LegName, peer: TransportAddress): Promise<void>;
  /** Closes a session and frees its ports; false when it was not open. */
  close(id: string): Promise<boolean>;
  /**
   * Figures of one open session.
   *
   * @throws SimError `MEDIA_UNKNOWN_SESSION`.
   */
  stats(id: string): Promise<RelaySessionStats>;
  /** Relay-wide counters, summed over shards. */
  counters(): Promise<RelayCounters>;
  /** Closes every session and stops every worker. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Creates a relay.
 *
 * @param options - Relay options; `workers` selects the mode.
 * @param logger - Parent logger; the relay logs control events only.
 * @throws RangeError when the port range cannot be split over the workers; SimError
 *   `MEDIA_BIND` when a worker fails to start.
 */
export async function createRelay(
  options: RelayOptions = {},
  logger?: ComponentLogger,
): Promise<Relay> {
  const workers = options.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0 || workers > 64) {
    throw new RangeError(`workers must be an integer 0-64, got ${workers}`);
  }
  if (workers === 0) {
    return new LocalRelay(new RelayEngine(options, logger));
  }
  if (options.egress !== undefined || options.tap !== undefined) {
    throw new TypeError(
      'an egress or a tap works in one thread only: use workers: 0 with impaired links or a capture',
    );
  }
  // Decided here, so that a missing addon fails before any worker starts; every worker
  // then loads the addon itself.
  const io = resolveRelayIo(options.io);
  const nativeForwarding = io === 'batch' && resolveNativeForwarding(options.nativeForwarding);
  const relay = new ShardedRelay({ ...options, io, nativeForwarding }, workers, io, logger);
  await relay.start();
  return relay;
}

/** The single-thread relay: an engine in the calling thread. */
class LocalRelay extends EventEmitter<RelayEvents> implements Relay {
  readonly workers = 0;
  readonly io: 'batch' | 'dgram';
  readonly nativeForwarding: boolean;
  readonly #engine: RelayEngine;

  constructor(engine: RelayEngine) {
    super();
    this.#engine = engine;
    this.io = engine.io;
    this.nativeForwarding = engine.nativeForwarding;
    engine.on('session-closed', (e) => this.emit('session-closed', e));
    engine.on('peer-latched', (e) => this.emit('peer-latched', e));
    engine.on('media-timeout', (e) => this.emit('media-timeout', e));
  }

  allocate(request: AllocateRequest): Promise<RelaySessionInfo> {
    return this.#engine.allocate(request);
  }

  setPeer(id: string, leg: LegName, peer: TransportAddress): Promise<void> {
    try {
      this.#engine.setPeer(id, leg, peer);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  close(id: string): Promise<boolean> {
    return Promise.resolve(this.#engine.close(id));
  }

  stats(id: string): Promise<RelaySessionStats> {
    try {
      return Promise.resolve(this.#engine.stats(id));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  counters(): Promise<RelayCounters> {
    return Promise.resolve(this.#engine.counters());
  }

  shutdown(): Promise<void> {
    this.#engine.shutdown();
    return Promise.resolve();
  }
}

/** A control request to a relay worker. */
export type WorkerRequest =
  | { readonly seq: number; readonly op: 'allocate'; readonly request: AllocateRequest }
  | {
      readonly seq: number;
      readonly op: 'setPeer';
      readonly id: string;
      readonly leg: LegName;
      readonly peer: TransportAddress;
    }
  | { readonly seq: number; readonly op: 'close'; readonly id: string }
  | { readonly seq: number; readonly op: 'stats'; readonly id: string }
  | { readonly seq: number; readonly op: 'counters' }
  | { readonly seq: number; readonly op: 'shutdown' };

/** A message from a relay worker: a reply, an event or the ready signal. */
export type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'reply'; readonly seq: number; readonly ok: true; readonly value: unknown }
  | {
      readonly kind: 'reply';
      readonly seq: number;
      readonly ok: false;
      readonly error: { readonly name: string; readonly code?: string; readonly message: string };
    }
  | {
      readonly kind: 'event';
      readonly name: keyof RelayEvents;
      readonly payload: RelayEvents[keyof RelayEvents][0];
    };

/** A request without its sequence number. */
type RequestBody = WorkerRequest extends infer R
  ? R extends unknown
    ? Omit<R, 'seq'>
    : never
  : never;

/** Worker data of a relay worker: its engine options. */
export interface RelayWorkerData {
  readonly engine: Omit<RelayEngineOptions, 'clock'>;
}

/** Longest wait for a worker to answer a control request. */
const CONTROL_TIMEOUT_MS = 10_000;

/**
 * Starts a worker on a module next to this one: the compiled `.js` in `dist/`, or, when
 * this module itself runs from TypeScript source (tests, tsx), the `.ts` file loaded
 * through tsx's loader registered inside the worker.
 */
export function startModuleWorker(name: string, baseUrl: string, workerData: unknown): Worker {
  // Workers inherit the process's Node options; those that describe how the main script
  // was given (`node --input-type=module -e ...`) do not apply to a worker and make it fail.
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
  if (!baseUrl.endsWith('.ts')) {
    return new Worker(new URL(`./${name}.js`, baseUrl), { workerData, execArgv });
  }
  const target = new URL(`./${name}.ts`, baseUrl).href;
  // The ESM build of tsx's API: `require.resolve` finds the CommonJS one next to it.
  const tsxApi = pathToFileURL(
    createRequire(baseUrl)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((api) => { api.register(); return import(${JSON.stringify(target)}); })` +
    `.catch((err) => { setImmediate(() => { throw err; }); });`;
  return new Worker(bootstrap, { eval: true, workerData, execArgv });
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One worker and its outstanding requests. */
class Shard {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  sessions = 0;
  alive = true;

  constructor(worker: Worker) {
    this.worker = worker;
  }
}

/** The sharded relay: engines in worker threads, control by message. */
class ShardedRelay extends EventEmitter<RelayEvents> implements Relay {
  readonly workers: number;
  readonly io: 'batch' | 'dgram';
  readonly nativeForwarding: boolean;
  readonly #options: RelayOptions;
  readonly #log: ComponentLogger | undefined;
  readonly #shards: Shard[] = [];
  readonly #owner = new Map<string, Shard>();
  #seq = 1;
  #stopped = false;

  constructor(
    options: RelayOptions,
    workers: number,
    io: 'batch' | 'dgram',
    logger?: ComponentLogger,
  ) {
    super();
    this.workers = workers;
    this.io = io;
    this.nativeForwarding = options.nativeForwarding ?? false;
    this.#options = options;
    this.#log = logger?.child({ mod: 'media.relay' });
  }

  /** Starts the workers and waits until each has its engine ready. */
  async start(): Promise<void> {
    const ranges = splitRange(this.#options.portRange, this.workers);
    try {
      for (let i = 0; i < this.workers; i++) {
        const { workers: _w, clock: _c, ...engineOptions } = this.#options;
        const data: RelayWorkerData = {
          engine: { ...engineOptions, portRange: ranges[i], idPrefix: `w${i}.` },
        };
        const worker = startModuleWorker('relay-worker', import.meta.url, data);
        const shard = new Shard(worker);
        this.#shards.push(shard);
        await this.#wire(shard, i);
      }
    } catch (e) {
      await this.shutdown();
      throw new SimError(ErrorCodes.MEDIA_BIND, 'relay worker failed to start', { cause: e });
    }
  }

  #wire(shard: Shard, index: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`relay worker ${index} not ready within ${CONTROL_TIMEOUT_MS} ms`));
      }, CONTROL_TIMEOUT_MS);
      shard.worker.on('message', (msg: WorkerMessage) => {
        if (msg.kind === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (msg.kind === 'reply') {
          const p = shard.pending.get(msg.seq);
          if (p !== undefined) {
            shard.pending.delete(msg.seq);
            clearTimeout(p.timer);
            if (msg.ok) {
              p.resolve(msg.value);
            } else {
              p.reject(reviveError(msg.error));
            }
          }
        } else if (msg.name === 'session-closed') {
          const payload = msg.payload as RelayEvents['session-closed'][0];
          if (this.#owner.delete(payload.id)) {
            shard.sessions--;
          }
          this.emit('session-closed', payload);
        } else if (msg.name === 'media-timeout') {
          this.emit('media-timeout', msg.payload as RelayEvents['media-timeout'][0]);
        } else {
          this.emit('peer-latched', msg.payload as RelayEvents['peer-latched'][0]);
        }
      });
      shard.worker.on('error', (err) => {
        clearTimeout(timer);
        this.#log?.error({ err, shard: index }, 'relay worker failed');
        this.#failShard(shard, err);
        reject(err);
      });
      shard.worker.on('exit', (code) => {
        clearTimeout(timer);
        if (shard.alive && !this.#stopped) {
          this.#log?.error({ code, shard: index }, 'relay worker exited');
        }
        this.#failShard(shard, new Error(`relay worker ${index} exited with code ${code}`));
        reject(new Error(`relay worker ${index} exited with code ${code}`));
      });
    });
  }

  #failShard(shard: Shard, err: Error): void {
    shard.alive = false;
    for (const p of shard.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    shard.pending.clear();
  }

  #call<T>(shard: Shard, request: RequestBody): Promise<T> {
    if (!shard.alive) {
      return Promise.reject(new SimError(ErrorCodes.MEDIA_BIND, 'relay worker is not running'));
    }
    const seq = this.#seq++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        shard.pending.delete(seq);
        reject(new SimError(ErrorCodes.INTERNAL, `relay worker did not answer ${request.op}`));
      }, CONTROL_TIMEOUT_MS);
      shard.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject, timer });
      shard.worker.postMessage({ ...request, seq });
    });
  }

  #shardOf(id: string): Shard {
    const shard = this.#owner.get(id);
    if (shard === undefined) {
      throw new SimError(ErrorCodes.MEDIA_UNKNOWN_SESSION, `no relay session ${id}`, {
        details: { id },
      });
    }
    return shard;
  }

  async allocate(request: AllocateRequest): Promise<RelaySessionInfo> {
    // The least loaded live shard takes the session; on exhaustion the next one is tried.
    const order = this.#shards.filter((s) => s.alive).sort((a, b) => a.sessions - b.sessions);
    let last: unknown = new SimError(ErrorCodes.MEDIA_PORTS_EXHAUSTED, 'no relay worker left');
    for (const shard of order) {
      shard.sessions++;
      try {
        const info = await this.#call<RelaySessionInfo>(shard, { op: 'allocate', request });
        this.#owner.set(info.id, shard);
        return info;
      } catch (e) {
        shard.sessions--;
        last = e;
        if (!(e instanceof SimError && e.code === ErrorCodes.MEDIA_PORTS_EXHAUSTED)) {
          throw e;
        }
      }
    }
    throw last;
  }

  async setPeer(id: string, leg: LegName, peer: TransportAddress): Promise<void> {
    await this.#call(this.#shardOf(id), { op: 'setPeer', id, leg, peer });
  }

  async close(id: string): Promise<boolean> {
    const shard = this.#owner.get(id);
    if (shard === undefined) {
      return false;
    }
    return this.#call<boolean>(shard, { op: 'close', id });
  }

  stats(id: string): Promise<RelaySessionStats> {
    try {
      return this.#call(this.#shardOf(id), { op: 'stats', id });
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  async counters(): Promise<RelayCounters> {
    const parts = await Promise.all(
      this.#shards
        .filter((s) => s.alive)
        .map((s) => this.#call<RelayCounters>(s, { op: 'counters' })),
    );
    return sumCounters(parts);
  }

  async shutdown(): Promise<void> {
    if (this.#stopped) {
      return;
    }
    this.#stopped = true;
    await Promise.all(
      this.#shards.map(async (shard) => {
        if (shard.alive) {
          try {
            await this.#call(shard, { op: 'shutdown' });
          } catch {
            // The worker is terminated below either way.
          }
        }
        shard.alive = false;
        await shard.worker.terminate();
      }),
    );
    this.#owner.clear();
  }
}

/** Sums relay counters of several shards. */
export function sumCounters(parts: readonly RelayCounters[]): RelayCounters {
  const dropped = {} as Record<DropReasonName, number>;
  for (const name of DROP_REASON_NAMES) {
    dropped[name] = 0;
  }
  let sessions = 0;
  let received = 0;
  let forwarded = 0;
  let forwardedBytes = 0;
  let rtp = 0;
  let rtcp = 0;
  let droppedTotal = 0;
  let io: Record<keyof RelayIoCounters, number> | undefined;
  for (const c of parts) {
    if (c.io !== undefined) {
      io ??= { ...NO_IO };
      for (const key of Object.keys(NO_IO) as (keyof RelayIoCounters)[]) {
        io[key] += c.io[key];
      }
    }
    sessions += c.sessions;
    received += c.received;
    forwarded += c.forwarded;
    forwardedBytes += c.forwardedBytes;
    rtp += c.rtp;
    rtcp += c.rtcp;
    droppedTotal += c.droppedTotal;
    for (const name of DROP_REASON_NAMES) {
      dropped[name] += c.dropped[name];
    }
  }
  return {
    sessions,
    received,
    forwarded,
    forwardedBytes,
    rtp,
    rtcp,
    dropped,
    droppedTotal,
    ...(io === undefined ? {} : { io }),
  };
}

/** The I/O counters of a shard without any. */
const NO_IO: RelayIoCounters = {
  wakeups: 0,
  forwardingWakeups: 0,
  received: 0,
  forwardedNatively: 0,
  droppedNatively: 0,
  toScript: 0,
  scriptCalls: 0,
  sendCalls: 0,
};

/** Splits an inclusive port range into `n` contiguous slices. */
export function splitRange(
  range: RelayOptions['portRange'],
  n: number,
): ({ min: number; max: number } | undefined)[] {
  if (range === undefined) {
    return Array.from({ length: n }, () => undefined);
  }
  const size = range.max - range.min + 1;
  if (size < n * 2) {
    throw new RangeError(
      `port range ${range.min}-${range.max} is too small for ${n} workers (2 ports per session)`,
    );
  }
  const slice = Math.floor(size / n);
  return Array.from({ length: n }, (_, i) => ({
    min: range.min + i * slice,
    max: i === n - 1 ? range.max : range.min + (i + 1) * slice - 1,
  }));
}

/** Rebuilds an error sent by a worker, keeping the stable code. */
function reviveError(e: { name: string; code?: string; message: string }): Error {
  if (e.name === 'TypeError') {
    return new TypeError(e.message);
  }
  if (e.name === 'RangeError') {
    return new RangeError(e.message);
  }
  const known = Object.values(ErrorCodes) as string[];
  const code = e.code !== undefined && known.includes(e.code) ? e.code : ErrorCodes.INTERNAL;
  return new SimError(code as (typeof ErrorCodes)[keyof typeof ErrorCodes], e.message);
}
