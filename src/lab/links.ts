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

/** Whether a run of the scenario needs links in user space: impairments, or partitions. */
export function needsLinks(s: Scenario): boolean {
  return s.links.length > 0 || s.faults.some((f) => f.kind === 'partition');
}

/** Both directions of one link between two sites. */
interface LinkPair {
  readonly between: readonly [string, string];
  readonly impairment: Impairment;
  readonly forward: LinkEmulator;
  readonly reverse: LinkEmulator;
}

/** A link that only carries partitions: no delay, jitter, loss or rate. */
const NO_IMPAIRMENT: Impairment = {
  delayMs: 0,
  jitterMs: 0,
  lossPercent: 0,
  burstLoss: null,
  rateKbps: null,
  queueMs: 100,
};

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
  readonly #links: LinkPair[] = [];

  constructor(s: Scenario, topo: Topology, addr: Addressing, logger: Logger) {
    for (const l of s.links) {
      const pair = createLinkEmulatorPair(l.between, l.impairment, s.simulation.seed);
      this.#links.push({ between: l.between, impairment: l.impairment, ...pair });
    }
    // A partition between two sites without a link of their own gets a link that does
    // nothing until the partition.
    for (const f of s.faults) {
      if (f.kind === 'partition' && !this.#linkBetween(f.between[0], f.between[1])) {
        const pair = createLinkEmulatorPair(f.between, NO_IMPAIRMENT, s.simulation.seed);
        this.#links.push({ between: f.between, impairment: NO_IMPAIRMENT, ...pair });
      }
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

  /**
   * Partitions the path between two sites, both ways (every datagram between their hosts is
   * dropped from now on), or heals it. False when the run has no link between them.
   */
  partition(a: string, b: string, on: boolean): boolean {
    const l = this.#linkBetween(a, b);
    if (!l) {
      return false;
    }
    l.forward.setPartitioned(on);
    l.reverse.setPartitioned(on);
    return true;
  }

  #linkBetween(a: string, b: string): LinkPair | undefined {
    return this.#links.find(
      (l) =>
        (l.between[0] === a && l.between[1] === b) || (l.between[0] === b && l.between[1] === a),
    );
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
        droppedPartition: r.measured.droppedPartition,
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
