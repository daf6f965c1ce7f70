/**
 * One host of a scenario as a process of its own (network namespaces, containers): it joins
 * the orchestrator over the control channel, runs a `Lab` for its one host, asks the
 * orchestrator for decisions and for other hosts' relays, serves relay requests for its own
 * host, and hands over what it saw.
 *
 * It must not know how a host places, answers or routes a call (`hosts/`), nor how the
 * orchestrator decides or merges.
 */
import { ErrorCodes, SimError, type Logger } from '../core/index.js';
import type { LinkObservation } from '../report/index.js';
import { loadScenarioText, type Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { scenarioAddressing, type Addressing } from './addressing.js';
import { connectControl, type AgentSetup, type ControlChannel, type Message } from './control.js';
import { endpointMedia } from './endpoint-media.js';
import type { RelayControl } from './host-context.js';
import { Lab } from './lab.js';
import { LabLinks, needsLinks } from './links.js';
import type { PolicyPort } from './policy-port.js';

export interface AgentOptions {
  /** The orchestrator's control address: `unix:PATH` or `HOST:PORT`. */
  readonly control: string;
  /** The scenario host this agent runs (or `pstn`). */
  readonly host: string;
  readonly logger: Logger;
  /** How long to keep trying to reach the orchestrator. */
  readonly connectTimeoutMs?: number;
  /**
   * Runs once the scenario is known, before any socket is bound: the container mode adds the
   * host's addresses and routes here.
   */
  readonly prepare?: (scenario: Scenario, addressing: Addressing, host: string) => Promise<void>;
  /** Stops the agent (SIGTERM): everything is closed, the orchestrator sees the channel close. */
  readonly signal?: AbortSignal;
}

/**
 * One host of a scenario as a process of its own: it joins the orchestrator, binds the host's
 * scenario IP at the fixed SIP ports, places the host's calls at their time, asks the
 * orchestrator's Bandwidth Policy Service for decisions, serves relay requests for its host,
 * and hands over what it saw when asked. Returns when the orchestrator says shutdown or the
 * channel closes; every socket is closed by then.
 */
export async function runAgent(o: AgentOptions): Promise<void> {
  const log = o.logger.child({ mod: 'agent', host: o.host });
  const channel = await connectControl(o.control, o.connectTimeoutMs ?? 30_000);
  const inbox = new Inbox(channel);
  let lab: Lab | null = null;
  let links: LabLinks | null = null;
  const onAbort = (): void => {
    channel.close();
  };
  o.signal?.addEventListener('abort', onAbort);
  try {
    channel.send({ t: 'hello', host: o.host, pid: process.pid });
    const first = await inbox.next();
    if (first?.t === 'failed') {
      throw new SimError(ErrorCodes.LAB_SETUP, `the orchestrator refused: ${first.error}`);
    }
    if (first?.t !== 'setup') {
      return gone(o.signal);
    }
    const setup = first.setup;
    let scenario: Scenario;
    let addressing: Addressing;
    try {
      const loaded = loadScenarioText(setup.scenario.text, setup.scenario.file);
      if (!loaded.ok) {
        throw new Error(`the scenario does not load here: ${loaded.problems.length} problem(s)`);
      }
      scenario = loaded.scenario;
      addressing = scenarioAddressing(scenario);
      if (!addressing.entries.some((e) => e.host === o.host)) {
        throw new Error(`the scenario has no host named ${o.host}`);
      }
      await o.prepare?.(scenario, addressing, o.host);
      links = agentLinks(scenario, addressing, setup, o.host, o.logger);
      const policy: PolicyPort = {
        // A call that is not in the timeline (an outside peer's) travels with its definition.
        decide: (call) =>
          channel.request({
            kind: 'decide',
            call: call.id,
            ...(call.index < 0 ? { def: call } : {}),
          }),
        decisionOf: (id) =>
          channel
            .request<Awaited<ReturnType<PolicyPort['decisionOf']>> | null>({
              kind: 'decisionOf',
              call: id,
            })
            .then((d) => d ?? undefined),
        release: (id) => {
          channel.request({ kind: 'release', call: id }).catch(() => undefined);
        },
      };
      lab = new Lab(
        scenario,
        {
          logger: o.logger,
          media: endpointMedia(log, (a) => addressing.hostOf(a)),
          // A lab kept up: each finished call goes to the orchestrator at once, and is forgotten.
          ...(setup.serve === true
            ? {
                summarise: (_call, partial) => {
                  channel.send({ t: 'partial', partial });
                },
              }
            : {}),
        },
        {
          hosts: new Set([o.host]),
          addressing,
          fixedPorts: true,
          policy,
          remoteRelay: (host) => remoteRelay(channel, host),
          onFinished: (call, state, status, reason, at) => {
            channel.send({ t: 'finished', call, state, status, reason, at });
          },
          links,
          callIdTag: o.host,
        },
      );
      await lab.bind();
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      log.error({ err: e }, 'agent could not start');
      channel.send({ t: 'failed', error: `${o.host}: ${error}` });
      return;
    }
    const mine = lab;
    channel.onRequest = (r) => {
      if (r.kind !== 'relay') {
        return Promise.reject(new Error(`an agent does not answer ${r.kind}`));
      }
      return relayOp(mine.relay, r.op, r.args);
    };
    channel.send({ t: 'ready' });
    for (;;) {
      const m = await inbox.next();
      if (!m) {
        return gone(o.signal);
      }
      if (m.t === 'shutdown') {
        return;
      }
      if (m.t === 'start') {
        // The orchestrator's t0 is wall-clock time shared by every agent on the machine.
        lab.start(performance.now() + (m.t0 - Date.now()), {
          timeline: m.timeline !== false,
          onlyFuture: m.rejoin === true,
        });
      } else if (m.t === 'ended') {
        lab.ended(m.call, m.state, m.status, m.reason, m.at ?? null);
      } else if (m.t === 'collect') {
        if (m.final !== false) {
          lab.endRemaining(false);
        }
        const calls = await lab.collect();
        const observed: LinkObservation[] = links?.observations() ?? [];
        channel.send({ t: 'collected', calls, links: observed, peers: lab.peers() });
      }
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await lab?.close();
    channel.close();
  }
}

/**
 * The control channel closed without a shutdown: fine when this agent was told to stop
 * (SIGTERM), otherwise the orchestrator went away (killed, crashed) and the run is lost.
 */
function gone(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) {
    throw new SimError(
      ErrorCodes.LAB_SETUP,
      'the orchestrator closed the control channel before the run ended',
    );
  }
}

/**
 * The agent's share of the impaired links: what it sends crosses them in user space. The
 * emulators are seeded per host, so that agents do not drop the same packets in lock step; a
 * rate enforced by the kernel is left out here.
 */
function agentLinks(
  s: Scenario,
  addressing: Addressing,
  setup: AgentSetup,
  host: string,
  logger: Logger,
): LabLinks | null {
  if (!needsLinks(s)) {
    return null;
  }
  let h = 0;
  for (const ch of host) {
    h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  }
  const local: Scenario = {
    ...s,
    simulation: { ...s.simulation, seed: (s.simulation.seed ^ h) >>> 0 },
    links: setup.kernelRates
      ? s.links.map((l) => ({ ...l, impairment: { ...l.impairment, rateKbps: null } }))
      : s.links,
  };
  return new LabLinks(local, new Topology(local), addressing, logger);
}

/** Another host's relay, through the orchestrator. */
function remoteRelay(channel: ControlChannel, host: string): RelayControl {
  const call = <T>(op: 'allocate' | 'setPeer' | 'stats' | 'close', args: unknown[]): Promise<T> =>
    channel.request<T>({ kind: 'relay', host, op, args });
  return {
    allocate: (request) => call('allocate', [request]),
    setPeer: (id, leg, peer) => call('setPeer', [id, leg, peer]),
    stats: (id) => call('stats', [id]),
    close: (id) => call('close', [id]),
  };
}

/** Carries out a relay request of another host on this host's relay. */
function relayOp(relay: RelayControl, op: string, args: readonly unknown[]): Promise<unknown> {
  const a = args as [never, never, never];
  switch (op) {
    case 'allocate':
      return relay.allocate(a[0]);
    case 'setPeer':
      return relay.setPeer(a[0], a[1], a[2]);
    case 'stats':
      return relay.stats(a[0]);
    case 'close':
      return relay.close(a[0]);
    default:
      return Promise.reject(new Error(`unknown relay operation ${op}`));
  }
}

/** Messages in arrival order, taken one at a time (null once the channel has closed). */
export class Inbox {
  readonly #queue: Message[] = [];
  #waiting: ((m: Message | null) => void) | null = null;
  #closed = false;

  constructor(channel: ControlChannel) {
    channel.on('message', (m) => {
      if (this.#waiting) {
        const w = this.#waiting;
        this.#waiting = null;
        w(m);
      } else {
        this.#queue.push(m);
      }
    });
    channel.on('close', () => {
      this.#closed = true;
      const w = this.#waiting;
      this.#waiting = null;
      w?.(null);
    });
  }

  /** The next message (of the given type: others before it are dropped). */
  async next<T extends Message['t']>(type?: T): Promise<Extract<Message, { t: T }> | null> {
    for (;;) {
      const m =
        this.#queue.shift() ??
        (this.#closed
          ? null
          : await new Promise<Message | null>((resolve) => {
              this.#waiting = resolve;
            }));
      if (m === null) {
        return null;
      }
      if (type === undefined || m.t === type) {
        return m as Extract<Message, { t: T }>;
      }
    }
  }
}
