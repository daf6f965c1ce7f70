/**
 * A scenario live in this process, every host on its own loopback address: `LoopbackLab` binds
 * the hosts and keeps them up (what `mediapath serve` holds open for outside peers), places the
 * timeline's calls when asked, and gives the run's result at any moment; `runLab` runs the
 * timeline to its end, as `mediapath run` does. Cleans up every socket and timer, also on abort
 * or failure.
 *
 * It must not know how a host places, answers or routes a call (`hosts/`), nor the command line.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { InternalError } from '../core/index.js';
import type { RelayCounters, TransportAddress } from '../media/index.js';
import { LedgerJournal, PolicyService } from '../policy/index.js';
import type { Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { assignLoopback, type Addressing } from './addressing.js';
import { RunCapture } from './capture.js';
import { Lab, type LabOptions, type LabResult } from './lab.js';
import { waitForCalls, withDecisionTimes } from './run-wait.js';
import { LabLinks, needsLinks } from './links.js';
import { mergeCallPartials } from './merge.js';
import { localPolicy } from './policy-port.js';

/**
 * Every host of a scenario bound on loopback in this process, with the run's Bandwidth Policy
 * Service, its links and its capture. Open it with {@link LoopbackLab.open}; close it always.
 */
export class LoopbackLab {
  readonly scenario: Scenario;
  readonly addressing: Addressing;
  readonly #lab: Lab;
  readonly #policy: PolicyService;
  readonly #journal: LedgerJournal;
  readonly #links: LabLinks | null;
  #t0: number;
  #started = false;

  private constructor(scenario: Scenario, options: LabOptions) {
    this.scenario = scenario;
    const topo = new Topology(scenario);
    this.addressing = assignLoopback(scenario);
    this.#t0 = performance.now();
    this.#journal = new LedgerJournal(() => performance.now() - this.#t0);
    this.#policy = new PolicyService(topo, { journal: this.#journal });
    this.#links = needsLinks(scenario)
      ? new LabLinks(scenario, topo, this.addressing, options.logger)
      : null;
    const capture = options.captureTo
      ? new RunCapture(options.captureTo, this.addressing, `mediapath run of ${scenario.name}`)
      : undefined;
    this.#lab = new Lab(scenario, capture ? { ...options, capture } : options, {
      hosts: new Set(this.addressing.entries.map((e) => e.host)),
      addressing: this.addressing,
      fixedPorts: false,
      policy: localPolicy(this.#policy),
      remoteRelay: (host) => {
        throw new InternalError(`host ${host} is not run by this process`);
      },
      links: this.#links,
    });
  }

  /**
   * Binds every host of the scenario (outside peers excepted) on its loopback address. The
   * clock starts now; no call of the timeline is placed until {@link start}.
   * @throws {SimError} `SIM_ERR_SIP_BIND` or `SIM_ERR_MEDIA_BIND` when a host cannot bind.
   */
  static async open(scenario: Scenario, options: LabOptions): Promise<LoopbackLab> {
    const lab = new LoopbackLab(scenario, options);
    try {
      await lab.#lab.bind();
    } catch (e) {
      await lab.close();
      throw e;
    }
    return lab;
  }

  /** The underlying lab (its progress counts and its calls' completion). */
  get lab(): Lab {
    return this.#lab;
  }

  /** Milliseconds since the clock started. */
  get elapsedMs(): number {
    return performance.now() - this.#t0;
  }

  /** Where a host's SIP listener is (a Mediation Server's gateway side with `gateway`). */
  sipListener(host: string, side: 'client' | 'gateway' = 'client'): TransportAddress {
    return this.#lab.sipListener(host, side);
  }

  /**
   * Starts the clock, and with `timeline` places the timeline's calls, each at its time from
   * now. Calls from outside are served either way. Once only.
   */
  start(options: { readonly timeline: boolean } = { timeline: true }): void {
    if (this.#started) {
      return;
    }
    this.#started = true;
    this.#t0 = performance.now();
    this.#lab.start(this.#t0, options);
  }

  /** The relay's counters (open sessions among them). */
  relayCounters(): Promise<RelayCounters> {
    return this.#lab.relayCounters();
  }

  /**
   * What the run did so far, for the report: every call of the timeline and every call placed
   * from outside, each merged with its decision. `final` ends the calls still going first (the
   * run is over).
   */
  async result(options: { final: boolean; aborted: boolean }): Promise<LabResult> {
    if (options.final) {
      this.#lab.endRemaining(options.aborted);
      // Let the last BYEs and RTCP settle, then read every media session.
      await delay(150);
    }
    const partials = await this.#lab.collect();
    return {
      calls: withDecisionTimes(
        mergeCallPartials(this.#lab.calls, [partials], (call) =>
          this.#policy.reportedDecision(call),
        ),
        this.#journal,
      ),
      links: this.#links?.observations() ?? [],
      ledger: this.#journal.events,
      peers: this.#lab.peers(),
      addressing: this.addressing,
      durationMs: this.elapsedMs,
      aborted: options.aborted,
    };
  }

  /** Closes every host, socket and timer. Safe to call twice. */
  close(): Promise<void> {
    return this.#lab.close();
  }
}

/**
 * Runs a scenario live on loopback: every host is a real SIP endpoint on its own 127.x
 * address, every call a real SIP dialog with real RTP for its duration. Returns what each call
 * did, for the report. Cleans up every socket and timer, also on abort or failure.
 */
export async function runLab(scenario: Scenario, options: LabOptions): Promise<LabResult> {
  const live = await LoopbackLab.open(scenario, options);
  try {
    await options.onReady?.((host, side) => live.sipListener(host, side));
    live.start();
    const lab = live.lab;
    const plannedMs = lab.plannedMs;
    const progress = setInterval(() => {
      options.onProgress?.({ elapsedMs: live.elapsedMs, plannedMs, ...lab.counts() });
    }, 500);
    let aborted: boolean;
    try {
      aborted = await waitForCalls(lab.allDone, plannedMs + (options.graceMs ?? 10_000), options);
    } finally {
      clearInterval(progress);
    }
    return await live.result({ final: true, aborted });
  } finally {
    await live.close();
  }
}
