/**
 * The live run: `Lab` is the part every mode shares (loopback, `loopback-lab.ts`, and one
 * process per host with an orchestrator): it binds the SIP listeners, B2BUAs and relay of the
 * hosts this process runs, hands each host its `HostContext`, starts the calls at their time,
 * ends the run and collects what each call did.
 *
 * What each kind of host does is in `hosts/`, Edge relay chains in `edge-chain.ts`, the per-call
 * records and SIP log in `call-observations.ts`. This file must not know how a host places,
 * answers or routes a call, nor what a decision means for the media path.
 */
import { InternalError, type Logger } from '../core/index.js';
import {
  createRelay,
  type Relay,
  type RelayCounters,
  type TransportAddress,
} from '../media/index.js';
import type {
  CallEndState,
  LinkObservation,
  LostHost,
  PeerHealth,
  RunCallInput,
} from '../report/index.js';
import type { Call, Scenario } from '../scenario/index.js';
import {
  B2bua,
  codecsOf,
  payloadTypeOf,
  UserAgent,
  type B2buaDelegate,
  type B2buaOptions,
  type B2buaReject,
  type IncomingCall,
  type SipMessage,
  type SipTimers,
} from '../sip/index.js';
import { Topology } from '../topology/index.js';
import { PSTN_HOST, type Addressing } from './addressing.js';
import { CallObservations, recordsOf, type CallRecord } from './call-observations.js';
import { ConfigView, withConfiguration } from './config-view.js';
import type { HostContext, ListenerSide, RelayControl } from './host-context.js';
import { clientAnswers, clientCallsClient, clientCallsOut } from './hosts/client.js';
import { codecOf } from './hosts/call-legs.js';
import { gatewayCallsIn, serveGateway, serveVoicemail } from './hosts/gateway.js';
import { mediationServerDelegate } from './hosts/mediation-server.js';
import { pstnAnswersTransfers, pstnBridgeDelegate } from './hosts/pstn-bridge.js';
import { LabLinks } from './links.js';
import type { MediaFactory, MediaSession } from './media-session.js';
import type { CallPartial } from './merge.js';
import { REFUSAL_SIP, type LedgerEvent } from '../policy/index.js';
import { externalPeers, outsideCall } from './outside-calls.js';
import { LabFaults } from './lab-faults.js';
import type { RunCapture, CaptureSink } from './capture.js';
import type { PolicyPort } from './policy-port.js';

/** Options of a {@link Lab} (and of `runLab`). */
export interface LabOptions {
  readonly logger: Logger;
  readonly media: MediaFactory;
  /** Called about twice a second with the run's progress. */
  readonly onProgress?: (p: LabProgress) => void;
  /** Aborts the run (Ctrl-C): every call is torn down and every socket closed. */
  readonly signal?: AbortSignal;
  /** How long after the last call's planned end the run waits for stragglers. */
  readonly graceMs?: number;
  /**
   * Gateway peers the lab does not emulate: a real SIP peer (SIPp, a PBX) listens at this
   * address, which must be the host's loopback address (`assignLoopback`). The lab routes to
   * it and does not place its calls: the peer calls in by itself.
   */
  readonly externalHosts?: ReadonlyMap<string, { readonly address: string; readonly port: number }>;
  /** Called once every host is bound, before the first call: where each SIP listener is. */
  readonly onReady?: (
    sip: (host: string, side?: 'client' | 'gateway') => { address: string; port: number },
  ) => void | Promise<void>;
  /**
   * A capture of the run: every datagram each host receives (loopback mode, one process).
   * `runLab` makes it from `captureTo`; a `Lab` is given it.
   */
  readonly capture?: RunCapture;
  /** Where `runLab` writes a pcapng capture of the run, in the scenario's addresses. */
  readonly captureTo?: CaptureSink;
  /** SIP timer values of every host (tests scale T1 down to shorten Timer B and F). */
  readonly sipTimers?: Partial<SipTimers>;
  /**
   * A long-running lab's bookkeeping: each call, once ended and read, is handed over with
   * what this process saw of it, then forgotten (memory does not grow with the calls).
   */
  readonly summarise?: (call: Call, partial: CallPartial) => void;
  /** Whether a call keeps its SIP messages (its ladder in the report); default true. */
  readonly sipLog?: boolean;
}

/**
 * Where the lab's hosts run and whom they ask. In loopback mode one process runs every host on
 * its own 127.x address; in the multi-process modes each agent process runs one host on its
 * scenario IP, asks the orchestrator's Bandwidth Policy Service over the control channel, and
 * finds the other hosts at fixed SIP ports.
 */
