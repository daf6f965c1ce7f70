/**
 * Link impairment in user space: delay, jitter, random and burst loss, and a rate limit with a
 * bounded queue, applied to every datagram that crosses an emulated link, reproducibly.
 *
 * The kernel's netem is not available, so this is the only place where delay and loss
 * happen. One {@link LinkEmulator} (`link-emulator.ts`) is one direction of one link and
 * decides what happens to a datagram on it; seeds come from `seeded-random.ts`. An
 * {@link ImpairedEgress} (a {@link DatagramEgress}), here, maps each datagram, by source and
 * destination address, to the ordered chain of links it crosses (for example: uplink of site
 * A, region link, uplink of site B), walks it through them hop by hop and sends it after the
 * last one. The egress must not know how a link decides, nor the scenario: paths come from a
 * {@link LinkResolver}.
 *
 * Release: one coarse `setInterval` ({@link ImpairedEgressOptions.tickMs}, 1 ms by default)
 * runs only while datagrams are held. Each tick releases every datagram whose time has come,
 * from per-link power-of-two rings of preallocated slots (one FIFO per link keeps release
 * times sorted, so only ring heads are checked). The alternative, one `setTimeout` re-armed
 * to the earliest release time, wakes less often at low rates but re-arms a timer per
 * datagram at high ones; a 1 ms interval costs at most 1,000 wake-ups per second while
 * traffic is held (each one a scan of the links' heads, a few microseconds) and releases
 * datagrams up to one tick (plus event-loop latency) late, never early. Measured per-link
 * delays include that lateness.
 *
 * Nothing on the packet path allocates, creates closures or promises, or throws; drops are
 * counted by reason.
 */
import type dgram from 'node:dgram';
import { systemClock, type Clock, type ComponentLogger } from '../core/index.js';
import type { DatagramEgress } from '../core/egress.js';
import { EgressPacket, LinkEmulator, NO_LINKS } from './link-emulator.js';

// The links and seeds the egress is built from, so that this module still offers all of link
// impairment to its users.
export {
  createLinkEmulatorPair,
  DEFAULT_LINK_CAPACITY,
  EgressPacket,
  LinkDrop,
  LinkEmulator,
  WIRE_OVERHEAD_BYTES,
  type LinkDelayStats,
  type LinkEmulatorOptions,
  type LinkEmulatorPair,
  type LinkEmulatorStats,
} from './link-emulator.js';
export { deriveSeed, Xoshiro128 } from './seeded-random.js';

/** Longest chain of links a datagram may cross. */
export const MAX_HOPS = 16;

/**
 * Maps a datagram to the links it crosses, in order, from the source socket's bound address
 * and the destination address. Return an empty array for an unimpaired path. Called once per
 * address pair (the result is cached until {@link ImpairedEgress.invalidate}); it may throw,
 * which drops that pair's datagrams as `unresolved`.
 */
export type LinkResolver = (source: string, destination: string) => readonly LinkEmulator[];

/** Options of an {@link ImpairedEgress}. */
export interface ImpairedEgressOptions {
  /** Path resolution. */
  readonly resolve: LinkResolver;
  /** Time source (default {@link systemClock}). */
  readonly clock?: Clock;
  /** Logger; a child `{ mod: 'media.impairment' }` is made. */
  readonly logger?: ComponentLogger;
  /** Release tick in milliseconds (default 1). */
  readonly tickMs?: number;
  /**
   * Run the release timer (default true). With false, the owner calls
   * {@link ImpairedEgress.onTick} itself (tests with a fake clock, a shared ticker).
   */
  readonly timer?: boolean;
  /** Address pairs kept in the resolution cache before it is cleared (default 4096). */
  readonly maxPairs?: number;
}

/** Counters of an {@link ImpairedEgress}. */
export interface ImpairedEgressStats {
  /** Sent at once, the path crossing no link. */
  readonly direct: number;
  /** Entered a chain of links. */
  readonly impaired: number;
  /** Sent on the socket after their last link. */
  readonly sent: number;
  /** Dropped because the resolver threw or returned an invalid chain. */
  readonly unresolved: number;
  /** `socket.send()` threw (the socket was closed meanwhile). */
  readonly sendErrors: number;
  /** Offered after `close()`. */
  readonly droppedClosed: number;
  /** Held in links now. */
  readonly queued: number;
}

