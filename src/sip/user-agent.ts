/**
 * A SIP user agent for one host, on top of a {@link SipStack}: it places calls
 * ({@link OutgoingCall}), checks each incoming INVITE and hands it on as an
 * {@link IncomingCall}, routes in-dialog ACK and BYE to their call, answers OPTIONS, and gives
 * sensible answers to everything else. It owns the stack and the dialog table; what happens
 * within a call is the business of the call classes, and the user agent must not know their
 * states beyond `terminated`.
 */
import type { Logger } from '../core/index.js';
import type { CallOwner, DialogCall } from './call-owner.js';
import { dialogKey } from './dialog.js';
import { IncomingCall } from './incoming-call.js';
import {
  buildResponse,
  contentTypeOf,
  headerText,
  newCallId,
  newTag,
  reasonPhrase,
  tagOf,
  type SipAddress,
  type SipRemote,
  type SipRequest,
} from './message.js';
import {
  OutgoingCall,
  type OutgoingCallEvents,
  type OutgoingCallHandlers,
} from './outgoing-call.js';
import { SipStack, type IncomingRequest, type SipObserver, type SipStackOptions } from './stack.js';
import { parseSipUri } from './syntax.js';

/** Methods this UA implements, advertised in Allow. */
export const ALLOWED_METHODS = [
  'INVITE',
  'ACK',
  'CANCEL',
  'BYE',
  'OPTIONS',
  'REFER',
  'NOTIFY',
] as const;

/** Methods RFC 3261 and its common extensions define, answered 405 rather than 501. */
const KNOWN_METHODS = new Set([
  'REGISTER',
  'SUBSCRIBE',
  'MESSAGE',
  'INFO',
  'UPDATE',
  'PRACK',
  'PUBLISH',
]);

const ALLOW = ALLOWED_METHODS.join(', ');

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
  readonly #dialogs = new Map<string, DialogCall>();
  readonly #calls = new Set<OutgoingCall | IncomingCall>();
  readonly #internals: CallOwner;
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

  /** Calls the UA holds: those not terminated (a call is forgotten once it ends). */
  get heldCalls(): number {
    return this.#calls.size;
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

  /**
   * Sends OPTIONS outside any dialog (RFC 3261 section 11: a keep-alive or capability query)
   * and resolves with the final status: the peer's, or a synthesized 408 (no answer within
   * Timer F) or 503 (no route, stack closed). Never rejects.
   */
  ping(targetUri: string, target?: SipRemote): Promise<number> {
    const options: SipRequest = {
      method: 'OPTIONS',
      uri: targetUri,
      version: '2.0',
      headers: {
        via: [],
        'max-forwards': '70',
        from: { uri: this.uri, params: { tag: newTag() } },
        to: { uri: targetUri, params: {} },
        'call-id': newCallId(this.#stack.address),
        cseq: { seq: 1, method: 'OPTIONS' },
        contact: [{ uri: this.uri, params: {} }],
        accept: 'application/sdp',
      },
      content: '',
    };
    return new Promise((resolve) => {
      this.#stack.send(
        options,
        (rs) => {
          if (rs.status >= 200) {
            resolve(rs.status);
          }
        },
        target,
      );
    });
  }

  #track(call: OutgoingCall | IncomingCall): void {
    this.#calls.add(call);
    // However a call ends (a BYE either way, a final response, a cancel), the UA forgets it:
    // a long-running UA holds only the calls that are up.
    call.once('@terminated', () => {
      this.#calls.delete(call);
    });
  }

  #onRequest(incoming: IncomingRequest): void {
    const rq = incoming.message;
    const toTag = tagOf(rq.headers.to);
    const fromTag = tagOf(rq.headers.from);
    // The dialog a request within one belongs to (RFC 3261 section 12.2.2), by its key.
    const key = toTag === undefined ? undefined : dialogKey(rq.headers['call-id'], toTag, fromTag);
    const call = key === undefined ? undefined : this.#dialogs.get(key);
    switch (rq.method) {
      case 'ACK':
        call?.ack(rq);
        return;
      case 'REFER':
      case 'NOTIFY':
      case 'BYE':
        if (!call || key === undefined) {
          // RFC 3261 section 15.1.2 (BYE), RFC 3515 and RFC 6665 (REFER and its NOTIFYs): we
          // take them only within an INVITE dialog we have; outside one they get 481.
          incoming.respond(buildResponse(rq, 481, undefined, { toTag: newTag() }));
          return;
        }
        if (rq.method !== 'BYE') {
          call.inDialog(incoming);
          return;
        }
        this.#dialogs.delete(key);
        incoming.respond(buildResponse(rq, 200, 'OK'));
        call.remoteBye();
        return;
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
        this.#onInvite(incoming, toTag, call);
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
    dialogCall: DialogCall | undefined,
  ): void {
    const rq = incoming.message;
    const reject = (status: number, headers: Record<string, unknown> = {}): void => {
      incoming.respond(
        buildResponse(rq, status, reasonPhrase(status), { toTag: newTag(), headers }),
      );
    };
    if (toTag !== undefined) {
      // RFC 3261 section 12.2.2: a request with a To tag for no dialog gets 481; a re-INVITE
      // (section 14.2) goes to the call that holds the dialog.
      if (dialogCall) {
        dialogCall.inDialog(incoming);
      } else {
        reject(481);
      }
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
