/**
 * A generic back-to-back user agent over two user agents, one per listener (the Mediation
 * Server has a client-facing and a gateway-facing one). An INVITE on either side becomes an
 * outgoing INVITE on the other; what to call and which SDP to offer and to answer is decided
 * by a delegate, so the B2BUA itself holds no policy and touches no media.
 *
 * ```
 *  caller          side A (UAS)     B2BUA      side B (UAC)         callee
 *    |--- INVITE ---->|-- route() --> delegate                        |
 *    |                |                    |----- INVITE (offer) ---->|
 *    |<--- 180 -------|<------------------ relay provisional ---------|
 *    |                |   answer(sdp) <-- delegate <---- 200 (answer) |
 *    |<-- 200 (SDP) --|                    |------- ACK ------------->|
 *    |--- ACK ------->|                                                |
 *    |--- BYE ------->|------------------- BYE ---------------------->|
 * ```
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../core/index.js';
import type { CallEndCause } from './call-owner.js';
import type { ReferRequest } from './in-dialog.js';
import type { IncomingCall } from './incoming-call.js';
import { headerText, type SipRemote } from './message.js';
import type { OutgoingCall } from './outgoing-call.js';
import type { SipObserver } from './stack.js';
import type { SipTimers } from './transaction.js';
import { UserAgent } from './user-agent.js';

/** The two listeners of the B2BUA. */
export type B2buaSide = 'client' | 'gateway';

/** The INVITE that reached the B2BUA, as shown to the delegate. */
export interface B2buaIncoming {
  /** The B2BUA's id for this call (stable across both legs). */
  readonly id: string;
  /** The listener the INVITE arrived on; the outgoing leg leaves from the other one. */
  readonly side: B2buaSide;
  /** The incoming call: `from`, `to`, `requestUri`, `offerSdp`, `remote`, `request`. */
  readonly call: IncomingCall;
}

/** Where and how to place the outgoing leg. */
export interface B2buaRoute {
  /** Request-URI of the outgoing INVITE (an IPv4 SIP URI unless `targetAddress` is set). */
  readonly target: string;
  /** The SDP offer for the outgoing leg. */
  readonly offerSdp: string;
  /** From URI of the outgoing leg; the outgoing UA's own URI by default. */
  readonly from?: string;
  /** From display name of the outgoing leg. */
  readonly fromName?: string;
  /** To URI of the outgoing leg; `target` by default. */
  readonly to?: string;
  /** Explicit next hop; the target's host and port by default. */
  readonly targetAddress?: SipRemote;
  /** Extra headers for the outgoing INVITE. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The fast failover timer of this leg, in milliseconds: without a provisional response
   * (other than 100) by then, the leg is given up and the caller gets `failoverReject`.
   */
  readonly failoverMs?: number;
  /** The caller's final response when the failover timer fires (503 by default). */
  readonly failoverReject?: B2buaReject;
}

/** A refusal to route: the caller gets this final status. */
export interface B2buaReject {
  readonly reject: number;
  readonly reason?: string;
}

/** Why a B2BUA call ended. */
export type B2buaEndCause =
  | 'caller-bye'
  | 'callee-bye'
  | 'cancelled'
  | 'route-rejected'
  | 'callee-rejected'
  | 'answer-refused'
  | 'ring-timeout'
  | 'no-provisional'
  | 'terminated'
  | 'too-many-hops'
  | 'no-ack'
  | 'failed'
  | 'closed'
  | 'handed-over';

/**
 * How one leg of a B2BUA call ended, as the B2BUA saw it: a BYE it received, a BYE it sent
 * (with that BYE's final status: 408 when the peer never answered it), a final response or a
 * cancel before any answer, or still open (the B2BUA closed with the leg up).
 */
export interface B2buaLegEnd {
  readonly answered: boolean;
  readonly end: 'bye-received' | 'bye-sent' | 'final' | 'cancelled' | 'open';
  readonly byeStatus: number | null;
}

/** The record of a finished call. */
export interface B2buaCallRecord {
  readonly id: string;
  readonly side: B2buaSide;
  readonly cause: B2buaEndCause;
  /** The final status the caller got when the call was not answered. */
  readonly status: number | undefined;
  readonly reason: string | undefined;
  readonly inboundCallId: string;
  readonly outboundCallId: string | undefined;
  /** Whether the call was answered on both legs. */
  readonly answered: boolean;
  /**
   * How each leg ended when the call ended (the BYEs' statuses are not known yet: see
   * {@link B2buaDelegate.settled}).
   */
  readonly legs: { readonly caller: B2buaLegEnd; readonly callee: B2buaLegEnd | null };
}

