/**
 * The UAC side of a call (RFC 3261 section 13.2): an INVITE sent by a user agent, its
 * provisional and final responses, the ACK for every 2xx, CANCEL before the answer and BYE
 * after it. It knows its user agent only as a {@link CallOwner}; it must not know incoming
 * calls nor how the user agent routes requests.
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
  tagOf,
  type SipRemote,
  type SipRequest,
  type SipResponse,
} from './message.js';
import { remoteOfUri, type ClientRequestHandle, type IncomingRequest } from './stack.js';

/** A provisional response as reported to the caller. */
export interface ProvisionalInfo {
  readonly status: number;
  readonly reason: string;
  /** SDP of the provisional response (early media), when it carries one. */
  readonly sdp: string | undefined;
  /** The To tag: which early dialog the response belongs to (a forked call has several). */
  readonly toTag: string | undefined;
}

/** Events of an outgoing call (REFER, NOTIFY and re-INVITE in its dialog too). */
export type OutgoingCallEvents = InDialogEvents & {
  provisional: [info: ProvisionalInfo];
  answered: [answerSdp: string, response: SipResponse];
  failed: [status: number, reason: string];
  ended: [cause: CallEndCause];
  /** @internal The call reached `terminated`, however it ended. */
  '@terminated': [];
};

/** Handlers that {@link UserAgent.invite} attaches to the new call. */
export type OutgoingCallHandlers = {
  [K in keyof OutgoingCallEvents]?: (...args: OutgoingCallEvents[K]) => void;
};

/** States of an outgoing call. */
export type OutgoingCallState = 'calling' | 'early' | 'confirmed' | 'terminated';

/** An INVITE sent by this UA. Created by {@link UserAgent.invite}. */
export class OutgoingCall extends EventEmitter<OutgoingCallEvents> {
  readonly callId: string;
  readonly #ua: CallOwner;
  readonly #invite: SipRequest;
  readonly #log: Logger;
  #remote: SipRemote | undefined;
  #state: OutgoingCallState = 'calling';
  #provisionalSeen = false;
  #cancelPending = false;
  #cancelled = false;
  #dialog: Dialog | undefined;
  #ack: SipRequest | undefined;
  /** The ACK's bytes as first sent, for the transaction once the call is over. */
  #ackBytes: Buffer | undefined;
  #handle: ClientRequestHandle | undefined;
  #inDialog: InDialog | undefined;

  /** @internal */
  constructor(ua: CallOwner, invite: SipRequest, log: Logger) {
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
    this.#handle = handle;
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
          toTag: tagOf(rs.headers.to),
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
    this.#terminated();
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
    this.#ackBytes = this.#ua.stack.sendAck(ack, dialog.remoteAddress);
    if (this.#state === 'terminated' || this.#cancelled) {
      // RFC 3261 section 9.1 / 15: a 2xx that crossed our CANCEL (or arrived after we gave
      // up) is acknowledged and the dialog is ended at once with BYE.
      this.#state = 'confirmed';
      this.#ua.register(dialog, this);
      void this.bye();
      return;
    }
    this.#state = 'confirmed';
    this.#inDialog = new InDialog(this.#ua, dialog, this, this.#log);
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
    this.#terminated();
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
      incoming.respond(buildResponse(incoming.message, 481, undefined));
    }
  }

  /** @internal An ACK in the dialog: of a re-INVITE's 2xx. */
  ack(rq: SipRequest): void {
    this.#inDialog?.ack(rq);
  }

  /** @internal The peer sent BYE. */
  remoteBye(): void {
    if (this.#state === 'terminated') {
      return;
    }
    this.#terminated();
    this.emit('ended', 'remote-bye');
  }

  /** The call is over: its user agent forgets it (`@terminated`, once). */
  #terminated(): void {
    if (this.#state === 'terminated') {
      return;
    }
    this.#state = 'terminated';
    this.#releaseTransaction();
    this.#inDialog?.close();
    this.emit('@terminated');
  }

  /**
   * Once answered and over, all the INVITE transaction may still deliver is a retransmitted
   * 2xx, which needs only the ACK again: the transaction is given the ACK's bytes, so it does
   * not keep the call, its dialog, its listeners or the messages the ACK was made from for the
   * rest of Timer M (32 s).
   */
  #releaseTransaction(): void {
    const bytes = this.#ackBytes;
    const remote = this.#dialog?.remoteAddress;
    const handle = this.#handle;
    if (handle === undefined || bytes === undefined || remote === undefined) {
      // Not answered, or the ACK never left (the stack was closed): nothing to send again.
      return;
    }
    this.#handle = undefined;
    const stack = this.#ua.stack;
    handle.handOver((rs) => {
      if (rs.status >= 200 && rs.status < 300) {
        stack.sendAgain(bytes, remote);
      }
    });
  }

  /** @internal The UA is closing. */
  shutdown(): void {
    if (this.#state === 'confirmed') {
      void this.bye();
      this.emit('ended', 'closed');
    } else if (this.#state !== 'terminated') {
      this.#terminated();
    }
  }
}
