import type { Logger } from '../core/index.js';
import { createRelay, type Relay, type RelaySessionStats } from '../media/index.js';
import {
  gatewayBypassIdOf,
  provisionedBypassId,
  REFUSAL_SIP,
  type CallDecision,
} from '../policy/index.js';
import type {
  CallEndState,
  HostDrop,
  LinkObservation,
  ReceivedStream,
  RunCallInput,
  SipLogEntry,
} from '../report/index.js';
import type { Call, Client, Gateway, MediationServer, Scenario } from '../scenario/index.js';
import {
  answerFor,
  bypassIdOf,
  codecsOf,
  headerText,
  mediaAddressOf,
  offerFor,
  payloadTypeOf,
  relayCandidateOf,
  withRelayCandidate,
  withRemoteCandidate,
  B2bua,
  UserAgent,
  type B2buaDelegate,
  type IncomingCall,
  type OutgoingCall,
  type SipMessage,
} from '../sip/index.js';
import { Topology } from '../topology/index.js';
import { assignLoopback, PSTN_HOST, type Addressing } from './addressing.js';
import type { MediaFactory, MediaSession } from './media-session.js';
import { LabLinks } from './links.js';
import { mergeCallPartials, type CallPartial } from './merge.js';
import { localPolicy, PolicyService, type PolicyPort } from './policy-service.js';

/** The header that tells every host which scenario call a SIP dialog belongs to. */
export const CALL_HEADER = 'x-mediapath-call';
/** Marks the legs of a call re-routed through the PSTN (c.5 #19). */
export const PSTN_LEG_HEADER = 'x-mediapath-pstn';

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
}

/** The relay operations the lab uses, on a host of this process or of another. */
export type RelayControl = Pick<Relay, 'allocate' | 'setPeer' | 'close' | 'stats'>;

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
  /** A call placed here got its final outcome. */
  readonly onFinished?: (
    callId: string,
    state: CallEndState,
    status: number | null,
    reason: string | null,
  ) => void;
  /** Impaired links applied to what this process sends; null when none. */
  readonly links: LabLinks | null;
}

/**
 * SIP ports of the multi-process modes, where every host has its own IP: the client-facing
 * listener (every host), a Mediation Server's gateway-facing listener (a port of its own, so
 * that a single-homed Mediation Server works too) and a gateway's PSTN-facing listener.
 */
export const SIP_PORTS = { client: 5060, gateway: 5061, pstn: 5062 } as const;

export interface LabProgress {
  readonly elapsedMs: number;
  readonly plannedMs: number;
  readonly total: number;
  readonly started: number;
  readonly ended: number;
}

export interface LabResult {
  readonly calls: readonly RunCallInput[];
  readonly addressing: Addressing;
  readonly durationMs: number;
  readonly aborted: boolean;
  /** Each impaired link, per direction: configured and measured. */
  readonly links: readonly LinkObservation[];
}

/** Per-call bookkeeping while the run goes on. */
class CallRecord {
  readonly call: Call;
  decision: CallDecision | null = null;
  finalStatus: number | null = null;
  finalReason: string | null = null;
  state: CallEndState | null = null;
  readonly sessions: MediaSession[] = [];
  /** Relay sessions that carried this call, read for the report before they close. */
  readonly relaySessions: { host: string; id: string; read: boolean }[] = [];
  readonly relayStats: { host: string; stats: RelaySessionStats }[] = [];
  /** The relay reads going on, in turn. */
  reading: Promise<void> = Promise.resolve();
  readonly sip: SipLogEntry[] = [];
  readonly done: Promise<void>;
  #resolve!: () => void;
  #onFinish: ((rec: CallRecord) => void) | null;

  constructor(call: Call, onFinish: ((rec: CallRecord) => void) | null = null) {
    this.call = call;
    this.#onFinish = onFinish;
    this.done = new Promise((r) => {
      this.#resolve = r;
    });
  }

  /**
   * The call's final outcome. `local` is false when another process saw it (the caller's) and
   * this one only learns of it.
   */
  finish(state: CallEndState, status: number | null, reason: string | null, local = true): void {
    if (this.state !== null) {
      return;
    }
    this.state = state;
    this.finalStatus = status;
    this.finalReason = reason;
    if (local) {
      this.#onFinish?.(this);
    }
    this.#resolve();
  }
}

/**
 * Runs a scenario live on loopback: every host is a real SIP endpoint on its own 127.x
 * address, every call a real SIP dialog with real RTP for its duration. Returns what each call
 * did, for the report. Cleans up every socket and timer, also on abort or failure.
 */
export async function runLab(scenario: Scenario, options: LabOptions): Promise<LabResult> {
  const topo = new Topology(scenario);
  const addressing = assignLoopback(scenario);
  const policy = new PolicyService(topo);
  const log = options.logger.child({ mod: 'lab' });
  const links = scenario.links.length > 0 ? new LabLinks(scenario, topo, addressing, log) : null;
  const lab = new Lab(scenario, options, {
    hosts: new Set(addressing.entries.map((e) => e.host)),
    addressing,
    fixedPorts: false,
    policy: localPolicy(policy),
    remoteRelay: (host) => {
      throw new TypeError(`host ${host} is not run by this process`);
    },
    links,
  });
  try {
    await lab.bind();
    await options.onReady?.((host, side) => lab.sipListener(host, side));
    const t0 = performance.now();
    lab.start(t0);
    const plannedMs = lab.plannedMs;
    const progress = setInterval(() => {
      options.onProgress?.({ elapsedMs: performance.now() - t0, plannedMs, ...lab.counts() });
    }, 500);
    let aborted: boolean;
    try {
      aborted = await waitForCalls(lab.allDone, plannedMs + (options.graceMs ?? 10_000), options);
    } finally {
      clearInterval(progress);
    }
    lab.endRemaining(aborted);
    // Let the last BYEs and RTCP settle, then read every media session.
    await delay(150);
    const partials = await lab.collect();
    return {
      calls: mergeCallPartials(scenario.calls, [partials], (call) => policy.reportedDecision(call)),
      links: links?.observations() ?? [],
      addressing,
      durationMs: performance.now() - t0,
      aborted,
    };
  } finally {
    await lab.close();
  }
}

