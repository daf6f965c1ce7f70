/**
 * A SIP user agent for one host, on top of a {@link SipStack}: UAC calls (INVITE, ACK for
 * 2xx, CANCEL, BYE) and UAS calls (provisional and final responses, 2xx retransmission until
 * the ACK, BYE), OPTIONS, and sensible answers to everything else.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../core/index.js';
import { Dialog, dialogKey } from './dialog.js';
import {
  buildResponse,
  contentTypeOf,
  copyAddress,
  headerText,
  newCallId,
  newTag,
  reasonPhrase,
  tagOf,
  type SipAddress,
  type SipRemote,
  type SipRequest,
  type SipResponse,
} from './message.js';
import {
  SipStack,
  remoteOfUri,
  type IncomingRequest,
  type SipObserver,
  type SipStackOptions,
} from './stack.js';
import { parseSipUri } from './wire.js';

/** Methods this UA implements, advertised in Allow. */
export const ALLOWED_METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS'] as const;

/** Methods RFC 3261 and its common extensions define, answered 405 rather than 501. */
const KNOWN_METHODS = new Set([
  'REGISTER',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
  'MESSAGE',
  'INFO',
  'UPDATE',
  'PRACK',
  'PUBLISH',
]);

const ALLOW = ALLOWED_METHODS.join(', ');

/** Why a call ended. */
export type CallEndCause = 'remote-bye' | 'local-bye' | 'no-ack' | 'closed';

/** A provisional response as reported to the caller. */
export interface ProvisionalInfo {
  readonly status: number;
  readonly reason: string;
  /** SDP of the provisional response (early media), when it carries one. */
  readonly sdp: string | undefined;
}

/** Events of an outgoing call. */
export type OutgoingCallEvents = {
  provisional: [info: ProvisionalInfo];
  answered: [answerSdp: string, response: SipResponse];
  failed: [status: number, reason: string];
  ended: [cause: CallEndCause];
};

/** Handlers that {@link UserAgent.invite} attaches to the new call. */
export type OutgoingCallHandlers = {
  [K in keyof OutgoingCallEvents]?: (...args: OutgoingCallEvents[K]) => void;
};

/** Options of an outgoing INVITE. */
export interface InviteOptions {
  /** The From URI; the UA's own URI by default. */
  readonly from?: string;
  /** The From display name. */
  readonly fromName?: string;
  /** The To URI; the target by default. */
  readonly to?: string;
  /** Max-Forwards of the INVITE (a B2BUA passes the decremented incoming value). */
  readonly maxForwards?: number;
  /** Extra headers by lower-case name, written verbatim. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** States of an outgoing call. */
export type OutgoingCallState = 'calling' | 'early' | 'confirmed' | 'terminated';

/** An INVITE sent by this UA. Created by {@link UserAgent.invite}. */
export class OutgoingCall extends EventEmitter<OutgoingCallEvents> {
  readonly callId: string;
  readonly #ua: UserAgentInternals;
  readonly #invite: SipRequest;
  readonly #log: Logger;
  #remote: SipRemote | undefined;
  #state: OutgoingCallState = 'calling';
  #provisionalSeen = false;
  #cancelPending = false;
  #cancelled = false;
  #dialog: Dialog | undefined;
  #ack: SipRequest | undefined;

  /** @internal */
  constructor(ua: UserAgentInternals, invite: SipRequest, log: Logger) {
    super();
    this.#ua = ua;
    this.#invite = invite;
    this.callId = invite.headers['call-id'];
    this.#log = log;
  }

  /** The call state. */
  get state(): OutgoingCallState {
    return this.#state;
  }

  /** The INVITE as sent. */
  get request(): SipRequest {
    return this.#invite;
  }

  /** The confirmed dialog, once answered. */
  get dialog(): Dialog | undefined {
    return this.#dialog;
  }

  /** @internal Sends the INVITE. */
  start(target: SipRemote | undefined): void {
    const handle = this.#ua.stack.send(this.#invite, (rs) => this.#onResponse(rs), target);
    this.#remote = handle.remote;
  }

