/**
 * A scenario live in this process, every host on its own loopback address: `LoopbackLab` binds
 * the hosts and keeps them up (what `mediapath serve` holds open for outside peers), places the
 * timeline's calls when asked, places calls on demand, takes a new configuration version
 * between calls (a live training lab), and gives the run's result at any moment; `runLab` runs
 * the timeline to its end, as `mediapath run` does. Cleans up every socket and timer, also on
 * abort or failure.
 *
 * It must not know how a host places, answers or routes a call (`hosts/`), nor the command line.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { InternalError } from '../core/index.js';
import type { RelayCounters, TransportAddress } from '../media/index.js';
import type { RunCallInput } from '../report/index.js';
import { LedgerJournal, PolicyService, type CallDecision } from '../policy/index.js';
import type { Call, Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { assignLoopback, type Addressing } from './addressing.js';
import { RunCapture } from './capture.js';
import { ConfigView } from './config-view.js';
import { Lab, type LabOptions, type LabResult } from './lab.js';
import { waitForCalls, withDecisionTimes } from './run-wait.js';
import { LabLinks, needsLinks } from './links.js';
import { mergeCallPartials, type CallPartial } from './merge.js';
import { localPolicy, type PolicyPort } from './policy-port.js';

/** How a lab kept up (`mediapath serve`) is bound and keeps its books. */
export interface LongRunningOptions {
  /**
   * SIP listeners on the fixed ports of `SIP_PORTS` (5060, a Mediation Server's gateway side
   * 5061), each host on its own loopback address, so that outside peers know where to call.
   */
  readonly fixedPorts?: boolean;
  /** The second octet of the hosts' loopback addresses (127.<base>.x.y; 77 by default). */
  readonly loopbackBase?: number;
  /**
   * Each call, once ended and read, as the report's input: the lab then forgets it (its
   * record, its decision), and keeps no journal, so that memory does not grow with the calls.
   */
  readonly onCall?: (call: RunCallInput) => void;
  /**
   * Each call as soon as it is decided, with the configuration version it was decided under
   * (a live lab's progress lines). Called once per call.
   */
  readonly onDecided?: (call: Call, decision: CallDecision, version: string) => void;
}

/**
 * Every host of a scenario bound on loopback in this process, with the run's Bandwidth Policy
 * Service, its links and its capture. Open it with {@link LoopbackLab.open}; close it always.
 */
export class LoopbackLab {
  readonly scenario: Scenario;
  readonly addressing: Addressing;
  readonly #lab: Lab;
  readonly #policy: PolicyService;
  /** What the hosts read per call: the version in force. */
  readonly #view: ConfigView;
  readonly #journal: LedgerJournal | null;
  readonly #links: LabLinks | null;
  #t0: number;
  #started = false;

  private constructor(scenario: Scenario, options: LabOptions, long: LongRunningOptions) {
    this.scenario = scenario;
    const topo = new Topology(scenario);
    this.addressing = assignLoopback(scenario, long.loopbackBase);
    this.#t0 = performance.now();
    // A lab kept up keeps no journal: it would grow with every call.
    this.#journal = long.onCall ? null : new LedgerJournal(() => performance.now() - this.#t0);
    this.#policy = new PolicyService(topo, this.#journal ? { journal: this.#journal } : {});
    this.#view = new ConfigView(scenario, topo);
    const onCall = long.onCall;
    this.#links = needsLinks(scenario)
      ? new LabLinks(scenario, topo, this.addressing, options.logger)
      : null;
    const capture = options.captureTo
      ? new RunCapture(options.captureTo, this.addressing, `mediapath run of ${scenario.name}`)
      : undefined;
    const summarise = onCall
      ? { summarise: (call: Call, partial: CallPartial) => this.#summarised(call, partial, onCall) }
      : {};
    this.#lab = new Lab(
      scenario,
      { ...options, ...(capture ? { capture } : {}), ...summarise },
      {
        hosts: new Set(this.addressing.entries.map((e) => e.host)),
        addressing: this.addressing,
        fixedPorts: long.fixedPorts === true,
        policy: this.#policyPort(long.onDecided),
        remoteRelay: (host) => {
          throw new InternalError(`host ${host} is not run by this process`);
        },
        links: this.#links,
        configuration: this.#view,
      },
    );
  }

  /** The policy service as the hosts ask it, telling `onDecided` of each new decision. */
  #policyPort(onDecided: LongRunningOptions['onDecided']): PolicyPort {
    const port = localPolicy(this.#policy);
    if (!onDecided) {
      return port;
    }
    return {
      ...port,
      decide: (call) => {
        const known = this.#policy.decidedUnder(call.id) !== undefined;
        const d = this.#policy.decide(call);
        if (!known) {
          onDecided(call, d, this.#policy.decidedUnder(call.id) ?? this.#policy.configVersion);
        }
        return Promise.resolve(d);
      },
    };
  }

  /**
   * Binds every host of the scenario (outside peers excepted) on its loopback address. The
   * clock starts now; no call of the timeline is placed until {@link start}.
   * @throws {SimError} `SIM_ERR_SIP_BIND` or `SIM_ERR_MEDIA_BIND` when a host cannot bind.
   */
  static async open(
    scenario: Scenario,
    options: LabOptions,
    long: LongRunningOptions = {},
  ): Promise<LoopbackLab> {
    const lab = new LoopbackLab(scenario, options, long);
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

  /**
   * Takes a new version of the scenario's configuration between calls: calls decided from now
   * on are decided against it and record `version`, and the hosts read it for the calls that
   * start from now on (a client's bypass ID, a trunk's configuration, the Edges); calls already
   * up keep their path. The hosts keep the addresses, listeners, timers, keep-alives and links
   * of the scenario they were opened with.
   */
  reconfigure(scenario: Scenario, version: string): void {
    const topo = new Topology(scenario);
    this.#policy.reconfigure(topo, version);
    this.#view.update(scenario, topo);
  }

  /** The configuration version decisions are made under now. */
  get configVersion(): string {
    return this.#policy.configVersion;
  }

  /** A finished call, summarised: handed to `onCall` with its decision, then forgotten. */
  #summarised(call: Call, partial: CallPartial, onCall: (c: RunCallInput) => void): void {
    const [input] = mergeCallPartials([call], [[partial]], (c) => this.#policy.reportedDecision(c));
    const version = this.#policy.decidedUnder(call.id);
    this.#policy.forget(call.id);
    if (input) {
      onCall(version === undefined ? input : { ...input, configVersion: version });
    }
  }

  /**
   * Places a call now that is not in the timeline (a trainer's, a tool's, a live lab's round),
   * decided and carried like any other; returns its id (`now-<n>`, or `id` when given).
   * @throws {InternalError} when the caller is an outside peer, or the id is taken.
   */
  place(call: Omit<Call, 'id' | 'atMs' | 'index'>, id?: string): string {
    return this.#lab.placeNow(call, id);
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
    const merged = mergeCallPartials(this.#lab.calls, [partials], (call) =>
      this.#policy.reportedDecision(call),
    ).map((c) => {
      const version = this.#policy.decidedUnder(c.call.id);
      return version === undefined ? c : { ...c, configVersion: version };
    });
    return {
      calls: this.#journal ? withDecisionTimes(merged, this.#journal) : merged,
      links: this.#links?.observations() ?? [],
      ledger: this.#journal?.events ?? [],
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