/** Decisions the B2BUA leaves to its owner. */
export interface B2buaDelegate {
  /** Decides the outgoing leg for a new INVITE, or refuses it. */
  route(incoming: B2buaIncoming): Promise<B2buaRoute | B2buaReject>;
  /**
   * Receives the callee's SDP answer and returns the SDP to answer the caller with (the
   * callee's own for bypass, the relay's address for relayed media), or a refusal of the
   * answer: the callee's dialog is then ended with BYE and the caller gets the refusal's
   * status (RFC 3261 section 13.2.2.4: an unacceptable answer in a 2xx is acknowledged, then
   * the dialog is ended).
   */
  answer(
    answerSdp: string,
    incoming: B2buaIncoming,
  ): Promise<string | B2buaReject> | string | B2buaReject;
  /**
   * Rewrites the early-media SDP of the callee's provisional response for the caller (as
   * `answer` does the final one); without it, provisional responses are passed on without SDP.
   */
  early?(sdp: string, incoming: B2buaIncoming): string;
  /**
   * A REFER arrived in the dialog of the caller's leg or the callee's, and was accepted with
   * 202 (a transfer: RFC 3515); without this method REFERs are declined with 603.
   */
  refer?(incoming: B2buaIncoming, from: 'caller' | 'callee', refer: ReferRequest): void;
  /** Told when a call ends, with its cause. */
  ended?(record: B2buaCallRecord): void;
  /**
   * Told once the BYEs of an ended call have their final responses (or at once when there
   * were none): how each leg ended, the caller's (inbound) and the callee's (outbound).
   */
  settled?(
    record: B2buaCallRecord,
    legs: { readonly caller: B2buaLegEnd; readonly callee: B2buaLegEnd | null },
  ): void;
}

/** Events of the B2BUA. */
export type B2buaEvents = {
  'call-ended': [record: B2buaCallRecord];
};

/** Options of {@link B2bua.create}. */
export interface B2buaCreateOptions {
  /** The client-facing listener's address (and port, 0 by default). */
  readonly client: { readonly address: string; readonly port?: number };
  /** The gateway-facing listener's address (and port, 0 by default). */
  readonly gateway: { readonly address: string; readonly port?: number };
  readonly delegate: B2buaDelegate;
  readonly logger: Logger;
  readonly timers?: Partial<SipTimers>;
  readonly observer?: SipObserver;
  /** The user part of both listeners' URIs; `mediation` by default. */
  readonly user?: string;
  /** RFC 3261 Timer C for the outgoing legs (see {@link B2buaOptions}). */
  readonly ringTimeoutMs?: number;
}

/** Options of a B2BUA over existing user agents. */
export interface B2buaOptions {
  /**
   * RFC 3261 Timer C (section 16.6 step 11): an outgoing INVITE that gets no final response
   * this long after it was sent or after its last provisional response is cancelled, and the
   * caller gets 408. Off when absent or 0.
   */
  readonly ringTimeoutMs?: number;
}

/** A leg's end as it is being learnt. */
interface LegState {
  end: B2buaLegEnd['end'];
  byeStatus: number | null;
}

/** One call through the B2BUA. */
class B2buaCall {
  readonly incoming: B2buaIncoming;
  outbound: OutgoingCall | undefined;
  answered = false;
  done = false;
  cancelled = false;
  /** Its legs were handed over ({@link B2bua.handOver}): the B2BUA no longer ties them. */
  handedOver = false;
  /** Timer C and the fast failover timer of the outgoing leg. */
  ringTimer: NodeJS.Timeout | undefined;
  failoverTimer: NodeJS.Timeout | undefined;
  readonly caller: LegState = { end: 'open', byeStatus: null };
  readonly callee: LegState = { end: 'open', byeStatus: null };
  /** BYEs sent on either leg, settled with their final status. */
  readonly byes: Promise<unknown>[] = [];

  constructor(incoming: B2buaIncoming) {
    this.incoming = incoming;
  }

  clearTimers(): void {
    clearTimeout(this.ringTimer);
    clearTimeout(this.failoverTimer);
    this.ringTimer = undefined;
    this.failoverTimer = undefined;
  }

  /** Sends BYE on the caller's leg, keeping its final status. */
  byeCaller(): void {
    this.caller.end = 'bye-sent';
    this.byes.push(
      this.incoming.call.bye().then((status) => {
        this.caller.byeStatus = status === 0 ? null : status;
      }),
    );
  }

