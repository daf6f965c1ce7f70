/**
 * RFC 3261 section 17 transactions over an unreliable transport (UDP), with the RFC 6026
 * "Accepted" states for INVITE. Timer values come from the owning stack, so that tests can
 * scale them; timers run on the stack's timer wheel (two per transaction, made once and
 * re-armed), not a `setTimeout` per timer.
 *
 * A finished transaction is kept for a while (RFC 3261: up to 64*T1, 32 s, to absorb
 * retransmissions), so it keeps only what that needs: its key, where the peer is, and the
 * bytes of the response or ACK it may have to send again. The request, the TU's handlers and
 * the message objects are let go once a final response is sent or received, so that the
 * calls behind them can be collected while their transactions wait.
 *
 * It must not know sockets, serialization or the transaction user's dialogs and calls.
 */
import type { TimerWheel, WheelTimer } from '../core/index.js';
import type { SipRemote, SipRequest, SipResponse, SipMessage } from './message.js';
import { buildResponse, BRANCH_COOKIE } from './message.js';

/** The RFC 3261 timer base values in milliseconds (section 17.1.1.1 and table 4). */
export interface SipTimers {
  /** RTT estimate, default 500 ms. */
  readonly t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  readonly t2: number;
  /** Maximum duration a message stays in the network, default 5 s. */
  readonly t4: number;
}

/**
 * RFC 3261 section 17.2.1: an INVITE server transaction sends 100 Trying unless the TU answers
 * within 200 ms (the delay resiprocate calls Timer Trying).
 */
export const TRYING_MS = 200;

/** The default timer values of RFC 3261 section 17.1.1.1. */
export const DEFAULT_TIMERS: SipTimers = Object.freeze({ t1: 500, t2: 4000, t4: 5000 });

/** Told when the socket reports that a send failed. */
export type SendFailure = (error: Error) => void;

/** What a transaction needs from the stack that owns it. */
export interface TransactionHost {
  readonly timers: SipTimers;
  readonly wheel: TimerWheel;
  /**
   * Serializes and sends a message; returns the bytes sent (to send them again), or
   * `undefined` when nothing was sent. `onError` hears of a failure the socket reports.
   */
  transmit(message: SipMessage, remote: SipRemote, onError?: SendFailure): Buffer | undefined;
  /**
   * Sends bytes sent before once more (a retransmission). `message` is what they encode,
   * when the transaction still holds it (the observer decodes the bytes otherwise).
   */
  resend(
    bytes: Buffer,
    message: SipMessage | undefined,
    remote: SipRemote,
    onError?: SendFailure,
  ): void;
  /** Called once when a transaction reaches the Terminated state. */
  terminated(key: string, side: 'client' | 'server'): void;
}

/** Client transaction key (RFC 3261 section 17.1.3): top Via branch and CSeq method. */
export function clientKey(message: SipMessage): string {
  return `${message.headers.via[0]?.params.branch ?? ''}|${message.headers.cseq.method}`;
}

/**
 * Server transaction key. RFC 3261 section 17.2.3: branch, sent-by and method (ACK matches
 * INVITE) when the branch carries the magic cookie; otherwise the RFC 2543 fallback of
 * Call-ID, CSeq number, From tag and top Via. The source transport address is part of the
 * key as well: a retransmission comes from where the original came from, and unrelated
 * requests that reuse a branch value (the RFC 4475 corpus does) stay separate transactions
 * instead of being answered as retransmissions towards another peer.
 */
export function serverKey(request: SipRequest, remote: SipRemote, method = request.method): string {
  const via = request.headers.via[0];
  const m = method === 'ACK' ? 'INVITE' : method;
  const branch = via?.params.branch ?? '';
  const sentBy = `${via?.host ?? ''}:${via?.port ?? 5060}`;
  const source = `${remote.address}:${remote.port}`;
  if (branch.startsWith(BRANCH_COOKIE) && branch.length > BRANCH_COOKIE.length) {
    return `${branch}|${sentBy}|${m}|${source}`;
  }
  const fromTag = request.headers.from.params.tag ?? '';
  return `2543|${request.headers['call-id']}|${request.headers.cseq.seq}|${fromTag}|${sentBy}|${m}|${source}`;
}

