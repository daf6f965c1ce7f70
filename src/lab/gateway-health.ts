/**
 * A Mediation Server's view of its gateway peers' health: an OPTIONS keep-alive to each
 * gateway every interval (RFC 3261 section 11), a gateway marked down after a number of
 * keep-alives in a row without a response (no response before the next one is due, or a
 * timeout), up again at its next response, and the history of every change for the report.
 * A call routed to a gateway that is down is refused at once (the Mediation Server asks
 * `isDown`), instead of waiting for Timer B.
 *
 * It must not know calls, policy or media, nor how a run is bound: it is given the user agent
 * to send from, the peers and a clock.
 */
import type { Logger } from '../core/index.js';
import type { PeerHealth, PeerStateChange } from '../report/index.js';
import type { UserAgent } from '../sip/index.js';

/** Options of a {@link GatewayHealth}. */
export interface GatewayHealthOptions {
  readonly watcher: string;
  /** The gateway-facing user agent the keep-alives leave from. */
  readonly ua: UserAgent;
  /** Each peer and the URI its keep-alives go to. */
  readonly peers: readonly { readonly name: string; readonly uri: string }[];
  readonly intervalMs: number;
  readonly misses: number;
  /** Milliseconds since the run started. */
  readonly elapsed: () => number;
  readonly log: Logger;
}

/** Statuses that do not show the peer alive: a timeout, or no route (both synthesized). */
const NO_ANSWER = new Set([408, 503]);

class PeerWatch {
  readonly name: string;
  readonly uri: string;
  state: 'up' | 'down' = 'up';
  /** A keep-alive is out with no response yet. */
  pending = false;
  missed = 0;
  readonly history: PeerStateChange[] = [];

  constructor(name: string, uri: string) {
    this.name = name;
    this.uri = uri;
  }
}

/** OPTIONS keep-alives from one Mediation Server to its gateways. */
export class GatewayHealth {
  readonly #o: GatewayHealthOptions;
  readonly #peers = new Map<string, PeerWatch>();
  #timer: NodeJS.Timeout | undefined;

  constructor(o: GatewayHealthOptions) {
    this.#o = o;
    for (const p of o.peers) {
      this.#peers.set(p.name, new PeerWatch(p.name, p.uri));
    }
  }

  /** Starts the keep-alives: the first goes out one interval from now. */
  start(): void {
    if (this.#timer !== undefined || this.#o.intervalMs <= 0 || this.#peers.size === 0) {
      return;
    }
    this.#timer = setInterval(() => {
      this.#probe();
    }, this.#o.intervalMs);
    this.#timer.unref();
  }

  /** Stops the keep-alives. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Whether a peer is marked down, and why (its last change); undefined when it is up. */
  downDetail(peer: string): string | undefined {
    const p = this.#peers.get(peer);
    return p?.state === 'down' ? p.history[p.history.length - 1]?.detail : undefined;
  }

  /** Every peer's state and history. */
  report(): PeerHealth[] {
    return [...this.#peers.values()].map((p) => ({
      watcher: this.#o.watcher,
      peer: p.name,
      state: p.state,
      history: [...p.history],
    }));
  }

  #probe(): void {
    for (const p of this.#peers.values()) {
      if (p.pending) {
        p.missed++;
        if (p.state === 'up' && p.missed >= this.#o.misses) {
          this.#change(p, 'down', `${p.missed} keep-alives unanswered`);
        }
      }
      p.pending = true;
      void this.#o.ua.ping(p.uri).then((status) => {
        if (NO_ANSWER.has(status)) {
          return;
        }
        p.pending = false;
        p.missed = 0;
        if (p.state === 'down') {
          this.#change(p, 'up', `answered a keep-alive (${status})`);
        }
      });
    }
  }

  #change(p: PeerWatch, state: 'up' | 'down', detail: string): void {
    p.state = state;
    const at = Math.round(this.#o.elapsed());
    p.history.push({ at, state, detail });
    this.#o.log.warn({ watcher: this.#o.watcher, peer: p.name, state, detail }, 'peer state');
  }
}
