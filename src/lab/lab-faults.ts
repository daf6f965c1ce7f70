/**
 * The faults side of a run in one process: the Mediation Servers' keep-alives to their
 * gateways (`gateway-health.ts`) and whether a gateway is down, the relay's media timeouts
 * handed to whoever watches the session, and the faults the scenario injects (`faults:`): a
 * partition between two sites on the run's links, and a host that stops as if killed.
 *
 * It must not know how hosts place, answer or route calls, nor how the run is bound: `lab.ts`
 * gives it the means (a timer, the links, how to stop a host).
 */
import type { Logger } from '../core/index.js';
import type { MediaTimeout } from '../media/index.js';
import { REFUSAL_SIP } from '../policy/index.js';
import type { Gateway, MediationServer, Scenario } from '../scenario/index.js';
import type { B2buaReject, UserAgent } from '../sip/index.js';
import type { PeerHealth } from '../report/index.js';
import { GatewayHealth } from './gateway-health.js';
import type { LabLinks } from './links.js';

/** What the faults need from the run. */
export interface LabFaultsOptions {
  readonly scenario: Scenario;
  readonly log: Logger;
  /** Milliseconds since the run started. */
  readonly elapsed: () => number;
  /** Runs `fn` after `ms` unless the run has closed. */
  readonly later: (ms: number, fn: () => void) => void;
  readonly links: LabLinks | null;
  /** Whether this process runs a host. */
  readonly runs: (host: string) => boolean;
  /** Makes a host of this process go silent at once (no BYE, no answer, no media). */
  readonly stopHost: (host: string) => void;
}

/** Keep-alives, media timeouts and injected faults of one process's hosts. */
export class LabFaults {
  readonly #o: LabFaultsOptions;
  readonly #health = new Map<string, GatewayHealth>();
  readonly #watchers = new Map<string, (t: MediaTimeout) => void>();

  constructor(o: LabFaultsOptions) {
    this.#o = o;
  }

  /**
   * Starts a Mediation Server's keep-alives to its gateways (`simulation.keepAliveInterval`),
   * sent from its gateway-facing user agent.
   */
  watchGateways(ms: MediationServer, ua: UserAgent, uriOf: (gw: Gateway) => string): void {
    const sim = this.#o.scenario.simulation;
    const peers = this.#o.scenario.hosts.gateways
      .filter((g) => g.mediationServer === ms.name)
      .map((g) => ({ name: g.name, uri: uriOf(g) }));
    const health = new GatewayHealth({
      watcher: ms.name,
      ua,
      peers,
      intervalMs: sim.keepAliveIntervalMs,
      misses: sim.keepAliveMisses,
      elapsed: this.#o.elapsed,
      log: this.#o.log,
    });
    this.#health.set(ms.name, health);
    health.start();
  }

  /** The refusal for a call routed to a gateway marked down, or null when it is up. */
  peerDown(gateway: string): B2buaReject | null {
    for (const h of this.#health.values()) {
      const detail = h.downDetail(gateway);
      if (detail !== undefined) {
        const status = this.#o.scenario.simulation.downGatewayStatus;
        const base =
          status === REFUSAL_SIP.peerDown.status
            ? REFUSAL_SIP.peerDown.reason.replace(/ \(.*\)$/, '')
            : 'Gateway Down';
        return { reject: status, reason: `${base} (${gateway} is down: ${detail})` };
      }
    }
    return null;
  }

  /** Every watched gateway's state and up/down history. */
  peers(): PeerHealth[] {
    return [...this.#health.values()].flatMap((h) => h.report());
  }

  /** Hands the relay's media timeouts of a session to `onTimeout` (once per leg). */
  watchRelay(sessionId: string, onTimeout: (t: MediaTimeout) => void): void {
    this.#watchers.set(sessionId, onTimeout);
  }

  /** A relay session closed: nobody watches it any more. */
  forget(sessionId: string): void {
    this.#watchers.delete(sessionId);
  }

  /** The relay reported a silent leg. */
  relayTimeout(t: MediaTimeout): void {
    const watcher = this.#watchers.get(t.id);
    if (watcher) {
      watcher(t);
    }
  }

  /**
   * Schedules the scenario's faults on the run's clock (`t0` is when it started); with
   * `onlyFuture` (a host that joined a run again), those already past are left out.
   */
  schedule(t0: number, onlyFuture = false): void {
    const now = performance.now();
    for (const f of this.#o.scenario.faults) {
      if (onlyFuture && f.atMs < now - t0) {
        continue;
      }
      const delay = Math.max(0, f.atMs - (now - t0));
      if (f.kind === 'partition') {
        const links = this.#o.links;
        if (!links) {
          continue;
        }
        this.#o.later(delay, () => {
          this.#o.log.warn({ between: f.between, durationMs: f.durationMs }, 'partition starts');
          links.partition(f.between[0], f.between[1], true);
        });
        this.#o.later(delay + f.durationMs, () => {
          this.#o.log.warn({ between: f.between }, 'partition ends');
          links.partition(f.between[0], f.between[1], false);
        });
      } else if (this.#o.runs(f.host)) {
        this.#o.later(delay, () => {
          this.#o.log.warn({ host: f.host }, 'host stops (fault)');
          this.#health.get(f.host)?.stop();
          this.#o.stopHost(f.host);
        });
      }
    }
  }

  /** Stops every keep-alive. */
  close(): void {
    for (const h of this.#health.values()) {
      h.stop();
    }
    this.#watchers.clear();
  }
}