export interface LabPlacement {
  /** The hosts this process runs. */
  readonly hosts: ReadonlySet<string>;
  readonly addressing: Addressing;
  /** SIP listeners on the fixed ports of `SIP_PORTS` (other processes must find them). */
  readonly fixedPorts: boolean;
  readonly policy: PolicyPort;
  /** The relay of a host that another process runs (an A/V Edge, asked by its neighbours). */
  readonly remoteRelay: (host: string) => RelayControl;
  /** A call placed here got its final outcome (`at`: ms from the start). */
  readonly onFinished?: (
    callId: string,
    state: CallEndState,
    status: number | null,
    reason: string | null,
    at: number | null,
  ) => void;
  /** Impaired links applied to what this process sends; null when none. */
  readonly links: LabLinks | null;
  /** Told into the ids of calls made here that are not in the timeline (other processes'). */
  readonly callIdTag?: string;
  /** What the hosts read per call, when a live lab changes it (default: the scenario's). */
  readonly configuration?: ConfigView;
}

/**
 * SIP ports of the multi-process modes, where every host has its own IP: the client-facing
 * listener (every host), a Mediation Server's gateway-facing listener (a port of its own, so
 * that a single-homed Mediation Server works too) and a gateway's PSTN-facing listener.
 */
export const SIP_PORTS = { client: 5060, gateway: 5061, pstn: 5062 } as const;

/** A run's progress, for progress lines. */
export interface LabProgress {
  readonly elapsedMs: number;
  readonly plannedMs: number;
  readonly total: number;
  readonly started: number;
  readonly ended: number;
}

/** What a run did: every call's input to the report, the addresses, the links. */
export interface LabResult {
  readonly calls: readonly RunCallInput[];
  readonly addressing: Addressing;
  readonly durationMs: number;
  readonly aborted: boolean;
  /** Each impaired link, per direction: configured and measured. */
  readonly links: readonly LinkObservation[];
  /** Every reservation and release of the Bandwidth Policy Service, ms from the start. */
  readonly ledger: readonly LedgerEvent[];
  /** Each gateway's up/down history, as its Mediation Server's keep-alives saw it. */
  readonly peers?: readonly PeerHealth[];
  /** Hosts lost during the run (multi-process modes): the run is degraded. */
  readonly lost?: readonly LostHost[];
}

/**
 * The hosts of a scenario that this process runs (all of them in loopback mode, one in an
 * agent), their calls, and what each call did as seen from here.
 */
export class Lab {
  readonly #s: Scenario;
  readonly #o: LabOptions;
  readonly #p: LabPlacement;
  readonly #log: Logger;
  readonly #addr: Addressing;
  /** The scenario's impaired links, applied in user space to SIP and RTP. */
  readonly #links: LabLinks | null;
  readonly #calls: CallObservations;
  readonly #view: ConfigView;
  /** What the hosts of this process see of the run. */
  readonly #ctx: HostContext;
  /** Each host's client-facing SIP listener. */
  readonly #uas = new Map<string, UserAgent>();
  readonly #msGatewaySide = new Map<string, UserAgent>();
  /** Each gateway's PSTN-side listener (and the PSTN's second listener). */
  readonly #pstnSides = new Map<string, UserAgent>();
  readonly #b2buas: B2bua[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Outside peers: where each listens for SIP (the lab emulates none of them). */
  readonly #external: ReadonlyMap<string, TransportAddress>;
  /** Keep-alives, media timeouts and injected faults. */
  readonly #faults: LabFaults;
  #relay: Relay | null = null;
  #t0 = 0;
  #closed = false;