const UNRESOLVED: readonly LinkEmulator[] = Object.freeze([]);

/**
 * A {@link DatagramEgress} that sends each datagram through the emulated links between its
 * source and destination. Holds the caller's Buffer until it is sent (see `core/egress.ts`).
 *
 * Close cascade: `close()` stops the timer and flushes every link it has used; datagrams
 * offered later are dropped and counted. It does not close sockets.
 */
export class ImpairedEgress implements DatagramEgress {
  readonly #resolve: LinkResolver;
  readonly #clock: Clock;
  readonly #log: ComponentLogger | undefined;
  readonly #tickMs: number;
  readonly #useTimer: boolean;
  readonly #maxPairs: number;
  readonly #sourceOf = new WeakMap<dgram.Socket, string>();
  readonly #paths = new Map<string, Map<string, readonly LinkEmulator[]>>();
  #pairs = 0;
  readonly #links: LinkEmulator[] = [];
  readonly #known = new Set<LinkEmulator>();
  /** Context of the send path. */
  readonly #sendCtx = new EgressPacket();
  /** Context of the release path. */
  readonly #tickCtx = new EgressPacket();
  #timer: NodeJS.Timeout | undefined = undefined;
  #queued = 0;
  #closed = false;
  #direct = 0;
  #impaired = 0;
  #sent = 0;
  #unresolved = 0;
  #sendErrors = 0;
  #droppedClosed = 0;
  readonly #onTimer = (): void => {
    this.onTick(this.#clock.now());
  };

