/**
 * RFC 3261 section 17 transactions over an unreliable transport (UDP), with the RFC 6026
 * "Accepted" states for INVITE. Timer values come from the owning stack, so that tests can
 * scale them.
 */
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

/** The default timer values of RFC 3261 section 17.1.1.1. */
export const DEFAULT_TIMERS: SipTimers = Object.freeze({ t1: 500, t2: 4000, t4: 5000 });

/** What a transaction needs from the stack that owns it. */
export interface TransactionHost {
  readonly timers: SipTimers;
  /** Sends a message; `onError` is called when the socket reports a send failure. */
  transmit(message: SipMessage, remote: SipRemote, onError?: (error: Error) => void): void;
  /** Called once when a transaction reaches the Terminated state. */
  terminated(key: string, side: 'client' | 'server'): void;
  /** Counts retransmissions, for statistics. */
  retransmitted(): void;
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

type Timer = ReturnType<typeof setTimeout>;

abstract class Base {
  readonly key: string;
  protected readonly host: TransactionHost;
  readonly #timers = new Set<Timer>();
  #terminated = false;

  constructor(host: TransactionHost, key: string) {
    this.host = host;
    this.key = key;
  }

  get isTerminated(): boolean {
    return this.#terminated;
  }

  protected after(ms: number, fn: () => void): Timer {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#terminated) {
        fn();
      }
    }, ms);
    this.#timers.add(t);
    return t;
  }

  protected cancelTimer(t: Timer | undefined): void {
    if (t !== undefined) {
      clearTimeout(t);
      this.#timers.delete(t);
    }
  }

  /** Enters the Terminated state and clears every timer; idempotent. */
  terminate(): void {
    if (this.#terminated) {
      return;
    }
    this.#terminated = true;
    for (const t of this.#timers) {
      clearTimeout(t);
    }
    this.#timers.clear();
    this.onTerminate();
  }

  protected abstract onTerminate(): void;
}

/** Receives the responses of a client transaction, including synthesized 408 and 503. */
export type ResponseHandler = (response: SipResponse) => void;

/** A client transaction (RFC 3261 section 17.1). */
export class ClientTransaction extends Base {
  readonly request: SipRequest;
  readonly remote: SipRemote;
  readonly #onResponse: ResponseHandler;
  readonly #invite: boolean;
  #state: 'Calling' | 'Trying' | 'Proceeding' | 'Completed' | 'Accepted' | 'Terminated';
  #retransmit: Timer | undefined;
  #ack: SipRequest | undefined;

  constructor(
    host: TransactionHost,
    request: SipRequest,
    remote: SipRemote,
    onResponse: ResponseHandler,
  ) {
    super(host, clientKey(request));
    this.request = request;
    this.remote = remote;
    this.#onResponse = onResponse;
    this.#invite = request.method === 'INVITE';
    this.#state = this.#invite ? 'Calling' : 'Trying';
  }

  /** The current state name. */
  get state(): string {
    return this.#state;
  }