/**
 * A key kept for the transaction's life (up to 64*T1 after its final response), copied into a
 * string of its own: made of slices of the request's datagram, it would keep the whole
 * datagram's text alive. Every character is below 256 (the datagram is read as latin1).
 */
function ownText(key: string): string {
  return Buffer.from(key, 'latin1').toString('latin1');
}

/** Receives the responses of a client transaction, including synthesized 408 and 503. */
export type ResponseHandler = (response: SipResponse) => void;

/** A client transaction (RFC 3261 section 17.1). */
export class ClientTransaction {
  readonly key: string;
  readonly remote: SipRemote;
  readonly #host: TransactionHost;
  readonly #invite: boolean;
  /** The request while it may be sent again or answered by a synthesized response. */
  #request: SipRequest | undefined;
  #onResponse: ResponseHandler | undefined;
  #state: 'Calling' | 'Trying' | 'Proceeding' | 'Completed' | 'Accepted' | 'Terminated';
  /** The request's bytes, sent again by Timer A or E. */
  #bytes: Buffer | undefined;
  /** The ACK for a non-2xx final response, sent again for each retransmission of it. */
  #ack: Buffer | undefined;
  #interval = 0;
  /** Timer A or E. */
  readonly #retransmit: WheelTimer;
  /** Timer B or F, then D, K or M: the one that ends the transaction. */
  readonly #lifetime: WheelTimer;
  readonly #sendFailed: SendFailure;