  /** @throws RangeError when `tickMs` is below 1 or `maxPairs` below 1. */
  constructor(options: ImpairedEgressOptions) {
    this.#resolve = options.resolve;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger?.child({ mod: 'media.impairment' });
    this.#tickMs = options.tickMs ?? 1;
    if (!(this.#tickMs >= 1)) {
      throw new RangeError(`tickMs must be at least 1, got ${this.#tickMs}`);
    }
    this.#useTimer = options.timer ?? true;
    this.#maxPairs = options.maxPairs ?? 4096;
    if (!(this.#maxPairs >= 1)) {
      throw new RangeError(`maxPairs must be at least 1, got ${this.#maxPairs}`);
    }
  }

  /** {@inheritDoc DatagramEgress.send} */
  send(socket: dgram.Socket, buf: Buffer, port: number, address: string): void {
    if (this.#closed) {
      this.#droppedClosed++;
      return;
    }
    const chain = this.#chainFor(socket, address);
    if (chain.length === 0) {
      if (chain === UNRESOLVED) {
        this.#unresolved++;
        return;
      }
      this.#direct++;
      this.#transmit(socket, buf, port, address);
      return;
    }
    this.#impaired++;
    const ctx = this.#sendCtx;
    ctx.now = this.#clock.now();
    ctx.at = ctx.now;
    ctx.buf = buf;
    ctx.len = buf.length;
    ctx.socket = socket;
    ctx.port = port;
    ctx.address = address;
    ctx.chain = chain;
    ctx.hop = 0;
    this.#forward(ctx);
    ctx.clear();
  }

  /**
   * Releases every held datagram whose time has come. Called by the timer; call it yourself
   * with `timer: false`. Never throws.
   *
   * @param now - Clock time in milliseconds.
   */
  onTick(now: number): void {
    const links = this.#links;
    const ctx = this.#tickCtx;
    ctx.now = now;
    // A datagram released into a link already visited in this pass is picked up by the next
    // pass; a chain has at most MAX_HOPS links.
    for (let pass = 0; pass < MAX_HOPS && this.#queued > 0; pass++) {
      let moved = 0;
      for (const link of links) {
        while (link.due(ctx)) {
          link.release(ctx);
          this.#queued--;
          moved++;
          ctx.hop++;
          ctx.len = ctx.buf.length;
          this.#forward(ctx);
        }
      }
      if (moved === 0) {
        break;
      }
    }
    ctx.clear();
    if (this.#queued === 0) {
      this.#stopTimer();
    }
  }

  /** Forgets cached paths; the resolver is asked again for each address pair. */
  invalidate(): void {
    this.#paths.clear();
    this.#pairs = 0;
  }

  /** Every link this egress has resolved, in first-use order. */
  links(): readonly LinkEmulator[] {
    return this.#links.slice();
  }

  /** Counters snapshot. */
  stats(): ImpairedEgressStats {
    return {
      direct: this.#direct,
      impaired: this.#impaired,
      sent: this.#sent,
      unresolved: this.#unresolved,
      sendErrors: this.#sendErrors,
      droppedClosed: this.#droppedClosed,
      queued: this.#queued,
    };
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops the timer and drops every held datagram. Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#stopTimer();
    for (const link of this.#links) {
      link.flush();
    }
    this.#queued = 0;
    this.invalidate();
  }

  /**
   * Walks `ctx` through its remaining links from `ctx.hop`, arriving at `ctx.at`, at clock
   * time `ctx.now`; sends it after the last one.
   */
  #forward(ctx: EgressPacket): void {
    const chain = ctx.chain;
    while (ctx.hop < chain.length) {
      const link = chain[ctx.hop]!;
      if (link.full) {
        link.overflow();
        return;
      }
      if (link.decide(ctx) < 0) {
        return;
      }
      if (ctx.releaseAt <= ctx.now && link.pending === 0) {
        link.passed(ctx);
        ctx.at = ctx.releaseAt;
        ctx.hop++;
        continue;
      }
      link.hold(ctx);
      this.#queued++;
      if (this.#timer === undefined && this.#useTimer) {
        this.#timer = setInterval(this.#onTimer, this.#tickMs);
        this.#timer.unref();
      }
      return;
    }
    this.#transmit(ctx.socket!, ctx.buf, ctx.port, ctx.address);
  }

  #transmit(socket: dgram.Socket, buf: Buffer, port: number, address: string): void {
    try {
      socket.send(buf, port, address);
      this.#sent++;
    } catch {
      // Only a socket closed while the datagram was held throws here.
      this.#sendErrors++;
    }
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** The cached chain of (source of `socket`, `destination`). Never throws. */
  #chainFor(socket: dgram.Socket, destination: string): readonly LinkEmulator[] {
    let source = this.#sourceOf.get(socket);
    if (source === undefined) {
      try {
        source = socket.address().address;
        this.#sourceOf.set(socket, source);
      } catch {
        // Not bound yet: Node binds it to the wildcard address on this send.
        source = '0.0.0.0';
      }
    }
    let byDestination = this.#paths.get(source);
    const cached = byDestination?.get(destination);
    if (cached !== undefined) {
      return cached;
    }
    const chain = this.#resolveChecked(source, destination);
    if (this.#pairs >= this.#maxPairs) {
      this.invalidate();
      byDestination = undefined;
    }
    if (byDestination === undefined) {
      byDestination = new Map();
      this.#paths.set(source, byDestination);
    }
    byDestination.set(destination, chain);
    this.#pairs++;
    return chain;
  }

  #resolveChecked(source: string, destination: string): readonly LinkEmulator[] {
    let chain: readonly LinkEmulator[];
    try {
      chain = this.#resolve(source, destination);
    } catch (e) {
      this.#log?.error({ err: e, source, destination }, 'link resolver threw; dropping path');
      return UNRESOLVED;
    }
    const isArray: boolean = Array.isArray(chain);
    if (!isArray || chain.length > MAX_HOPS) {
      this.#log?.error(
        { source, destination, hops: isArray ? chain.length : null },
        `link chain must be an array of at most ${MAX_HOPS} links; dropping path`,
      );
      return UNRESOLVED;
    }
    for (const link of chain) {
      if (!(link instanceof LinkEmulator)) {
        this.#log?.error({ source, destination }, 'link chain holds a non-link; dropping path');
        return UNRESOLVED;
      }
      if (!this.#known.has(link)) {
        this.#known.add(link);
        this.#links.push(link);
      }
    }
    this.#log?.debug(
      { source, destination, links: chain.map((l) => l.name) },
      'impaired path resolved',
    );
    return chain.length === 0 ? NO_LINKS : chain;
  }
}
