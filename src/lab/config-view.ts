/**
 * The configuration the hosts of a lab read per call: the scenario and its topology, as one
 * value that a live lab replaces between calls when a new configuration version takes effect
 * (a trainee's cmdlets). `withConfiguration` gives a host context whose `scenario` and
 * `topology` always read the version in force, so that a host that keeps its context for the
 * lab's lifetime (a Mediation Server's B2BUA delegate) sees each new version from its next call
 * on.
 *
 * It must not know where a version comes from (files, cmdlets, a command log), nor what a host
 * does with it.
 */
import type { Scenario } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import type { HostContext } from './host-context.js';

/** The scenario and topology in force for the calls that start from now on. */
export class ConfigView {
  #scenario: Scenario;
  #topology: Topology;

  constructor(scenario: Scenario, topology: Topology) {
    this.#scenario = scenario;
    this.#topology = topology;
  }

  /** The scenario in force. */
  get scenario(): Scenario {
    return this.#scenario;
  }

  /** Its topology. */
  get topology(): Topology {
    return this.#topology;
  }

  /** Puts a new version in force; what already read the old one keeps it. */
  update(scenario: Scenario, topology: Topology): void {
    this.#scenario = scenario;
    this.#topology = topology;
  }
}

/**
 * A host context whose `scenario` and `topology` are read from `view` at each access; the rest
 * is taken as given.
 */
export function withConfiguration(
  view: ConfigView,
  rest: Omit<HostContext, 'scenario' | 'topology'>,
): HostContext {
  return {
    ...rest,
    get scenario(): Scenario {
      return view.scenario;
    },
    get topology(): Topology {
      return view.topology;
    },
  };
}
