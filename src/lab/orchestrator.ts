/**
 * The orchestrator of the multi-process modes: waits for one agent per host on the control
 * channel, hands each the scenario, starts them on one clock, is the run's one Bandwidth Policy
 * Service, forwards relay requests between agents, tells every agent when a call ended, and
 * merges what they saw into the result a loopback run gives.
 *
 * It must not know how a host places, answers or routes a call; it runs no host itself.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ErrorCodes, SimError, type Logger } from '../core/index.js';
import type { LinkObservation, PeerHealth, RunCallInput } from '../report/index.js';
import type { Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { runHosts, scenarioAddressing, type Addressing } from './addressing.js';
import { OrchestratedCalls } from './orchestrated-calls.js';
import { externalPeers } from './outside-calls.js';
import {
  ControlChannel,
  parseControlAddress,
  type CallOutcome,
  type Message,
  type Request,
} from './control.js';
import type { LabProgress, LabResult } from './lab.js';
import { waitForCalls, withDecisionTimes } from './run-wait.js';
import { LabLinks } from './links.js';
import { mergeCallPartials, mergeLinkObservations, type CallPartial } from './merge.js';
import { LedgerJournal, PolicyService } from '../policy/index.js';

export interface OrchestratorOptions {
  readonly logger: Logger;
  /** Where agents reach the orchestrator: `unix:PATH` or `HOST:PORT`. */
  readonly listen: string;
  /** The scenario's text and name as given to `run`: every agent loads the same. */
  readonly source: { readonly text: string; readonly file: string };
  /** Starts the agents (network-namespace mode); absent when they start by themselves. */
  readonly spawnAgents?: (control: string, hosts: readonly string[]) => AgentProcesses;
  /** Link rates are enforced by the kernel (tc tbf), not by the agents. */
  readonly kernelRates?: boolean;
  /** Extra figures for the links (the kernel's own drops), joined to the agents'. */
  readonly kernelLinkDrops?: () => Promise<ReadonlyMap<string, number>>;
  readonly onProgress?: (p: LabProgress) => void;
  /** Called while agents join, with how many have. */
  readonly onJoin?: (joined: number, total: number) => void;
  readonly signal?: AbortSignal;
  readonly graceMs?: number;
  /** How long to wait for every agent to join and bind. */
  readonly joinTimeoutMs?: number;
  /**
   * A lab kept up (`serve --net netns`): the run goes on until the signal, the timeline is
   * placed only when asked, each finished call is handed to `onCall` and forgotten, and
   * `onReady` gets a report on demand.
   */
  readonly serve?: {
    readonly timeline: boolean;
    readonly onCall: (input: RunCallInput) => void;
    readonly onReady?: (report: () => Promise<LabResult>) => void;
  };
}

/** The agent processes the orchestrator started; it is told when one ends early. */
export interface AgentProcesses {
  /** Called with the host and exit code when an agent process ends. */
  onExit(listener: (host: string, code: number | null) => void): void;
  /** Ends every agent still running (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}

/**
 * Runs a scenario with one agent process per host (network namespaces, containers): waits for
 * every host's agent, hands each the scenario, starts them on one clock, answers policy
 * requests (the run's one Bandwidth Policy Service), forwards relay requests between agents,
 * tells every agent when a call ended, and joins what they saw into the same result as a
 * loopback run.
 */
export async function runOrchestrated(
  scenario: Scenario,
  o: OrchestratorOptions,
): Promise<LabResult> {
  const run = new Orchestrator(scenario, o);
  try {
    return await run.run();
  } finally {
    await run.close();
  }
}

class Orchestrator {
  readonly #s: Scenario;
  readonly #o: OrchestratorOptions;
  readonly #log: Logger;
  readonly #topo: Topology;
  readonly #addressing: Addressing;
  readonly #policy: PolicyService;
  /** Milliseconds from the run's start, once it has one. */
  #t0 = performance.now();
  /** No journal in a lab kept up: it would grow with every call. */
  readonly #journal: LedgerJournal | null;
  readonly #hosts: readonly string[];
  readonly #agents = new Map<string, ControlChannel>();
  /** The channel of each host's first agent (the one this orchestrator may have started). */
  readonly #firstChannel = new Map<string, ControlChannel>();
  readonly #calls: OrchestratedCalls;
  /** Hosts lost during the run, in the order they were lost. */
  readonly #lost = new Map<string, { at: number; detail: string; rejoinedAt: number | null }>();
  /** Set once the agents were told to start: from then on a lost agent degrades the run. */
  #started = false;
  #t0Wall = 0;
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #processes: AgentProcesses | null = null;
  #allDone: () => void = () => undefined;
  #fail: (e: Error) => void = () => undefined;
  readonly #failed: Promise<never>;
  /** Set once the run is over: agents leaving then is expected. */
  #closing = false;