  /** Sends the request and starts the timers. */
  start(): void {
    const { t1, t2 } = this.host.timers;
    this.#send();
    if (this.#invite) {
      // RFC 3261 section 17.1.1.2: Timer A starts at T1 and doubles without a cap.
      const timerA = (interval: number): void => {
        this.#retransmit = this.after(interval, () => {
          this.host.retransmitted();
          this.#send();
          timerA(interval * 2);
        });
      };
      timerA(t1);
      // Timer B: 64*T1 without a response means 408 to the TU.
      this.after(64 * t1, () => {
        if (this.#state === 'Calling') {
          this.#timeout();
        }
      });
    } else {
      // RFC 3261 section 17.1.2.2: Timer E starts at T1, doubles up to T2 in Trying and
      // stays at T2 in Proceeding.
      const timerE = (interval: number): void => {
        this.#retransmit = this.after(interval, () => {
          this.host.retransmitted();
          this.#send();
          timerE(this.#state === 'Proceeding' ? t2 : Math.min(interval * 2, t2));
        });
      };
      timerE(t1);
      // Timer F: 64*T1 without a final response means 408 to the TU.
      this.after(64 * t1, () => {
        if (this.#state === 'Trying' || this.#state === 'Proceeding') {
          this.#timeout();
        }
      });
    }
  }

  #send(): void {
    this.host.transmit(this.request, this.remote, (error) => this.#transportError(error));
  }

  #timeout(): void {
    this.#deliver(buildResponse(this.request, 408, 'Request Timeout'));
    this.terminate();
  }

  /** RFC 3261 section 17.1.4: a transport error is reported to the TU as 503. */
  #transportError(error: Error): void {
    if (this.#state === 'Completed' || this.#state === 'Accepted' || this.isTerminated) {
      return;
    }
    this.#deliver(buildResponse(this.request, 503, `Transport Error (${error.message})`));
    this.terminate();
  }

  #deliver(response: SipResponse): void {
    try {
      this.#onResponse(response);
    } catch {
      // The TU's handler must not break the transaction layer; the stack logs around it.
    }
  }

  /** Handles a response matched to this transaction. */
  receive(response: SipResponse): void {
    const status = response.status;
    if (this.#invite) {
      this.#receiveInvite(response, status);
    } else {
      this.#receiveNonInvite(response, status);
    }
  }

  #receiveInvite(response: SipResponse, status: number): void {
    const { t1 } = this.host.timers;
    switch (this.#state) {
      case 'Calling':
      case 'Proceeding':
        this.cancelTimer(this.#retransmit);
        if (status < 200) {
          this.#state = 'Proceeding';
          this.#deliver(response);
        } else if (status < 300) {
          // RFC 6026 section 8.4: Accepted, so that 2xx retransmissions reach the TU.
          this.#state = 'Accepted';
          this.after(64 * t1, () => this.terminate());
          this.#deliver(response);
        } else {
          // RFC 3261 section 17.1.1.3: the transaction itself ACKs a non-2xx final response.
          this.#state = 'Completed';
          this.#ack = this.#buildAck(response);
          this.host.transmit(this.#ack, this.remote);
          this.after(Math.max(64 * t1, 0), () => this.terminate());
          this.#deliver(response);
        }
        break;
      case 'Accepted':
        if (status >= 200 && status < 300) {
          this.#deliver(response);
        }
        break;
      case 'Completed':
        if (status >= 300 && this.#ack) {
          this.host.retransmitted();
          this.host.transmit(this.#ack, this.remote);
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
    this.cancelTimer(this.#retransmit);
    this.#state = 'Completed';
    // Timer K: T4 for UDP, absorbing retransmitted final responses.
    this.after(this.host.timers.t4, () => this.terminate());
    this.#deliver(response);
  }

  /** RFC 3261 section 17.1.1.3: the ACK for a non-2xx final response. */
  #buildAck(response: SipResponse): SipRequest {
    const rq = this.request;
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

  protected onTerminate(): void {
    this.#state = 'Terminated';
    this.host.terminated(this.key, 'client');
  }
}

/** A server transaction (RFC 3261 section 17.2). */
export class ServerTransaction extends Base {
  readonly request: SipRequest;
  readonly remote: SipRemote;
  readonly #invite: boolean;
  #state: 'Trying' | 'Proceeding' | 'Completed' | 'Confirmed' | 'Accepted' | 'Terminated';
  #last: SipResponse | undefined;
  /** Called when a CANCEL matches this INVITE transaction (RFC 3261 section 9.2). */
  onCancel: ((cancel: SipRequest) => void) | undefined;
  /** Called when a non-2xx final response was never acknowledged (Timer H fired). */
  onAckTimeout: (() => void) | undefined;

  constructor(host: TransactionHost, request: SipRequest, remote: SipRemote) {
    super(host, serverKey(request, remote));
    this.request = request;
    this.remote = remote;
    this.#invite = request.method === 'INVITE';
    this.#state = this.#invite ? 'Proceeding' : 'Trying';
  }

  /** The current state name. */
  get state(): string {
    return this.#state;
  }

  /** True once a final response was sent. */
  get isFinal(): boolean {
    return this.#last !== undefined && this.#last.status >= 200;
  }

  /** Handles a retransmitted request (or the ACK for a non-2xx final response). */
  receive(request: SipRequest): void {
    if (request.method === 'ACK') {
      if (this.#state === 'Completed') {
        // RFC 3261 section 17.2.1: ACK moves to Confirmed; Timer I absorbs further ACKs.
        this.#state = 'Confirmed';
        this.after(this.host.timers.t4, () => this.terminate());
      }
      return;
    }
    if (this.#state === 'Accepted' || this.#state === 'Confirmed' || this.#state === 'Trying') {
      return;
    }
    if (this.#last) {
      this.host.retransmitted();
      this.host.transmit(this.#last, this.remote);
    }
  }

  /** Sends a response from the TU. */
  respond(response: SipResponse): void {
    const { t1, t2 } = this.host.timers;
    const status = response.status;
    if (this.#state === 'Accepted' && status >= 200 && status < 300) {
      // RFC 6026 section 7.1: the TU retransmits the 2xx through the Accepted transaction.
      this.host.transmit(response, this.remote);
      return;
    }
    if (this.#state !== 'Trying' && this.#state !== 'Proceeding') {
      return;
    }
    this.#last = response;
    this.host.transmit(response, this.remote);
    if (status < 200) {
      this.#state = 'Proceeding';
      return;
    }
    if (!this.#invite) {
      // Timer J: 64*T1 for UDP, answering retransmitted requests with the final response.
      this.#state = 'Completed';
      this.after(64 * t1, () => this.terminate());
      return;
    }
    if (status < 300) {
      // RFC 6026 section 8.7: Accepted absorbs INVITE retransmissions for Timer L.
      this.#state = 'Accepted';
      this.after(64 * t1, () => this.terminate());
      return;
    }
    // RFC 3261 section 17.2.1: Completed retransmits the response (Timer G, capped at T2)
    // until the ACK arrives or Timer H fires.
    this.#state = 'Completed';
    const timerG = (interval: number): void => {
      this.after(interval, () => {
        if (this.#state === 'Completed' && this.#last) {
          this.host.retransmitted();
          this.host.transmit(this.#last, this.remote);
          timerG(Math.min(interval * 2, t2));
        }
      });
    };
    timerG(t1);
    this.after(64 * t1, () => {
      if (this.#state === 'Completed') {
        this.onAckTimeout?.();
        this.terminate();
      }
    });
  }

  protected onTerminate(): void {
    this.#state = 'Terminated';
    this.host.terminated(this.key, 'server');
  }
}
