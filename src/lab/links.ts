/**
 * The scenario's impaired links in user space: per direction of a `links:` entry an emulator
 * (loss, rate, delay, jitter) and one egress that every datagram between hosts of those sites
 * goes out through, with the configured and measured figures for the report.
 *
 * It must not know SIP, policy or the hosts' roles: it sees datagrams between addresses.
 */
import type { Logger } from '../core/index.js';
import {
  createLinkEmulatorPair,
  ImpairedEgress,
  type LinkEmulator,
  type LinkEmulatorStats,
} from '../media/index.js';
import type { LinkObservation } from '../report/index.js';
import type { Impairment, Scenario } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import type { Addressing } from './addressing.js';

/** One impaired link of the run, one direction: what was configured and what it did. */
export interface LinkReport {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly configured: Impairment;
  readonly measured: LinkEmulatorStats;
}

/**
 * The scenario's impaired links in user space (loopback mode): one emulator per direction of
 * each `links:` entry between two sites, and an egress that sends every datagram between hosts
 * of those sites (SIP and RTP alike) through it. Seeded from `simulation.seed`.
 */
export class LabLinks {
  readonly egress: ImpairedEgress;
  readonly #links: {
    between: readonly [string, string];
    impairment: Impairment;
    forward: LinkEmulator;
    reverse: LinkEmulator;
  }[] = [];

  constructor(s: Scenario, topo: Topology, addr: Addressing, logger: Logger) {
    for (const l of s.links) {
      const pair = createLinkEmulatorPair(l.between, l.impairment, s.simulation.seed);
      this.#links.push({ between: l.between, impairment: l.impairment, ...pair });
    }
    const siteOf = (address: string): string | null => {
      const host = addr.hostOf(address);
      const h = host === null ? undefined : topo.host(host);
      return h ? (topo.siteOfHost(h)?.name ?? null) : null;
    };
    this.egress = new ImpairedEgress({
      logger,
      resolve: (source, destination) => {
        const a = siteOf(source);
        const b = siteOf(destination);
        if (a === null || b === null || a === b) {
          return [];
        }
        const out: LinkEmulator[] = [];
        for (const l of this.#links) {
          if (l.between[0] === a && l.between[1] === b) {
            out.push(l.forward);
          } else if (l.between[0] === b && l.between[1] === a) {
            out.push(l.reverse);
          }
        }
        return out;
      },
    });
  }

  /** True when the scenario declares any impaired link. */
  get any(): boolean {
    return this.#links.length > 0;
  }

  /** The report's view of each link direction. */
  observations(): LinkObservation[] {
    return this.report().map((r) => ({
      name: r.name,
      configured: {
        delayMs: r.configured.delayMs,
        jitterMs: r.configured.jitterMs,
        lossPercent: r.configured.lossPercent,
        burst: r.configured.burstLoss !== null,
        rateKbps: r.configured.rateKbps,
        queueMs: r.configured.queueMs,
      },
      measured: {
        offered: r.measured.offered,
        delivered: r.measured.delivered,
        droppedRandom: r.measured.droppedRandom,
        droppedBurst: r.measured.droppedBurst,
        droppedQueue: r.measured.droppedQueue + r.measured.droppedOverflow,
        delayMeanMs: r.measured.delay.meanMs,
        delayStdMs: r.measured.delay.stdMs,
        delayMinMs: r.measured.delay.minMs,
        delayMaxMs: r.measured.delay.maxMs,
      },
    }));
  }

  /** Configured and measured figures, per link and direction. */
  report(): LinkReport[] {
    return this.#links.flatMap((l) => [
      {
        name: `${l.between[0]} -> ${l.between[1]}`,
        from: l.between[0],
        to: l.between[1],
        configured: l.impairment,
        measured: l.forward.stats(),
      },
      {
        name: `${l.between[1]} -> ${l.between[0]}`,
        from: l.between[1],
        to: l.between[0],
        configured: l.impairment,
        measured: l.reverse.stats(),
      },
    ]);
  }

  close(): void {
    this.egress.close();
  }
}
