/**
 * The UAS side of a call (RFC 3261 section 13.3): an INVITE received by a user agent, its
 * provisional and final responses, the 2xx retransmitted until the ACK (BYE after 64*T1
 * without one), CANCEL before the answer and BYE after it. It knows its user agent only as a
 * {@link CallOwner}; it must not know outgoing calls nor how the user agent checks an INVITE.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../core/index.js';
import type { CallEndCause, CallOwner } from './call-owner.js';
import { Dialog } from './dialog.js';
import {
  InDialog,
  referIn,
  reinviteIn,
  type InDialogEvents,
  type ReInviteOutcome,
} from './in-dialog.js';
import {
  buildResponse,
  copyAddress,
  newTag,
  type SipAddress,
  type SipRemote,
  type SipRequest,
  type SipResponse,
} from './message.js';
import { remoteOfUri, type IncomingRequest } from './stack.js';

/** Events of an incoming call (REFER, NOTIFY and re-INVITE in its dialog too). */
export type IncomingCallEvents = InDialogEvents & {
  /** The caller cancelled before the answer; a 487 was sent. */
  cancelled: [];
  /** The caller acknowledged the 2xx. */
  acked: [];
  /** The call ended after the answer. */
  ended: [cause: CallEndCause];
  /** @internal The call reached `terminated`, however it ended. */
  '@terminated': [];
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
  readonly #ua: CallOwner;
  readonly #incoming: IncomingRequest;
  readonly #log: Logger;
  readonly #localTag = newTag();
  #state: IncomingCallState = 'ringing';
  #dialog: Dialog | undefined;
  #retransmit: ReturnType<typeof setTimeout> | undefined;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  #inDialog: InDialog | undefined;

  /** @internal */
  constructor(ua: CallOwner, incoming: IncomingRequest, log: Logger) {
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
    toTag = this.#localTag,
  ): SipResponse {
    const extra: Record<string, unknown> = { ...headers };
    if (status > 100 && status < 300) {
      extra.contact = [{ uri: this.#ua.contactUri, params: {} }];
    }
    if (content.length > 0) {
      extra['content-type'] = 'application/sdp';
    }
    return buildResponse(this.#incoming.message, status, reason, {
      toTag,
      content,
      headers: extra,
    });
  }

  /**
   * Sends a provisional response, 180 Ringing by default, optionally with early-media SDP.
   * With `earlyDialog`, the response carries that To tag instead of this call's own: an early
   * dialog of another branch, as a forking element passes on each branch's provisional
   * response (RFC 3261 sections 12.1 and 16.7); the final answer keeps this call's own tag.
   */
  ring(status = 180, reason?: string, sdp = '', earlyDialog?: string): void {
    if (this.#state !== 'ringing' || status <= 100 || status >= 200) {
      return;
    }
    this.#incoming.respond(this.#response(status, reason, sdp, {}, earlyDialog));
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
    this.#inDialog = new InDialog(this.#ua, dialog, this, this.#log);
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
    this.#terminated();
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
    this.#terminated();
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
    this.#terminated();
    this.#incoming.respond(this.#response(487, 'Request Terminated'));
    this.emit('cancelled');
  }

  /**
   * Sends REFER in the dialog (RFC 3515); resolves with its final status (0 when the call is
   * not up). Progress comes as `refer-progress`.
   */
  refer(target: string, headers: Record<string, string> = {}): Promise<number> {
    return referIn(this.#upDialog(), target, headers);
  }

  /** Sends a re-INVITE with a new offer in the confirmed dialog; 481 when it is not up. */
  reinvite(sdp: string, headers: Record<string, string> = {}): Promise<ReInviteOutcome> {
    return reinviteIn(this.#upDialog(), sdp, headers);
  }

  /** The dialog's in-dialog requests while the call is up (confirmed). */
  #upDialog(): InDialog | undefined {
    return this.#state === 'confirmed' ? this.#inDialog : undefined;
  }

  /** @internal A REFER, NOTIFY or re-INVITE in the dialog. */
  inDialog(incoming: IncomingRequest): void {
    if (this.#inDialog && this.#state === 'confirmed') {
      this.#inDialog.receive(incoming);
    } else {
      // Before the first ACK a new offer would cross ours (RFC 3261 section 14.2: 491).
      incoming.respond(
        buildResponse(incoming.message, this.#state === 'answered' ? 491 : 481, undefined),
      );
    }
  }

  /** @internal An ACK in the dialog: of our 2xx, or of a re-INVITE's. */
  ack(rq: SipRequest): void {
    if (rq.headers.cseq.seq === this.#incoming.message.headers.cseq.seq) {
      this.acked();
    } else {
      this.#inDialog?.ack(rq);
    }
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
    this.#terminated();
    this.emit('ended', 'remote-bye');
  }

  /** The call is over: its user agent forgets it (`@terminated`, once). */
  #terminated(): void {
    if (this.#state === 'terminated') {
      return;
    }
    this.#state = 'terminated';
    this.#inDialog?.close();
    this.emit('@terminated');
  }

  /** @internal The UA is closing. */
  shutdown(): void {
    this.#stopTimers();
    if (this.#state === 'ringing') {
      this.#terminated();
      this.#incoming.respond(this.#response(503, 'Service Unavailable'));
    } else if (this.#state === 'answered' || this.#state === 'confirmed') {
      void this.#sendBye();
      this.emit('ended', 'closed');
    }
  }
}