  #onResponse(rs: SipResponse): void {
    if (rs.status < 200) {
      this.#provisionalSeen = true;
      if (this.#cancelPending) {
        this.#sendCancel();
      }
      if (rs.status > 100 && this.#state === 'calling') {
        this.#state = 'early';
      }
      if (rs.status > 100 && this.#state !== 'terminated' && this.#state !== 'confirmed') {
        this.emit('provisional', {
          status: rs.status,
          reason: rs.reason,
          sdp: rs.content.length > 0 ? rs.content : undefined,
        });
      }
      return;
    }
    if (rs.status < 300) {
      this.#on2xx(rs);
      return;
    }
    if (this.#state === 'terminated' || this.#state === 'confirmed') {
      return;
    }
    this.#state = 'terminated';
    this.#log.debug({ status: rs.status }, 'outgoing call failed');
    this.emit('failed', rs.status, rs.reason);
  }

  /** RFC 3261 section 13.2.2.4: the UAC ACKs every 2xx itself, retransmissions included. */
  #on2xx(rs: SipResponse): void {
    if (this.#ack) {
      // A retransmitted 2xx: the ACK was lost, so send it again.
      this.#ua.stack.sendAck(this.#ack, this.#dialog?.remoteAddress);
      return;
    }
    const contact = Array.isArray(rs.headers.contact) ? rs.headers.contact[0]?.uri : undefined;
    const remoteTarget = contact ?? this.#invite.uri;
    const dialog = new Dialog({
      callId: this.callId,
      local: this.#invite.headers.from,
      remote: rs.headers.to,
      remoteTarget,
      remoteAddress: remoteOfUri(remoteTarget) ?? this.#remote ?? { address: '0.0.0.0', port: 0 },
      localSeq: this.#invite.headers.cseq.seq,
    });
    this.#dialog = dialog;
    const ack: SipRequest = {
      method: 'ACK',
      uri: remoteTarget,
      version: '2.0',
      headers: {
        via: [],
        'max-forwards': '70',
        from: copyAddress(dialog.local),
        to: copyAddress(dialog.remote),
        'call-id': this.callId,
        cseq: { seq: this.#invite.headers.cseq.seq, method: 'ACK' },
      },
      content: '',
    };
    this.#ack = ack;
    this.#ua.stack.sendAck(ack, dialog.remoteAddress);
    if (this.#state === 'terminated' || this.#cancelled) {
      // RFC 3261 section 9.1 / 15: a 2xx that crossed our CANCEL (or arrived after we gave
      // up) is acknowledged and the dialog is ended at once with BYE.
      this.#state = 'confirmed';
      this.#ua.register(dialog, this);
      void this.bye();
      return;
    }
    this.#state = 'confirmed';
    this.#ua.register(dialog, this);
    this.#log.debug('outgoing call answered');
    this.emit('answered', rs.content, rs);
  }

  /**
   * Cancels the call before it is answered (RFC 3261 section 9.1). The CANCEL waits for a
   * provisional response if none has arrived yet. Does nothing once a final response came.
   */
  cancel(): void {
    if (this.#state !== 'calling' && this.#state !== 'early') {
      return;
    }
    if (this.#cancelled || this.#cancelPending) {
      return;
    }
    if (!this.#provisionalSeen) {
      this.#cancelPending = true;
      return;
    }
    this.#sendCancel();
  }

  #sendCancel(): void {
    this.#cancelPending = false;
    if (this.#cancelled || this.#state === 'confirmed' || this.#state === 'terminated') {
      return;
    }
    this.#cancelled = true;
    const inv = this.#invite;
    const cancel: SipRequest = {
      method: 'CANCEL',
      uri: inv.uri,
      version: '2.0',
      headers: {
        via: inv.headers.via.slice(0, 1).map((v) => ({ ...v, params: { ...v.params } })),
        'max-forwards': '70',
        from: copyAddress(inv.headers.from),
        to: copyAddress(inv.headers.to),
        'call-id': inv.headers['call-id'],
        cseq: { seq: inv.headers.cseq.seq, method: 'CANCEL' },
      },
      content: '',
    };
    this.#ua.stack.send(cancel, () => undefined, this.#remote);
  }

  /**
   * Ends an answered call with BYE (RFC 3261 section 15.1.1). Resolves with the BYE's final
   * status (408 or 503 when the peer did not answer); resolves 0 when there is no dialog.
   */
  bye(): Promise<number> {
    const dialog = this.#dialog;
    if (!dialog || this.#state !== 'confirmed') {
      return Promise.resolve(0);
    }
    this.#state = 'terminated';
    this.#ua.unregister(dialog);
    return new Promise<number>((resolve) => {
      this.#ua.stack.send(
        dialog.request('BYE'),
        (rs) => {
          if (rs.status >= 200) {
            resolve(rs.status);
          }
        },
        dialog.remoteAddress,
      );
    });
  }

  /** @internal The peer sent BYE. */
  remoteBye(): void {
    if (this.#state === 'terminated') {
      return;
    }
    this.#state = 'terminated';
    this.emit('ended', 'remote-bye');
  }

  /** @internal The UA is closing. */
  shutdown(): void {
    if (this.#state === 'confirmed') {
      void this.bye();
      this.emit('ended', 'closed');
    } else if (this.#state !== 'terminated') {
      this.#state = 'terminated';
    }
  }
}