  constructor(
    host: TransactionHost,
    request: SipRequest,
    remote: SipRemote,
    onResponse: ResponseHandler,
  ) {
    this.key = clientKey(request);
    this.#host = host;
    this.#request = request;
    this.remote = remote;
    this.#onResponse = onResponse;
    this.#invite = request.method === 'INVITE';
    this.#state = this.#invite ? 'Calling' : 'Trying';
    this.#retransmit = host.wheel.timer(() => {
      this.#onRetransmitTimer();
    });
    this.#lifetime = host.wheel.timer(() => {
      this.#onLifetimeTimer();
    });
    this.#sendFailed = (error) => {
      this.#transportError(error);
    };
  }

  /** The current state name. */
  get state(): string {
    return this.#state;
  }

  /** Whether the transaction has ended. */
  get isTerminated(): boolean {
    return this.#state === 'Terminated';
  }

  /** Sends the request and starts the timers. */
  start(): void {
    const request = this.#request;
    if (request === undefined) {
      return;
    }
    this.#bytes = this.#host.transmit(request, this.remote, this.#sendFailed);
    if (this.isTerminated) {
      return;
    }
    // RFC 3261 section 17.1.1.2 (Timer A) and 17.1.2.2 (Timer E): the first retransmission
    // after T1; Timer B and F: 64*T1 without a final response means 408 to the TU.
    const { t1 } = this.#host.timers;
    this.#interval = t1;
    this.#retransmit.arm(t1);
    this.#lifetime.arm(64 * t1);
  }

  #onRetransmitTimer(): void {
    const { t2 } = this.#host.timers;
    if (this.#bytes === undefined) {
      return;
    }
    this.#host.resend(this.#bytes, this.#request, this.remote, this.#sendFailed);
    if (this.isTerminated) {
      return;
    }
    // Timer A doubles without a cap; Timer E doubles up to T2 in Trying and stays at T2 in
    // Proceeding.
    this.#interval = this.#invite
      ? this.#interval * 2
      : this.#state === 'Proceeding'
        ? t2
        : Math.min(this.#interval * 2, t2);
    this.#retransmit.arm(this.#interval);
  }

  #onLifetimeTimer(): void {
    if (this.#state === 'Calling' || this.#state === 'Trying' || this.#state === 'Proceeding') {
      if (this.#invite && this.#state === 'Proceeding') {
        // Timer B runs in Calling only: a ringing INVITE waits for its final response.
        return;
      }
      this.#timeout();
      return;
    }
    // Timer D, K or M: the wait of a finished transaction is over.
    this.terminate();
  }

  #timeout(): void {
    const request = this.#request;
    if (request !== undefined) {
      this.#deliver(buildResponse(request, 408, 'Request Timeout'));
    }
    this.terminate();
  }

  /** RFC 3261 section 17.1.4: a transport error is reported to the TU as 503. */
  #transportError(error: Error): void {
    const request = this.#request;
    if (this.#state === 'Completed' || this.#state === 'Accepted' || this.isTerminated) {
      return;
    }
    if (request !== undefined) {
      this.#deliver(buildResponse(request, 503, `Transport Error (${error.message})`));
    }
    this.terminate();
  }

  #deliver(response: SipResponse): void {
    try {
      this.#onResponse?.(response);
    } catch {
      // The TU's handler must not break the transaction layer; the stack logs around it.
    }
  }

  /**
   * Gives the responses still to come to another handler: a TU that is done with the call
   * keeps only what a retransmitted final response needs (the ACK of a 2xx), and the
   * transaction no longer holds the call for the rest of Timer M. Ignored once nothing more
   * reaches the TU.
   */
  handOver(onResponse: ResponseHandler): void {
    if (this.#onResponse !== undefined) {
      this.#onResponse = onResponse;
    }
  }

  /** Handles a response matched to this transaction. */
  receive(response: SipResponse): void {
    if (this.#invite) {
      this.#receiveInvite(response, response.status);
    } else {
      this.#receiveNonInvite(response, response.status);
    }
  }

  /** The transaction is final: the request and its bytes are no longer needed. */
  #final(state: 'Completed' | 'Accepted', waitMs: number): void {
    this.#state = state;
    this.#retransmit.cancel();
    this.#request = undefined;
    this.#bytes = undefined;
    this.#lifetime.arm(waitMs);
  }

  #receiveInvite(response: SipResponse, status: number): void {
    const { t1 } = this.#host.timers;
    switch (this.#state) {
      case 'Calling':
      case 'Proceeding':
        this.#retransmit.cancel();
        if (status < 200) {
          this.#state = 'Proceeding';
          this.#deliver(response);
        } else if (status < 300) {
          // RFC 6026 section 8.4: Accepted (Timer M), so that 2xx retransmissions reach the TU.
          this.#final('Accepted', 64 * t1);
          this.#deliver(response);
        } else {
          // RFC 3261 section 17.1.1.3: the transaction itself ACKs a non-2xx final response,
          // and Timer D (at least 32 s over UDP) absorbs its retransmissions.
          const ack = this.#request === undefined ? undefined : buildAck(this.#request, response);
          this.#final('Completed', 64 * t1);
          if (ack !== undefined) {
            this.#ack = this.#host.transmit(ack, this.remote);
          }
          this.#deliver(response);
          // Nothing more reaches the TU from a Completed INVITE transaction.
          this.#onResponse = undefined;
        }
        break;
      case 'Accepted':
        if (status >= 200 && status < 300) {
          this.#deliver(response);
        }
        break;
      case 'Completed':
        if (status >= 300 && this.#ack) {
          this.#host.resend(this.#ack, undefined, this.remote);
        }
        break;
      default:
        break;
    }
  }

  #receiveNonInvite(response: SipResponse, status: number): void {
    if (this.#state !== 'Trying' && this.#state !== 'Proceeding') {
      return;
    }
    if (status < 200) {
      this.#state = 'Proceeding';
      this.#deliver(response);
      return;
    }
    // Timer K: T4 for UDP, absorbing retransmitted final responses.
    this.#final('Completed', this.#host.timers.t4);
    this.#deliver(response);
    this.#onResponse = undefined;
  }

  /** Enters the Terminated state and stops both timers; idempotent. */
  terminate(): void {
    if (this.#state === 'Terminated') {
      return;
    }
    this.#state = 'Terminated';
    this.#retransmit.cancel();
    this.#lifetime.cancel();
    this.#request = undefined;
    this.#bytes = undefined;
    this.#ack = undefined;
    this.#onResponse = undefined;
    this.#host.terminated(this.key, 'client');
  }
}