  constructor(s: Scenario, o: OrchestratorOptions) {
    this.#s = s;
    this.#o = o;
    this.#log = o.logger.child({ mod: 'orchestrator' });
    this.#topo = new Topology(s);
    this.#addressing = scenarioAddressing(s);
    this.#journal = o.serve ? null : new LedgerJournal(() => performance.now() - this.#t0);
    this.#policy = new PolicyService(this.#topo, this.#journal ? { journal: this.#journal } : {});
    this.#calls = new OrchestratedCalls(s.calls, {
      decisionOf: (call) => this.#policy.reportedDecision(call),
      ...(o.serve
        ? { onCall: o.serve.onCall, forget: (id: string) => this.#policy.forget(id) }
        : {}),
    });
    // Outside peers have no agent: real SIP peers play them.
    const outside = externalPeers(s, this.#addressing, undefined);
    this.#hosts = runHosts(this.#addressing).filter((h) => !outside.has(h));
    this.#failed = new Promise<never>((_, reject) => {
      this.#fail = reject;
    });
    // Nobody may be listening yet; the rejection is read by whichever wait comes first.
    this.#failed.catch(() => undefined);
  }

  async run(): Promise<LabResult> {
    const joined = this.#listen();
    await this.#serverReady();
    if (this.#o.spawnAgents) {
      this.#processes = this.#o.spawnAgents(this.#o.listen, this.#hosts);
      this.#processes.onExit((host, code) => {
        if (this.#closing) {
          return;
        }
        const detail = `its agent exited (${code === null ? 'killed by a signal' : `exit code ${code}`})`;
        if (!this.#started) {
          this.#fail(setupError(`agent ${host} ended early (exit code ${code ?? 'signal'})`));
        } else if (this.#agents.get(host) === this.#firstChannel.get(host)) {
          this.#lose(host, detail);
        }
      });
    }
    const joinTimeout = this.#o.joinTimeoutMs ?? 30_000;
    try {
      await this.#joinAll(joined, joinTimeout);
    } catch (e) {
      if (e instanceof Interrupted) {
        // Ctrl-C before the first call: nothing ran.
        return this.#interruptedEarly();
      }
      throw e;
    }

    for (const [host, ch] of this.#agents) {
      this.#serve(host, ch);
    }
    // One clock for all: a moment just ahead, in wall-clock time (agents share the machine's).
    const lead = 300;
    const t0Wall = Date.now() + lead;
    const t0 = performance.now() + lead;
    this.#t0 = t0;
    this.#t0Wall = t0Wall;
    this.#started = true;
    this.#broadcast({ t: 'start', t0: t0Wall, timeline: this.#o.serve?.timeline !== false });
    const plannedMs = Math.max(0, ...this.#s.calls.map((c) => c.atMs + c.durationMs));
    const allDone = new Promise<void>((resolve) => {
      this.#allDone = resolve;
      this.#checkDone();
    });
    const progress = setInterval(() => {
      this.#o.onProgress?.({
        elapsedMs: Math.max(0, performance.now() - t0),
        plannedMs,
        total: this.#s.calls.length,
        started: this.#s.calls.filter(
          (c) => this.#policy.decisionOf(c.id) !== undefined || this.#calls.has(c.id),
        ).length,
        ended: this.#calls.ended,
      });
    }, 500);
    this.#o.serve?.onReady?.(() => this.#result(false, false));
    let aborted: boolean;
    try {
      aborted = await Promise.race([
        this.#o.serve
          ? waitForCalls(new Promise(() => undefined), 2 ** 31 - 1, this.#o)
          : waitForCalls(allDone, lead + plannedMs + (this.#o.graceMs ?? 10_000), this.#o),
        this.#failed,
      ]);
    } finally {
      clearInterval(progress);
    }
    const ending = aborted ? 'cancelled' : 'timeout';
    for (const c of this.#s.calls) {
      if (!this.#calls.has(c.id)) {
        this.#ended({
          call: c.id,
          state: ending,
          status: null,
          reason: aborted ? 'run interrupted' : 'no final outcome before the run ended',
        });
      }
    }
    // Let the last BYEs and RTCP settle, then ask every agent what it saw.
    await delay(250);
    return this.#result(true, aborted);
  }

  /** What the run did, from what every agent saw; `final`: the agents end what is still up. */
  async #result(final: boolean, aborted: boolean): Promise<LabResult> {
    const collected = await this.#within(
      Promise.all([...this.#agents.values()].map((ch) => collectFrom(ch, final))),
      15_000,
      'every agent to report',
      false,
    );
    if (final) {
      this.#calls.close();
    }
    const links = await this.#links(collected.map((c) => c.links));
    const held = this.#calls.held(collected.map((c) => c.calls));
    return {
      calls: this.#journal ? withDecisionTimes(held, this.#journal) : held,
      links,
      ledger: this.#journal?.events ?? [],
      peers: collected.flatMap((c) => c.peers ?? []),
      lost: [...this.#lost].map(([host, l]) => ({ host, ...l })),
      addressing: this.#addressing,
      durationMs: performance.now() - this.#t0,
      aborted,
    };
  }

  /** Every agent joins, receives the scenario and binds its host. */
  async #joinAll(joined: Promise<void>, timeoutMs: number): Promise<void> {
    await this.#within(joined, timeoutMs, 'every agent to join', true, () => {
      const missing = this.#hosts.filter((h) => !this.#agents.has(h));
      return `; no agent for ${missing.join(', ')}`;
    });
    const setup = {
      scenario: this.#o.source,
      kernelRates: this.#o.kernelRates === true,
      serve: this.#o.serve !== undefined,
    };
    const readies = [...this.#agents.values()].map(
      (ch) =>
        new Promise<void>((resolve, reject) => {
          ch.on('message', (m) => {
            if (m.t === 'ready') {
              resolve();
            } else if (m.t === 'failed') {
              reject(setupError(`an agent could not start: ${m.error}`));
            }
          });
          ch.send({ t: 'setup', setup });
        }),
    );
    await this.#within(Promise.all(readies), timeoutMs, 'every agent to bind');
  }

  /** The result of a run interrupted before its first call. */
  #interruptedEarly(): LabResult {
    return {
      calls: mergeCallPartials(
        this.#s.calls,
        [],
        (call) => this.#policy.reportedDecision(call),
        () => ({ state: 'cancelled', status: null, reason: 'run interrupted' }),
      ),
      links: [],
      ledger: [],
      addressing: this.#addressing,
      durationMs: 0,
      aborted: true,
    };
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#broadcast({ t: 'shutdown' });
    await this.#processes?.stop();
    for (const ch of this.#agents.values()) {
      ch.close();
    }
    for (const s of this.#sockets) {
      s.destroy();
    }
    await new Promise<void>((resolve) => {
      if (this.#server) {
        this.#server.close(() => {
          resolve();
        });
      } else {
        resolve();
      }
    });
  }

  /** Accepts agents until one per host has said hello. */
  #listen(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const server = createServer((socket) => {
        this.#sockets.add(socket);
        socket.once('close', () => this.#sockets.delete(socket));
        const ch = new ControlChannel(socket);
        ch.once('message', (m) => {
          if (m.t !== 'hello') {
            ch.close();
            return;
          }
          if (!this.#hosts.includes(m.host)) {
            ch.send({ t: 'failed', error: `the scenario has no host named ${m.host}` });
            ch.close();
            return;
          }
          if (this.#agents.has(m.host)) {
            ch.send({ t: 'failed', error: `an agent for ${m.host} has already joined` });
            ch.close();
            return;
          }
          if (this.#started) {
            void this.#rejoin(m.host, ch);
            return;
          }
          this.#log.debug({ host: m.host, pid: m.pid }, 'agent joined');
          this.#agents.set(m.host, ch);
          this.#firstChannel.set(m.host, ch);
          ch.on('close', () => {
            if (this.#closing) {
              return;
            }
            if (!this.#started) {
              this.#fail(setupError(`agent ${m.host} left the run`));
            } else if (this.#agents.get(m.host) === ch) {
              this.#lose(m.host, 'its agent left the run (control channel closed)');
            }
          });
          this.#o.onJoin?.(this.#agents.size, this.#hosts.length);
          if (this.#agents.size === this.#hosts.length) {
            resolve();
          }
        });
      });
      server.on('error', reject);
      this.#server = server;
      const where = parseControlAddress(this.#o.listen);
      if ('path' in where) {
        server.listen(where.path);
      } else {
        server.listen(where.port, where.host);
      }
    });
  }

  #serverReady(): Promise<void> {
    const server = this.#server;
    if (!server || server.listening) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      server.once('listening', () => {
        resolve();
      });
      server.once('error', reject);
    });
  }

  /** Answers an agent's requests and relays its events. */
  #serve(host: string, ch: ControlChannel): void {
    ch.onRequest = (r) => this.#answer(r);
    ch.on('message', (m) => {
      if (m.t === 'finished') {
        this.#ended(m, host);
      } else if (m.t === 'partial') {
        this.#calls.partial(m.partial);
      }
    });
  }

  #answer(r: Request): Promise<unknown> {
    const call =
      r.kind === 'relay'
        ? undefined
        : (this.#calls.call(r.call) ??
          (r.kind === 'decide' && r.def !== undefined ? this.#calls.define(r.def) : undefined));
    switch (r.kind) {
      case 'decide':
        return call
          ? Promise.resolve(this.#policy.decide(call))
          : Promise.reject(new Error(`unknown call ${r.call}`));
      case 'decisionOf':
        return Promise.resolve(this.#policy.decisionOf(r.call) ?? null);
      case 'release':
        this.#policy.release(r.call);
        return Promise.resolve(null);
      case 'relay': {
        const target = this.#agents.get(r.host);
        return target
          ? target.request({ kind: 'relay', host: r.host, op: r.op, args: r.args })
          : Promise.reject(new Error(`no agent runs ${r.host}`));
      }
    }
  }

  /**
   * A host's agent died or left during the run: the run goes on, degraded. Every call of that
   * host under way ends as `lost` now (the other agents are told, and release what the call
   * holds); its relay and its listeners are gone until an agent joins again for it.
   */
  #lose(host: string, detail: string): void {
    this.#agents.delete(host);
    const at = Math.max(0, Math.round(performance.now() - this.#t0));
    this.#lost.set(host, { at, detail, rejoinedAt: null });
    this.#log.warn({ host, detail }, 'host lost; the run goes on');
    // The calls under way are lost with the host; those still to come are placed at their time
    // (an agent may join again for the host by then).
    for (const call of this.#s.calls) {
      if (!this.#calls.has(call.id) && call.atMs <= at && this.#involves(call, host)) {
        this.#policy.release(call.id);
        this.#ended({
          call: call.id,
          state: 'lost',
          status: null,
          reason: `${host} lost at ${(at / 1000).toFixed(1)} s: ${detail}`,
          at,
        });
      }
    }
  }

  /** Whether a call needs a host: a party, its trunk, the trunk's Mediation Server, its path. */
  #involves(call: Scenario['calls'][number], host: string): boolean {
    if (call.from === host || call.to === host || call.trunk === host) {
      return true;
    }
    const gw = call.trunk === null ? undefined : this.#topo.gateway(call.trunk);
    if (gw?.mediationServer === host) {
      return true;
    }
    return this.#policy.decisionOf(call.id)?.mediaPath.includes(host) ?? false;
  }

  /**
   * An agent for a lost host joins again: it gets the setup, binds (the same address and
   * ports), and starts on the run's clock with only the calls still to come. Dialogs the lost
   * agent held are unknown to the new one (in-dialog requests get 481).
   */
  async #rejoin(host: string, ch: ControlChannel): Promise<void> {
    const lost = this.#lost.get(host);
    if (!lost) {
      ch.send({ t: 'failed', error: `${host} is in the run already` });
      ch.close();
      return;
    }
    const ready = await new Promise<boolean>((resolve) => {
      ch.on('message', (m) => {
        if (m.t === 'ready' || m.t === 'failed') {
          resolve(m.t === 'ready');
        }
      });
      ch.on('close', () => {
        resolve(false);
      });
      ch.send({
        t: 'setup',
        setup: {
          scenario: this.#o.source,
          kernelRates: this.#o.kernelRates === true,
          serve: this.#o.serve !== undefined,
        },
      });
    });
    if (!ready || this.#closing) {
      return;
    }
    this.#agents.set(host, ch);
    lost.rejoinedAt = Math.max(0, Math.round(performance.now() - this.#t0));
    this.#log.warn({ host }, 'lost host joined again');
    ch.on('close', () => {
      if (!this.#closing && this.#agents.get(host) === ch) {
        this.#lose(host, 'its agent left the run again');
      }
    });
    this.#serve(host, ch);
    ch.send({
      t: 'start',
      t0: this.#t0Wall,
      rejoin: true,
      timeline: this.#o.serve?.timeline !== false,
    });
  }

  /** A call's final outcome: kept for the report and told to every other agent. */
  #ended(outcome: CallOutcome, from?: string): void {
    if (this.#calls.has(outcome.call)) {
      return;
    }
    const o: CallOutcome = {
      call: outcome.call,
      state: outcome.state,
      status: outcome.status,
      reason: outcome.reason,
      at: outcome.at ?? Math.round(performance.now() - this.#t0),
    };
    this.#calls.end(o);
    for (const [host, ch] of this.#agents) {
      if (host !== from) {
        ch.send({ t: 'ended', ...o });
      }
    }
    this.#checkDone();
  }

  #checkDone(): void {
    if (this.#calls.timelineDone) {
      this.#allDone();
    }
  }

  #broadcast(m: Message): void {
    for (const ch of this.#agents.values()) {
      ch.send(m);
    }
  }

  /** Joins the agents' link figures, with the configured values and the kernel's drops. */
  async #links(byAgent: readonly (readonly LinkObservation[])[]): Promise<LinkObservation[]> {
    if (this.#s.links.length === 0) {
      return [];
    }
    const configured = new LabLinks(this.#s, this.#topo, this.#addressing, this.#o.logger);
    const base = configured.observations();
    configured.close();
    const merged = new Map(mergeLinkObservations([base, ...byAgent]).map((l) => [l.name, l]));
    const kernel =
      (await this.#o.kernelLinkDrops?.().catch(() => undefined)) ?? new Map<string, number>();
    return base.map((b) => {
      const m = merged.get(b.name) ?? b;
      const extra = kernel.get(b.name) ?? 0;
      return {
        name: b.name,
        configured: b.configured,
        measured: {
          ...m.measured,
          droppedQueue: m.measured.droppedQueue + extra,
          delivered: Math.max(0, m.measured.delivered - extra),
        },
      };
    });
  }

  /** Waits for `p`, failing after `ms`, when an agent fails, and (if `abortable`) on Ctrl-C. */
  async #within<T>(
    p: Promise<T>,
    ms: number,
    what: string,
    abortable = true,
    detail: () => string = () => '',
  ): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(setupError(`timed out after ${ms / 1000} s waiting for ${what}${detail()}`));
      }, ms);
    });
    const abort = new Promise<never>((_, reject) => {
      if (!abortable) {
        return;
      }
      onAbort = () => {
        reject(new Interrupted());
      };
      if (this.#o.signal?.aborted) {
        onAbort();
      }
      this.#o.signal?.addEventListener('abort', onAbort);
    });
    try {
      return await Promise.race([p, timeout, abort, this.#failed]);
    } finally {
      clearTimeout(timer);
      if (onAbort) {
        this.#o.signal?.removeEventListener('abort', onAbort);
      }
    }
  }
}

/** What one agent saw, when asked (nothing when it is gone); `final`: it ends what is up. */
function collectFrom(
  ch: ControlChannel,
  final: boolean,
): Promise<{
  calls: readonly CallPartial[];
  links: readonly LinkObservation[];
  peers?: readonly PeerHealth[];
}> {
  return new Promise((resolve) => {
    const onMessage = (m: Message): void => {
      if (m.t === 'collected') {
        done(m);
      }
    };
    const onClose = (): void => {
      done({ calls: [], links: [] });
    };
    const done = (r: Parameters<typeof resolve>[0]): void => {
      ch.off('message', onMessage);
      ch.off('close', onClose);
      resolve(r);
    };
    ch.on('message', onMessage);
    ch.on('close', onClose);
    ch.send({ t: 'collect', final });
  });
}

/** A multi-process run that could not be set up or carried on (exit code 4). */
function setupError(message: string): SimError {
  return new SimError(ErrorCodes.LAB_SETUP, message);
}

/** Ctrl-C while agents were joining. */
class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
