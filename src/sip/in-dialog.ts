/**
 * Requests within a confirmed INVITE dialog other than BYE, for either side of a call: REFER
 * with its implicit subscription (RFC 3515: Refer-To, 202 Accepted, NOTIFY with
 * `message/sipfrag` bodies, `Event: refer`, `Subscription-State`), and re-INVITE (RFC 3261
 * section 14: a new offer and its answer, the 2xx retransmitted until its ACK; 491 when the
 * two sides' re-INVITEs cross). Incoming and outgoing calls each hold one of these for their
 * dialog once it is confirmed; it knows its call only through the emit function it is given.
 *
 * Simplified: one REFER subscription at a time per dialog (no `id` parameter on Event), no
 * subscription refresh (SUBSCRIBE) and no expiry timer: the subscription ends with the final
 * NOTIFY or with the dialog.
 */
import type { Logger } from '../core/index.js';
import type { CallOwner } from './call-owner.js';
import type { Dialog } from './dialog.js';
import {
  buildResponse,
  contentTypeOf,
  copyAddress,
  headerText,
  type SipRequest,
  type SipResponse,
} from './message.js';
import type { IncomingRequest } from './stack.js';
import { parseAddress } from './syntax.js';

/** A REFER received in the dialog, accepted with 202: report progress with `notify`. */
export interface ReferRequest {
  /** The Refer-To URI. */
  readonly target: string;
  /** The REFER as received. */
  readonly request: SipRequest;
  /**
   * Sends a NOTIFY with the status line of the referred request as `message/sipfrag`; a final
   * status (200 or more) ends the subscription. Resolves with the NOTIFY's final status.
   */
  notify(status: number, reason: string): Promise<number>;
}

/** A NOTIFY of the subscription our REFER created: the referred request's progress. */
export interface ReferProgress {
  readonly status: number;
  readonly reason: string;
  /** The subscription ended with this NOTIFY (`Subscription-State: terminated`). */
  readonly terminated: boolean;
}

/** A new offer in a re-INVITE, to be answered (or refused) once. */
export interface ReOffer {
  readonly sdp: string;
  readonly request: SipRequest;
  /** Accepts with 200 and the answer (retransmitted until the ACK). */
  accept(answerSdp: string): void;
  /** Refuses with a final status of 300 or more (488 by default): the old session stays. */
  refuse(status?: number, reason?: string): void;
}

/** The outcome of a re-INVITE this side sent. */
export interface ReInviteOutcome {
  readonly status: number;
  readonly reason: string;
  /** The answer of a 2xx; empty otherwise. */
  readonly sdp: string;
}

/** Events of a call about requests within its dialog. */
export type InDialogEvents = {
  /** A REFER arrived and was accepted with 202. */
  refer: [refer: ReferRequest];
  /** A NOTIFY about the REFER this side sent arrived (and was answered 200). */
  'refer-progress': [progress: ReferProgress];
  /** A re-INVITE arrived with a new offer. */
  reoffer: [offer: ReOffer];
};

/** How the helper tells its call of an event (only when someone listens). */
export interface InDialogSink {
  emit<K extends keyof InDialogEvents>(event: K, ...args: InDialogEvents[K]): boolean;
  listenerCount(event: keyof InDialogEvents): number;
}

/** A re-INVITE received: its CSeq, whether it was answered, the 2xx's timers. */
interface Receiving {
  readonly cseq: number;
  answered: boolean;
  readonly timers: ReturnType<typeof setTimeout>[];
}

/** The status line of a `message/sipfrag` body (`SIP/2.0 200 OK`). */
export function sipfragStatus(body: string): { status: number; reason: string } | undefined {
  const m = /^SIP\/2\.0 (\d{3}) ?([^\r\n]*)/.exec(body.trimStart());
  return m ? { status: Number(m[1]), reason: m[2] ?? '' } : undefined;
}

/**
 * The Refer-To address of a REFER: kept as text by the decoder, or as the `sip` package's
 * parsed address; `undefined` when missing or malformed.
 */