/** RFC 3261 section 17.1.1.3: the ACK for a non-2xx final response. */
function buildAck(rq: SipRequest, response: SipResponse): SipRequest {
  const ack: SipRequest = {
    method: 'ACK',
    uri: rq.uri,
    version: '2.0',
    headers: {
      via: rq.headers.via.slice(0, 1),
      'max-forwards': '70',
      from: rq.headers.from,
      to: response.headers.to,
      'call-id': rq.headers['call-id'],
      cseq: { seq: rq.headers.cseq.seq, method: 'ACK' },
    },
    content: '',
  };
  if (rq.headers.route !== undefined) {
    ack.headers.route = rq.headers.route;
  }
  return ack;
}

/** What a server transaction tells the request's receiver (see `stack.ts`). */
export interface ServerTransactionUser {
  /** A CANCEL matched this INVITE (RFC 3261 section 9.2). */
  onCancel: ((cancel: SipRequest) => void) | undefined;
  /** A non-2xx final response was never acknowledged (Timer H fired). */
  onAckTimeout: ((this: void) => void) | undefined;
}

/** A server transaction (RFC 3261 section 17.2). */
export class ServerTransaction {
  readonly key: string;
  readonly remote: SipRemote;
  readonly #host: TransactionHost;
  readonly #invite: boolean;
  #state: 'Trying' | 'Proceeding' | 'Completed' | 'Confirmed' | 'Accepted' | 'Terminated';
  /** The last response sent, as an object while Timer G may send it again. */
  #last: SipResponse | undefined;
  /** Its bytes, sent again for a retransmitted request. */
  #lastBytes: Buffer | undefined;
  #lastStatus = 0;
  #interval = 0;
  /** Who receives the CANCEL and Timer H, until the transaction no longer needs to tell. */
  #user: ServerTransactionUser | undefined;
  /** Timer G, made when a non-2xx final response to an INVITE needs it. */
  #retransmit: WheelTimer | undefined;
  /**
   * Timer H, I, J or L: the one that ends the transaction; before an INVITE's first response,
   * the time at which 100 Trying goes out.
   */
  readonly #lifetime: WheelTimer;
  /** An INVITE that has had no response yet: 100 Trying is owed if the TU stays silent. */
  #owesTrying: SipRequest | undefined;