/** Events of an incoming call. */
export type IncomingCallEvents = {
  /** The caller cancelled before the answer; a 487 was sent. */
  cancelled: [];
  /** The caller acknowledged the 2xx. */
  acked: [];
  /** The call ended after the answer. */
  ended: [cause: CallEndCause];
};

/** States of an incoming call. */
export type IncomingCallState = 'ringing' | 'answered' | 'confirmed' | 'terminated';

/** An INVITE received by this UA, delivered through {@link UserAgent.onInvite}. */
export class IncomingCall extends EventEmitter<IncomingCallEvents> {
  readonly callId: string;
  /** The From address of the INVITE. */
  readonly from: SipAddress;
  /** The To address of the INVITE (without our tag). */
  readonly to: SipAddress;
  readonly requestUri: string;
  /** The SDP offer, empty when the INVITE had no body. */
  readonly offerSdp: string;
  /** Where the INVITE came from. */
  readonly remote: SipRemote;
  readonly #ua: UserAgentInternals;
  readonly #incoming: IncomingRequest;
  readonly #log: Logger;
  readonly #localTag = newTag();
  #state: IncomingCallState = 'ringing';
  #dialog: Dialog | undefined;
  #retransmit: ReturnType<typeof setTimeout> | undefined;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;

  /** @internal */
  constructor(ua: UserAgentInternals, incoming: IncomingRequest, log: Logger) {
    super();
    const rq = incoming.message;
    this.#ua = ua;
    this.#incoming = incoming;
    this.#log = log;
    this.callId = rq.headers['call-id'];
    this.from = copyAddress(rq.headers.from);
    this.to = copyAddress(rq.headers.to);
    this.requestUri = rq.uri;
    this.offerSdp = rq.content;
    this.remote = incoming.remote;
    incoming.onCancel = () => this.#onCancel();
  }

  /** The INVITE as received. */
  get request(): SipRequest {
    return this.#incoming.message;
  }

  /** The call state. */
  get state(): IncomingCallState {
    return this.#state;
  }

  /** The dialog, once answered. */
  get dialog(): Dialog | undefined {
    return this.#dialog;
  }