function referToOf(rq: SipRequest): { readonly uri: string } | undefined {
  const value = rq.headers['refer-to'];
  if (typeof value === 'string') {
    return parseAddress(value);
  }
  const uri = (value as { uri?: unknown } | undefined)?.uri;
  return typeof uri === 'string' && parseAddress(`<${uri}>`) ? { uri } : undefined;
}

/** REFER, NOTIFY and re-INVITE within one confirmed dialog. */
/**
 * REFER in the dialog of a call, if it is up (`dialog` undefined when it is not): resolves
 * with the REFER's final status, 0 when the call is not up.
 */
export function referIn(
  dialog: InDialog | undefined,
  target: string,
  headers: Record<string, string>,
): Promise<number> {
  return dialog ? dialog.refer(target, headers) : Promise.resolve(0);
}

/** A re-INVITE in the dialog of a call, if it is up; 481 when it is not. */
export function reinviteIn(
  dialog: InDialog | undefined,
  sdp: string,
  headers: Record<string, string>,
): Promise<ReInviteOutcome> {
  return dialog
    ? dialog.reinvite(sdp, headers)
    : Promise.resolve({ status: 481, reason: 'Call/Transaction Does Not Exist', sdp: '' });
}

export class InDialog {
  readonly #ua: CallOwner;
  readonly #dialog: Dialog;
  readonly #sink: InDialogSink;
  readonly #log: Logger;
  /** A re-INVITE this side sent that has no final response yet. */
  #sending = false;
  /** Its give-up timer, and how it ends when the dialog ends first. */
  #sendTimer: ReturnType<typeof setTimeout> | undefined;
  #sendAbort: (() => void) | undefined;
  /** A re-INVITE received whose 2xx waits for its ACK (or that is not answered yet). */
  #receiving: Receiving | null = null;
  #closed = false;

  constructor(ua: CallOwner, dialog: Dialog, sink: InDialogSink, log: Logger) {
    this.#ua = ua;
    this.#dialog = dialog;
    this.#sink = sink;
    this.#log = log;
  }