  /** @param key - The request's {@link serverKey}, as the stack looked it up. */
  constructor(
    host: TransactionHost,
    key: string,
    request: SipRequest,
    remote: SipRemote,
    user?: ServerTransactionUser,
  ) {
    this.key = ownText(key);
    this.#host = host;
    this.remote = remote;
    this.#invite = request.method === 'INVITE';
    this.#state = this.#invite ? 'Proceeding' : 'Trying';
    this.#user = user;
    this.#lifetime = host.wheel.timer(() => {
      this.#onLifetimeTimer();
    });
    if (this.#invite) {
      // RFC 3261 section 17.2.1: 100 Trying unless the TU answers within 200 ms, and before
      // the client's first retransmission (T1) when the timers are scaled down.
      this.#owesTrying = request;
      this.#lifetime.arm(Math.min(TRYING_MS, (host.timers.t1 * 2) / 5));
    }
  }

  /** The current state name. */
  get state(): string {
    return this.#state;
  }

  /** Whether the transaction has ended. */
  get isTerminated(): boolean {
    return this.#state === 'Terminated';
  }

  /** Sends the 100 Trying the INVITE is owed, if it still is. */
  #sendTrying(): void {
    const invite = this.#owesTrying;
    if (invite !== undefined) {
      this.respond(buildResponse(invite, 100, 'Trying'));
    }
  }

  /** True once a final response was sent. */
  get isFinal(): boolean {
    return this.#lastStatus >= 200;
  }

  /** Tells the request's receiver of a CANCEL that matched this INVITE, before the answer. */
  cancelled(cancel: SipRequest): void {
    if (!this.isFinal) {
      this.#user?.onCancel?.(cancel);
    }
  }

  /** Handles a retransmitted request (or the ACK for a non-2xx final response). */
  receive(request: SipRequest): void {
    if (request.method === 'ACK') {
      if (this.#state === 'Completed') {
        // RFC 3261 section 17.2.1: ACK moves to Confirmed; Timer I absorbs further ACKs.
        this.#state = 'Confirmed';
        this.#retransmit?.cancel();
        this.#user = undefined;
        this.#last = undefined;
        this.#lifetime.arm(this.#host.timers.t4);
      }
      return;
    }
    if (this.#state === 'Accepted' || this.#state === 'Confirmed' || this.#state === 'Trying') {
      return;
    }
    if (this.#owesTrying !== undefined) {
      // A retransmitted INVITE before any response: the 100 is due now.
      this.#sendTrying();
      return;
    }
    if (this.#lastBytes) {
      this.#host.resend(this.#lastBytes, this.#last, this.remote);
    }
  }

  /** Sends a response from the TU. */
  respond(response: SipResponse): void {
    const { t1 } = this.#host.timers;
    const status = response.status;
    if (this.#state === 'Accepted' && status >= 200 && status < 300) {
      // RFC 6026 section 7.1: the TU retransmits the 2xx through the Accepted transaction.
      this.#host.transmit(response, this.remote);
      return;
    }
    if (this.#state !== 'Trying' && this.#state !== 'Proceeding') {
      return;
    }
    this.#lastStatus = status;
    if (this.#owesTrying !== undefined) {
      this.#owesTrying = undefined;
      this.#lifetime.cancel();
    }
    const bytes = this.#host.transmit(response, this.remote);
    if (this.isTerminated) {
      return;
    }
    if (status < 200) {
      this.#state = 'Proceeding';
      this.#lastBytes = bytes;
      return;
    }
    if (!this.#invite) {
      // Timer J: 64*T1 for UDP, answering retransmitted requests with the final response.
      this.#state = 'Completed';
      this.#lastBytes = bytes;
      this.#user = undefined;
      this.#lifetime.arm(64 * t1);
      return;
    }
    if (status < 300) {
      // RFC 6026 section 8.7: Accepted absorbs INVITE retransmissions for Timer L; the TU
      // retransmits its 2xx itself, so nothing of the response is kept.
      this.#state = 'Accepted';
      this.#lastBytes = undefined;
      this.#user = undefined;
      this.#lifetime.arm(64 * t1);
      return;
    }
    // RFC 3261 section 17.2.1: Completed retransmits the response (Timer G, capped at T2)
    // until the ACK arrives or Timer H fires.
    this.#state = 'Completed';
    this.#last = response;
    this.#lastBytes = bytes;
    this.#interval = t1;
    this.#retransmit ??= this.#host.wheel.timer(() => {
      this.#onRetransmitTimer();
    });
    this.#retransmit.arm(t1);
    this.#lifetime.arm(64 * t1);
  }

  #onRetransmitTimer(): void {
    if (this.#state !== 'Completed' || this.#lastBytes === undefined) {
      return;
    }
    this.#host.resend(this.#lastBytes, this.#last, this.remote);
    if (this.#state !== 'Completed') {
      return;
    }
    this.#interval = Math.min(this.#interval * 2, this.#host.timers.t2);
    this.#retransmit?.arm(this.#interval);
  }

  #onLifetimeTimer(): void {
    if (this.#owesTrying !== undefined) {
      this.#sendTrying();
      return;
    }
    if (this.#state === 'Completed' && this.#invite) {
      // Timer H: the ACK never came.
      const user = this.#user;
      this.terminate();
      user?.onAckTimeout?.();
      return;
    }
    this.terminate();
  }

  /** Enters the Terminated state and stops its timers; idempotent. */
  terminate(): void {
    if (this.#state === 'Terminated') {
      return;
    }
    this.#state = 'Terminated';
    this.#retransmit?.cancel();
    this.#lifetime.cancel();
    this.#user = undefined;
    this.#last = undefined;
    this.#lastBytes = undefined;
    this.#owesTrying = undefined;
    this.#host.terminated(this.key, 'server');
  }
}