  /** Sends BYE on the callee's leg (when it has a dialog), keeping its final status. */
  byeCallee(): void {
    const out = this.outbound;
    if (out?.state !== 'confirmed') {
      return;
    }
    this.callee.end = 'bye-sent';
    this.byes.push(
      out.bye().then((status) => {
        this.callee.byeStatus = status === 0 ? null : status;
      }),
    );
  }
}

/** A back-to-back user agent over a client-facing and a gateway-facing user agent. */
export class B2bua extends EventEmitter<B2buaEvents> {
  readonly #uas: Readonly<Record<B2buaSide, UserAgent>>;
  readonly #delegate: B2buaDelegate;
  readonly #log: Logger;
  readonly #calls = new Set<B2buaCall>();
  readonly #byId = new Map<string, B2buaCall>();
  readonly #ringTimeoutMs: number;
  #closed = false;
  #counter = 0;

  /** Builds a B2BUA over two existing user agents (it takes over their `onInvite`). */
  constructor(
    uas: { client: UserAgent; gateway: UserAgent },
    delegate: B2buaDelegate,
    logger: Logger,
    options: B2buaOptions = {},
  ) {
    super();
    this.#uas = { client: uas.client, gateway: uas.gateway };
    this.#delegate = delegate;
    this.#ringTimeoutMs = options.ringTimeoutMs ?? 0;
    this.#log = logger.child({ mod: 'sip.b2bua' });
    uas.client.onInvite = (call) => this.#onInvite('client', call);
    uas.gateway.onInvite = (call) => this.#onInvite('gateway', call);
  }

  /**
   * Binds both listeners and creates the B2BUA.
   * @throws {SimError} `SIM_ERR_SIP_BIND` when a listener cannot be bound.
   */
  static async create(options: B2buaCreateOptions): Promise<B2bua> {
    const common = {
      logger: options.logger,
      user: options.user ?? 'mediation',
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      ...(options.observer === undefined ? {} : { observer: options.observer }),
    };
    const client = await UserAgent.create({ ...common, ...options.client });
    let gateway: UserAgent;
    try {
      gateway = await UserAgent.create({ ...common, ...options.gateway });
    } catch (e) {
      await client.close();
      throw e;
    }
    return new B2bua(
      { client, gateway },
      options.delegate,
      options.logger,
      options.ringTimeoutMs === undefined ? {} : { ringTimeoutMs: options.ringTimeoutMs },
    );
  }

  /** The user agent of a listener. */
  ua(side: B2buaSide): UserAgent {
    return this.#uas[side];
  }

  /** Calls in progress. */
  get activeCalls(): number {
    return this.#calls.size;
  }