/**
 * Waits until every call ended, the deadline passed or the run was aborted; true when aborted.
 */
export async function waitForCalls(
  done: Promise<unknown>,
  deadlineMs: number,
  options: { readonly signal?: AbortSignal | undefined },
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, deadlineMs);
    });
    const abort = new Promise<'abort'>((resolve) => {
      onAbort = () => {
        resolve('abort');
      };
      if (options.signal?.aborted) {
        resolve('abort');
      }
      options.signal?.addEventListener('abort', onAbort);
    });
    const outcome = await Promise.race([done.then(() => 'done' as const), deadline, abort]);
    return outcome === 'abort';
  } finally {
    clearTimeout(timer);
    if (onAbort) {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
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
  readonly #topo: Topology;
  readonly #addr: Addressing;
  readonly #policy: PolicyPort;
  /** The scenario's impaired links, applied in user space to SIP and RTP. */
  readonly #links: LabLinks | null;
  readonly #uas = new Map<string, UserAgent>();
  readonly #msGatewaySide = new Map<string, UserAgent>();
  readonly #records = new Map<string, CallRecord>();
  readonly #b2buas: B2bua[] = [];
  /** B2BUA call id -> record, to report calls whose caller is an external peer. */
  readonly #external = new Map<string, CallRecord>();
  /** Each gateway's PSTN-side listener (and the PSTN's second listener). */
  readonly #pstnSides = new Map<string, UserAgent>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #sipCallToScenario = new Map<string, string>();
  #relay: Relay | null = null;
  #t0 = 0;
  #closed = false;

  constructor(s: Scenario, o: LabOptions, placement: LabPlacement) {
    this.#s = s;
    this.#o = o;
    this.#p = placement;
    this.#log = o.logger.child({ mod: 'lab' });
    this.#topo = new Topology(s);
    this.#addr = placement.addressing;
    this.#policy = placement.policy;
    this.#links = placement.links;
    const onFinish = placement.onFinished
      ? (rec: CallRecord): void => {
          placement.onFinished?.(
            rec.call.id,
            rec.state ?? 'failed',
            rec.finalStatus,
            rec.finalReason,
          );
        }
      : null;
    for (const call of s.calls) {
      this.#records.set(call.id, new CallRecord(call, onFinish));
    }
  }

  /** When the last call is planned to end, in milliseconds from the start. */
  get plannedMs(): number {
    return Math.max(0, ...this.#s.calls.map((c) => c.atMs + c.durationMs));
  }

  /** Resolves when every call has its final outcome. */
  get allDone(): Promise<void> {
    return Promise.all([...this.#records.values()].map((r) => r.done)).then(() => undefined);
  }

  /** Calls started (decided or ended) and ended so far, for progress lines. */
  counts(): { total: number; started: number; ended: number } {
    const all = [...this.#records.values()];
    return {
      total: all.length,
      started: all.filter((r) => r.decision !== null || r.state !== null).length,
      ended: all.filter((r) => r.state !== null).length,
    };
  }

  /** Where a host's SIP listener is (this process's hosts, or by the fixed ports). */
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
    throw new TypeError(`host ${host} has no SIP listener`);
  }

  /**
   * Starts the clock: every call placed by a host of this process starts at its time after
   * `t0` (a `performance.now()` reading; in the past when the processes agreed on it earlier).
   */
  start(t0: number): void {
    this.#t0 = t0;
    const now = performance.now();
    const calls = [...this.#records.values()].sort(
      (a, b) => a.call.atMs - b.call.atMs || a.call.index - b.call.index,
    );
    for (const rec of calls) {
      if (!this.#p.hosts.has(rec.call.from) && !this.#o.externalHosts?.has(rec.call.from)) {
        continue;
      }
      this.#later(Math.max(0, rec.call.atMs - (now - t0)), () => {
        this.#startCall(rec);
      });
    }
  }

  /** Another process saw a call's final outcome. */
  ended(callId: string, state: CallEndState, status: number | null, reason: string | null): void {
    this.#records.get(callId)?.finish(state, status, reason, false);
  }

  /** Gives every call still going the outcome of a run that ended (deadline or Ctrl-C). */
  endRemaining(aborted: boolean): void {
    for (const r of this.#records.values()) {
      if (r.state === null) {
        r.finish(
          aborted ? 'cancelled' : 'timeout',
          r.finalStatus,
          aborted ? 'run interrupted' : 'no final outcome before the run ended',
        );
      }
    }
  }

  /** What each call did, as seen by the hosts of this process. */
  async collect(): Promise<CallPartial[]> {
    const out: CallPartial[] = [];
    for (const rec of this.#records.values()) {
      await this.#readRelays(rec);
      out.push(this.#collect(rec));
    }
    return out;
  }

  /** This process's relay, for the relay operations other processes ask of its host. */
  get relay(): RelayControl {
    return this.#requireRelay();
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    for (const t of this.#timers) {
      clearTimeout(t);
    }
    this.#timers.clear();
    // Held datagrams are dropped first, so that nothing is sent on a closing socket.
    this.#links?.close();
    const closing: Promise<unknown>[] = [];
    for (const rec of this.#records.values()) {
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

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#closed) {
        fn();
      }
    }, ms);
    this.#timers.add(t);
  }

  #elapsed(): number {
    return Math.round(performance.now() - this.#t0);
  }

  // -------------------------------------------------------------------------------------
  // Hosts.

  /** Binds every host of this process: SIP listeners, B2BUAs, the relay. */
  async bind(): Promise<void> {
    const h = this.#s.hosts;
    const mine = (host: string): boolean => this.#p.hosts.has(host);
    this.#relay = await createRelay(
      {
        workers: 0,
        inactivityTimeoutMs: 0,
        ...(this.#links ? { egress: this.#links.egress } : {}),
      },
      this.#log,
    );
    const observe =
      (host: string) =>
      (
        dir: 'in' | 'out',
        message: SipMessage | undefined,
        remote: { address: string; port: number },
        raw: string,
      ) => {
        this.#logSip(host, dir, message, remote, raw);
      };
    const bind = async (
      host: string,
      address: string,
      listener: keyof typeof SIP_PORTS = 'client',
    ): Promise<UserAgent> => {
      const ua = await UserAgent.create({
        address,
        port: this.#p.fixedPorts ? SIP_PORTS[listener] : 0,
        logger: this.#log.child({ host }),
        observer: observe(host),
        user: host,
        ...(this.#links ? { egress: this.#links.egress } : {}),
      });
      return ua;
    };
    for (const m of h.mediationServers) {
      if (!mine(m.name)) {
        continue;
      }
      const client = await bind(m.name, this.#addr.addressOf(m.name));
      const gateway = await bind(m.name, this.#addr.gatewaySideOf(m.name), 'gateway');
      // The B2BUA takes over both listeners; the lab is its delegate (policy and relay).
      this.#b2buas.push(
        new B2bua(
          { client, gateway },
          this.#mediationDelegate(m),
          this.#log.child({ host: m.name }),
        ),
      );
      this.#uas.set(m.name, client);
      this.#msGatewaySide.set(m.name, gateway);
    }
    for (const g of h.gateways) {
      if (this.#o.externalHosts?.has(g.name) || !mine(g.name)) {
        continue;
      }
      // A gateway has an IP side (SIP to its Mediation Server) and a PSTN side; a call that
      // goes out to the PSTN is bridged from one to the other, with the media relayed through
      // the gateway (c.5 #19).
      const ua = await bind(g.name, this.#addr.addressOf(g.name));
      const pstnSide = await bind(g.name, this.#addr.addressOf(g.name), 'pstn');
      this.#b2buas.push(
        new B2bua(
          { client: ua, gateway: pstnSide },
          this.#bridgeDelegate(g.name),
          this.#log.child({ host: g.name }),
        ),
      );
      const toPstn = ua.onInvite;
      ua.onInvite = (inc) => {
        if (headerText(inc.request, PSTN_LEG_HEADER) !== undefined && toPstn) {
          toPstn(inc);
        } else {
          void this.#answerAt(g.name, inc, this.#gatewayAccepts(g));
        }
      };
      this.#uas.set(g.name, ua);
      this.#pstnSides.set(g.name, pstnSide);
    }
    if (mine(PSTN_HOST)) {
      const a = await bind(PSTN_HOST, this.#addr.addressOf(PSTN_HOST));
      const b = await bind(PSTN_HOST, this.#addr.addressOf(PSTN_HOST), 'pstn');
      this.#b2buas.push(
        new B2bua(
          { client: a, gateway: b },
          this.#bridgeDelegate(PSTN_HOST),
          this.#log.child({ host: PSTN_HOST }),
        ),
      );
      this.#uas.set(PSTN_HOST, a);
      this.#pstnSides.set(PSTN_HOST, b);
    }
    for (const c of h.clients) {
      if (!mine(c.name)) {
        continue;
      }
      const ua = await bind(c.name, this.#addr.addressOf(c.name));
      ua.onInvite = (inc) => {
        this.#clientIncoming(c, inc);
      };
      this.#uas.set(c.name, ua);
    }
    for (const v of h.voicemail) {
      if (!mine(v.name)) {
        continue;
      }
      const ua = await bind(v.name, this.#addr.addressOf(v.name));
      ua.onInvite = (inc) => {
        void this.#answerAt(v.name, inc, null);
      };
      this.#uas.set(v.name, ua);
    }
  }

  #uri(host: string, user: string, side: 'client' | 'gateway' = 'client'): string {
    const external = this.#o.externalHosts?.get(host);
    if (external) {
      return `sip:${user}@${external.address}:${external.port}`;
    }
    const at = this.sipListener(host, side);
    return `sip:${user}@${at.address}:${at.port}`;
  }

  /** An SBC that accepts media only from the Mediation Server drops everything else. */
  #gatewayAccepts(g: Gateway): ((address: string) => boolean) | null {
    if (g.acceptsMediaFrom !== 'mediation-server') {
      return null;
    }
    const ms = this.#addr.gatewaySideOf(g.mediationServer);
    return (address) => address === ms;
  }

  #logSip(
    host: string,
    dir: 'in' | 'out',
    message: SipMessage | undefined,
    remote: { address: string; port: number },
    raw: string,
  ): void {
    const sipCallId = message ? headerText(message, 'call-id') : undefined;
    const tag = message ? headerText(message, CALL_HEADER) : undefined;
    if (sipCallId && tag) {
      this.#sipCallToScenario.set(sipCallId, tag);
    }
    const scenarioId = tag ?? (sipCallId ? this.#sipCallToScenario.get(sipCallId) : undefined);
    const rec = scenarioId ? this.#records.get(scenarioId) : undefined;
    if (!rec) {
      return;
    }
    const firstLine = raw.slice(0, raw.includes('\r\n') ? raw.indexOf('\r\n') : raw.length);
    rec.sip.push({
      t: this.#elapsed(),
      host,
      dir,
      peer: this.#addr.hostOf(remote.address) ?? `${remote.address}:${remote.port}`,
      summary: firstLine.startsWith('SIP/2.0 ')
        ? firstLine.slice(8)
        : firstLine.replace(/ SIP\/2\.0$/, ''),
      callId: sipCallId ?? '',
      text: raw,
    });
  }

  // -------------------------------------------------------------------------------------
  // Calls.

  #startCall(rec: CallRecord): void {
    const call = rec.call;
    try {
      if (call.kind === 'outbound-pstn') {
        void this.#clientCallsOut(rec);
      } else if (call.kind === 'inbound-pstn') {
        void this.#gatewayCallsIn(rec);
      } else {
        void this.#clientCallsClient(rec);
      }
    } catch (e) {
      this.#log.error({ err: e, call: call.id }, 'call failed to start');
      rec.finish('failed', null, e instanceof Error ? e.message : String(e));
    }
  }

  #codec(call: Call): string {
    return call.codec === 'PCMA' ? 'PCMA' : 'PCMU';
  }

  async #openMedia(
    rec: CallRecord,
    host: string,
    acceptFrom: ((a: string) => boolean) | null,
  ): Promise<MediaSession> {
    const m = await this.#o.media.open(host, this.#addr.addressOf(host), {
      payloadType: payloadTypeOf(this.#codec(rec.call)) ?? 0,
      ...(this.#links ? { egress: this.#links.egress } : {}),
      ...(acceptFrom
        ? { acceptFrom, dropReason: 'accepts media only from the Mediation Server' }
        : {}),
    });
    rec.sessions.push(m);
    return m;
  }

  /** The caller's side of a call: places the INVITE, hangs up after the duration. */
  #place(
    rec: CallRecord,
    caller: string,
    uri: string,
    media: MediaSession,
    sdp: string,
    extra: Record<string, string> = {},
    onAnswer?: (answer: string) => Promise<TransportAddress | null>,
  ): OutgoingCall {
    const ua = this.#uas.get(caller);
    if (!ua) {
      throw new TypeError(`no SIP listener for ${caller}`);
    }
    const call = ua.invite(
      uri,
      sdp,
      {
        answered: (answer) => {
          void (onAnswer ? onAnswer(answer) : Promise.resolve(null)).then((fixed) => {
            const where = fixed ?? mediaAddressOf(answer);
            if (where) {
              media.setRemote(where.address, where.port);
            }
            media.start();
          });
          this.#later(rec.call.durationMs, () => {
            media.stop();
            void call.bye().finally(() => {
              rec.finish('completed', 200, 'OK');
            });
          });
        },
        failed: (status, reason) => {
          media.stop();
          rec.finish(
            status === 487 ? 'cancelled' : REFUSED.has(status) ? 'refused' : 'failed',
            status,
            reason,
          );
        },
        ended: () => {
          media.stop();
          rec.finish('completed', 200, 'OK');
        },
      },
      { headers: { [CALL_HEADER]: rec.call.id, ...extra } },
    );
    return call;
  }

  async #clientCallsOut(rec: CallRecord): Promise<void> {
    const call = rec.call;
    const client = this.#topo.client(call.from);
    const gw = this.#topo.gateway(call.trunk ?? '');
    if (!client || !gw) {
      rec.finish('failed', null, 'unknown caller or trunk');
      return;
    }
    const media = await this.#openMedia(rec, client.name, null);
    const bypassId = provisionedBypassId(this.#topo, client)?.id;
    const sdp = offerFor(media, [this.#codec(call)], { bypassId });
    this.#place(
      rec,
      client.name,
      this.#uri(gw.mediationServer, (call.number ?? gw.name).replace(/^\+/, '')),
      media,
      sdp,
      { 'x-mediapath-trunk': gw.name },
    );
  }

  async #gatewayCallsIn(rec: CallRecord): Promise<void> {
    const call = rec.call;
    const gw = this.#topo.gateway(call.from);
    if (!gw) {
      rec.finish('failed', null, 'unknown gateway');
      return;
    }
    if (this.#o.externalHosts?.has(gw.name)) {
      // A real peer places this call itself; the Mediation Server recognises it on arrival.
      return;
    }
    const media = await this.#openMedia(rec, gw.name, this.#gatewayAccepts(gw));
    const sdp = offerFor(media, [this.#codec(call)]);
    this.#place(rec, gw.name, this.#uri(gw.mediationServer, call.to, 'gateway'), media, sdp);
  }

  async #clientCallsClient(rec: CallRecord): Promise<void> {
    const call = rec.call;
    // The caller asks the Bandwidth Policy Service before placing the call (the callee's side
    // enforces the same answer: the terminating entity holds the reservation).
    const decision = await this.#policy.decide(call);
    rec.decision = decision;
    const media = await this.#openMedia(rec, call.from, null);
    if (decision.decision === 'CAC-REROUTED-PSTN' && decision.trunk !== null) {
      // c.5 #19: the caller fails over to the PSTN: out through the re-route trunk to the
      // callee's line URI.
      const gw = this.#topo.gateway(decision.trunk);
      const caller = this.#topo.client(call.from);
      const number =
        this.#topo
          .client(call.to)
          ?.lineUri?.replace(/^tel:\+?/i, '')
          .replace(/;.*$/, '') ?? call.to;
      if (!gw || !caller) {
        rec.finish('failed', null, 'no re-route trunk');
        return;
      }
      const bypassId = provisionedBypassId(this.#topo, caller)?.id;
      const sdp = offerFor(media, [this.#codec(call)], { bypassId });
      this.#place(rec, call.from, this.#uri(gw.mediationServer, number), media, sdp, {
        [PSTN_LEG_HEADER]: 'out',
      });
      return;
    }
    const target =
      decision.decision === 'CAC-REROUTED-VOICEMAIL' && decision.reroute?.via === 'voicemail'
        ? decision.reroute.host
        : call.to;
    // Media through A/V Edge relays (an external party, or the Internet alternate path): the
    // caller offers the Edge's far address, as a relayed ICE candidate would.
    const edges = hopsBetween(decision.mediaPath, call.from, call.to).filter((h) =>
      this.#isEdge(h),
    );
    if (edges.length > 0) {
      const chain = await this.#edgeChain(rec, edges);
      await chain.setClientPeer({ address: media.address, port: media.port });
      const sdp = offerFor(chain.farFacing, [this.#codec(call)]);
      this.#place(rec, call.from, this.#uri(target, call.to), media, sdp, {}, async (answer) => {
        const callee = mediaAddressOf(answer);
        if (callee) {
          await chain.setFarPeer(callee);
        }
        return chain.clientFacing;
      });
      return;
    }
    const sdp = offerFor(media, [this.#codec(call)]);
    this.#place(rec, call.from, this.#uri(target, call.to), media, sdp);
  }

  /** A client answers: an inbound PSTN call from its Mediation Server, or a client-to-client call. */
  #clientIncoming(client: Client, inc: IncomingCall): void {
    const id = headerText(inc.request, CALL_HEADER);
    const rec = id ? this.#records.get(id) : undefined;
    if (!rec) {
      inc.reject(404, 'Unknown call');
      return;
    }
    void (async () => {
      if (rec.call.kind === 'p2p') {
        const d = await this.#policy.decisionOf(rec.call.id);
        if (d?.decision === 'REJECTED') {
          inc.reject(
            d.sip?.status ?? REFUSAL_SIP.bandwidth.status,
            d.sip?.reason ?? REFUSAL_SIP.bandwidth.reason,
          );
          return;
        }
      }
      const media = await this.#openMedia(rec, client.name, null);
      // b.1 #12 inbound: the client compares its own bypass ID with the gateway's that the
      // Mediation Server offered; on a match it takes the gateway's address, else the relay.
      const offeredId = bypassIdOf(inc.offerSdp);
      const mine = provisionedBypassId(this.#topo, client)?.id;
      const direct = mediaAddressOf(inc.offerSdp);
      const relay = relayCandidateOf(inc.offerSdp);
      const bypass = offeredId !== undefined && offeredId === mine;
      const target = bypass || !relay ? direct : relay;
      const answer = answerFor(inc.offerSdp, media, g711Of(inc.offerSdp), {
        bypassId: bypass ? mine : undefined,
      });
      if (target) {
        media.setRemote(target.address, target.port);
      }
      mediaFollowsDialog(inc, media);
      inc.answer(bypass || !relay ? answer : withRemoteCandidate(answer, relay));
    })().catch((e: unknown) => {
      this.#log.error({ err: e }, 'client failed to answer');
      inc.reject(500, 'Server Internal Error');
    });
  }

  /** A gateway or voice mail server answers and sends media to where the offer says. */
  async #answerAt(
    host: string,
    inc: IncomingCall,
    acceptFrom: ((a: string) => boolean) | null,
  ): Promise<void> {
    const id = headerText(inc.request, CALL_HEADER);
    const rec = id ? this.#records.get(id) : undefined;
    if (!rec) {
      inc.reject(404, 'Unknown call');
      return;
    }
    const media = await this.#openMedia(rec, host, acceptFrom);
    const where = mediaAddressOf(inc.offerSdp);
    if (where) {
      media.setRemote(where.address, where.port);
    }
    inc.ring();
    mediaFollowsDialog(inc, media);
    inc.answer(answerFor(inc.offerSdp, media, ['PCMU', 'PCMA']));
  }

  // -------------------------------------------------------------------------------------
  // The Mediation Server: a B2BUA that consults policy and the relay.

  /**
   * The Mediation Server's side of the B2BUA: for each INVITE, ask policy; on bypass offer the
   * far side the near side's media address (b.5 #36, #37), otherwise allocate a relay session
   * and offer its ports; rewrite the answer the same way.
   */
  #mediationDelegate(ms: MediationServer): B2buaDelegate {
    const answers = new Map<string, (answer: string) => Promise<string>>();
    return {
      route: async (incoming) => {
        const rec = this.#recordOf(incoming.call);
        if (!rec) {
          return { reject: 404, reason: 'Unknown call' };
        }
        this.#external.set(incoming.id, rec);
        const decision = await this.#policy.decide(rec.call);
        rec.decision = decision;
        if (decision.decision === 'REJECTED') {
          return {
            reject: decision.sip?.status ?? REFUSAL_SIP.bandwidth.status,
            reason: decision.sip?.reason ?? REFUSAL_SIP.bandwidth.reason,
          };
        }
        try {
          const planned =
            incoming.side === 'client'
              ? await this.#routeOutbound(ms, rec, decision, incoming.call)
              : await this.#routeInbound(ms, rec, decision, incoming.call);
          if ('reject' in planned) {
            this.#policy.release(rec.call.id);
            return planned;
          }
          answers.set(incoming.id, planned.answer);
          return {
            target: planned.target,
            offerSdp: planned.offer,
            headers: { [CALL_HEADER]: rec.call.id, ...planned.headers },
          };
        } catch (e) {
          this.#log.error(
            { err: e, call: rec.call.id },
            'Mediation Server could not route the call',
          );
          this.#policy.release(rec.call.id);
          return { reject: 500, reason: 'Server Internal Error' };
        }
      },
      answer: (answerSdp, incoming) => {
        const rewrite = answers.get(incoming.id);
        return rewrite ? rewrite(answerSdp) : answerSdp;
      },
      ended: (record) => {
        answers.delete(record.id);
        const sipCallId = record.inboundCallId;
        const scenarioId = this.#sipCallToScenario.get(sipCallId);
        if (scenarioId) {
          this.#policy.release(scenarioId);
        }
        // A call placed by an external peer ends here: nobody else sees its final outcome.
        const rec = this.#external.get(record.id);
        this.#external.delete(record.id);
        if (rec && this.#o.externalHosts?.has(rec.call.from)) {
          if (record.answered) {
            rec.finish('completed', 200, 'OK');
          } else {
            rec.finish(
              record.cause === 'cancelled' ? 'cancelled' : 'refused',
              record.status ?? null,
              record.reason ?? null,
            );
          }
        }
      },
    };
  }

  /** Client -> Mediation Server -> gateway. The Mediation Server decides bypass (b.1 #12). */
  async #routeOutbound(
    ms: MediationServer,
    rec: CallRecord,
    decision: CallDecision,
    inc: IncomingCall,
  ): Promise<PlannedLeg> {
    const rerouted = decision.reroute?.via === 'pstn';
    const gw = this.#topo.gateway(rerouted ? (decision.trunk ?? '') : (rec.call.trunk ?? ''));
    const clientMedia = mediaAddressOf(inc.offerSdp);
    if (!gw || !clientMedia) {
      return { reject: 404, reason: 'No route' };
    }
    const target = this.#uri(gw.name, rec.call.number?.replace(/^\+/, '') ?? gw.name);
    const codecs = g711Of(inc.offerSdp);
    // A re-routed call is bypassed on its way out when no Mediation Server is on that part.
    const bypass = rerouted
      ? !pstnPart(decision.mediaPath, 'out').includes(ms.name)
      : decision.bypass;
    const headers = rerouted ? { [PSTN_LEG_HEADER]: 'out' } : {};
    if (bypass) {
      // b.5 #36: on bypass the gateway gets the client's media address and G.711 only.
      const id = bypassIdOf(inc.offerSdp);
      return {
        target,
        headers,
        offer: offerFor(clientMedia, codecs, { bypassId: id }),
        answer: (answer) => Promise.resolve(answer),
      };
    }
    const relay = this.#requireRelay();
    const s = await relay.allocate({
      legA: { bindAddress: this.#addr.addressOf(ms.name) },
      legB: { bindAddress: this.#addr.gatewaySideOf(ms.name) },
    });
    this.#trackRelay(rec, ms.name, s.id);
    let clientFacing: TransportAddress = s.legA;
    const edges = hopsBetween(decision.mediaPath, rec.call.from, ms.name).filter((h) =>
      this.#isEdge(h),
    );
    if (edges.length > 0) {
      const chain = await this.#edgeChain(rec, edges);
      await chain.setClientPeer(clientMedia);
      await chain.setFarPeer(s.legA);
      await relay.setPeer(s.id, 'A', chain.farFacing);
      clientFacing = chain.clientFacing;
    } else {
      await relay.setPeer(s.id, 'A', clientMedia);
    }
    return {
      target,
      headers,
      offer: offerFor(s.legB, codecs),
      answer: async (answer) => {
        const gwMedia = mediaAddressOf(answer);
        if (gwMedia) {
          await relay.setPeer(s.id, 'B', gwMedia);
        }
        return answerFor(inc.offerSdp, clientFacing, g711Of(answer));
      },
    };
  }

  /**
   * Gateway -> Mediation Server -> client. The client is offered the gateway's address and
   * bypass ID and the Mediation Server's relay as a candidate, and decides (b.1 #12, b.5 #37).
   */
  async #routeInbound(
    ms: MediationServer,
    rec: CallRecord,
    decision: CallDecision,
    inc: IncomingCall,
  ): Promise<PlannedLeg> {
    const rerouted = decision.reroute?.via === 'pstn';
    const gw = this.#topo.gateway(
      rerouted && decision.reroute?.via === 'pstn'
        ? (decision.reroute.trunks[1] ?? '')
        : rec.call.from,
    );
    const client = this.#topo.client(rec.call.to);
    const gwMedia = mediaAddressOf(inc.offerSdp);
    if (!gw || !client || !gwMedia) {
      return { reject: 404, reason: 'No route' };
    }
    const relay = this.#requireRelay();
    const s = await relay.allocate({
      legA: { bindAddress: this.#addr.addressOf(ms.name) },
      legB: { bindAddress: this.#addr.gatewaySideOf(ms.name) },
    });
    await relay.setPeer(s.id, 'B', gwMedia);
    const edges = hopsBetween(decision.mediaPath, ms.name, client.name).filter((h) =>
      this.#isEdge(h),
    );
    const chain = edges.length > 0 ? await this.#edgeChain(rec, edges) : null;
    if (chain) {
      await chain.setFarPeer(s.legA);
    }
    const candidate = chain ? chain.clientFacing : s.legA;
    const gid = decision.bypassIds?.gateway ?? gatewayBypassIdOf(this.#topo, gw);
    // Offer the gateway's bypass ID when bypass passed every rule but the ID comparison, which
    // is the client's to make; for a re-routed call, when its inbound part is bypassed.
    const offerBypass = rerouted
      ? !pstnPart(decision.mediaPath, 'in').includes(ms.name)
      : decision.bypassIds?.gateway != null &&
        (decision.bypass || decision.bypassIds.client?.id !== decision.bypassIds.gateway.id);
    const offer = withRelayCandidate(
      offerFor(gwMedia, g711Of(inc.offerSdp), { bypassId: offerBypass ? gid?.id : undefined }),
      candidate,
    );
    return {
      target: this.#uri(client.name, client.name),
      offer,
      answer: async (answer) => {
        const clientMedia = mediaAddressOf(answer);
        if (bypassIdOf(answer) !== undefined && clientMedia) {
          // The client chose the gateway's address: no relay on this call.
          await relay.close(s.id);
          return answerFor(inc.offerSdp, clientMedia, g711Of(answer));
        }
        if (clientMedia && chain) {
          await chain.setClientPeer(clientMedia);
          await relay.setPeer(s.id, 'A', chain.farFacing);
        } else if (clientMedia) {
          await relay.setPeer(s.id, 'A', clientMedia);
        }
        this.#trackRelay(rec, ms.name, s.id);
        return answerFor(inc.offerSdp, s.legB, g711Of(answer));
      },
    };
  }

  /**
   * A gateway or the PSTN passing a re-routed call on (c.5 #19): the next hop is the PSTN, the
   * gateway serving the callee's number, or that gateway's Mediation Server; media is relayed
   * through this host so that the path is visible hop by hop.
   */
  #bridgeDelegate(host: string): B2buaDelegate {
    const answers = new Map<string, (answer: string) => Promise<string>>();
    return {
      route: async (incoming) => {
        const id = headerText(incoming.call.request, CALL_HEADER);
        const rec = id ? this.#records.get(id) : undefined;
        const d = rec ? (rec.decision ?? (await this.#policy.decisionOf(rec.call.id))) : undefined;
        const media = mediaAddressOf(incoming.call.offerSdp);
        if (!rec || d?.reroute?.via !== 'pstn' || !media) {
          return { reject: 404, reason: 'Not Found' };
        }
        const inbound = this.#topo.gateway(d.reroute.trunks[1] ?? '');
        if (!inbound) {
          return { reject: 404, reason: 'No gateway serves the number' };
        }
        let target: string;
        let leg: string;
        if (host === PSTN_HOST) {
          target = this.#pstnUri(inbound.name, rec.call.to);
          leg = 'pstn';
        } else if (incoming.side === 'client') {
          target = this.#pstnUri(PSTN_HOST, rec.call.to);
          leg = 'pstn';
        } else {
          target = this.#uri(inbound.mediationServer, rec.call.to, 'gateway');
          leg = 'in';
        }
        const relay = this.#requireRelay();
        const at = this.#addr.addressOf(host);
        const s = await relay.allocate({ legA: { bindAddress: at }, legB: { bindAddress: at } });
        await relay.setPeer(s.id, 'A', media);
        this.#trackRelay(rec, host, s.id);
        answers.set(incoming.id, async (answer) => {
          const far = mediaAddressOf(answer);
          if (far) {
            await relay.setPeer(s.id, 'B', far);
          }
          return answerFor(incoming.call.offerSdp, s.legA, g711Of(answer));
        });
        return {
          target,
          offerSdp: offerFor(s.legB, g711Of(incoming.call.offerSdp)),
          headers: { [CALL_HEADER]: rec.call.id, [PSTN_LEG_HEADER]: leg },
        };
      },
      answer: (answerSdp, incoming) => {
        const rewrite = answers.get(incoming.id);
        return rewrite ? rewrite(answerSdp) : answerSdp;
      },
      ended: (record) => {
        answers.delete(record.id);
      },
    };
  }

  /** The PSTN-side listener of a gateway, or the PSTN's own. */
  #pstnUri(host: string, user: string): string {
    const ua = host === PSTN_HOST ? this.#uas.get(PSTN_HOST) : this.#pstnSides.get(host);
    if (ua) {
      return `sip:${user}@${ua.stack.address}:${ua.stack.port}`;
    }
    if (!this.#p.fixedPorts) {
      throw new TypeError(`host ${host} has no PSTN-side listener`);
    }
    const port = host === PSTN_HOST ? SIP_PORTS.client : SIP_PORTS.pstn;
    return `sip:${user}@${this.#addr.addressOf(host)}:${port}`;
  }

  /**
   * The scenario call an INVITE belongs to: by the lab's header, or, for a call from an
   * external peer (which sends no such header), the first call not yet decided from that
   * peer's host to the Request-URI's user.
   */
  #recordOf(call: IncomingCall): CallRecord | undefined {
    const id = headerText(call.request, CALL_HEADER);
    if (id) {
      return this.#records.get(id);
    }
    const from = this.#addr.hostOf(call.remote.address);
    if (!from || !this.#o.externalHosts?.has(from)) {
      return undefined;
    }
    const user = /^sips?:([^@;]+)@/i.exec(call.requestUri)?.[1];
    for (const rec of this.#records.values()) {
      if (
        rec.call.from === from &&
        rec.decision === null &&
        rec.state === null &&
        (user === undefined || rec.call.to === user)
      ) {
        this.#sipCallToScenario.set(call.callId, rec.call.id);
        return rec;
      }
    }
    return undefined;
  }

  #requireRelay(): Relay {
    if (!this.#relay) {
      throw new TypeError('relay not ready');
    }
    return this.#relay;
  }

  /** The relay of a host: this process's own, or another process's over the control channel. */
  #relayOf(host: string): RelayControl {
    return this.#p.hosts.has(host) ? this.#requireRelay() : this.#p.remoteRelay(host);
  }

  #isEdge(host: string): boolean {
    return this.#s.hosts.edges.some((e) => e.name === host);
  }

  /**
   * Relay sessions on A/V Edge hosts, chained: the first faces the client side, the last the
   * far side (a Mediation Server, or the other client). Each is read for the report like the
   * Mediation Server's own relay.
   */
  async #edgeChain(rec: CallRecord, edges: readonly string[]): Promise<EdgeChain> {
    const sessions = [];
    for (const edge of edges) {
      const relay = this.#relayOf(edge);
      const at = this.#addr.addressOf(edge);
      const s = await relay.allocate({ legA: { bindAddress: at }, legB: { bindAddress: at } });
      this.#trackRelay(rec, edge, s.id);
      sessions.push({ relay, ...s });
    }
    for (let i = 0; i + 1 < sessions.length; i++) {
      const here = sessions[i];
      const next = sessions[i + 1];
      if (here && next) {
        await here.relay.setPeer(here.id, 'B', next.legA);
        await next.relay.setPeer(next.id, 'A', here.legB);
      }
    }
    const first = sessions[0];
    const last = sessions[sessions.length - 1];
    if (!first || !last) {
      throw new TypeError('an Edge chain needs at least one Edge');
    }
    return {
      clientFacing: first.legA,
      farFacing: last.legB,
      setClientPeer: (peer) => first.relay.setPeer(first.id, 'A', peer),
      setFarPeer: (peer) => last.relay.setPeer(last.id, 'B', peer),
    };
  }

  /** Reads a relay session's figures once the call has ended, then closes it. */
  #trackRelay(rec: CallRecord, host: string, sessionId: string): void {
    rec.relaySessions.push({ host, id: sessionId, read: false });
    void rec.done.then(() => delay(100)).then(() => this.#readRelays(rec));
  }

  /** Reads the call's relay sessions not read yet; in turn with any read already going on. */
  #readRelays(rec: CallRecord): Promise<void> {
    rec.reading = rec.reading.then(() => this.#readUnread(rec));
    return rec.reading;
  }

  async #readUnread(rec: CallRecord): Promise<void> {
    for (const s of rec.relaySessions) {
      if (s.read) {
        continue;
      }
      s.read = true;
      try {
        const relay = this.#relayOf(s.host);
        rec.relayStats.push({ host: s.host, stats: await relay.stats(s.id) });
        await relay.close(s.id);
      } catch (e) {
        this.#log.debug({ err: e, sessionId: s.id }, 'relay session already gone');
      }
    }
  }

  // -------------------------------------------------------------------------------------
  // Collecting.

  #collect(rec: CallRecord): CallPartial {
    const received: ReceivedStream[] = [];
    const drops: HostDrop[] = [];
    const sent: Record<string, number> = {};
    for (const m of rec.sessions) {
      const snap = m.snapshot();
      for (const r of snap.received) {
        received.push(r);
      }
      for (const d of snap.drops) {
        drops.push(d);
      }
      sent[m.host] = (sent[m.host] ?? 0) + snap.sent;
    }
    const resolve = (a: string): string | null => this.#addr.hostOf(a);
    for (const { host, stats } of rec.relayStats) {
      for (const leg of [stats.legA, stats.legB]) {
        if (leg.peer) {
          received.push({
            receiver: host,
            source: resolve(leg.peer.address),
            sourceAddress: `${leg.peer.address}:${leg.peer.port}`,
            packets: leg.rtpPackets,
            bytes: leg.bytes,
            lost: leg.stream?.lost ?? 0,
            jitterMs: leg.stream?.jitterMs ?? 0,
            latencyP50Ms: null,
            latencyP99Ms: null,
          });
        }
        const dropped = Object.values(leg.dropped).reduce((a: number, b) => a + (b ?? 0), 0);
        if (dropped > 0) {
          drops.push({
            host,
            source: null,
            packets: dropped,
            reason: Object.keys(leg.dropped).join(', '),
          });
        }
      }
    }
    return {
      callId: rec.call.id,
      state: rec.state,
      finalStatus: rec.finalStatus,
      finalReason: rec.finalReason,
      received,
      drops,
      sip: rec.sip,
      sent,
    };
  }
}