  #response(
    status: number,
    reason: string | undefined,
    content = '',
    headers: Record<string, unknown> = {},
  ): SipResponse {
    const extra: Record<string, unknown> = { ...headers };
    if (status > 100 && status < 300) {
      extra.contact = [{ uri: this.#ua.contactUri, params: {} }];
    }
    if (content.length > 0) {
      extra['content-type'] = 'application/sdp';
    }
    return buildResponse(this.#incoming.message, status, reason, {
      toTag: this.#localTag,
      content,
      headers: extra,
    });
  }

  /** Sends a provisional response, 180 Ringing by default, optionally with early-media SDP. */
  ring(status = 180, reason?: string, sdp = ''): void {
    if (this.#state !== 'ringing' || status <= 100 || status >= 200) {
      return;
    }
    this.#incoming.respond(this.#response(status, reason, sdp));
  }

  /**
   * Answers with 200 and the SDP answer. RFC 3261 section 13.3.1.4: the 200 is retransmitted
   * (T1 doubling up to T2) until the ACK arrives; with no ACK after 64*T1 the dialog is ended
   * with BYE and `ended('no-ack')` is emitted.
   */
  answer(sdp: string): void {
    if (this.#state !== 'ringing') {
      return;
    }
    this.#state = 'answered';
    const ok = this.#response(200, 'OK', sdp);
    const rq = this.#incoming.message;
    const contact = Array.isArray(rq.headers.contact) ? rq.headers.contact[0]?.uri : undefined;
    const remoteTarget = contact ?? rq.headers.from.uri;
    const dialog = new Dialog({
      callId: this.callId,
      local: ok.headers.to,
      remote: rq.headers.from,
      remoteTarget,
      remoteAddress: remoteOfUri(remoteTarget) ?? this.remote,
      localSeq: 0,
    });
    this.#dialog = dialog;
    this.#ua.register(dialog, this);
    this.#incoming.respond(ok);
    const { t1, t2 } = this.#ua.stack.timers;
    const resend = (interval: number): void => {
      this.#retransmit = setTimeout(() => {
        if (this.#state === 'answered') {
          this.#ua.stack.sendResponse(ok, this.remote);
          resend(Math.min(interval * 2, t2));
        }
      }, interval);
    };
    resend(t1);
    this.#ackTimer = setTimeout(() => {
      if (this.#state === 'answered') {
        this.#log.warn('no ACK for 200 within 64*T1: ending the dialog with BYE');
        this.#stopTimers();
        void this.#sendBye();
        this.emit('ended', 'no-ack');
      }
    }, 64 * t1);
  }

  /** Rejects the call with a final status of 300 or more (486 Busy Here by default). */
  reject(status = 486, reason?: string): void {
    if (this.#state !== 'ringing') {
      return;
    }
    this.#state = 'terminated';
    this.#incoming.respond(this.#response(status >= 300 ? status : 486, reason));
  }

  /**
   * Ends the answered call with BYE. Resolves with the BYE's final status, or 0 when the call
   * is not answered.
   */
  bye(): Promise<number> {
    if (this.#state !== 'answered' && this.#state !== 'confirmed') {
      return Promise.resolve(0);
    }
    this.#stopTimers();
    return this.#sendBye();
  }

  #sendBye(): Promise<number> {
    const dialog = this.#dialog;
    this.#state = 'terminated';
    if (!dialog) {
      return Promise.resolve(0);
    }
    this.#ua.unregister(dialog);
    return new Promise<number>((resolve) => {
      this.#ua.stack.send(
        dialog.request('BYE'),
        (rs) => {
          if (rs.status >= 200) {
            resolve(rs.status);
          }
        },
        dialog.remoteAddress,
      );
    });
  }

  #stopTimers(): void {
    clearTimeout(this.#retransmit);
    clearTimeout(this.#ackTimer);
    this.#retransmit = undefined;
    this.#ackTimer = undefined;
  }

  /** RFC 3261 section 9.2: the stack answered the CANCEL with 200; the INVITE gets 487. */
  #onCancel(): void {
    if (this.#state !== 'ringing') {
      return;
    }
    this.#state = 'terminated';
    this.#incoming.respond(this.#response(487, 'Request Terminated'));
    this.emit('cancelled');
  }

  /** @internal The ACK for our 2xx arrived. */
  acked(): void {
    if (this.#state !== 'answered') {
      return;
    }
    this.#stopTimers();
    this.#state = 'confirmed';
    this.emit('acked');
  }

  /** @internal The peer sent BYE. */
  remoteBye(): void {
    if (this.#state === 'terminated') {
      return;
    }
    this.#stopTimers();
    this.#state = 'terminated';
    this.emit('ended', 'remote-bye');
  }

  /** @internal The UA is closing. */
  shutdown(): void {
    this.#stopTimers();
    if (this.#state === 'ringing') {
      this.#state = 'terminated';
      this.#incoming.respond(this.#response(503, 'Service Unavailable'));
    } else if (this.#state === 'answered' || this.#state === 'confirmed') {
      void this.#sendBye();
      this.emit('ended', 'closed');
    }
  }
}

/** What calls need from their UA. */
interface UserAgentInternals {
  readonly stack: SipStack;
  readonly contactUri: string;
  register(dialog: Dialog, call: OutgoingCall | IncomingCall): void;
  unregister(dialog: Dialog): void;
}

/** Options of {@link UserAgent.create}. */
export interface UserAgentOptions extends Omit<SipStackOptions, 'logger'> {
  readonly logger: Logger;
  /** The user part of the UA's own URI and Contact. */
  readonly user?: string;
}