  constructor(s: Scenario, o: LabOptions, placement: LabPlacement) {
    this.#s = s;
    this.#o = o;
    this.#p = placement;
    this.#log = o.logger.child({ mod: 'lab' });
    this.#addr = placement.addressing;
    this.#links = placement.links;
    this.#external = externalPeers(s, placement.addressing, o.externalHosts);
    this.#faults = new LabFaults({
      scenario: s,
      log: this.#log,
      elapsed: () => performance.now() - this.#t0,
      later: (ms, fn) => {
        this.#later(ms, fn);
      },
      links: placement.links,
      runs: (host) => placement.hosts.has(host),
      stopHost: (host) => {
        this.#stopHost(host);
      },
    });
    const summarise = o.summarise;
    this.#calls = new CallObservations(s.calls, {
      ...(summarise
        ? { summarise: (rec: CallRecord, p: CallPartial) => summarise(rec.call, p) }
        : {}),
      addressing: this.#addr,
      log: this.#log,
      sipLog: o.sipLog ?? true,
      ...(placement.callIdTag === undefined ? {} : { idTag: placement.callIdTag }),
      elapsed: () => Math.round(performance.now() - this.#t0),
      relayOf: (host) => this.#relayOf(host),
      isExternal: (host) => this.#isExternal(host),
      // A call that ended here gives back what it held (a client-to-client call has no
      // Mediation Server to do it; for a PSTN call a second release does nothing).
      onFinished: (callId, state, status, reason, at) => {
        placement.policy.release(callId);
        placement.onFinished?.(callId, state, status, reason, at);
      },
    });
    this.#view = placement.configuration ?? new ConfigView(s, new Topology(s));
    this.#ctx = this.#hostContext();
  }

  /** When the last call is planned to end, in milliseconds from the start. */
  get plannedMs(): number {
    return Math.max(0, ...this.#s.calls.map((c) => c.atMs + c.durationMs));
  }

  /** Resolves when every call has its final outcome. */
  get allDone(): Promise<void> {
    return this.#calls.allDone;
  }

  /** Calls started (decided or ended) and ended so far, for progress lines. */
  counts(): { total: number; started: number; ended: number } {
    return this.#calls.counts();
  }

  /** Call records kept now (a long-running lab forgets the summarised ones). */
  get heldCalls(): number {
    return this.#calls.held;
  }

  /**
   * Where a host's SIP listener is (this process's hosts, or by the fixed ports).
   * @throws {InternalError} when the host is not run here and ports are not fixed.
   */
  sipListener(host: string, side: 'client' | 'gateway' = 'client'): TransportAddress {
    const ua = side === 'gateway' ? this.#msGatewaySide.get(host) : this.#uas.get(host);
    if (ua) {
      return { address: ua.stack.address, port: ua.stack.port };
    }
    if (this.#p.fixedPorts) {
      return side === 'gateway'
        ? { address: this.#addr.gatewaySideOf(host), port: SIP_PORTS.gateway }
        : { address: this.#addr.addressOf(host), port: SIP_PORTS.client };
    }
    throw new InternalError(`host ${host} has no SIP listener`);
  }

  /**
   * Starts the clock: every call placed by a host of this process starts at its time after
   * `t0` (a `performance.now()` reading; in the past when the processes agreed on it earlier).
   * Without `timeline`, only the clock starts: the hosts serve calls placed from outside.
   */
  start(
    t0: number,
    options: { readonly timeline: boolean; readonly onlyFuture?: boolean } = { timeline: true },
  ): void {
    this.#t0 = t0;
    this.#faults.schedule(t0, options.onlyFuture === true);
    if (!options.timeline) {
      return;
    }
    const now = performance.now();
    const calls = [...this.#calls.records].sort(
      (a, b) => a.call.atMs - b.call.atMs || a.call.index - b.call.index,
    );
    for (const rec of calls) {
      if (!this.#p.hosts.has(rec.call.from) && !this.#isExternal(rec.call.from)) {
        continue;
      }
      if (options.onlyFuture === true && rec.call.atMs < now - t0) {
        // A host that rejoined a run: the calls it was to place before are gone with it.
        continue;
      }
      this.#later(Math.max(0, rec.call.atMs - (now - t0)), () => {
        this.#startCall(rec);
      });
    }
  }

  /**
   * Places a call now that is not in the timeline (on demand: a trainer, a test, a tool): a
   * call of the run like any other, with the id `now-<n>` or the one given.
   * @throws {InternalError} when this process does not run the caller.
   */
  placeNow(call: Omit<Call, 'id' | 'atMs' | 'index'>, id?: string): string {
    if (!this.#p.hosts.has(call.from) || this.#isExternal(call.from)) {
      throw new InternalError(`host ${call.from} is not run by this process`);
    }
    const rec = this.#calls.addCall({ ...call, index: -1 }, 'now', id);
    this.#startCall(rec);
    return rec.call.id;
  }

  /** Another process saw a call's final outcome (`at`: when, ms from the start). */
  ended(
    callId: string,
    state: CallEndState,
    status: number | null,
    reason: string | null,
    at: number | null = null,
  ): void {
    this.#calls.record(callId)?.finish(state, status, reason, false, at);
  }

  /** Gives every call still going the outcome of a run that ended (deadline or Ctrl-C). */
  endRemaining(aborted: boolean): void {
    this.#calls.endRemaining(aborted);
  }

  /** What each call did, as seen by the hosts of this process. */
  collect(): Promise<CallPartial[]> {
    return this.#calls.collect();
  }

  /** Every call of the run so far: the timeline's, then those placed from outside. */
  get calls(): readonly Call[] {
    return this.#calls.calls;
  }

  /** The state and up/down history of every gateway this process's Mediation Servers watch. */
  peers(): PeerHealth[] {
    return this.#faults.peers();
  }

  /** The counters of this process's relay (open sessions among them). */
  relayCounters(): Promise<RelayCounters> {
    return this.#requireRelay().counters();
  }

  /** This process's relay, for the relay operations other processes ask of its host. */
  get relay(): RelayControl {
    return this.#requireRelay();
  }

  /**
   * Closes everything this process opened: timers, held datagrams of impaired links, media
   * sessions, B2BUAs, SIP listeners, the relay and the media factory. Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    for (const t of this.#timers) {
      clearTimeout(t);
    }
    this.#timers.clear();
    this.#faults.close();
    // Held datagrams are dropped first, so that nothing is sent on a closing socket.
    this.#links?.close();
    const closing: Promise<unknown>[] = [];
    for (const rec of this.#calls.records) {
      for (const m of rec.sessions) {
        closing.push(m.close().catch(() => undefined));
      }
    }
    for (const b of this.#b2buas) {
      closing.push(b.close().catch(() => undefined));
    }
    for (const ua of [
      ...this.#uas.values(),
      ...this.#msGatewaySide.values(),
      ...this.#pstnSides.values(),
    ]) {
      closing.push(ua.close().catch(() => undefined));
    }
    if (this.#relay) {
      closing.push(this.#relay.shutdown().catch(() => undefined));
    }
    closing.push(this.#o.media.close().catch(() => undefined));
    await Promise.all(closing);
  }

  // -------------------------------------------------------------------------------------
  // Binding.

  /** Binds every host of this process: SIP listeners, B2BUAs, the relay. */
  async bind(): Promise<void> {
    const h = this.#s.hosts;
    const mine = (host: string): boolean => this.#p.hosts.has(host);
    this.#relay = await createRelay(
      {
        workers: 0,
        inactivityTimeoutMs: 0,
        // Media timeouts are detected within a quarter of a second.
        tickMs: 250,
        ...(this.#links ? { egress: this.#links.egress } : {}),
        ...(this.#o.capture ? { tap: this.#o.capture } : {}),
      },
      this.#o.logger,
    );
    this.#relay.on('media-timeout', (t) => {
      this.#faults.relayTimeout(t);
    });
    this.#relay.on('session-closed', ({ id }) => {
      this.#faults.forget(id);
    });
    for (const m of h.mediationServers) {
      if (!mine(m.name)) {
        continue;
      }
      const client = await this.#listen(m.name, this.#addr.addressOf(m.name));
      const gateway = await this.#listen(m.name, this.#addr.gatewaySideOf(m.name), 'gateway');
      // The B2BUA takes over both listeners; the Mediation Server host is its delegate.
      const ms = mediationServerDelegate(this.#ctx, m);
      ms.attach(
        this.#b2bua(m.name, client, gateway, ms.delegate, {
          ringTimeoutMs: this.#s.simulation.ringTimeoutMs,
        }),
      );
      this.#uas.set(m.name, client);
      this.#msGatewaySide.set(m.name, gateway);
    }
    for (const g of h.gateways) {
      if (this.#isExternal(g.name) || !mine(g.name)) {
        continue;
      }
      // A gateway has an IP side (SIP to its Mediation Server) and a PSTN side; a call that
      // goes out to the PSTN is bridged from one to the other, with the media relayed through
      // the gateway (c.5 #19).
      const ua = await this.#listen(g.name, this.#addr.addressOf(g.name));
      const pstnSide = await this.#listen(g.name, this.#addr.addressOf(g.name), 'pstn');
      this.#b2bua(g.name, ua, pstnSide, pstnBridgeDelegate(this.#ctx, g.name));
      serveGateway(this.#ctx, g, ua);
      this.#uas.set(g.name, ua);
      this.#pstnSides.set(g.name, pstnSide);
    }
    if (mine(PSTN_HOST)) {
      const a = await this.#listen(PSTN_HOST, this.#addr.addressOf(PSTN_HOST));
      const b = await this.#listen(PSTN_HOST, this.#addr.addressOf(PSTN_HOST), 'pstn');
      this.#b2bua(PSTN_HOST, a, b, pstnBridgeDelegate(this.#ctx, PSTN_HOST));
      pstnAnswersTransfers(this.#ctx, a);
      this.#uas.set(PSTN_HOST, a);
      this.#pstnSides.set(PSTN_HOST, b);
    }
    for (const c of h.clients) {
      if (this.#isExternal(c.name) || !mine(c.name)) {
        continue;
      }
      const ua = await this.#listen(c.name, this.#addr.addressOf(c.name));
      ua.onInvite = (inc) => {
        clientAnswers(this.#ctx, c, inc);
      };
      this.#uas.set(c.name, ua);
    }
    for (const v of h.voicemail) {
      if (!mine(v.name)) {
        continue;
      }
      const ua = await this.#listen(v.name, this.#addr.addressOf(v.name));
      serveVoicemail(this.#ctx, v, ua);
      this.#uas.set(v.name, ua);
    }
    // Keep-alives go out once every host is bound (they need the gateways' addresses).
    for (const m of h.mediationServers) {
      const gateway = this.#msGatewaySide.get(m.name);
      if (gateway) {
        this.#faults.watchGateways(m, gateway, (g) => this.#uri(g.name, g.name));
      }
    }
  }

  /** A SIP listener of a host, its messages logged per call (and captured). */
  async #listen(
    host: string,
    address: string,
    listener: keyof typeof SIP_PORTS = 'client',
  ): Promise<UserAgent> {
    const capture = this.#o.capture;
    let ua: UserAgent | null = null;
    const created = UserAgent.create({
      address,
      port: this.#p.fixedPorts ? SIP_PORTS[listener] : 0,
      logger: this.#o.logger.child({ host }),
      observer: (dir: 'in' | 'out', message: SipMessage | undefined, remote, raw: string) => {
        this.#calls.logSip(host, dir, message, remote, raw);
        if (capture && dir === 'in' && ua) {
          capture.sip(ua.stack.address, ua.stack.port, remote.address, remote.port, raw);
        }
      },
      user: host,
      ...(this.#links ? { egress: this.#links.egress } : {}),
      ...(this.#o.sipTimers ? { timers: this.#o.sipTimers } : {}),
    });
    ua = await created;
    return ua;
  }

  /** A B2BUA over two listeners of a host, with the host's delegate. */
  #b2bua(
    host: string,
    client: UserAgent,
    gateway: UserAgent,
    delegate: B2buaDelegate,
    options: B2buaOptions = {},
  ): B2bua {
    const b = new B2bua({ client, gateway }, delegate, this.#o.logger.child({ host }), options);
    this.#b2buas.push(b);
    return b;
  }

  /**
   * A host of this process stops at once, as if its process were killed: its SIP listeners
   * close without a BYE or an answer, its media stops without a last report, and the relay
   * sessions it held close.
   */
  #stopHost(host: string): void {
    for (const ua of [
      this.#uas.get(host),
      this.#msGatewaySide.get(host),
      this.#pstnSides.get(host),
    ]) {
      void ua?.stack.close();
    }
    for (const rec of this.#calls.records) {
      for (const m of rec.sessions) {
        if (m.host === host) {
          m.kill();
        }
      }
    }
    this.#calls.dropRelays(host);
    this.#calls.loseLegs(host);
  }

  // -------------------------------------------------------------------------------------
  // What the hosts see of the run.

  #hostContext(): HostContext {
    return withConfiguration(this.#view, {
      addressing: this.#addr,
      policy: this.#p.policy,
      log: this.#log,
      isExternal: (host) => this.#isExternal(host),
      runsElsewhere: (host) => !this.#p.hosts.has(host) && !this.#isExternal(host),
      uri: (host, user, side) => this.#uri(host, user, side),
      userAgent: (host) => {
        const ua = this.#uas.get(host);
        if (!ua) {
          throw new InternalError(`no SIP listener for ${host}`);
        }
        return ua;
      },
      relayOf: (host) => this.#relayOf(host),
      ...recordsOf(this.#calls),
      callOf: (invite, ms, side) => this.#callOf(invite, ms, side),
      peerDown: (host) => this.#faults.peerDown(host),
      watchRelay: (sessionId, onTimeout) => {
        this.#faults.watchRelay(sessionId, onTimeout);
      },
      releaseRelays: (rec) => {
        this.#calls.releaseRelaysSoon(rec);
      },
      scenarioCallOf: (sipCallId) => this.#calls.scenarioCallOf(sipCallId),
      trackRelay: (rec, host, sessionId) => {
        this.#calls.trackRelay(rec, host, sessionId);
      },
      openMedia: (rec, host, acceptFrom, stream) => this.#openMedia(rec, host, acceptFrom, stream),
      later: (ms, fn) => {
        this.#later(ms, fn);
      },
    });
  }

  /** The call of an INVITE to a Mediation Server: the timeline's, or an outside peer's own. */
  #callOf(
    invite: IncomingCall,
    mediationServer: string,
    side: 'client' | 'gateway',
  ): CallRecord | B2buaReject {
    const rec = this.#calls.recordOf(invite);
    if (rec) {
      return rec;
    }
    const from = this.#addr.hostOf(invite.remote.address);
    if (from === null || !this.#isExternal(from)) {
      return from === null
        ? { reject: REFUSAL_SIP.unknownPeer.status, reason: REFUSAL_SIP.unknownPeer.reason }
        : { reject: REFUSAL_SIP.unknownCall.status, reason: REFUSAL_SIP.unknownCall.reason };
    }
    const made = outsideCall(this.#view.scenario, this.#view.topology, {
      from,
      mediationServer,
      side,
      requestUri: invite.requestUri,
      codecs: codecsOf(invite.offerSdp),
    });
    return 'reject' in made ? made : this.#calls.addOutsideCall(made.call, invite.callId);
  }

  #startCall(rec: CallRecord): void {
    if (this.#isExternal(rec.call.from)) {
      // An outside peer places its calls itself; the Mediation Server recognises them.
      return;
    }
    const call = rec.call;
    const placing =
      call.kind === 'outbound-pstn'
        ? clientCallsOut(this.#ctx, rec)
        : call.kind === 'inbound-pstn'
          ? gatewayCallsIn(this.#ctx, rec)
          : clientCallsClient(this.#ctx, rec);
    placing.catch((e: unknown) => {
      this.#log.error({ err: e, call: call.id }, 'call failed to start');
      rec.finish('failed', null, e instanceof Error ? e.message : String(e));
    });
  }

  #isExternal(host: string): boolean {
    return this.#external.has(host);
  }

  #uri(host: string, user: string, side: ListenerSide = 'client'): string {
    if (side === 'pstn') {
      return this.#pstnUri(host, user);
    }
    const external = this.#external.get(host);
    if (external) {
      return `sip:${user}@${external.address}:${external.port}`;
    }
    const at = this.sipListener(host, side);
    return `sip:${user}@${at.address}:${at.port}`;
  }

  /** The PSTN-side listener of a gateway, or the PSTN's own. */
  #pstnUri(host: string, user: string): string {
    const ua = host === PSTN_HOST ? this.#uas.get(PSTN_HOST) : this.#pstnSides.get(host);
    if (ua) {
      return `sip:${user}@${ua.stack.address}:${ua.stack.port}`;
    }
    if (!this.#p.fixedPorts) {
      throw new InternalError(`host ${host} has no PSTN-side listener`);
    }
    const port = host === PSTN_HOST ? SIP_PORTS.client : SIP_PORTS.pstn;
    return `sip:${user}@${this.#addr.addressOf(host)}:${port}`;
  }

  async #openMedia(
    ...[rec, host, acceptFrom, stream]: Parameters<HostContext['openMedia']>
  ): Promise<MediaSession> {
    const m = await this.#o.media.open(host, this.#addr.addressOf(host), {
      payloadType: payloadTypeOf(codecOf(rec.call)) ?? 0,
      ...stream,
      silenceTimeoutMs: this.#s.simulation.mediaTimeoutMs,
      ...(this.#links ? { egress: this.#links.egress } : {}),
      ...(this.#o.capture ? { tap: this.#o.capture } : {}),
      ...(acceptFrom
        ? { acceptFrom, dropReason: 'accepts media only from the Mediation Server' }
        : {}),
    });
    rec.sessions.push(m);
    return m;
  }

  #requireRelay(): Relay {
    if (!this.#relay) {
      throw new InternalError('relay not ready');
    }
    return this.#relay;
  }

  /** The relay of a host: this process's own, or another process's over the control channel. */
  #relayOf(host: string): RelayControl {
    return this.#p.hosts.has(host) ? this.#requireRelay() : this.#p.remoteRelay(host);
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#closed) {
        fn();
      }
    }, ms);
    this.#timers.add(t);
  }
}