  /** Handles a REFER, NOTIFY or INVITE received in the dialog. */
  receive(incoming: IncomingRequest): void {
    const rq = incoming.message;
    if (this.#closed) {
      incoming.respond(buildResponse(rq, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    switch (rq.method) {
      case 'REFER':
        this.#onRefer(incoming);
        return;
      case 'NOTIFY':
        this.#onNotify(incoming);
        return;
      case 'INVITE':
        this.#onReInvite(incoming);
        return;
      default:
        incoming.respond(buildResponse(rq, 405, 'Method Not Allowed'));
    }
  }

  /** An ACK in the dialog other than the first INVITE's: the ACK of a re-INVITE's 2xx. */
  ack(rq: SipRequest): void {
    if (this.#receiving?.cseq === rq.headers.cseq.seq) {
      this.#stopReceiving();
    }
  }

  /**
   * Sends REFER with `target` as Refer-To (RFC 3515 section 2.4.1). Resolves with its final
   * status (202 when accepted; 408 when the peer never answered); progress comes as
   * `refer-progress` events.
   */
  refer(target: string, headers: Record<string, string> = {}): Promise<number> {
    const rq = this.#dialog.request('REFER', '', {
      contact: [{ uri: this.#ua.contactUri, params: {} }],
      // The `sip` package writes Refer-To as an address (name-addr).
      'refer-to': { uri: target, params: {} },
      ...headers,
    });
    return this.#send(rq).then((rs) => rs.status);
  }

  /**
   * Sends a re-INVITE with a new offer (RFC 3261 section 14.1) and ACKs its 2xx. Resolves with
   * the final status and the answer; 491 at once when a re-INVITE is already under way.
   */
  reinvite(sdp: string, headers: Record<string, string> = {}): Promise<ReInviteOutcome> {
    if (this.#sending || this.#receiving?.answered === false || this.#closed) {
      // RFC 3261 section 14.1: not while another INVITE transaction is under way.
      return Promise.resolve({ status: 491, reason: 'Request Pending', sdp: '' });
    }
    this.#sending = true;
    const rq = this.#dialog.request('INVITE', sdp, {
      contact: [{ uri: this.#ua.contactUri, params: {} }],
      ...(sdp.length > 0 ? { 'content-type': 'application/sdp' } : {}),
      ...headers,
    });
    return new Promise((resolve) => {
      let ack: SipRequest | undefined;
      // A provisional response stops Timer B (RFC 3261 section 17.1.1.2): a peer that never
      // gives a final one is given up after 64*T1 (the re-INVITE's session stays as it was).
      this.#sendTimer = setTimeout(() => {
        if (this.#sending) {
          this.#sending = false;
          this.#log.warn('no final response to the re-INVITE within 64*T1');
          resolve({ status: 408, reason: 'Request Timeout', sdp: '' });
        }
      }, 64 * this.#ua.stack.timers.t1);
      this.#sendAbort = () => {
        this.#sending = false;
        resolve({ status: 481, reason: 'Call/Transaction Does Not Exist', sdp: '' });
      };
      this.#ua.stack.send(
        rq,
        (rs) => {
          if (rs.status < 200) {
            return;
          }
          clearTimeout(this.#sendTimer);
          if (rs.status >= 300) {
            if (this.#sending) {
              this.#sending = false;
              resolve({ status: rs.status, reason: rs.reason, sdp: '' });
            }
            return;
          }
          // RFC 3261 section 13.2.2.4: every 2xx (retransmissions too) gets the ACK.
          ack ??= this.#ackFor(rq);
          this.#ua.stack.sendAck(ack, this.#dialog.remoteAddress);
          if (this.#sending) {
            this.#sending = false;
            resolve({ status: rs.status, reason: rs.reason, sdp: rs.content });
          }
        },
        this.#dialog.remoteAddress,
      );
    });
  }

  /** The dialog ended: timers stop and later requests get 481. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#sendTimer);
    if (this.#sending) {
      this.#sendAbort?.();
    }
    this.#stopReceiving();
  }

  #ackFor(invite: SipRequest): SipRequest {
    return {
      method: 'ACK',
      uri: invite.uri,
      version: '2.0',
      headers: {
        via: [],
        'max-forwards': '70',
        from: copyAddress(invite.headers.from),
        to: copyAddress(invite.headers.to),
        'call-id': invite.headers['call-id'],
        cseq: { seq: invite.headers.cseq.seq, method: 'ACK' },
      },
      content: '',
    };
  }

  #send(rq: SipRequest): Promise<SipResponse> {
    return new Promise((resolve) => {
      this.#ua.stack.send(
        rq,
        (rs) => {
          if (rs.status >= 200) {
            resolve(rs);
          }
        },
        this.#dialog.remoteAddress,
      );
    });
  }

  #onRefer(incoming: IncomingRequest): void {
    const rq = incoming.message;
    const parsed = referToOf(rq);
    if (!parsed) {
      // RFC 3515 section 2.4.1: exactly one Refer-To, or 400.
      incoming.respond(buildResponse(rq, 400, 'Bad Request (Refer-To missing or malformed)'));
      return;
    }
    if (this.#sink.listenerCount('refer') === 0) {
      incoming.respond(buildResponse(rq, 603, 'Decline'));
      return;
    }
    incoming.respond(
      buildResponse(rq, 202, 'Accepted', {
        headers: { contact: [{ uri: this.#ua.contactUri, params: {} }] },
      }),
    );
    let ended = false;
    const refer: ReferRequest = {
      target: parsed.uri,
      request: rq,
      notify: (status, reason) => {
        if (ended || this.#closed) {
          return Promise.resolve(0);
        }
        ended = status >= 200;
        const notify = this.#dialog.request('NOTIFY', `SIP/2.0 ${status} ${reason}\r\n`, {
          contact: [{ uri: this.#ua.contactUri, params: {} }],
          event: 'refer',
          'subscription-state': ended ? 'terminated;reason=noresource' : 'active;expires=60',
          'content-type': 'message/sipfrag;version=2.0',
        });
        return this.#send(notify).then((rs) => rs.status);
      },
    };
    this.#sink.emit('refer', refer);
  }

  #onNotify(incoming: IncomingRequest): void {
    const rq = incoming.message;
    const event = headerText(rq, 'event')?.split(';')[0]?.trim().toLowerCase();
    if (event !== 'refer') {
      // RFC 6665 section 4.1.3: an event package we did not subscribe to.
      incoming.respond(buildResponse(rq, 489, 'Bad Event'));
      return;
    }
    const frag = sipfragStatus(rq.content);
    if (!frag || !(contentTypeOf(rq) ?? '').startsWith('message/sipfrag')) {
      incoming.respond(buildResponse(rq, 400, 'Bad Request (no message/sipfrag status line)'));
      return;
    }
    incoming.respond(buildResponse(rq, 200, 'OK'));
    const state = headerText(rq, 'subscription-state') ?? '';
    this.#sink.emit('refer-progress', {
      ...frag,
      terminated: state.trim().toLowerCase().startsWith('terminated'),
    });
  }

  #onReInvite(incoming: IncomingRequest): void {
    const rq = incoming.message;
    if (this.#sending) {
      // RFC 3261 section 14.2: our own re-INVITE is pending.
      incoming.respond(buildResponse(rq, 491, 'Request Pending'));
      return;
    }
    if (this.#receiving) {
      // RFC 3261 section 14.2: one of theirs is not finished: 500 with Retry-After.
      incoming.respond(
        buildResponse(rq, 500, 'Server Internal Error', { headers: { 'retry-after': '1' } }),
      );
      return;
    }
    if (rq.content.length > 0 && contentTypeOf(rq) !== 'application/sdp') {
      incoming.respond(
        buildResponse(rq, 415, 'Unsupported Media Type', {
          headers: { accept: 'application/sdp' },
        }),
      );
      return;
    }
    if (rq.content.length === 0 || this.#sink.listenerCount('reoffer') === 0) {
      // No offer (we do not make one in a 2xx) or nobody to answer it: the session stays.
      incoming.respond(buildResponse(rq, 488, 'Not Acceptable Here'));
      return;
    }
    const receiving: Receiving = { cseq: rq.headers.cseq.seq, answered: false, timers: [] };
    this.#receiving = receiving;
    let done = false;
    const offer: ReOffer = {
      sdp: rq.content,
      request: rq,
      accept: (answerSdp) => {
        if (done || this.#closed) {
          return;
        }
        done = true;
        receiving.answered = true;
        const ok = buildResponse(rq, 200, 'OK', {
          content: answerSdp,
          headers: {
            contact: [{ uri: this.#ua.contactUri, params: {} }],
            'content-type': 'application/sdp',
          },
        });
        incoming.respond(ok);
        this.#retransmitUntilAck(ok, incoming, receiving);
      },
      refuse: (status = 488, reason) => {
        if (done || this.#closed) {
          return;
        }
        done = true;
        if (this.#receiving === receiving) {
          this.#receiving = null;
        }
        incoming.respond(buildResponse(rq, status >= 300 ? status : 488, reason));
      },
    };
    this.#sink.emit('reoffer', offer);
  }

  /** RFC 3261 section 13.3.1.4: the 2xx is sent again (T1 doubling to T2) until the ACK. */
  #retransmitUntilAck(ok: SipResponse, incoming: IncomingRequest, receiving: Receiving): void {
    const { t1, t2 } = this.#ua.stack.timers;
    const resend = (interval: number): void => {
      receiving.timers[0] = setTimeout(() => {
        if (this.#receiving === receiving) {
          this.#ua.stack.sendResponse(ok, incoming.remote);
          resend(Math.min(interval * 2, t2));
        }
      }, interval);
    };
    resend(t1);
    receiving.timers[1] = setTimeout(() => {
      if (this.#receiving === receiving) {
        // No ACK within 64*T1: the new session stands anyway (the dialog is not torn down,
        // unlike the first INVITE's: the call was up before this offer).
        this.#log.warn('no ACK for the re-INVITE 2xx within 64*T1');
        this.#stopReceiving();
      }
    }, 64 * t1);
  }

  #stopReceiving(): void {
    const r = this.#receiving;
    if (!r) {
      return;
    }
    for (const t of r.timers) {
      clearTimeout(t);
    }
    this.#receiving = null;
  }
}
