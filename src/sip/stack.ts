/**
 * A SIP stack for one host address: a UDP socket, message framing and validation, and the
 * RFC 3261 transaction layer. Messages keep the `sip` package's layout; `wire.ts` decodes
 * them and the package writes them.
 *
 * Why this does not run `sip.create()` itself: the package's UDP transport binds
 * `options.port || 5060` (port 0 is impossible and the bound port is never reported) and
 * keeps its socket out of reach: there is no 'error' listener (a port in use crashes the
 * process asynchronously) and sends have no callback (send errors vanish). It treats any
 * request whose Request-URI host equals the stack's own address as a flow-token URI, so a
 * request to another port on the same IP gets a local 404. It draws branches from
 * `Math.random()` in module-local code, and it hard codes its timers (the non-INVITE
 * retransmit interval doubles past T2). None of these can be reached from outside the
 * module, so the stack owns the socket and the transactions and keeps only the package's
 * message layout.
 *
 * It must not know dialogs, calls or what the transaction user does with a request.
 */
import dgram from 'node:dgram';
import { isIPv4 } from 'node:net';
import {
  ErrorCodes,
  SimError,
  literalLookup,
  sharedTimerWheel,
  type DatagramEgress,
  type Logger,
  type TimerWheel,
} from '../core/index.js';
import {
  buildResponse,
  newBranch,
  type SipMessage,
  type SipRemote,
  type SipRequest,
  type SipResponse,
} from './message.js';
import { parseSipUri } from './syntax.js';
import {
  ClientTransaction,
  DEFAULT_TIMERS,
  ServerTransaction,
  clientKey,
  serverKey,
  type ResponseHandler,
  type SipTimers,
  type TransactionHost,
} from './transaction.js';
import { decodeDatagram, messageText, type DecodeOptions } from './wire.js';

/** Observes every message the stack sends or receives (for the run's SIP message log). */
export type SipObserver = (
  dir: 'in' | 'out',
  message: SipMessage | undefined,
  remote: SipRemote,
  raw: string,
) => void;

/** Options of {@link SipStack.bind}. */
export interface SipStackOptions {
  /** The IPv4 address to bind, e.g. `127.0.0.12`. */
  readonly address: string;
  /** The UDP port; 0 (the default) lets the OS choose. */
  readonly port?: number;
  /** The parent logger; the stack logs through a `{ mod: 'sip.stack' }` child. */
  readonly logger: Logger;
  /** Timer base values; tests may scale them. */
  readonly timers?: Partial<SipTimers>;
  /** Option tags accepted in Require (RFC 3261 section 8.2.2.3); others get 420. */
  readonly supported?: readonly string[];
  /**
   * The largest datagram accepted (16 KiB by default): a request over it is answered 413, a
   * response over it dropped.
   */
  readonly maxDatagramBytes?: number;
  /** Receives every message sent or received. */
  readonly observer?: SipObserver;
  /**
   * Sends datagrams through this instead of straight to the socket (link impairment in user
   * space). Such sends are not awaited by `close()`; the egress owns them.
   */
  readonly egress?: DatagramEgress;
  /**
   * The socket's receive buffer in bytes (4 MiB by default; the kernel caps it at
   * net.core.rmem_max). Datagrams that arrive while the event loop is busy (a collection,
   * compiling) wait there; with the kernel's default of about 200 KB, a few tens of
   * milliseconds at a thousand calls a second overflow it and the peers retransmit.
   */
  readonly receiveBufferBytes?: number;
  /**
   * The timer wheel the transactions' timers run on (the process's shared wheel, 10 ms ticks,
   * by default).
   */
  readonly wheel?: TimerWheel;
}

/** A request received by the stack, with the means to answer it. */
export interface IncomingRequest {
  readonly message: SipRequest;
  readonly remote: SipRemote;
  /**
   * Sends a response through the server transaction. For an ACK (which has no transaction)
   * this does nothing.
   */
  respond(response: SipResponse): void;
  /** Called when a CANCEL matches this INVITE (the stack has already answered it with 200). */
  onCancel: ((cancel: SipRequest) => void) | undefined;
  /** Called when a non-2xx final response to this INVITE was never acknowledged. */
  onAckTimeout: ((this: void) => void) | undefined;
}

/** Counters of the stack's traffic. */
export interface SipStackStats {
  received: number;
  sent: number;
  /** Malformed requests answered with an error status before reaching a transaction. */
  rejected: number;
  /** Datagrams dropped: malformed responses, stray responses, unanswerable requests. */
  dropped: number;
  retransmissions: number;
  sendErrors: number;
}