const REFUSED = new Set([403, 404, 480, 486, 488, 503, 603]);

/** A planned outgoing leg of the Mediation Server, with how to rewrite its answer. */
type PlannedLeg =
  | {
      readonly target: string;
      readonly offer: string;
      readonly answer: (answer: string) => Promise<string>;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly reject: number; readonly reason: string };

interface TransportAddress {
  readonly address: string;
  readonly port: number;
}

/** Media relays on Edge hosts between a client side and a far side. */
interface EdgeChain {
  readonly clientFacing: TransportAddress;
  readonly farFacing: TransportAddress;
  setClientPeer(peer: TransportAddress): Promise<void>;
  setFarPeer(peer: TransportAddress): Promise<void>;
}

/** The part of a re-routed call's path before (`out`) or after (`in`) the PSTN. */
function pstnPart(path: readonly string[], part: 'out' | 'in'): readonly string[] {
  const i = path.indexOf(PSTN_HOST);
  if (i < 0) {
    return path;
  }
  return part === 'out' ? path.slice(0, i) : path.slice(i + 1);
}

/** The hops strictly between two hosts of a path, in either order. */
function hopsBetween(path: readonly string[], a: string, b: string): string[] {
  const i = path.indexOf(a);
  const j = path.indexOf(b);
  if (i < 0 || j < 0) {
    return [];
  }
  return i < j ? path.slice(i + 1, j) : path.slice(j + 1, i).reverse();
}

/** Media flows from the ACK of an answered call until it ends or is cancelled. */
function mediaFollowsDialog(inc: IncomingCall, media: MediaSession): void {
  inc.once('acked', () => {
    media.start();
  });
  inc.once('ended', () => {
    media.stop();
  });
  inc.once('cancelled', () => {
    media.stop();
  });
}

function g711Of(sdp: string): string[] {
  const list = codecsOf(sdp).filter((c) => c === 'PCMU' || c === 'PCMA');
  return list.length ? list : ['PCMU'];
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