  #other(side: B2buaSide): B2buaSide {
    return side === 'client' ? 'gateway' : 'client';
  }

  #onInvite(side: B2buaSide, call: IncomingCall): void {
    const id = `b2b-${++this.#counter}`;
    const incoming: B2buaIncoming = { id, side, call };
    const c = new B2buaCall(incoming);
    const log = this.#log.child({ callId: call.callId, b2b: id });
    // RFC 3261 section 16.3 step 3 applies to what we relay: a request that may not travel
    // further gets 483 and no outgoing leg.
    const mf = headerText(call.request, 'max-forwards');
    const maxForwards = mf === undefined ? 70 : Math.min(Number(mf), 255);
    if (maxForwards <= 0) {
      call.reject(483, 'Too Many Hops');
      this.#end(c, 'too-many-hops', 483, 'Too Many Hops');
      return;
    }
    this.#calls.add(c);
    this.#byId.set(id, c);
    call.on('cancelled', () => {
      c.cancelled = true;
      c.caller.end = 'cancelled';
      if (c.outbound) {
        c.outbound.cancel();
      } else {
        this.#end(c, 'cancelled', 487, 'Request Terminated');
      }
    });
    const refer = this.#delegate.refer?.bind(this.#delegate);
    if (refer) {
      call.on('refer', (r) => {
        if (!c.done) {
          refer(incoming, 'caller', r);
        }
      });
    }
    call.on('ended', (cause: CallEndCause) => {
      if (c.handedOver) {
        return;
      }
      // The incoming call ended itself: the caller's BYE, or its own BYE (no ACK, closing).
      c.caller.end = cause === 'remote-bye' ? 'bye-received' : 'bye-sent';
      c.byeCallee();
      this.#end(
        c,
        cause === 'no-ack' ? 'no-ack' : cause === 'closed' ? 'closed' : 'caller-bye',
        undefined,
        undefined,
      );
    });
    this.#delegate.route(incoming).then(
      (route) => this.#place(c, route, maxForwards - 1, log),
      (e: unknown) => {
        log.error({ err: e }, 'B2BUA route delegate failed');
        call.reject(500, 'Server Internal Error');
        this.#end(c, 'failed', 500, 'Server Internal Error');
      },
    );
  }

  #place(c: B2buaCall, route: B2buaRoute | B2buaReject, maxForwards: number, log: Logger): void {
    const call = c.incoming.call;
    if (c.done || c.cancelled || this.#closed) {
      return;
    }
    if ('reject' in route) {
      log.debug({ status: route.reject }, 'route refused');
      call.reject(route.reject, route.reason);
      c.caller.end = 'final';
      this.#end(c, 'route-rejected', route.reject, route.reason);
      return;
    }
    const ua = this.#uas[this.#other(c.incoming.side)];
    const outbound = ua.invite(
      route.target,
      route.offerSdp,
      {
        provisional: (info) => {
          clearTimeout(c.failoverTimer);
          this.#armRingTimer(c, log);
          const early = info.sdp !== undefined ? this.#delegate.early?.(info.sdp, c.incoming) : '';
          call.ring(info.status, info.reason, early ?? '');
        },
        answered: (sdp) => {
          c.clearTimers();
          this.#answered(c, sdp, log);
        },
        failed: (status, reason) => {
          c.clearTimers();
          c.callee.end = c.cancelled ? 'cancelled' : 'final';
          if (c.done) {
            return;
          }
          if (c.cancelled) {
            this.#end(c, 'cancelled', 487, 'Request Terminated');
            return;
          }
          call.reject(status, reason);
          c.caller.end = 'final';
          this.#end(c, 'callee-rejected', status, reason);
        },
        ...(this.#delegate.refer
          ? {
              refer: (r: ReferRequest) => {
                if (!c.done) {
                  this.#delegate.refer?.(c.incoming, 'callee', r);
                }
              },
            }
          : {}),
        ended: (cause) => {
          if (cause === 'remote-bye' && !c.handedOver) {
            c.callee.end = 'bye-received';
            if (call.state === 'answered' || call.state === 'confirmed') {
              c.byeCaller();
            }
            this.#end(c, 'callee-bye', undefined, undefined);
          }
        },
      },
      {
        maxForwards,
        ...(route.from === undefined ? {} : { from: route.from }),
        ...(route.fromName === undefined ? {} : { fromName: route.fromName }),
        ...(route.to === undefined ? {} : { to: route.to }),
        ...(route.headers === undefined ? {} : { headers: route.headers }),
      },
      route.targetAddress,
    );
    c.outbound = outbound;
    this.#armRingTimer(c, log);
    if (route.failoverMs !== undefined && route.failoverMs > 0) {
      const reject = route.failoverReject ?? { reject: 503, reason: 'Service Unavailable' };
      c.failoverTimer = setTimeout(() => {
        c.failoverTimer = undefined;
        log.info({ failoverMs: route.failoverMs }, 'no provisional response: leg given up');
        this.#giveUp(c, 'no-provisional', reject);
      }, route.failoverMs);
    }
  }

  /**
   * RFC 3261 Timer C: (re)started when the INVITE goes out and at each provisional response;
   * when it fires, the outgoing leg is cancelled and the caller gets 408.
   */
  #armRingTimer(c: B2buaCall, log: Logger): void {
    if (this.#ringTimeoutMs <= 0 || c.done) {
      return;
    }
    clearTimeout(c.ringTimer);
    c.ringTimer = setTimeout(() => {
      c.ringTimer = undefined;
      log.info({ ringTimeoutMs: this.#ringTimeoutMs }, 'Timer C fired: no final response');
      this.#giveUp(c, 'ring-timeout', {
        reject: 408,
        reason: `Request Timeout (no answer within ${Math.round(this.#ringTimeoutMs / 1000)} s)`,
      });
    }, this.#ringTimeoutMs);
  }

  /** Gives up an outgoing leg that has no final response: CANCEL it, answer the caller. */
  #giveUp(c: B2buaCall, cause: B2buaEndCause, reject: B2buaReject): void {
    if (c.done || c.answered) {
      return;
    }
    c.clearTimers();
    c.cancelled = true;
    c.outbound?.cancel();
    c.callee.end = 'cancelled';
    c.incoming.call.reject(reject.reject, reject.reason);
    c.caller.end = 'final';
    this.#end(c, cause, reject.reject, reject.reason);
  }

  /**
   * Ends a call from the B2BUA's side (a media timeout, say): an answered call gets BYE on
   * both legs; one still ringing is cancelled towards the callee and the caller gets `reject`
   * (480 by default). Returns false when no such call is up.
   */
  terminate(id: string, reject: B2buaReject = { reject: 480 }): boolean {
    const c = this.#byId.get(id);
    if (!c || c.done) {
      return false;
    }
    if (!c.answered) {
      this.#giveUp(c, 'terminated', reject);
      return true;
    }
    c.clearTimers();
    c.byeCaller();
    c.byeCallee();
    this.#end(c, 'terminated', undefined, undefined);
    return true;
  }

  /** The two legs of an answered call that is up, for a transfer; undefined otherwise. */
  legs(id: string): { readonly caller: IncomingCall; readonly callee: OutgoingCall } | undefined {
    const c = this.#byId.get(id);
    return c && !c.done && c.answered && c.outbound
      ? { caller: c.incoming.call, callee: c.outbound }
      : undefined;
  }

  /**
   * Hands the legs of an answered call over to its owner (a transfer the Mediation Server
   * carries out): the call ends here (`handed-over`) and a BYE on one leg no longer ends the
   * other; the owner ends each. Returns the legs, or undefined when no such call is up.
   */
  handOver(
    id: string,
  ): { readonly caller: IncomingCall; readonly callee: OutgoingCall } | undefined {
    const legs = this.legs(id);
    const c = this.#byId.get(id);
    if (!legs || !c) {
      return undefined;
    }
    c.handedOver = true;
    this.#end(c, 'handed-over', undefined, undefined);
    return legs;
  }

  #answered(c: B2buaCall, sdp: string, log: Logger): void {
    const call = c.incoming.call;
    if (c.done || c.cancelled || call.state !== 'ringing') {
      // The caller went away while the callee answered: end the far leg.
      c.byeCallee();
      this.#end(c, 'cancelled', 487, 'Request Terminated');
      return;
    }
    Promise.resolve()
      .then(() => this.#delegate.answer(sdp, c.incoming))
      .then(
        (answer) => {
          if (call.state !== 'ringing') {
            c.byeCallee();
            return;
          }
          if (typeof answer !== 'string') {
            log.debug({ status: answer.reject }, 'answer refused');
            call.reject(answer.reject, answer.reason);
            c.caller.end = 'final';
            c.byeCallee();
            this.#end(c, 'answer-refused', answer.reject, answer.reason);
            return;
          }
          c.answered = true;
          call.answer(answer);
        },
        (e: unknown) => {
          log.error({ err: e }, 'B2BUA answer delegate failed');
          call.reject(500, 'Server Internal Error');
          c.caller.end = 'final';
          c.byeCallee();
          this.#end(c, 'failed', 500, 'Server Internal Error');
        },
      );
  }

  #end(
    c: B2buaCall,
    cause: B2buaEndCause,
    status: number | undefined,
    reason: string | undefined,
  ): void {
    if (c.done) {
      return;
    }
    c.done = true;
    c.clearTimers();
    this.#calls.delete(c);
    this.#byId.delete(c.incoming.id);
    const legs = (): B2buaCallRecord['legs'] => ({
      caller: { answered: c.answered, end: c.caller.end, byeStatus: c.caller.byeStatus },
      callee: c.outbound
        ? {
            answered: c.outbound.dialog !== undefined,
            end: c.callee.end,
            byeStatus: c.callee.byeStatus,
          }
        : null,
    });
    const record: B2buaCallRecord = {
      id: c.incoming.id,
      side: c.incoming.side,
      cause,
      status,
      reason,
      inboundCallId: c.incoming.call.callId,
      outboundCallId: c.outbound?.callId,
      answered: c.answered,
      legs: legs(),
    };
    this.#log.debug(record, 'B2BUA call ended');
    try {
      this.#delegate.ended?.(record);
    } catch (e) {
      this.#log.error({ err: e }, 'B2BUA ended delegate threw');
    }
    this.emit('call-ended', record);
    const delegate = this.#delegate;
    if (delegate.settled) {
      // A BYE's answer may take up to Timer F (64*T1); the statuses come in here.
      void Promise.allSettled(c.byes).then(() => {
        try {
          delegate.settled?.(record, legs());
        } catch (e) {
          this.#log.error({ err: e }, 'B2BUA settled delegate threw');
        }
      });
    }
  }

  /** Ends every call (BYE or 503) and closes both listeners. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const c of [...this.#calls]) {
      c.clearTimers();
      this.#end(c, 'closed', undefined, undefined);
    }
    await Promise.all([this.#uas.client.close(), this.#uas.gateway.close()]);
  }
}