/** A user agent bound to one host address. */
export class UserAgent {
  readonly #stack: SipStack;
  readonly #log: Logger;
  readonly #user: string;
  readonly #dialogs = new Map<string, OutgoingCall | IncomingCall>();
  readonly #calls = new Set<OutgoingCall | IncomingCall>();
  readonly #internals: UserAgentInternals;
  #closed = false;

  /**
   * Called for every new INVITE that passed the checks. Without a handler INVITEs get 480.
   */
  onInvite: ((call: IncomingCall) => void) | undefined;

  /** Wraps an existing stack; the UA takes it over (its `onRequest` is replaced). */
  constructor(stack: SipStack, logger: Logger, options: { user?: string } = {}) {
    this.#stack = stack;
    this.#log = logger.child({ mod: 'sip.ua' });
    this.#user = options.user ?? 'ua';
    stack.onRequest = (rq) => this.#onRequest(rq);
    this.#internals = {
      stack,
      contactUri: this.uri,
      register: (dialog, call) => {
        this.#dialogs.set(dialog.key, call);
      },
      unregister: (dialog) => {
        this.#dialogs.delete(dialog.key);
      },
    };
  }

  /**
   * Binds a stack and creates a UA on it.
   * @throws {SimError} `SIM_ERR_SIP_BIND` when the address cannot be bound.
   */
  static async create(options: UserAgentOptions): Promise<UserAgent> {
    const stack = await SipStack.bind(options);
    return new UserAgent(
      stack,
      options.logger,
      options.user === undefined ? {} : { user: options.user },
    );
  }

  /** The stack underneath. */
  get stack(): SipStack {
    return this.#stack;
  }

  /** The UA's own URI, `sip:user@address:port`; also its Contact. */
  get uri(): string {
    return `sip:${this.#user}@${this.#stack.hostport}`;
  }

  /** Sets the message observer of the stack. */
  set observer(observer: SipObserver | undefined) {
    this.#stack.observer = observer;
  }

  /** Number of calls not yet terminated. */
  get activeCalls(): number {
    let n = 0;
    for (const call of this.#calls) {
      if (call.state !== 'terminated') {
        n++;
      }
    }
    return n;
  }

  /**
   * Places a call: sends an INVITE with the SDP offer to `targetUri` (an IPv4 SIP URI) or to
   * `target` when given. Failures (timeouts, unreachable targets) arrive as `failed`.
   */
  invite(
    targetUri: string,
    offerSdp: string,
    handlers: OutgoingCallHandlers = {},
    options: InviteOptions = {},
    target?: SipRemote,
  ): OutgoingCall {
    const callId = newCallId(this.#stack.address);
    const from: SipAddress = { uri: options.from ?? this.uri, params: { tag: newTag() } };
    if (options.fromName !== undefined) {
      from.name = `"${options.fromName.replace(/["\\]/g, '')}"`;
    }
    const invite: SipRequest = {
      method: 'INVITE',
      uri: targetUri,
      version: '2.0',
      headers: {
        via: [],
        'max-forwards': String(options.maxForwards ?? 70),
        from,
        to: { uri: options.to ?? targetUri, params: {} },
        'call-id': callId,
        cseq: { seq: 1, method: 'INVITE' },
        contact: [{ uri: this.uri, params: {} }],
        allow: ALLOW,
        ...(offerSdp.length > 0 ? { 'content-type': 'application/sdp' } : {}),
        ...options.headers,
      },
      content: offerSdp,
    };
    const call = new OutgoingCall(this.#internals, invite, this.#log.child({ callId }));
    for (const [event, handler] of Object.entries(handlers)) {
      if (handler) {
        call.on(event as keyof OutgoingCallEvents, handler);
      }
    }
    this.#track(call);
    if (this.#closed) {
      queueMicrotask(() => call.emit('failed', 503, 'User agent closed'));
      return call;
    }
    call.start(target);
    return call;
  }

  #track(call: OutgoingCall | IncomingCall): void {
    this.#calls.add(call);
    const forget = (): void => {
      if (call.state === 'terminated') {
        this.#calls.delete(call);
      }
    };
    call.on('ended', forget);
    if (call instanceof OutgoingCall) {
      call.on('failed', forget);
    } else {
      call.on('cancelled', forget);
    }
  }

  #onRequest(incoming: IncomingRequest): void {
    const rq = incoming.message;
    const toTag = tagOf(rq.headers.to);
    const fromTag = tagOf(rq.headers.from);
    switch (rq.method) {
      case 'ACK': {
        const call =
          toTag === undefined
            ? undefined
            : this.#dialogs.get(dialogKey(rq.headers['call-id'], toTag, fromTag));
        if (call instanceof IncomingCall) {
          call.acked();
        }
        return;
      }
      case 'BYE': {
        const call =
          toTag === undefined
            ? undefined
            : this.#dialogs.get(dialogKey(rq.headers['call-id'], toTag, fromTag));
        if (!call) {
          // RFC 3261 section 15.1.2: BYE for no dialog gets 481.
          incoming.respond(buildResponse(rq, 481, undefined, { toTag: newTag() }));
          return;
        }
        this.#dialogs.delete(dialogKey(rq.headers['call-id'], toTag!, fromTag));
        incoming.respond(buildResponse(rq, 200, 'OK'));
        call.remoteBye();
        return;
      }
      case 'OPTIONS':
        // RFC 3261 section 11.2: answer with the capabilities.
        incoming.respond(
          buildResponse(rq, 200, 'OK', {
            toTag: newTag(),
            headers: { allow: ALLOW, accept: 'application/sdp', supported: '' },
          }),
        );
        return;
      case 'INVITE':
        this.#onInvite(incoming, toTag, fromTag);
        return;
      default:
        if (KNOWN_METHODS.has(rq.method)) {
          // RFC 3261 section 21.4.6: a method we know but do not allow here.
          incoming.respond(
            buildResponse(rq, 405, undefined, { toTag: newTag(), headers: { allow: ALLOW } }),
          );
        } else {
          // RFC 3261 section 8.2.1: an unknown method gets 501 with Allow.
          incoming.respond(
            buildResponse(rq, 501, undefined, { toTag: newTag(), headers: { allow: ALLOW } }),
          );
        }
    }
  }

  #onInvite(
    incoming: IncomingRequest,
    toTag: string | undefined,
    fromTag: string | undefined,
  ): void {
    const rq = incoming.message;
    const reject = (status: number, headers: Record<string, unknown> = {}): void => {
      incoming.respond(
        buildResponse(rq, status, reasonPhrase(status), { toTag: newTag(), headers }),
      );
    };
    if (toTag !== undefined) {
      // RFC 3261 section 12.2.2: a request with a To tag for no dialog gets 481; we do not
      // renegotiate media in an existing dialog (488, section 14.2).
      const known = this.#dialogs.has(dialogKey(rq.headers['call-id'], toTag, fromTag));
      reject(known ? 488 : 481);
      return;
    }
    const type = contentTypeOf(rq);
    if (rq.content.length > 0 && type !== 'application/sdp') {
      // RFC 3261 section 8.2.3 / 21.4.13: 415 with the types we accept.
      reject(415, { accept: 'application/sdp' });
      return;
    }
    const accept = headerText(rq, 'accept');
    if (accept !== undefined && !acceptsSdp(accept)) {
      // RFC 3261 section 21.4.7: we can only answer with SDP.
      reject(406, { accept: 'application/sdp' });
      return;
    }
    const uri = parseSipUri(rq.uri);
    if (!uri) {
      reject(416);
      return;
    }
    if (this.#closed || !this.onInvite) {
      reject(480);
      return;
    }
    const call = new IncomingCall(
      this.#internals,
      incoming,
      this.#log.child({ callId: rq.headers['call-id'] }),
    );
    this.#track(call);
    try {
      this.onInvite(call);
    } catch (e) {
      this.#log.error({ err: e }, 'onInvite handler threw');
      call.reject(500, 'Server Internal Error');
    }
  }

  /**
   * Ends every call (BYE for answered ones, 503 for ringing ones) and closes the stack.
   */
  async close(): Promise<void> {
    if (this.#closed) {
      return this.#stack.close();
    }
    this.#closed = true;
    for (const call of [...this.#calls]) {
      call.shutdown();
    }
    this.#calls.clear();
    this.#dialogs.clear();
    await this.#stack.close();
  }
}

function acceptsSdp(accept: string): boolean {
  return accept
    .split(',')
    .map((t) => t.split(';')[0]?.trim().toLowerCase())
    .some((t) => t === 'application/sdp' || t === 'application/*' || t === '*/*' || t === '');
}