/** Handle of a request sent by {@link SipStack.send}. */
export interface ClientRequestHandle {
  /** The request as sent, with the Via the stack added. */
  readonly request: SipRequest;
  /** Where it was sent. */
  readonly remote: SipRemote;
  /**
   * Gives the responses still to come to another handler (see
   * {@link ClientTransaction.handOver}); does nothing once the transaction is over.
   */
  handOver(onResponse: ResponseHandler): void;
}

/** The handle of a request no transaction carries (an ACK, or one that was not sent). */
function untracked(request: SipRequest, remote: SipRemote): ClientRequestHandle {
  return { request, remote, handOver: () => undefined };
}

/**
 * Resolves the next hop of a request without DNS: the Request-URI host must be an IPv4
 * literal; the port defaults to 5060 (RFC 3263 section 4.2 without SRV).
 */
export function remoteOfUri(uri: string): SipRemote | undefined {
  const parsed = parseSipUri(uri);
  if (!parsed || !isIPv4(parsed.host)) {
    return undefined;
  }
  return { address: parsed.host, port: parsed.port ?? 5060 };
}

/** A SIP stack bound to one UDP address. Create it with {@link SipStack.bind}. */
export class SipStack {
  readonly #socket: dgram.Socket;
  readonly #log: Logger;
  readonly #timers: SipTimers;
  /** What the decoder checks requests against: the option tags and the largest datagram. */
  readonly #decodeOptions: DecodeOptions;
  readonly #clients = new Map<string, ClientTransaction>();
  readonly #servers = new Map<string, ServerTransaction>();
  readonly #host: TransactionHost;
  readonly #address: string;
  readonly #port: number;
  readonly #stats: SipStackStats = {
    received: 0,
    sent: 0,
    rejected: 0,
    dropped: 0,
    retransmissions: 0,
    sendErrors: 0,
  };
  #closed = false;
  #closing: Promise<void> | undefined;
  #inFlight = 0;
  readonly #egress: DatagramEgress | undefined;
  #drained: (() => void) | undefined;
  /**
   * Datagrams to send at the end of this turn of the event loop, in order: sent back to back,
   * they reach a peer that is still awake from the first of them, instead of waking it (a
   * costly cross-CPU wake-up) once per message.
   */
  readonly #outbox: { data: Buffer; remote: SipRemote; onError?: (e: Error) => void }[] = [];
  #flushing: NodeJS.Immediate | undefined;

  /** The request delegate. Requests arriving while it is unset are answered 503. */
  onRequest: ((request: IncomingRequest) => void) | undefined;
  /** Receives every message sent or received. */
  observer: SipObserver | undefined;

  private constructor(socket: dgram.Socket, options: SipStackOptions, log: Logger) {
    this.#socket = socket;
    this.#egress = options.egress;
    this.#log = log;
    this.#timers = Object.freeze({ ...DEFAULT_TIMERS, ...options.timers });
    this.#decodeOptions = {
      supported: options.supported ?? [],
      ...(options.maxDatagramBytes === undefined ? {} : { maxBytes: options.maxDatagramBytes }),
    };
    this.observer = options.observer;
    const info = socket.address();
    this.#address = info.address;
    this.#port = info.port;
    this.#host = {
      timers: this.#timers,
      wheel: options.wheel ?? sharedTimerWheel(),
      transmit: (message, remote, onError) => this.#transmit(message, remote, onError),
      resend: (bytes, message, remote, onError) => {
        this.#stats.retransmissions++;
        this.#resend(bytes, message, remote, onError);
      },
      terminated: (key, side) => {
        (side === 'client' ? this.#clients : this.#servers).delete(key);
      },
    };
    socket.on('message', (data, rinfo) => this.#onDatagram(data, rinfo));
  }

  /**
   * Binds a stack to `options.address` and `options.port` (0 by default).
   * @throws {SimError} `SIM_ERR_SIP_BIND` when the address is not IPv4 or cannot be bound.
   */
  static async bind(options: SipStackOptions): Promise<SipStack> {
    if (!isIPv4(options.address)) {
      throw new SimError(ErrorCodes.SIP_BIND, `not an IPv4 address: ${options.address}`);
    }
    const log = options.logger.child({ mod: 'sip.stack' });
    const socket = dgram.createSocket({ type: 'udp4', lookup: literalLookup });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        socket.close();
        reject(
          new SimError(
            ErrorCodes.SIP_BIND,
            `cannot bind SIP to ${options.address}:${options.port ?? 0}: ${error.message}`,
            { cause: error },
          ),
        );
      };
      socket.once('error', onError);
      socket.bind(options.port ?? 0, options.address, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    // The socket must never emit 'error' without a listener: that would crash the process.
    socket.on('error', (error) => {
      log.error({ err: error }, 'SIP socket error');
    });
    try {
      socket.setRecvBufferSize(options.receiveBufferBytes ?? 4 * 1024 * 1024);
    } catch (error) {
      // The kernel's default buffer still works; only bursts may be lost.
      log.warn({ err: error }, 'cannot size the SIP receive buffer');
    }
    const stack = new SipStack(socket, options, log.child({ port: socket.address().port }));
    stack.#log.debug({ address: stack.address }, 'SIP stack bound');
    return stack;
  }

  /** The bound IPv4 address. */
  get address(): string {
    return this.#address;
  }

  /** The bound UDP port. */
  get port(): number {
    return this.#port;
  }

  /** `address:port`, for Via and Contact. */
  get hostport(): string {
    return `${this.#address}:${this.#port}`;
  }

  /** The timer values in use. */
  get timers(): SipTimers {
    return this.#timers;
  }

  /** Traffic counters (a live object: read, do not change). */
  get stats(): Readonly<SipStackStats> {
    return this.#stats;
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Number of live client and server transactions. */
  get transactionCount(): number {
    return this.#clients.size + this.#servers.size;
  }

  /**
   * Sends a request in a new client transaction (RFC 3261 section 17.1). A Via with a new
   * crypto-random branch is added unless the request already has one (a CANCEL reuses the
   * INVITE's, section 9.1). The next hop is `target`, else the Request-URI's IPv4 host and
   * port. Failures reach `onResponse` as a synthesized 408 (timeout) or 503 (no route,
   * transport error, stack closed); this method does not throw.
   */
  send(request: SipRequest, onResponse: ResponseHandler, target?: SipRemote): ClientRequestHandle {
    this.#prepare(request);
    const remote = target ?? remoteOfUri(request.uri);
    if (this.#closed || remote === undefined) {
      const why = this.#closed ? 'SIP stack closed' : `no IPv4 route to ${request.uri}`;
      this.#log.debug({ method: request.method, uri: request.uri }, why);
      const synthesized = buildResponse(request, 503, 'Service Unavailable');
      queueMicrotask(() => onResponse(synthesized));
      return untracked(request, remote ?? { address: '0.0.0.0', port: 0 });
    }
    if (request.method === 'ACK') {
      this.#transmit(request, remote);
      return untracked(request, remote);
    }
    const tx = new ClientTransaction(this.#host, request, remote, this.#guarded(onResponse));
    this.#clients.set(tx.key, tx);
    tx.start();
    return {
      request,
      remote,
      handOver: (next) => {
        tx.handOver(this.#guarded(next));
      },
    };
  }

  /** A TU's response handler that cannot break the transaction layer: a throw is logged. */
  #guarded(onResponse: ResponseHandler): ResponseHandler {
    return (response) => {
      try {
        onResponse(response);
      } catch (e) {
        this.#log.error({ err: e }, 'SIP response handler threw');
      }
    };
  }

  /**
   * Sends an ACK for a 2xx statelessly (RFC 3261 section 13.2.2.4: it is end-to-end and has
   * no transaction). A Via with a new branch is added when missing.
   */
  sendAck(ack: SipRequest, target?: SipRemote): Buffer | undefined {
    this.#prepare(ack);
    const remote = target ?? remoteOfUri(ack.uri);
    if (this.#closed || remote === undefined) {
      this.#log.debug({ uri: ack.uri }, 'ACK not sent: stack closed or no route');
      return undefined;
    }
    return this.#transmit(ack, remote);
  }

  /** Sends a datagram sent before once more (an ACK for a retransmitted 2xx). */
  sendAgain(data: Buffer, remote: SipRemote): void {
    this.#resend(data, undefined, remote);
  }

  /**
   * Sends a response outside any transaction (used for retransmissions of a 2xx whose
   * server transaction has ended).
   */
  sendResponse(response: SipResponse, remote: SipRemote): void {
    if (!this.#closed) {
      this.#transmit(response, remote);
    }
  }

  #prepare(request: SipRequest): void {
    if (request.headers.via.length === 0) {
      // RFC 3261 section 8.1.1.7 and RFC 3581: our sent-by, a fresh branch, and rport.
      request.headers.via.unshift({
        version: '2.0',
        protocol: 'UDP',
        host: this.#address,
        port: this.#port,
        params: { branch: newBranch(), rport: null },
      });
    }
    if (request.headers['max-forwards'] === undefined) {
      request.headers['max-forwards'] = '70';
    }
  }

  /** Serializes and sends a message; returns its bytes, or `undefined` when none were sent. */
  #transmit(
    message: SipMessage,
    remote: SipRemote,
    onError?: (error: Error) => void,
  ): Buffer | undefined {
    if (this.#closed) {
      return undefined;
    }
    let text: string;
    try {
      text = messageText(message);
    } catch (e) {
      this.#log.error({ err: e }, 'cannot serialize SIP message');
      onError?.(e instanceof Error ? e : new Error(String(e)));
      return undefined;
    }
    // The text is latin1 (one character per byte), as messages are read.
    const data = Buffer.from(text, 'latin1');
    this.#emit(data, message, remote, onError, text);
    return data;
  }

  /**
   * Sends bytes sent before once more. Without the message they encode, an observer gets them
   * decoded again (retransmissions are rare; the transaction need not keep the object).
   */
  #resend(
    data: Buffer,
    message: SipMessage | undefined,
    remote: SipRemote,
    onError?: (error: Error) => void,
  ): void {
    if (this.#closed) {
      return;
    }
    let shown = message;
    if (shown === undefined && this.observer) {
      const decoded = decodeDatagram(data);
      shown =
        decoded.kind === 'request' || decoded.kind === 'response' ? decoded.message : undefined;
    }
    this.#emit(data, shown, remote, onError);
  }

  /** Counts, observes and sends one datagram (`text`: its text, when already made). */
  #emit(
    data: Buffer,
    message: SipMessage | undefined,
    remote: SipRemote,
    onError?: (error: Error) => void,
    text?: string,
  ): void {
    this.#stats.sent++;
    this.#observe('out', message, remote, text ?? data);
    if (this.#egress) {
      this.#egress.send(this.#socket, data, remote.port, remote.address);
      return;
    }
    this.#inFlight++;
    this.#outbox.push(onError === undefined ? { data, remote } : { data, remote, onError });
    this.#flushing ??= setImmediate(this.#flush);
  }

  /** Sends what this turn of the event loop queued. */
  readonly #flush = (): void => {
    this.#flushing = undefined;
    const out = this.#outbox;
    for (const { data, remote, onError } of out) {
      // Responses and ACKs: one callback for all of them (the error names the address).
      const done =
        onError === undefined
          ? this.#afterSend
          : (error: Error | null): void => {
              this.#afterSend(error);
              if (error) {
                this.#guard('send error handler', () => onError(error));
              }
            };
      try {
        this.#socket.send(data, remote.port, remote.address, done);
      } catch (e) {
        // A destination the socket refuses at once (port 0): lost, as one the kernel refused.
        done(e instanceof Error ? e : new Error(String(e)));
      }
    }
    out.length = 0;
  };

  /** Tells the observer, if any, of a message: its text is made only for an observer. */
  #observe(
    dir: 'in' | 'out',
    message: SipMessage | undefined,
    remote: SipRemote,
    raw: Buffer | string,
  ): void {
    const observer = this.observer;
    if (observer) {
      try {
        observer(dir, message, remote, typeof raw === 'string' ? raw : raw.toString('latin1'));
      } catch (e) {
        this.#log.error({ err: e }, 'SIP observer threw');
      }
    }
  }

  /** Called back for every datagram the socket has sent or failed to send. */
  readonly #afterSend = (error: Error | null): void => {
    this.#inFlight--;
    if (error) {
      this.#stats.sendErrors++;
      this.#log.warn({ err: error }, 'SIP send failed');
    }
    if (this.#inFlight === 0) {
      this.#drained?.();
    }
  };

  #guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#log.error({ err: e }, `SIP ${what} threw`);
    }
  }

  #onDatagram(data: Buffer, remote: dgram.RemoteInfo): void {
    this.#stats.received++;
    // No closure per datagram: the handler is guarded here (the source address is the
    // socket's own record, as a SipRemote).
    try {
      this.#dispatch(data, remote);
    } catch (e) {
      this.#log.error({ err: e }, 'SIP datagram handler threw');
    }
  }

  /** Decodes a datagram and hands it to its transaction or to the request delegate. */
  #dispatch(data: Buffer, remote: SipRemote): void {
    // With an observer, the datagram's text is made once, for the decoder and the observer.
    const text = this.observer ? data.toString('latin1') : undefined;
    const raw = text ?? data;
    const decoded = decodeDatagram(data, this.#decodeOptions, text);
    switch (decoded.kind) {
      case 'drop':
        this.#stats.dropped++;
        this.#observe('in', undefined, remote, raw);
        this.#log.debug({ remote, detail: decoded.detail }, 'SIP datagram dropped');
        return;
      case 'reject':
        this.#stats.rejected++;
        this.#observe('in', undefined, remote, raw);
        this.#log.debug(
          { remote, status: decoded.status, detail: decoded.detail },
          'SIP request rejected',
        );
        if (decoded.response !== undefined) {
          this.#emit(Buffer.from(decoded.response, 'latin1'), undefined, remote);
        }
        return;
      case 'response':
        this.#observe('in', decoded.message, remote, raw);
        this.#onResponse(decoded.message);
        return;
      case 'request':
        this.#observe('in', decoded.message, remote, raw);
        this.#onRequest(decoded.message, remote);
        return;
    }
  }

  #onResponse(response: SipResponse): void {
    const tx = this.#clients.get(clientKey(response));
    if (!tx) {
      // RFC 3261 section 18.1.2: a response matching no transaction is discarded.
      this.#stats.dropped++;
      this.#log.debug(
        { status: response.status, callId: response.headers['call-id'] },
        'stray response dropped',
      );
      return;
    }
    tx.receive(response);
  }

  #onRequest(request: SipRequest, remote: SipRemote): void {
    // RFC 3581 section 4: answer to the source address and port (symmetric response); on
    // loopback the Via sent-by of foreign messages names hosts we must not try to reach.
    const via = request.headers.via[0];
    if (via) {
      via.params.received = remote.address;
      if ('rport' in via.params) {
        via.params.rport = String(remote.port);
      }
    }
    const key = serverKey(request, remote);
    const existing = this.#servers.get(key);
    if (existing) {
      existing.receive(request);
      return;
    }
    if (request.method === 'ACK') {
      // RFC 3261 section 17.2.3: an ACK matching no transaction belongs to a 2xx; the TU
      // gets it.
      this.#deliver({
        message: request,
        remote,
        respond: () => undefined,
        onCancel: undefined,
        onAckTimeout: undefined,
      });
      return;
    }
    const incoming: IncomingRequest = {
      message: request,
      remote,
      respond: (response) => tx.respond(response),
      onCancel: undefined,
      onAckTimeout: undefined,
    };
    const tx = new ServerTransaction(this.#host, key, request, remote, incoming);
    this.#servers.set(tx.key, tx);
    if (request.method === 'CANCEL') {
      this.#onCancel(request, tx);
      return;
    }
    this.#deliver(incoming);
  }

  /** RFC 3261 section 9.2: CANCEL is answered here; the INVITE's TU decides on 487. */
  #onCancel(cancel: SipRequest, tx: ServerTransaction): void {
    const invite = this.#servers.get(serverKey(cancel, tx.remote, 'INVITE'));
    if (!invite) {
      tx.respond(buildResponse(cancel, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    tx.respond(buildResponse(cancel, 200, 'OK'));
    this.#guard('CANCEL handler', () => invite.cancelled(cancel));
  }

  #deliver(incoming: IncomingRequest): void {
    const handler = this.onRequest;
    if (!handler) {
      if (incoming.message.method !== 'ACK') {
        incoming.respond(buildResponse(incoming.message, 503, 'Service Unavailable'));
      }
      return;
    }
    try {
      handler(incoming);
    } catch (e) {
      this.#log.error({ err: e, method: incoming.message.method }, 'SIP request handler threw');
      if (incoming.message.method !== 'ACK') {
        incoming.respond(buildResponse(incoming.message, 500, 'Server Internal Error'));
      }
    }
  }

  /**
   * Ends every transaction (clearing its timers) and closes the socket. Idempotent; the
   * returned promise settles once the socket is closed.
   */
  close(): Promise<void> {
    if (this.#closing) {
      return this.#closing;
    }
    this.#closed = true;
    for (const tx of [...this.#clients.values(), ...this.#servers.values()]) {
      tx.terminate();
    }
    this.#clients.clear();
    this.#servers.clear();
    if (this.#flushing !== undefined) {
      clearImmediate(this.#flushing);
      this.#flush();
    }
    // Let datagrams already handed to the socket leave (a final 503 or BYE sent while
    // closing), waiting at most 200 ms.
    const drained = new Promise<void>((resolve) => {
      if (this.#inFlight === 0) {
        resolve();
        return;
      }
      const timer = setTimeout(resolve, 200);
      this.#drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#closing = drained.then(
      () =>
        new Promise<void>((resolve) => {
          try {
            this.#socket.close(() => resolve());
          } catch {
            resolve();
          }
        }),
    );
    this.#log.debug('SIP stack closed');
    return this.#closing;
  }
}
